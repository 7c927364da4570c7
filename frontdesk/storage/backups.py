"""Backups of the clinic database: taken, verified, rotated, found again and restored.

A backup nobody has checked is a hope, not a backup: every copy is integrity-checked before it
gets its final name, and a restore refuses a copy that fails the check. No Qt here: the app
runs these off the GUI thread and the command line calls them directly.

File names are `{db_stem}-{reason}-{YYYYmmdd-HHMMSS}.sqlite3` (plus `-2`, `-3`... for a second
backup in the same second); migrations take theirs here too (reason before-migration). The names,
reasons and rotation are storage/backup_sets', shared with the server's dumps, and re-exported
here.

Every start makes the opening check (`check_opening`: the header, the schema and the small
tables a start reads, a few milliseconds at any size); the whole file is read by the full
integrity_check of each backup, so at the first start of each day, off the window's thread.
Damage found then is written down beside the database (`{db_stem}.damage-found`), so that the
next start refuses the file and offers the latest good backup, as it does for damage the
opening check sees.

An encrypted database's copies (every backup, a restore's staged copy) are encrypted with its
key, and one that is not is never kept. Its full check first checks every page's checksum
(SQLCipher's HMAC), so a changed byte anywhere is damage; a page that fails it while read is
damage too, never "not a database" nor a missing key while the key is held.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterable
from datetime import date, datetime
from pathlib import Path
from urllib.parse import quote

from frontdesk.storage import backup_sets, clinic_keys
from frontdesk.storage.backup_sets import (  # noqa: F401 (re-exported for the callers)
    BEFORE_MIGRATION,
    BEFORE_RESTORE,
    DAILY,
    MANUAL,
    PROTECTED_FOR,
    PROTECTED_REASONS,
    REASONS,
    STAMP_FORMAT,
    Backup,
    require_reason,
)
from frontdesk.storage.clinic_keys import KeyNeeded, is_encrypted
from frontdesk.storage.engine import connect_file, connection_salt, key_of, opens_with, sqlite3
from frontdesk.storage.private_files import make_folder
from frontdesk.storage.wal_check import open_elsewhere

BACKUP_SUFFIX = ".sqlite3"
SIDECAR_SUFFIX = ".backup-folder"
DAMAGE_SUFFIX = ".damage-found"
MIGRATION_NOTE_SUFFIX = ".before-migration"
PARTIAL_SUFFIX = ".partial"
# A hidden copy in the making without its process's id in the name (an older Frontdesk's) is
# taken for abandoned once it is this old; no backup takes that long.
ABANDONED_AFTER_SECONDS = 6 * 60 * 60

# Files SQLite keeps beside a database; they belong to it and must move or go with it.
SIDE_FILES = ("-wal", "-shm", "-journal")


class BackupFailed(Exception):
    """A backup or restore did not happen; the message says why in plain words."""


class BackupKeyNeeded(BackupFailed):
    """A file to restore from (or to replace) is encrypted with a key this process does not
    hold: another clinic database's, or this one's on a computer that has not been given its
    recovery key yet."""

    def __init__(self, message: str, path: Path) -> None:
        super().__init__(message)
        self.path = path


class DamageFound(BackupFailed):
    """The database itself failed its full check: no backup of it was taken."""

    def __init__(self, problem: str) -> None:
        super().__init__(
            f"The clinic database is {problem}, so no backup was taken. Close Frontdesk and "
            "start it again: it then offers to put back the latest good backup."
        )
        self.problem = problem


# --- where backups go ---------------------------------------------------------------------


def default_backup_folder(db_path: Path) -> Path:
    return db_path.parent / "backups"


def backup_folder_sidecar(db_path: Path) -> Path:
    """A text file beside the database, not a table in it: readable when the database is not."""
    return db_path.with_name(db_path.stem + SIDECAR_SUFFIX)


def backup_folder(db_path: Path) -> Path:
    """The folder the administrator chose, else the default one beside the database."""
    try:
        text = backup_folder_sidecar(db_path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return default_backup_folder(db_path)
    lines = text.strip().splitlines()
    chosen = Path(lines[0].strip()) if lines else None
    if chosen is None or not chosen.is_absolute():
        return default_backup_folder(db_path)
    return chosen


def set_backup_folder(db_path: Path, folder: Path) -> Path:
    """Remembers `folder` for `db_path`'s backups after proving a file can be written there."""
    folder = Path(folder).expanduser().absolute()
    if "\n" in str(folder) or "\r" in str(folder):
        raise BackupFailed("A backup folder's name cannot contain a line break.")
    if folder.exists() and not folder.is_dir():
        raise BackupFailed(f"{folder} is a file, not a folder: choose a folder for the backups.")
    try:
        make_folder(folder, db_path.stem)
    except OSError as exc:
        raise BackupFailed(
            f"The backup folder {folder} could not be created: {plain(exc)}."
        ) from exc
    try:
        with tempfile.TemporaryFile(dir=folder, prefix=".frontdesk-write-test-") as probe:
            probe.write(b"frontdesk")
            probe.flush()
            os.fsync(probe.fileno())
    except OSError as exc:
        raise BackupFailed(f"Backups cannot be written to {folder}: {plain(exc)}.") from exc
    sidecar = backup_folder_sidecar(db_path)
    try:
        write_atomically(sidecar, f"{folder}\n".encode())
    except OSError as exc:
        raise BackupFailed(
            f"The choice of backup folder could not be saved in {sidecar.parent}: {plain(exc)}."
        ) from exc
    return folder


