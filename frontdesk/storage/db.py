"""Opening the clinic's database file safely, and the one way to write to it."""

from __future__ import annotations

import os
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

from frontdesk.storage.clinic_keys import ClinicKey
from frontdesk.storage.database import Database
from frontdesk.storage.engine import connect_file
from frontdesk.storage.postgres import PgDatabase

BUSY_TIMEOUT_MS = 10_000


def connect(path: Path | str, new_key: ClinicKey | None = None) -> sqlite_utils.Database:
    """A connection with the pragmas DESIGN.md requires; transactions are ours, not the driver's.
    An encrypted file opens with the key this process holds; a new file is encrypted with
    `new_key` when one is given."""
    # isolation_level=None: the driver never opens a deferred transaction behind our back.
    conn = connect_file(path, new_key=new_key, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
    conn.execute("PRAGMA foreign_keys=ON")
    # DELETE triggers also fire for rows that INSERT OR REPLACE removes: signed records stay.
    conn.execute("PRAGMA recursive_triggers=ON")
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    if str(path) != ":memory:":
        conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    # 32 MiB of page cache (the default is 2): search pages in a large registry stay in memory
    # between keystrokes. Filled only as pages are read.
    conn.execute("PRAGMA cache_size=-32000")
    # No plugins: they would scan every installed package's entry points at each start.
    return sqlite_utils.Database(conn, execute_plugins=False)


def on_server(db: Database) -> bool:
    """The clinic server (PostgreSQL), not a file: the few things done differently ask this."""
    return isinstance(db, PgDatabase)


def data_version(db: Database) -> int:
    """Changes when another connection (another window, process or thread) has committed
    since this one last asked. On SQLite this connection's own commits leave it as it was; on
    the server it is the audit trail's last line, which every write adds to."""
    if isinstance(db, PgDatabase):
        row = db.execute("SELECT last_id FROM audit_head").fetchone()
        return int(row[0]) if row else 0
    return int(db.conn.execute("PRAGMA data_version").fetchone()[0])


def database_file(db: Database) -> Path | None:
    """The file behind a connection (None in memory and on the server)."""
    if isinstance(db, PgDatabase):
        return None
    row = db.execute("PRAGMA database_list").fetchone()
    return Path(row[2]) if row and row[2] else None


def database_name(db: Database) -> str:
    """Which database a connection is on, the same for every connection to it: the file's
    real path, or the server's address without its password."""
    if isinstance(db, PgDatabase):
        return db.address
    file = database_file(db)
    return os.path.realpath(file) if file else f"memory:{id(db)}"


# What to do just before the current write transaction commits, per connection: work that must
# happen under the write lock, for a write about to be saved (the audit anchor beside the file).
_BEFORE_COMMIT: weakref.WeakKeyDictionary[Database, dict[str, Callable[[], None]]]
_BEFORE_COMMIT = weakref.WeakKeyDictionary()


def before_commit(db: Database, key: str, action: Callable[[], None]) -> None:
    """Runs `action` once this write transaction's work is done, just before its COMMIT (never
    for one rolled back before); a later call with the same key replaces it, so a transaction
    of many lines does it once."""
    _BEFORE_COMMIT.setdefault(db, {})[key] = action


def pending_before_commit(db: Database, key: str) -> Callable[[], None] | None:
    return _BEFORE_COMMIT.get(db, {}).get(key)


@contextmanager
def write_transaction(db: Database) -> Iterator[Database]:
    """BEGIN IMMEDIATE takes the write lock up front, so two windows queue instead of failing
    (on the clinic server, two workstations: storage/postgres.py).

    Nothing counts as saved until COMMIT has returned; any exception rolls everything back.
    What was asked to run before the commit runs last, still holding the lock.
    """
    conn = db.conn
    _BEFORE_COMMIT.pop(db, None)
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
        for action in _BEFORE_COMMIT.pop(db, {}).values():
            action()
        conn.execute("COMMIT")
    except BaseException:
        _BEFORE_COMMIT.pop(db, None)
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
