"""Moving a clinic that kept its database in plain SQLite to an encrypted one (issue 16, 4).

The database is copied into an encrypted file, the copy is checked row by row against it, and
only then takes its place (`storage/encrypt_copy.py`). The plain copies left over (its backups,
copies a killed backup left half-made) are removed only after that, and the admin is told
each file removed: a lost laptop or backup drive then shows nothing. A start after a crash
between the switch and the removal finds them with `plaintext_leftovers` and finishes the job.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from frontdesk.services.clock import Clock
from frontdesk.services.errors import ServiceError, is_out_of_space, out_of_space
from frontdesk.services.unit_of_work import record_event
from frontdesk.storage import backups as files
from frontdesk.storage import encrypt_copy
from frontdesk.storage.clinic_keys import ClinicKey, KeyNeeded, hold, salt_of
from frontdesk.storage.db import connect

__all__ = [
    "ClinicKey",
    "EncryptionRefused",
    "EncryptionReport",
    "encrypt_existing",
    "plaintext_leftovers",
    "remove_plaintext_leftovers",
]

log = logging.getLogger(__name__)


class EncryptionRefused(ServiceError):
    """The database was not encrypted; the plain file and its backups are as they were."""


@dataclass(frozen=True)
class EncryptionReport:
    """What the move did, for the admin: the database now encrypted in place, what the check
    compared, and every plain file removed afterwards."""

    path: Path
    tables: int
    rows_checked: int
    removed: list[Path] = field(default_factory=list)


def encrypt_existing(path: Path, key: ClinicKey, clock: Clock) -> EncryptionReport:
    """Encrypts the plain clinic database at `path` with `key` (held by this process from now
    on), then removes its plain backups and half-made copies: only after the encrypted copy
    passed its row-by-row check and took the database's place. No Frontdesk window may have
    the file open. EncryptionRefused, in words, with nothing changed otherwise."""
    hold(key)  # before the switch: from then on the database opens with it alone
    try:
        done = encrypt_copy.encrypt_file(path, key)
    except encrypt_copy.EncryptionStopped as exc:
        cause = exc.__cause__
        if cause is not None and is_out_of_space(cause):
            raise EncryptionRefused(
                out_of_space(f"The clinic database {path.name} could not be encrypted")
            ) from exc
        raise EncryptionRefused(str(exc)) from exc
    removed = done.removed + _remove(plaintext_leftovers(path))
    log.info(
        "frontdesk: the clinic database was encrypted (%d tables, %d rows checked); %d plain"
        " files removed",
        done.tables,
        done.rows,
        len(removed),
    )
    _record(path, clock, done, removed)
    return EncryptionReport(path, done.tables, done.rows, removed)


def plaintext_leftovers(path: Path) -> list[Path]:
    """The plain copies of an ENCRYPTED database's contents still on the disk: its backups
    in plain SQLite, in the chosen backup folder and the default one, and copies a backup,
    restore or encryption killed mid-way left behind. None for a plain database (its plain
    backups are its backups)."""
    if salt_of(path) is None:
        return []
    found: list[Path] = []
    for folder in _backup_folders(path):
        found += [b.path for b in files.list_backups(folder, path.stem) if _plain(b.path)]
        found += _plain_partials(folder, f".{path.stem}-")
    for prefix in (f".{path.name}.restoring-", encrypt_copy.copy_prefix(path)):
        found += _plain_partials(path.parent, prefix)
    return sorted(dict.fromkeys(found))


def remove_plaintext_leftovers(path: Path) -> list[Path]:
    """For a start after a crash between the switch and the removal: removes what
    `plaintext_leftovers` lists, once the encrypted database itself passes the full check
    (they may be the only good copy of a damaged one). Returns what was removed."""
    leftovers = plaintext_leftovers(path)
    if not leftovers:
        return []
    try:
        problem = files.check(path, full=True)
    except KeyNeeded as exc:
        raise EncryptionRefused(str(exc)) from exc
    if problem is not None:
        raise EncryptionRefused(
            f"The encrypted clinic database {path.name} is {problem}, so its plain backups"
            " were kept: they may be the only good copy. Nothing was removed."
        )
    return _remove(leftovers)


# --- helpers ------------------------------------------------------------------------------


def _backup_folders(path: Path) -> list[Path]:
    folders = [files.backup_folder(path), files.default_backup_folder(path)]
    return list(dict.fromkeys(Path(os.path.abspath(f)) for f in folders))


def _plain(file: Path) -> bool:
    return file.is_file() and salt_of(file) is None


def _plain_partials(folder: Path, prefix: str) -> list[Path]:
    """Half-made copies in plain SQLite (or empty), except one another running process is
    making right now."""
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return []
    found = []
    for name in names:
        if not (name.startswith(prefix) and name.endswith(files.PARTIAL_SUFFIX)):
            continue
        partial = folder / name
        if _plain(partial) and not _made_elsewhere_now(partial):
            found.append(partial)
    return found


_MAKER = re.compile(r"-(?P<pid>\d+)-[^-]*" + re.escape(files.PARTIAL_SUFFIX) + "$")


def _made_elsewhere_now(partial: Path) -> bool:
    match = _MAKER.search(partial.name)
    if match is None:
        return False
    pid = int(match.group("pid"))
    return pid != os.getpid() and files.process_running(pid)


def _remove(paths: list[Path]) -> list[Path]:
    """Each file with its -wal, -shm, -journal; a file that cannot be removed is left out of
    the answer (and found again at the next start)."""
    removed = []
    for path in paths:
        files.remove_with_side_files(path)
        if not path.exists():
            removed.append(path)
    return removed


def _record(path: Path, clock: Clock, done: encrypt_copy.Encrypted, removed: list[Path]) -> None:
    """The move in the audit trail, by the system: when, what was checked, which files went
    (names only). The move stands even if this line cannot be written."""
    details = {
        "tables": done.tables,
        "rows_checked": done.rows,
        "removed": [p.name for p in removed],
    }
    try:
        with connect(path) as db:
            if "audit_head" in db.table_names():  # a file from before the audit chain
                record_event(db, clock, None, "encrypt", "database", None, details)
    except Exception as exc:  # said in the log: the move itself is done
        log.warning("frontdesk: the encryption was not written to the audit trail: %s", exc)
