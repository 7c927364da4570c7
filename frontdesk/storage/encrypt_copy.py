"""A plain clinic database made into an encrypted one: copied, checked row by row, switched.

The plain file is never changed in place. SQLCipher's `sqlcipher_export` writes an encrypted
copy into a temporary file beside the database (same disk: the switch is one atomic rename);
the copy is then read back from the disk and compared with the original table by table, row
by row (both streamed in rowid or primary-key order, never loaded whole), its schema and
header values too, and it must pass SQLite's integrity_check and SQLCipher's check of every
page's HMAC. Only a copy that passed all of it takes the database's name; anything else stops
with the plain file as it was and no copy left behind.

No connection may be open on the file meanwhile (refused when one is): a window writing to
the old file after the switch would write into a file nobody reads any more.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import zip_longest
from pathlib import Path
from typing import NoReturn

from frontdesk.storage import backups
from frontdesk.storage.clinic_keys import ClinicKey, salt_of
from frontdesk.storage.engine import connect_file, sqlite3
from frontdesk.storage.private_files import OTHERS, PRIVATE_FILE

COPY_INFIX = ".encrypting-"
BATCH = 500  # rows read at a time from each side: memory stays flat at any size
BUSY_TIMEOUT_S = 10.0
# integrity_check looks up every row's index entries: with SQLite's default 2 MiB of cache
# each encrypted page is read and decrypted again and again (1M patients: 137 s; 35 s with
# 128 MiB). Filled only as pages are read, for this one-time move.
CHECK_CACHE_KIB = 128 * 1024
# Header values the application or its tools may set; sqlcipher_export leaves them at 0.
HEADER_PRAGMAS = ("user_version", "application_id")


class EncryptionStopped(Exception):
    """The database was not encrypted; the message says why in words. The plain file is as
    it was and no copy is left (`__cause__` holds SQLite's or the system's own failure)."""


class InUse(EncryptionStopped):
    pass


class CopyDiffers(EncryptionStopped):
    """The encrypted copy, read back, is not the same database: it was thrown away."""


@dataclass(frozen=True)
class Compared:
    """What the row-by-row comparison saw; `difference` is None when the two are the same."""

    tables: int
    rows: int
    difference: str | None = None


@dataclass(frozen=True)
class Encrypted:
    """The database at `path` is now the encrypted copy, checked: `tables` and `rows` are
    what the comparison read on each side."""

    path: Path
    tables: int
    rows: int
    removed: list[Path]  # the plain file's -wal and -shm


def encrypt_file(db_path: Path, key: ClinicKey) -> Encrypted:
    """Replaces the plain database at `db_path` by an encrypted copy that passed every
    check; EncryptionStopped (in words) with nothing changed otherwise."""
    copy, compared, state = checked_copy(db_path, key)
    try:
        removed = switch(copy, db_path, state)
    except BaseException:
        backups.remove_with_side_files(copy)
        raise
    return Encrypted(db_path, compared.tables, compared.rows, removed)


def copy_prefix(db_path: Path) -> str:
    return f".{db_path.name}{COPY_INFIX}"


def checked_copy(db_path: Path, key: ClinicKey) -> tuple[Path, Compared, list[int | None]]:
    """The encrypted copy in a temporary file beside `db_path`, read back and compared; with
    the database file's state (size, time, -wal) at the moment the comparison ended, for
    `switch` to see that nobody wrote meanwhile."""
    _refuse_unless_plain_and_free(db_path)
    backups.remove_abandoned_partials(db_path.parent, copy_prefix(db_path))
    copy: Path | None = None
    try:
        handle, name = tempfile.mkstemp(
            dir=db_path.parent,
            prefix=f"{copy_prefix(db_path)}{os.getpid()}-",
            suffix=backups.PARTIAL_SUFFIX,
        )
        os.close(handle)
        copy = Path(name)
        source = connect_file(db_path, isolation_level=None, timeout=BUSY_TIMEOUT_S)
        try:
            source.execute(f"PRAGMA cache_size = -{CHECK_CACHE_KIB}")
            problem = backups.verdict_of(source, full=True)
            if problem is not None:
                _refuse_damage(db_path, problem)
            source.execute("PRAGMA cache_size = -2000")  # read in order from now on: let go
            version = _export(source, copy, key)
            _finish_copy(copy, key, _mode_for(db_path))
            compared = _check(source, copy, key, version)
            state = backups.file_state(db_path)
        finally:
            source.close()
        return copy, compared, state
    except BaseException as exc:
        if copy is not None:
            backups.remove_with_side_files(copy)
        if isinstance(exc, (OSError, sqlite3.Error)):
            raise EncryptionStopped(
                f"The encrypted copy of {db_path.name} could not be made beside it:"
                f" {backups.plain(exc)}. Nothing was changed."
            ) from exc
        raise


def switch(copy: Path, db_path: Path, state: list[int | None]) -> list[Path]:
    """The checked copy takes the database's name in one rename; the old file's -wal and
    -shm go first (a -wal left beside the new file would be read into it). Returns those
    removed."""
    if backups.in_use(db_path):
        raise InUse(_in_use_words(db_path))
    if backups.file_state(db_path) != state:
        raise EncryptionStopped(
            f"{db_path.name} was changed while its encrypted copy was checked; nothing was"
            " switched. Close every Frontdesk window and try again."
        )
    removed = []
    try:
        for suffix in backups.SIDE_FILES:
            side = backups.side_file(db_path, suffix)
            if side.exists():
                side.unlink()
                removed.append(side)
        os.replace(copy, db_path)
    except OSError as exc:
        raise EncryptionStopped(
            f"The encrypted copy could not take the place of {db_path.name}:"
            f" {backups.plain(exc)}. The plain database is still there, unchanged."
        ) from exc
    backups.fsync_folder(db_path.parent)
    return removed


# --- the copy -------------------------------------------------------------------------------


def _refuse_unless_plain_and_free(db_path: Path) -> None:
    if not db_path.is_file():
        raise EncryptionStopped(f"There is no clinic database at {db_path}.")
    if salt_of(db_path) is not None:
        raise EncryptionStopped(f"{db_path.name} is already encrypted.")
    problem = backups.check_opening(db_path)
    if problem is None and backups.in_use(db_path):
        raise InUse(_in_use_words(db_path))
    if problem is not None:
        _refuse_damage(db_path, problem)


def _refuse_damage(db_path: Path, problem: str) -> NoReturn:
    raise EncryptionStopped(
        f"{db_path.name} is {problem}, so it was not encrypted (a copy would carry the"
        " damage). Nothing was changed."
    )


def _in_use_words(db_path: Path) -> str:
    return (
        f"{db_path.name} is open in Frontdesk (another window, or another program): close it,"
        " then encrypt. Nothing was changed."
    )


def _export(source: sqlite3.Connection, copy: Path, key: ClinicKey) -> int:
    """sqlcipher_export into `copy` under the write lock; returns the source's data_version
    then, so that the check can tell whether anyone wrote between the two."""
    busy, _log, _done = source.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    if busy:  # a reader is in the middle of the -wal: someone has the file open
        raise InUse(_in_use_words(Path(source_file(source))))
    source.execute(f"ATTACH DATABASE ? AS enc KEY {key.pragma()}", [str(copy)])
    try:
        source.execute("BEGIN IMMEDIATE")
        try:
            version = int(source.execute("PRAGMA data_version").fetchone()[0])
            source.execute("SELECT sqlcipher_export('enc')").fetchall()
            for pragma in HEADER_PRAGMAS:  # not carried by sqlcipher_export
                value = int(source.execute(f"PRAGMA main.{pragma}").fetchone()[0])
                source.execute(f"PRAGMA enc.{pragma} = {value}")
            source.execute("COMMIT")
        except BaseException:
            if source.in_transaction:
                source.execute("ROLLBACK")
            raise
    finally:
        with contextlib.suppress(sqlite3.Error):  # the copy is read back on its own anyway
            source.execute("DETACH DATABASE enc")
    return version


def _finish_copy(copy: Path, key: ClinicKey, mode: int) -> None:
    """WAL like every clinic database, on the disk, and only the database's readers may read
    it."""
    conn = _open_copy(copy, key)
    try:
        mode_now = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        if str(mode_now).lower() != "wal":
            raise EncryptionStopped(
                f"The encrypted copy could not be put in WAL mode ({mode_now}). Nothing was"
                " changed."
            )
    finally:
        conn.close()
    os.chmod(copy, mode)
    backups.fsync_file(copy)


def _mode_for(db_path: Path) -> int:
    """The database's own permissions (a group an admin chose stays), never others'."""
    try:
        return stat.S_IMODE(db_path.stat().st_mode) & ~OTHERS or PRIVATE_FILE
    except OSError:
        return PRIVATE_FILE


def _open_copy(copy: Path, key: ClinicKey) -> sqlite3.Connection:
    conn = sqlite3.connect(str(copy), isolation_level=None, timeout=BUSY_TIMEOUT_S)
    try:
        conn.execute(f"PRAGMA key = {key.pragma()}").fetchall()
        conn.execute(f"PRAGMA cache_size = -{CHECK_CACHE_KIB}")
    except BaseException:
        conn.close()
        raise
    return conn


def source_file(conn: sqlite3.Connection) -> str:
    row = conn.execute("PRAGMA database_list").fetchone()
    return str(row[2]) if row else ""


# --- the check ------------------------------------------------------------------------------


def _check(source: sqlite3.Connection, copy: Path, key: ClinicKey, version: int) -> Compared:
    """The copy read back from the disk against the source, with the write lock held on the
    source so that nobody writes to it while it is compared (nor after, until the switch)."""
    conn = _open_copy(copy, key)
    try:
        source.execute("BEGIN IMMEDIATE")
        try:
            if int(source.execute("PRAGMA data_version").fetchone()[0]) != version:
                raise EncryptionStopped(
                    f"{Path(source_file(source)).name} was changed while it was being copied;"
                    " nothing was switched. Close every Frontdesk window and try again."
                )
            compared = compare(source, conn)
            if compared.difference is not None:
                raise CopyDiffers(
                    "The encrypted copy is not the same as the clinic database"
                    f" ({compared.difference}), so it was thrown away. Nothing was changed."
                )
            problem = backups.verdict_of(conn, full=True) or _cipher_problem(conn)
            if problem is not None:
                raise CopyDiffers(
                    f"The encrypted copy did not pass its check ({problem}), so it was thrown"
                    " away. Nothing was changed."
                )
        finally:
            source.execute("COMMIT")
    finally:
        conn.close()
    return compared


def _cipher_problem(conn: sqlite3.Connection) -> str | None:
    """SQLCipher checks every page's HMAC; it answers nothing when all are right."""
    rows = conn.execute("PRAGMA cipher_integrity_check").fetchall()
    return f"damaged: {rows[0][0]}" if rows else None


