from __future__ import annotations

from pathlib import Path

import pytest

from frontdesk.storage.filesystems import (
    NetworkFileSystem,
    network_filesystem,
    refuse_network_filesystem,
    unescape,
)


def escaped(path: Path) -> str:
    """A path the way /proc/self/mounts writes it."""
    text = str(path)
    for char in ("\\", " ", "\t", "\n"):
        text = text.replace(char, f"\\{ord(char):03o}")
    return text


# Mount points are relative to a root under tmp_path, so the test does not depend on this
# machine's own folders. "{root}" stands for that root, already escaped.
MOUNTS = """\
/dev/sda1 / ext4 rw,relatime 0 0
proc /proc proc rw,nosuid 0 0
tmpfs {root} tmpfs rw 0 0
server:/export {root}/nas nfs4 rw,relatime,vers=4.2 0 0
/dev/sdb1 {root}/nas/local-cache ext4 rw 0 0
//fs/clinic {root}/smb cifs rw,vers=3.0 0 0
//fs/clinic3 {root}/smb3 smb3 rw 0 0
ana@host:/data {root}/Remote\\040Files fuse.sshfs rw,nosuid 0 0
drive: {root}/gdrive fuse.rclone rw 0 0
bucket {root}/bucket fuse.s3fs rw 0 0
gcs {root}/gcs fuse.gcsfuse rw 0 0
portal {root}/doc fuse.portal rw 0 0
/dev/sdc1 {root}/usb vfat rw 0 0
host0 {root}/vm 9p rw 0 0
mon:/ {root}/ceph ceph rw 0 0
/dev/sdd1 {root}/stacked ext4 rw 0 0
server:/stacked {root}/stacked nfs rw 0 0
server:/tab {root}/with\\011tab nfs4 rw 0 0
"""


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path.resolve()


@pytest.fixture
def mounts(root: Path) -> str:
    return MOUNTS.replace("{root}", escaped(root))


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        pytest.param("frontdesk.sqlite3", None, id="local tmpfs"),
        pytest.param("nas/frontdesk.sqlite3", "nfs4", id="nfs4"),
        pytest.param("nas", "nfs4", id="the mount point itself"),
        pytest.param("nas/clinic/2026/frontdesk.sqlite3", "nfs4", id="deep inside nfs4"),
        pytest.param("nas/local-cache/frontdesk.sqlite3", None, id="local disk mounted in nfs"),
        pytest.param("nasty/frontdesk.sqlite3", None, id="prefix of a name is not a parent"),
        pytest.param("smb/frontdesk.sqlite3", "cifs", id="cifs"),
        pytest.param("smb3/frontdesk.sqlite3", "smb3", id="smb3"),
        pytest.param("Remote Files/frontdesk.sqlite3", "fuse.sshfs", id="escaped space"),
        pytest.param("Remote/frontdesk.sqlite3", None, id="only part of an escaped name"),
        pytest.param("gdrive/frontdesk.sqlite3", "fuse.rclone", id="rclone"),
        pytest.param("bucket/frontdesk.sqlite3", "fuse.s3fs", id="s3fs"),
        pytest.param("gcs/frontdesk.sqlite3", "fuse.gcsfuse", id="gcsfuse"),
        pytest.param("doc/frontdesk.sqlite3", None, id="a local fuse file system"),
        pytest.param("usb/frontdesk.sqlite3", None, id="usb stick"),
        pytest.param("vm/frontdesk.sqlite3", "9p", id="9p"),
        pytest.param("ceph/frontdesk.sqlite3", "ceph", id="ceph"),
        pytest.param("stacked/frontdesk.sqlite3", "nfs", id="the later of two mounts wins"),
        pytest.param("with\ttab/frontdesk.sqlite3", "nfs4", id="escaped tab"),
    ],
)
def test_network_filesystem(root: Path, mounts: str, where: str, expected: str | None) -> None:
    assert network_filesystem(root / where, mounts) == expected


def test_an_existing_folder_is_judged_by_where_its_link_points(root: Path, mounts: str) -> None:
    (root / "nas" / "clinic").mkdir(parents=True)
    (root / "shortcut").symlink_to(root / "nas" / "clinic")
    assert network_filesystem(root / "shortcut" / "frontdesk.sqlite3", mounts) == "nfs4"


def test_a_relative_path_is_judged_from_the_current_folder(
    root: Path, mounts: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    (root / "smb").mkdir()
    monkeypatch.chdir(root / "smb")
    assert network_filesystem(Path("frontdesk.sqlite3"), mounts) == "cifs"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (r"\\server\share\frontdesk.sqlite3", "smb"),
        ("//server/share/frontdesk.sqlite3", "smb"),
        (r"\\?\UNC\server\share\frontdesk.sqlite3", "smb"),
        (r"\\?\C:\Clinic\frontdesk.sqlite3", None),
        ("///not/unc/frontdesk.sqlite3", None),
    ],
)
def test_windows_shares(path: str, expected: str | None) -> None:
    assert network_filesystem(Path(path), "/dev/sda1 / ext4 rw 0 0\n") == expected


def test_unescape() -> None:
    assert unescape(r"/mnt/a\040b\011c\134d\012e") == "/mnt/a b\tc\\d\ne"
    assert unescape("/plain") == "/plain"


def test_garbled_lines_are_skipped(root: Path) -> None:
    mounts = f"garbage\n\n{escaped(root)} nfs4\nserver:/x {escaped(root)} nfs4 rw 0 0\n"
    assert network_filesystem(root / "frontdesk.sqlite3", mounts) == "nfs4"


def test_refusal_says_what_to_do(root: Path, mounts: str) -> None:
    path = root / "nas" / "frontdesk.sqlite3"
    with pytest.raises(NetworkFileSystem) as refused:
        refuse_network_filesystem(path, mounts)
    message = str(refused.value)
    assert message.startswith(f"The clinic database {path} is on a network drive (nfs4).")
    assert "this computer's own disk" in message
    refuse_network_filesystem(root / "frontdesk.sqlite3", mounts)  # local: no complaint


def test_this_machines_own_mounts_are_read(tmp_path: Path) -> None:
    """Smoke test of the real /proc/self/mounts (or its absence): an answer, no exception."""
    found = network_filesystem(tmp_path / "frontdesk.sqlite3")
    assert found is None or isinstance(found, str)