# --- checking -----------------------------------------------------------------------------


def check(path: Path, *, full: bool = False) -> str | None:
    """None when the file is a healthy SQLite database, else its first problem in a few words.

    Opened read-only and never created: checking a missing or damaged file must not change it.
    `full` runs integrity_check (also compares every index with its table); otherwise the
    faster quick_check. Both read the whole file, and an encrypted file's every page is also
    checked against its checksum first: see `check_opening` for the start's check.
    """
    return _checked(path, lambda conn: verdict_of(conn, full=full))


# The small tables every start reads (the schema's own, who may sign in, the settings, the
# trail's end): quick_check on each reads a few pages, whatever the size of the registry.
START_TABLES = (
    "sqlite_schema",
    "_sqlite_migrations",
    "app_settings",
    "staff",
    "audit_head",
    "clinic_info",
)


SCHEMA_TABLES = "SELECT name FROM sqlite_schema WHERE type = 'table'"


def check_opening(path: Path) -> str | None:
    """The check every start and command makes, in a few milliseconds at any size: the file
    is a SQLite database (its header), its size is the one the header gives (SQLite compares
    them when it reads the schema), the schema reads, and the small tables a start reads pass
    quick_check. Damage further in is for the full check before each day's backup.

    An encrypted file is read with the key this process holds (KeyNeeded when it holds none);
    each page read is checked against its checksum, so a changed byte in those pages is
    damage here."""
    return _checked(path, opening_verdict)


def _checked(path: Path, verdict: Callable[[sqlite3.Connection], str | None]) -> str | None:
    try:
        if not path.exists():
            return "missing"
        if not path.is_file():
            return "not a SQLite database"
        if path.stat().st_size == 0:  # SQLite reads an empty file as an empty database
            return "empty"
        conn = connect_file(path, uri=read_only_uri(path))
    except KeyNeeded as exc:
        if _damaged_plain_header(exc.salt):
            return "not a SQLite database"
        if _opens_with_a_held_key(path):
            return SALT_CHANGED
        raise
    except sqlite3.Error as exc:
        return describe_error(exc, encrypted=is_encrypted(path))
    except OSError as exc:
        return f"not readable: {plain(exc)}"
    try:
        return verdict(conn)
    finally:
        conn.close()


# An encrypted file starts with the salt naming its key, the one part of it no checksum covers:
# a file whose first bytes name no key held here, but which a held key opens, had them changed.
SALT_CHANGED = "damaged: its first bytes, which name the key that opens it, were changed"


def _damaged_plain_header(head: bytes) -> bool:
    """First bytes no key's salt has: a plain file's header with a few bytes changed, or
    zeroed (a random salt is neither), so that such a file is damage, as before encryption."""
    same = sum(a == b for a, b in zip(head, clinic_keys.SQLITE_HEADER, strict=False))
    return same >= len(head) // 2 or len(set(head)) <= 2


def _opens_with_a_held_key(path: Path) -> bool:
    return any(opens_with(path, key) for key in clinic_keys.held_keys())


