"""What opening a clinic file refuses before touching it: a network drive, a damaged file."""

from __future__ import annotations

from pathlib import Path

import pytest

from frontdesk.services.clinic import DatabaseRefused, open_clinic
from frontdesk.storage import filesystems


def test_a_database_on_a_network_drive_is_refused_in_words(tmp_path, clock, monkeypatch) -> None:
    mounts = tmp_path / "mounts"
    mounts.write_text(
        f"/dev/sda1 / ext4 rw 0 0\nnas:/clinic {tmp_path / 'nas'} nfs4 rw,vers=4.2 0 0\n"
    )
    monkeypatch.setattr(filesystems, "MOUNTS_FILE", mounts)
    (tmp_path / "nas").mkdir()
    with pytest.raises(DatabaseRefused, match=r"is on a network drive \(nfs4\)") as refused:
        open_clinic(tmp_path / "nas" / "clinic.sqlite3", clock)
    assert refused.value.damage is None
    assert not (tmp_path / "nas" / "clinic.sqlite3").exists()  # not even created
    opened = open_clinic(tmp_path / "local.sqlite3", clock)  # the local disk is fine
    opened.close()


def test_a_windows_share_is_refused_too(clock) -> None:
    with pytest.raises(DatabaseRefused, match=r"network drive \(smb\)"):
        open_clinic(Path("//server/clinic/frontdesk.sqlite3"), clock)


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: bytes(100) + data[100:],
        lambda data: data[: len(data) // 2],
        lambda data: b"\x8f" * len(data),
    ],
    ids=["zeroed header", "truncated", "random bytes"],
)
def test_a_damaged_file_is_refused_with_the_latest_good_backup(db_path, clock, damage) -> None:
    clinic = open_clinic(db_path, clock)
    made = clinic.backups.daily_if_due()
    clinic.close()
    Path(str(db_path) + "-wal").unlink(missing_ok=True)
    db_path.write_bytes(damage(db_path.read_bytes()))
    with pytest.raises(DatabaseRefused, match="is damaged") as refused:
        open_clinic(db_path, clock)
    assert refused.value.damage is not None
    assert refused.value.damage.latest_good.path == made
