"""Is the database on a network drive? SQLite's locking is unreliable there.

Two computers writing one SQLite file over NFS or SMB can damage it for good, and nothing
warns until the damage is found. The database must stay on a local disk; backups may go to the
network drive (they are written once and never shared while open).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path, PurePosixPath

MOUNTS_FILE = Path("/proc/self/mounts")

NETWORK_TYPES = frozenset(
    {
        "nfs",
        "nfs4",
        "cifs",
        "smb3",
        "smbfs",
        "ncpfs",
        "afs",
        "9p",
        "ceph",
        "glusterfs",
        "lustre",
        "gpfs",
        "davfs",
        "fuse.sshfs",
        "fuse.rclone",
        "fuse.s3fs",
    }
)
# FUSE file systems are named by their program: these words mean the files are elsewhere.
NETWORK_FUSE_WORDS = ("sshfs", "rclone", "s3", "gcsfuse", "smb", "nfs")

OCTAL_ESCAPE = re.compile(r"\\([0-7]{3})")


class NetworkFileSystem(Exception):
    """The database is on a network drive; the message says so in plain words."""


def network_filesystem(path: Path, mounts: str | None = None) -> str | None:
    """The network file-system type `path` lives on ("nfs4", "cifs", "fuse.sshfs"...), or None.

    `mounts` is the text of /proc/self/mounts (read from the system when not given). A file
    that does not exist yet is judged by the folder it would be created in.
    """
    if is_unc(path):
        return "smb"
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        return windows_network_drive(path)
    if mounts is None:
        try:
            mounts = MOUNTS_FILE.read_text(encoding="utf-8", errors="replace")
        except OSError:  # not Linux, or /proc not mounted: nothing to go on
            return None
    fstype = mount_type(located(path), mounts)
    return fstype if fstype is not None and is_network_type(fstype) else None


def refuse_network_filesystem(path: Path, mounts: str | None = None) -> None:
    """Raises NetworkFileSystem when the database at `path` is on a network drive."""
    fstype = network_filesystem(path, mounts)
    if fstype is not None:
        raise NetworkFileSystem(
            f"The clinic database {path} is on a network drive ({fstype}). SQLite files there "
            "can be damaged when two computers write at once; keep it on this computer's own "
            "disk (backups may go to the network drive)."
        )


def is_network_type(fstype: str) -> bool:
    if fstype in NETWORK_TYPES:
        return True
    return fstype.startswith("fuse.") and any(word in fstype for word in NETWORK_FUSE_WORDS)


def is_unc(path: Path) -> bool:
    """`\\\\server\\share\\...` or `//server/share/...`: a Windows network share."""
    text = str(path).replace("\\", "/")
    if text.startswith(("//?/", "//./")):  # Windows' long-path forms: \\?\C:\ is local
        return text[4:].upper().startswith("UNC/")
    return text.startswith("//") and not text.startswith("///") and len(text) > 2


def located(path: Path) -> PurePosixPath:
    """`path` with symbolic links resolved, through its nearest existing folder if need be."""
    absolute = Path(path).expanduser().absolute()
    existing = absolute
    while not exists(existing) and existing != existing.parent:
        existing = existing.parent
    try:
        resolved = existing.resolve()
    except (OSError, RuntimeError):  # a link loop, or a folder we may not look into
        resolved = existing
    return PurePosixPath(resolved) / absolute.relative_to(existing)


def exists(path: Path) -> bool:
    try:
        return path.exists()
    except OSError:  # permission denied on the way: as good as absent, for this purpose
        return False


def mount_type(path: PurePosixPath, mounts: str) -> str | None:
    """The type of the mount holding `path`: the longest mount point that contains it.

    When the same point is mounted twice, the later line (mounted on top) wins.
    """
    best_point: PurePosixPath | None = None
    best_type: str | None = None
    for line in mounts.splitlines():
        fields = line.split()
        if len(fields) < 3:
            continue
        point = PurePosixPath(unescape(fields[1]))
        if not path.is_relative_to(point):
            continue
        if best_point is None or len(point.parts) >= len(best_point.parts):
            best_point, best_type = point, unescape(fields[2])
    return best_type


def unescape(field: str) -> str:
    """/proc/self/mounts writes space, tab, newline and backslash as \\040 \\011 \\012 \\134."""
    return OCTAL_ESCAPE.sub(lambda match: chr(int(match.group(1), 8)), field)


def windows_network_drive(path: Path) -> str | None:  # pragma: no cover - Windows only
    """A mapped drive letter (Z:) that points at a share."""
    import ctypes

    drive = Path(path).absolute().drive
    if not drive:
        return None
    drive_remote = 4
    kind = ctypes.windll.kernel32.GetDriveTypeW(f"{drive}\\")  # type: ignore[attr-defined]
    return "smb" if kind == drive_remote else None
