"""Is the database on a network drive? SQLite's locking is unreliable there.

Two computers writing one SQLite file over NFS or SMB can damage it for good, and nothing
warns until the damage is found. The database must stay on a local disk; backups may go to the
network drive (they are written once and never shared while open).
"""

from __future__ import annotations

import os
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


# --- may this user use the file at all? ---------------------------------------------------


class UnusablePath(Exception):
    """The database cannot be used from here (a folder, no permission, a read-only disk); the
    message says what is wrong and what to do, in plain words. Not damage: never restore."""


ASK = (
    "Ask whoever looks after this computer to give your user account that permission, or"
    " start Frontdesk with --db naming a file in a folder you can write to."
)


def path_problem(path: Path, *, creating: bool = True) -> str | None:
    """Why this user cannot use a database at `path`, or None when nothing stands in the way.

    SQLite needs the database file and its folder writable (the WAL and its index are files
    beside it, and so are the backups): a read-only file or folder would otherwise come out
    as "unable to open database file" or as a damaged database. With `creating`, a file that
    does not exist yet is judged by whether it could be created.
    """
    path = Path(path)
    try:
        if path.is_dir():
            return (
                f"{path} is a folder, not a database file: give the file's own name (for"
                f" example {path / 'frontdesk.sqlite3'})."
            )
        folder = path.absolute().parent
        if path.exists():
            if not os.access(path, os.R_OK):
                return f"There is no permission to read the clinic database {path}. {ASK}"
            if not os.access(path, os.W_OK):
                return no_write(path, f"the clinic database {path}")
            return None if writable(folder) else no_write(folder, f"the folder {folder}")
        if not creating:
            return None
        existing = folder
        while not existing.exists() and existing != existing.parent:
            existing = existing.parent
        if not existing.is_dir():
            return f"{existing} is a file, not a folder: the clinic database cannot go in it."
        if not writable(existing):
            return no_write(existing, f"the folder {existing}")
    except OSError as exc:  # a folder on the way that may not be looked into
        return f"The clinic database {path} cannot be reached ({plain_reason(exc)}). {ASK}"
    return None


def writable(folder: Path) -> bool:
    """Files may be created, renamed and deleted in `folder` by this user."""
    return os.access(folder, os.W_OK | os.X_OK)


def no_write(where: Path, what: str) -> str:
    """A read-only disk is not a permission anyone can grant: say which it is."""
    if read_only_mount(where):
        return (
            f"{what[:1].upper()}{what[1:]} is on a read-only disk: Frontdesk cannot save"
            " anything there. Move the database to a disk that can be written to, or start"
            " Frontdesk with --db naming a file on one."
        )
    return f"There is no permission to write in {what}. {ASK}"


def read_only_mount(where: Path) -> bool:
    try:
        return bool(os.statvfs(where).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):  # AttributeError: no statvfs (Windows)
        return False


def plain_reason(exc: OSError) -> str:
    text = exc.strerror or str(exc)
    return text[:1].lower() + text[1:]


def file_size_limit() -> int | None:
    """The largest file this process may write (RLIMIT_FSIZE, `ulimit -f`), or None: none.

    Past it a write fails with EFBIG (the SIGXFSZ signal is ignored by Python), which looks
    like a full disk to SQLite; telling the two apart says who can fix it.
    """
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows has no such limit
        return None
    soft, _hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    return None if soft == resource.RLIM_INFINITY else soft
