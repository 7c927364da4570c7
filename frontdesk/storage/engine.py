"""The one SQLite library every connection uses: SQLCipher's build of SQLite.

A plain file opens as with SQLite; an encrypted one opens once its key is given. One library
means one set of exception classes: sqlite-utils is pointed at it too, so its own `except
OperationalError` clauses catch what our connections raise.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from frontdesk.storage.unused_imports import defer_unused_imports

defer_unused_imports()  # before sqlite_utils is first imported, whoever imports this first

import sqlite_utils.db  # noqa: E402
import sqlite_utils.utils  # noqa: E402

from frontdesk.storage.clinic_keys import ClinicKey, held, key_for  # noqa: E402

if TYPE_CHECKING:  # the same DB-API as the standard library's module, to the type checker
    import sqlite3
else:
    from sqlcipher3 import dbapi2 as sqlite3

sqlite_utils.db.sqlite3 = sqlite3
sqlite_utils.db.OperationalError = sqlite3.OperationalError
sqlite_utils.utils.sqlite3 = sqlite3
sqlite_utils.utils.OperationalError = sqlite3.OperationalError

__all__ = ["connect_file", "connection_salt", "key_of", "opens_with", "sqlite3"]


def _quiet() -> None:
    """SQLCipher writes each failed page check to stderr; a damaged or foreign file is said in
    the app's own words instead."""
    conn = sqlite3.connect(":memory:")
    try:
        conn.execute("PRAGMA cipher_log_level = NONE").fetchall()
    finally:
        conn.close()


_quiet()


def connect_file(
    path: Path | str, *, uri: str | None = None, new_key: ClinicKey | None = None, **options: Any
) -> sqlite3.Connection:
    """Every connection to one of the clinic's files (the database, a backup, a copy): its key
    is given before anything is read. An encrypted file takes the key this process holds for
    it (KeyNeeded if none); a file not there yet, or empty, is created encrypted with
    `new_key` when one is given, and plain otherwise."""
    key = None
    if str(path) != ":memory:":
        file = Path(path)
        key = key_for(file)
        if key is None and new_key is not None and _new(file):
            key = new_key
    conn = sqlite3.connect(uri or str(path), uri=uri is not None, **options)
    if key is not None:
        try:
            conn.execute(f"PRAGMA key = {key.pragma()}").fetchall()
        except BaseException:
            conn.close()
            raise
    return conn


def connection_salt(conn: sqlite3.Connection) -> bytes | None:
    """The salt of the key `conn` was opened with; None for a plain database. (SQLCipher
    answers without reading the file.) Read whatever the connection's text_factory is: the
    checks read damaged files as bytes."""
    row = conn.execute("PRAGMA cipher_salt").fetchone()
    if not row:
        return None
    text = row[0].decode("ascii") if isinstance(row[0], bytes) else row[0]
    return bytes.fromhex(text)


def key_of(conn: sqlite3.Connection) -> ClinicKey | None:
    """The key `conn` was opened with (None: a plain file), so that a copy gets the same: the
    held key of the salt SQLCipher reports for it."""
    salt = connection_salt(conn)
    return None if salt is None else held(salt)


def _new(file: Path) -> bool:
    try:
        return file.stat().st_size == 0
    except FileNotFoundError:
        return True


def opens_with(path: Path, key: ClinicKey) -> bool:
    """Does `key` open the encrypted file `path`? (Read only: a wrong key changes nothing.)"""
    from frontdesk.storage.backups import read_only_uri

    conn = sqlite3.connect(read_only_uri(path), uri=True)
    try:
        conn.execute(f"PRAGMA key = {key.pragma()}").fetchall()
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError:
        return False
    finally:
        conn.close()
    return True