def encrypted(conn: sqlite3.Connection) -> bool:
    """Was `conn` opened with a key?"""
    try:
        return connection_salt(conn) is not None
    except sqlite3.Error:
        return False


def opening_verdict(conn: sqlite3.Connection) -> str | None:
    previous = conn.text_factory
    conn.text_factory = bytes  # a damaged name must not fail to decode: it is damage
    try:
        names = [name for (name,) in conn.execute(SCHEMA_TABLES)]
    except sqlite3.Error as exc:  # not a database, or shorter than its header says
        return describe_error(exc, encrypted=encrypted(conn))
    except UnicodeDecodeError as exc:  # SQLite's error message quotes the damaged schema
        return f"damaged: {bytes(exc.object).decode('utf-8', 'replace')}"
    finally:
        conn.text_factory = previous
    try:
        tables = {name.decode("utf-8") for name in names}
    except UnicodeDecodeError:
        return "damaged: the list of its tables holds unreadable bytes"
    for table in START_TABLES:
        if table == "sqlite_schema" or table in tables:
            problem = verdict_of(conn, pragma=f'quick_check("{table}")')
            if problem is not None:
                return problem
    return None


def verdict_of(
    conn: sqlite3.Connection, *, full: bool = False, pragma: str | None = None
) -> str | None:
    """The check's answer on `conn`, in words. Its report quotes damaged bytes (a name cut in
    the middle of a letter): read as bytes, so that it cannot fail to decode.

    A check of the whole file (no `pragma`) of an encrypted one first checks every page
    against its checksum (cipher_integrity_check): a changed byte anywhere is found, even one
    in a record's text that integrity_check reads as valid."""
    whole_file = pragma is None
    pragma = pragma or ("integrity_check(1)" if full else "quick_check(1)")
    is_encrypted_conn = encrypted(conn)
    if whole_file and is_encrypted_conn:
        problem = pages_changed(conn)
        if problem is not None:
            return problem
    previous = conn.text_factory
    conn.text_factory = bytes
    try:
        row = conn.execute(f"PRAGMA {pragma}").fetchone()
    except sqlite3.Error as exc:
        return describe_error(exc, encrypted=is_encrypted_conn)
    except MemoryError:  # SQLCipher's answer to a read after a page failed its checksum
        if is_encrypted_conn:
            return PAGE_CHANGED
        raise
    except UnicodeDecodeError as exc:  # SQLite's error message quotes the damaged bytes
        return f"damaged: {bytes(exc.object).decode('utf-8', 'replace')}"
    finally:
        conn.text_factory = previous
    answer = row[0] if row else b"no answer from the check"
    verdict = answer.decode("utf-8", "replace") if isinstance(answer, bytes) else str(answer)
    if verdict == "ok":
        return None
    return f"damaged: {first_problem_line(verdict)}"


PAGE_CHANGED = "damaged: part of it was changed after it was written (it fails its checksum)"
_FAILED_PAGE = re.compile(r"page (\d+)")


def pages_changed(conn: sqlite3.Connection) -> str | None:
    """SQLCipher's check of every page's checksum (HMAC): rows only for pages that fail."""
    try:
        failures = [str(row[0]) for row in conn.execute("PRAGMA cipher_integrity_check")]
    except sqlite3.Error as exc:
        return describe_error(exc, encrypted=True)
    except MemoryError:
        return PAGE_CHANGED
    if not failures:
        return None
    pages = [int(m.group(1)) for line in failures if (m := _FAILED_PAGE.search(line))]
    if not pages:
        return f"damaged: {failures[0]}"
    if len(pages) == 1:
        return f"damaged: page {pages[0]} was changed after it was written (it fails its checksum)"
    return (
        f"damaged: {len(pages)} pages were changed after they were written (they fail their"
        f" checksums; page {pages[0]} is the first)"
    )


def is_damage(problem: str | None) -> bool:
    """Damage, as opposed to a file that is missing or cannot be read (permissions, a lock)."""
    return problem is not None and problem.startswith(("damaged", "not a SQLite database"))


