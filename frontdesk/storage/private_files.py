"""Files only the clinic's user can read: patient data is never open to the other accounts of
the computer, whatever the umask of whoever started Frontdesk.

Files we create are 0600 and folders we create 0700. A folder that already existed is the
user's choice and keeps its permissions, unless it holds nothing but this database's own files
(an earlier Frontdesk made it, 0755): then it is tightened too.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

PRIVATE_FILE = 0o600
PRIVATE_FOLDER = 0o700
OTHERS = 0o007

# Files SQLite keeps beside a database; they hold its data too.
DATABASE_SIDE_FILES = ("-wal", "-shm", "-journal")
# The default backup folder, beside the database: ours when it is there.
OWN_FOLDER_NAMES = frozenset({"backups"})


def chmod_quietly(path: Path, mode: int) -> None:
    """Best effort: a file someone else owns (or a file system without modes) stays as it is;
    permissions must never be the reason the clinic cannot work."""
    with contextlib.suppress(OSError):
        if stat.S_IMODE(path.stat().st_mode) != mode:
            os.chmod(path, mode)


def make_folder(folder: Path, stem: str) -> None:
    """Creates `folder` and its missing parents 0700 (mkdir's mode alone obeys the umask).

    An existing folder is tightened only when everything in it belongs to the database `stem`.
    Raises OSError when the folder cannot be created, as mkdir does.
    """
    missing: list[Path] = []
    current = Path(folder)
    while not current.exists() and current != current.parent:
        missing.append(current)
        current = current.parent
    for created in reversed(missing):
        try:
            created.mkdir(mode=PRIVATE_FOLDER)
        except FileExistsError:  # made meanwhile by another Frontdesk: theirs is private too
            continue
        chmod_quietly(created, PRIVATE_FOLDER)
    if not missing and _open_to_others(folder) and holds_only_files_of(folder, stem):
        chmod_quietly(folder, PRIVATE_FOLDER)


def _open_to_others(folder: Path) -> bool:
    try:
        return stat.S_IMODE(folder.stat().st_mode) & 0o077 != 0
    except OSError:
        return False


def holds_only_files_of(folder: Path, stem: str) -> bool:
    """True when `folder` is not empty and each entry is `stem`'s (its name starts with the
    stem, hidden or not, or it is the default backup folder)."""
    try:
        names = os.listdir(folder)
    except OSError:
        return False
    own = (stem, f".{stem}")
    return bool(names) and all(n.startswith(own) or n in OWN_FOLDER_NAMES for n in names)


def create_private_file(path: Path) -> None:
    """An empty 0600 file where none is yet, so that whoever writes it later (Qt's settings
    keep the mode of the file they replace) keeps it private."""
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    except OSError:  # already there, or not creatable: left to its writer
        return
    os.close(handle)
    chmod_quietly(path, PRIVATE_FILE)


def keep_database_private(path: Path, *, new: bool) -> None:
    """The database and its -wal, -shm and -journal: 0600 when new, or when readable by other
    accounts (the 0644 SQLite gives a new file). A group permission an admin chose (0640, which
    a restore also keeps) stays; SQLite gives the files it creates later the database's mode."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return
    target = PRIVATE_FILE if new or mode & OTHERS else mode
    for candidate in (path, *(path.with_name(path.name + s) for s in DATABASE_SIDE_FILES)):
        if candidate.exists():
            chmod_quietly(candidate, target)


def write_private_copy(source: Path, target: Path) -> None:
    """A 0600 copy of `source` (never replacing `target`), written through to the disk."""
    handle = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    try:
        with os.fdopen(handle, "wb") as out, open(source, "rb") as into:
            while chunk := into.read(1 << 20):
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            target.unlink()
        raise
    chmod_quietly(target, PRIVATE_FILE)