def compare(source: sqlite3.Connection, copy: sqlite3.Connection) -> Compared:
    """Every table (in the source's sqlite_master order), every row, in the same order on
    both sides and byte for byte; then the schema and the header values. Rows are streamed,
    a batch at a time."""
    tables = rows = 0
    source_text, copy_text = source.text_factory, copy.text_factory
    source.text_factory = copy.text_factory = bytes  # compared as stored, never decoded
    try:
        schema = _schema(source)
        if schema != _schema(copy):
            return Compared(0, 0, "its list of tables, indexes and triggers differs")
        for name, sql in _tables(source):
            if sql.upper().startswith(b"CREATE VIRTUAL TABLE"):
                continue  # its contents live in its shadow tables, compared as tables
            order = _order_by(source, name)
            # The rowid itself is not compared: like VACUUM, the export numbers afresh the
            # rows of a table without an INTEGER PRIMARY KEY (one with it has its rowid
            # among its columns). Their order is kept, and compared.
            query = f"SELECT * FROM {_quoted(name)} ORDER BY {order}"
            tables += 1
            for left, right in zip_longest(_rows(source, query), _rows(copy, query)):
                if left is None or right is None:
                    return Compared(tables, rows, f"table {name} has another number of rows")
                if _typed(left) != _typed(right):
                    return Compared(tables, rows, f"a row of table {name} differs")
                rows += 1
        for pragma in HEADER_PRAGMAS:
            ours = source.execute(f"PRAGMA {pragma}").fetchone()[0]
            if copy.execute(f"PRAGMA {pragma}").fetchone()[0] != ours:
                return Compared(tables, rows, f"its {pragma} differs")
    finally:
        source.text_factory, copy.text_factory = source_text, copy_text
    return Compared(tables, rows)