def check_at_start(path: Path) -> str | None:
    """The opening check, or the full check when the last one before a backup found damage.

    The whole file is read once a day, by the full check of the day's backup (off the
    window's thread), not at every start: a start costs the same at 60 patients and at a
    million. A full check that now passes (someone repaired the file) clears the record."""
    if recorded_damage(path) is None:
        return check_opening(path)
    problem = check(path, full=True)
    if problem is None:
        clear_damage(path)
    return problem


def source_problem(source: sqlite3.Connection) -> str | None:
    """integrity_check on an open connection: what a backup of it would copy."""
    return verdict_of(source, full=True)


# --- damage found before a backup, remembered for the next start -----------------------------


def damage_record(db_path: Path) -> Path:
    """Beside the database, not in it: readable when the database is not."""
    return db_path.with_name(db_path.stem + DAMAGE_SUFFIX)


def record_damage(db_path: Path, problem: str, now: datetime) -> None:
    with contextlib.suppress(OSError):  # the start's own check still finds most damage
        write_atomically(damage_record(db_path), f"{now:%Y-%m-%d %H:%M} {problem}\n".encode())


def recorded_damage(db_path: Path) -> str | None:
    """The problem the last full check found, or None when none is recorded."""
    try:
        text = damage_record(db_path).read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return None
    parts = text.split(" ", 2)  # "2026-11-26 10:30 damaged: ..."
    return parts[2] if len(parts) == 3 else "damaged"


def clear_damage(db_path: Path) -> None:
    with contextlib.suppress(OSError):
        damage_record(db_path).unlink(missing_ok=True)