def _schema(conn: sqlite3.Connection) -> list[tuple[object, ...]]:
    """sqlcipher_export creates the tables before the indexes: the order may differ, not
    the entries."""
    rows = conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master").fetchall()
    return sorted(rows, key=lambda row: tuple(b"" if v is None else v for v in row))


def _tables(conn: sqlite3.Connection) -> list[tuple[str, bytes]]:
    rows = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY rowid"
    ).fetchall()
    return [(name.decode("utf-8"), sql or b"") for name, sql in rows]


def _order_by(conn: sqlite3.Connection, table: str) -> str:
    """The rowid, or for a WITHOUT ROWID table its primary key's columns in key order."""
    columns = conn.execute("SELECT name, pk FROM pragma_table_xinfo(?)", [table]).fetchall()
    names = {name.decode("utf-8").lower() for name, _pk in columns}
    listed = conn.execute("SELECT wr FROM pragma_table_list(?)", [table]).fetchone()
    if listed is None or not listed[0]:
        alias = next(a for a in ("rowid", "_rowid_", "oid", None) if a not in names)
        if alias is not None:
            return alias
    key = sorted((pk, name.decode("utf-8")) for name, pk in columns if pk)
    if not key:  # a rowid table whose every rowid name is a column's: all columns, in order
        key = [(0, name.decode("utf-8")) for name, _pk in columns]
    return ", ".join(_quoted(name) for _pk, name in key)


def _rows(conn: sqlite3.Connection, query: str) -> Iterator[tuple[object, ...]]:
    cursor = conn.execute(query)
    try:
        while batch := cursor.fetchmany(BATCH):
            yield from batch
    finally:
        with contextlib.suppress(sqlite3.Error):
            cursor.close()


def _typed(row: tuple[object, ...]) -> tuple[tuple[str, object], ...]:
    """1 and 1.0 are equal in Python, not in the database: the type counts too."""
    return tuple((type(value).__name__, value) for value in row)


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