def describe_error(exc: sqlite3.Error, *, encrypted: bool = False) -> str:
    """In words. On an encrypted file read with its key, SQLCipher reports a page that fails
    its checksum as 'file is not a database' (page 1) or a plain SQL error: damage."""
    code = (getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF
    if encrypted and code in (sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_ERROR):
        return PAGE_CHANGED
    if code == sqlite3.SQLITE_NOTADB:
        return "not a SQLite database"
    if code == sqlite3.SQLITE_CORRUPT:
        return f"damaged: {exc}"
    return f"not readable: {exc}"


def first_problem_line(verdict: str) -> str:
    """integrity_check starts its report with '*** in database main ***': skip that line."""
    lines = [line.strip() for line in verdict.splitlines() if line.strip()]
    meaningful = [line for line in lines if not line.startswith("***")]
    return (meaningful or lines or [verdict])[0]


def read_only_uri(path: Path) -> str:
    """A `file:` URI with mode=ro; characters such as '?', '#' and '%' in names are escaped."""
    posix = path.resolve().as_posix()
    if not posix.startswith("/"):  # C:/... on Windows
        posix = "/" + posix
    return f"file://{quote(posix, safe='/:')}?mode=ro"


def open_read_only(path: Path) -> sqlite3.Connection:
    return connect_file(path, uri=read_only_uri(path))


def in_use(db_path: Path) -> bool:
    """True when a connection to the database is open, in this process or another one here.

    Each WAL-mode connection holds a shared lock on the file while it is open; asking for an
    exclusive lock without waiting tells whether anyone else is there. (Computers sharing the
    file over a network may not see each other's locks: one more reason to keep it local.)

    The probe opens the file for writing, and SQLite then tidies up: it deletes a -wal file
    that does not belong to a valid database. A damaged file is therefore never probed (its
    -wal may hold the last changes someone can still rescue); the app cannot have it open.
    An encrypted file whose key this process does not hold (another may) is asked through
    the lock alone, without SQLite.
    """
    try:
        if check_opening(db_path) is not None:
            return False
    except KeyNeeded:
        return open_elsewhere(db_path)
    try:
        conn = connect_file(
            db_path,
            uri=read_only_uri(db_path).replace("mode=ro", "mode=rw"),
            timeout=0,
            isolation_level=None,
        )
    except sqlite3.Error:
        return False
    try:
        conn.execute("PRAGMA locking_mode=EXCLUSIVE")
        conn.execute("BEGIN EXCLUSIVE")
        conn.execute("ROLLBACK")
    except sqlite3.Error as exc:
        return (getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF == sqlite3.SQLITE_BUSY
    finally:
        conn.close()
    return False


# --- taking backups -----------------------------------------------------------------------


def make_backup(
    source: sqlite3.Connection, folder: Path, db_stem: str, reason: str, now: datetime
) -> Path:
    """A verified copy of `source` in `folder`, named for `reason` and `now`.

    SQLite's online backup API copies a consistent snapshot while others keep reading and
    writing. The copy gets its final name only after it passed integrity_check and reached the
    disk, so a file with a backup's name is always a whole, checked backup. Only the copy gets
    the full check (the slowest thing the app does, done once): when it fails, the source is
    checked to tell damage there (DamageFound, nothing kept) from a bad write.
    """
    require_reason(reason)
    if source.in_transaction:
        raise BackupFailed(
            "A backup cannot be taken in the middle of a change: save or cancel it first."
        )
    partial: Path | None = None
    try:
        make_folder(folder, db_stem)
        remove_abandoned_partials(folder, f".{db_stem}-")
        handle, name = tempfile.mkstemp(
            dir=folder, prefix=f".{db_stem}-{reason}-{os.getpid()}-", suffix=PARTIAL_SUFFIX
        )
        os.close(handle)
        partial = Path(name)
        try:
            copy_database(source, partial)  # encrypted as its source, checked just after
        except (sqlite3.Error, MemoryError):  # a page of an encrypted source fails its checksum
            in_source = source_problem(source)
            if is_damage(in_source):
                raise DamageFound(in_source or "damaged") from None
            raise
        problem = check(partial, full=True)
        if problem is not None:
            in_source = source_problem(source)
            if is_damage(in_source):
                raise DamageFound(in_source or "damaged")
            raise BackupFailed(
                f"The backup copy did not pass its check ({problem}); no backup was saved."
            )
        fsync_file(partial)
        final = free_backup_path(folder, db_stem, reason, now)
        os.replace(partial, final)
        fsync_folder(folder)
        return final
    except BaseException as exc:
        if partial is not None:
            remove_with_side_files(partial)
        if isinstance(exc, (OSError, sqlite3.Error)):
            raise BackupFailed(
                f"The backup could not be written to {folder}: {plain(exc)}."
            ) from exc
        raise


def backup_database(db_path: Path, folder: Path, reason: str, now: datetime) -> Path:
    """make_backup from a read-only connection of our own to the file at `db_path`; damage
    its check finds is recorded for the next start."""
    try:
        source = open_read_only(db_path)
    except sqlite3.Error as exc:
        raise BackupFailed(f"The clinic database {db_path} could not be read: {exc}.") from exc
    try:
        return make_backup(source, folder, db_path.stem, reason, now)
    except DamageFound as exc:
        record_damage(db_path, exc.problem, now)
        raise
    finally:
        source.close()


def copy_database(source: sqlite3.Connection, destination: Path) -> None:
    """A consistent copy of `source` as one self-contained file, encrypted with the key of
    `source` when it has one (a copy of an encrypted database is never written plain).

    The copy of a WAL database is itself marked WAL, and whoever opens it read-only later
    leaves -wal and -shm files beside it; rollback mode (DELETE) keeps a backup a single file.
    """
    salt = connection_salt(source)
    key = key_of(source)
    if salt is not None and key is None:
        raise BackupFailed(
            "The clinic database is encrypted and its key is no longer held here, so no copy"
            " of it was written."
        )
    target = connect_file(destination, new_key=key, isolation_level=None)
    try:
        source.backup(target)
        target.execute("PRAGMA journal_mode=DELETE").fetchone()
    finally:
        target.close()
    if clinic_keys.salt_of(destination) != salt:  # a plain copy of an encrypted file, or so
        raise BackupFailed(
            "The copy was not encrypted with the clinic database's key, so it was not kept."
        )


def backup_name(db_stem: str, reason: str, taken: datetime, copy: int = 1) -> str:
    return backup_sets.backup_name(db_stem, reason, taken, BACKUP_SUFFIX, copy)


def free_backup_path(folder: Path, db_stem: str, reason: str, taken: datetime) -> Path:
    """Two backups in one second: the second gets -2 rather than replacing the first."""
    return backup_sets.free_backup_path(folder, db_stem, reason, taken, BACKUP_SUFFIX)


# --- finding and rotating backups -----------------------------------------------------------


def parse_backup_name(name: str, db_stem: str | None = None) -> tuple[str, datetime, int] | None:
    """(reason, taken, copy number) of a backup file name, or None when it is not one.

    With `db_stem` the name must belong to that database; without it, any database's.
    """
    return backup_sets.parse_name(name, BACKUP_SUFFIX, db_stem)


def backup_taken(path: Path) -> datetime | None:
    """When the backup at `path` was taken, read from its name."""
    parsed = parse_backup_name(path.name)
    return parsed[1] if parsed else None


def list_backups(folder: Path, db_stem: str) -> list[Backup]:
    """The database's backups in `folder`, newest first; other files are left out."""
    return backup_sets.list_backups(folder, db_stem, BACKUP_SUFFIX)


def rotate(folder: Path, db_stem: str, *, now: datetime | None = None) -> list[Path]:
    """Deletes the backups the rotation does not keep and returns them.

    Only this database's backups are considered; copies taken before a migration or a
    restore, or on purpose, stay for at least 30 days whatever the rotation says. A file that
    cannot be deleted stays, and the next rotation tries again.
    """
    return backup_sets.rotate(folder, db_stem, BACKUP_SUFFIX, now or datetime.now(), SIDE_FILES)


def backed_up_on(folder: Path, db_stem: str, day: date) -> bool:
    return any(backup.taken.date() == day for backup in list_backups(folder, db_stem))


def latest_good_backup(folders: Iterable[Path], db_stem: str) -> Backup | None:
    """The newest backup in any of `folders` that passes the full integrity check."""
    seen: set[Path] = set()
    candidates: list[Backup] = []
    for folder in folders:
        key = Path(os.path.abspath(folder))
        if key in seen:
            continue
        seen.add(key)
        candidates.extend(list_backups(folder, db_stem))
    candidates.sort(key=lambda backup: backup.taken, reverse=True)  # stable: -2 before -1 stays
    return next((b for b in candidates if _opens_healthy(b.path)), None)


def _opens_healthy(path: Path) -> bool:
    """Passes the full check; a backup encrypted with a key not held here does not count."""
    try:
        return check(path, full=True) is None
    except KeyNeeded:
        return False


# --- restoring ----------------------------------------------------------------------------


def restore(backup: Path, db_path: Path, now: datetime) -> Path | None:
    """Puts the backup in place of the database; returns where the previous file was saved.

    Call it only while no connection to `db_path` is open (at start-up, before the clinic is
    opened, or from the command line): an open connection would keep writing to the replaced
    file. A connection open on this computer is detected and refused.

    The copy is prepared and checked beside the database first, so a failure before the last
    step leaves everything as it was. The previous file is saved before it is replaced: a
    healthy one as a "before-restore" backup, a damaged one moved aside as
    `{name}.damaged-{stamp}` (with its -wal and -shm). None when there was no previous file.

    An encrypted backup needs its key held (BackupKeyNeeded, in words, otherwise: the
    recovery key of the clinic it came from opens it); the restored file keeps that key.
    """
    try:
        return _restore(backup, db_path, now)
    except KeyNeeded as exc:
        if exc.path == backup:
            raise BackupKeyNeeded(
                f"The backup {backup} is encrypted with a key this computer does not have"
                " (another clinic database's, or this clinic's before its recovery key was"
                " typed here), or it is no clinic database at all: type the recovery key of"
                " the clinic it came from to restore it. Nothing was changed.",
                backup,
            ) from exc
        raise BackupKeyNeeded(  # not expected: such a database is moved aside, whole
            f"The clinic database {db_path} is encrypted with a key this computer does not"
            " have: type its recovery key first. Nothing was changed.",
            db_path,
        ) from exc


def _restore(backup: Path, db_path: Path, now: datetime) -> Path | None:
    problem = check(backup, full=True)
    if problem is not None:
        raise BackupFailed(f"The backup {backup} cannot be used: it is {problem}.")
    if db_path.exists() and os.path.samefile(backup, db_path):
        raise BackupFailed(f"{backup} is the clinic database itself, not a backup of it.")
    if in_use(db_path):
        raise BackupFailed(
            f"The clinic database {db_path} is open in Frontdesk: close Frontdesk, then "
            "restore. Nothing was changed."
        )
    staged = stage_copy(backup, db_path)
    try:
        saved = save_current(db_path, now)
    except BaseException:
        remove_with_side_files(staged)
        raise
    try:
        for suffix in SIDE_FILES:  # the old file's journal would be replayed into the new one
            side_file(db_path, suffix).unlink(missing_ok=True)
        os.replace(staged, db_path)
        fsync_folder(db_path.parent)
    except OSError as exc:
        remove_with_side_files(staged)
        kept_note = f" The previous database is saved as {saved}." if saved else ""
        raise BackupFailed(
            f"The backup could not be put in place of {db_path}: {plain(exc)}.{kept_note}"
        ) from exc
    problem = check(db_path, full=True)
    if problem is not None:
        raise BackupFailed(f"The restored database {db_path} is {problem}; restore another backup.")
    clear_damage(db_path)  # the damage found belonged to the file now kept aside
    return saved


def stage_copy(backup: Path, db_path: Path) -> Path:
    """A checked copy of `backup` in a temporary file beside `db_path` (same disk: the final
    rename is atomic)."""
    staged: Path | None = None
    try:
        make_folder(db_path.parent, db_path.stem)
        remove_abandoned_partials(db_path.parent, f".{db_path.name}.restoring-")
        handle, name = tempfile.mkstemp(
            dir=db_path.parent,
            prefix=f".{db_path.name}.restoring-{os.getpid()}-",
            suffix=PARTIAL_SUFFIX,
        )
        os.close(handle)
        staged = Path(name)
        source = open_read_only(backup)
        try:
            copy_database(source, staged)
        finally:
            source.close()
        if db_path.exists():  # the restored file keeps who may read it (mkstemp made it 600)
            os.chmod(staged, db_path.stat().st_mode & 0o777)
        fsync_file(staged)
    except (BackupFailed, KeyNeeded):  # not encrypted as the backup is; its key not held
        if staged is not None:
            remove_with_side_files(staged)
        raise
    except (OSError, sqlite3.Error) as exc:
        if staged is not None:
            remove_with_side_files(staged)
        raise BackupFailed(
            f"The backup could not be copied next to {db_path}: {plain(exc)}. Nothing was changed."
        ) from exc
    problem = check(staged, full=True)
    if problem is not None:
        remove_with_side_files(staged)
        raise BackupFailed(f"The copy of the backup is {problem}. Nothing was changed.")
    return staged


def save_current(db_path: Path, now: datetime) -> Path | None:
    """Keeps the file about to be replaced: a backup when healthy, moved aside when not, or
    when this computer cannot read it (encrypted with a key not held here, or random bytes:
    the two look alike), whole."""
    if not db_path.exists():
        return None
    try:
        problem = check(db_path, full=True)
    except KeyNeeded:
        problem = "unreadable here"
    if problem is not None:
        return move_aside(db_path, now)
    try:
        return backup_database(db_path, backup_folder(db_path), BEFORE_RESTORE, now)
    except BackupFailed as exc:
        raise BackupFailed(
            f"The current database could not be saved before the restore ({exc}). "
            "Nothing was changed."
        ) from exc


def move_aside(db_path: Path, now: datetime) -> Path:
    """Renames a damaged database (and its -wal, -shm) to `{name}.damaged-{stamp}`."""
    stamp = now.strftime(STAMP_FORMAT)
    target = db_path.with_name(f"{db_path.name}.damaged-{stamp}")
    copy = 2
    while target.exists():
        target = db_path.with_name(f"{db_path.name}.damaged-{stamp}-{copy}")
        copy += 1
    try:
        os.replace(db_path, target)
    except OSError as exc:
        raise BackupFailed(
            f"The damaged database {db_path} could not be moved aside: {plain(exc)}. "
            "Nothing was changed."
        ) from exc
    for suffix in SIDE_FILES:
        side = side_file(db_path, suffix)
        if not side.exists():
            continue
        try:
            os.replace(side, side_file(target, suffix))
        except OSError as exc:
            raise BackupFailed(
                f"The damaged database was moved to {target}, but {side} could not be moved "
                f"with it: {plain(exc)}. The restore was stopped."
            ) from exc
    return target


# --- copies left half-made -------------------------------------------------------------------

_PARTIAL_PID = re.compile(r"-(?P<pid>\d+)-[^-]*" + re.escape(PARTIAL_SUFFIX) + "$")


def remove_abandoned_partials(folder: Path, prefix: str) -> list[Path]:
    """Deletes the hidden copies a backup or restore killed mid-way left in `folder`.

    A copy names the process making it; one whose process is still running (another window
    backing up right now, or this process) stays.
    """
    try:
        names = [n for n in os.listdir(folder) if n.startswith(prefix)]
    except OSError:
        return []
    removed: list[Path] = []
    for name in names:
        if not name.endswith(PARTIAL_SUFFIX) or not abandoned(folder / name):
            continue
        remove_with_side_files(folder / name)
        removed.append(folder / name)
    return removed


def remove_abandoned_partials_of(db_path: Path, folders: Iterable[Path]) -> list[Path]:
    """Those of a database: restores beside it, backups in each of `folders`."""
    removed = remove_abandoned_partials(db_path.parent, f".{db_path.name}.restoring-")
    for folder in dict.fromkeys(Path(os.path.abspath(f)) for f in folders):
        removed += remove_abandoned_partials(folder, f".{db_path.stem}-")
    return removed


def abandoned(partial: Path) -> bool:
    match = _PARTIAL_PID.search(partial.name)
    if match is None:
        try:
            return time.time() - partial.stat().st_mtime > ABANDONED_AFTER_SECONDS
        except OSError:
            return False
    pid = int(match.group("pid"))
    return pid != os.getpid() and not process_running(pid)


def process_running(pid: int) -> bool:
    if os.name != "posix":  # Windows cannot delete a file another process has open anyway
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


# --- the backup before a migration, taken once per state of the file -------------------------


def migration_note(db_path: Path) -> Path:
    return db_path.with_name(db_path.stem + MIGRATION_NOTE_SUFFIX)


def file_state(db_path: Path) -> list[int | None]:
    """Size and modification time of the database and its -wal: equal means unchanged (no
    connection writes the file between two starts whose migration failed)."""
    db = db_path.stat()
    wal = side_file(db_path, "-wal")
    wal_size = wal.stat().st_size if wal.exists() else 0
    # An empty -wal file is made afresh by each connection: only one with frames counts.
    wal_time = wal.stat().st_mtime_ns if wal_size else None
    return [db.st_size, db.st_mtime_ns, wal_size, wal_time]


def remember_migration_backup(db_path: Path, backup: Path, pending: list[str]) -> None:
    note = {"backup": str(backup), "pending": pending, "state": file_state(db_path)}
    with contextlib.suppress(OSError):
        write_atomically(migration_note(db_path), json.dumps(note).encode())


def previous_migration_backup(db_path: Path, pending: list[str]) -> Path | None:
    """The backup taken before an earlier attempt at the same steps on the same, unchanged
    file: a migration that keeps failing does not take a new protected backup each start."""
    try:
        note = json.loads(migration_note(db_path).read_text(encoding="utf-8"))
        backup = Path(note["backup"])
        same = note["pending"] == pending and note["state"] == file_state(db_path)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return backup if same and backup.is_file() else None


def forget_migration_backup(db_path: Path) -> None:
    with contextlib.suppress(OSError):
        migration_note(db_path).unlink(missing_ok=True)


# --- files ----------------------------------------------------------------------------------


def side_file(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


def remove_with_side_files(path: Path) -> None:
    for candidate in (path, *(side_file(path, suffix) for suffix in SIDE_FILES)):
        with contextlib.suppress(OSError):  # best effort: a leftover is harmless
            candidate.unlink(missing_ok=True)


def write_atomically(path: Path, data: bytes) -> None:
    """Readers see the old content or the new one, never half of it."""
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(name, path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    fsync_folder(path.parent)


def fsync_file(path: Path) -> None:
    with open(path, "rb+") as stream:
        os.fsync(stream.fileno())


def fsync_folder(folder: Path) -> None:
    """Makes a rename durable on POSIX; Windows cannot open folders, and does not need to."""
    if os.name != "posix":
        return
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):  # some file systems refuse to sync a folder
            os.fsync(handle)
    finally:
        os.close(handle)


def plain(exc: BaseException) -> str:
    """'Permission denied' rather than '[Errno 13] Permission denied: '/x''."""
    text = (exc.strerror if isinstance(exc, OSError) and exc.strerror else None) or str(exc)
    return text[:1].lower() + text[1:] if text else "an unknown problem"
