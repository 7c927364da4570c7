"""The clinic server's engine: one PostgreSQL connection shaped like sqlite-utils' Database.

Repositories write SQLite's SQL; `postgres_sql.to_postgres` rewrites each text once. What the
engines do differently at run time is here:
- Writes queue like SQLite's `BEGIN IMMEDIATE`: a write transaction first takes one
  transaction-level advisory lock, so two workstations' check-then-write never interleave
  (the database's own constraints still refuse whatever would break a rule).
- A read snapshot (`BEGIN`) is REPEATABLE READ, as SQLite's read transaction is a snapshot.
- psycopg's errors come out as the SQLite module's classes (storage/database.py), with the
  same words where services read them ("double booking", "constraint failed", "locked").
- A connection lost between transactions is opened again on the next statement; one lost
  inside a transaction fails that transaction (nothing half-saved), in words.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import psycopg
from psycopg import pq

from frontdesk.storage.postgres_errors import translated
from frontdesk.storage.postgres_sql import to_postgres

# The one lock every write transaction takes first (any number; the same in every process).
WRITE_LOCK = 0x46524F4E54  # "FRONT"
LOCK_WAIT = "10s"  # as long as SQLite's busy timeout, then "busy, try again"
CONNECT_TIMEOUT_S = 5

_log = logging.getLogger(__name__)


class PgCursor:
    """A psycopg cursor with what sqlite3's offers the repositories: lastrowid above all."""

    def __init__(self, cursor: psycopg.Cursor[Any], lastrowid: int | None = None) -> None:
        self._cursor = cursor
        self.lastrowid = lastrowid

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def description(self) -> Any:
        return self._cursor.description

    def fetchone(self) -> Any:
        return self._cursor.fetchone() if self._cursor.description else None

    def fetchall(self) -> list[Any]:
        return self._cursor.fetchall() if self._cursor.description else []

    def fetchmany(self, size: int = 1) -> list[Any]:
        return self._cursor.fetchmany(size) if self._cursor.description else []

    def __iter__(self) -> Iterator[Any]:
        return iter(self.fetchall())


class PgConnection:
    """What `db.conn` is on the server: statements in SQLite's dialect, SQLite's errors."""

    def __init__(self, conninfo: str) -> None:
        self.conninfo = conninfo
        self._raw: psycopg.Connection[Any] | None = None
        self._open()

    def _open(self) -> None:
        try:
            raw = psycopg.connect(
                self.conninfo,
                autocommit=True,  # transactions are ours, as with SQLite (isolation_level=None)
                connect_timeout=CONNECT_TIMEOUT_S,
                application_name="frontdesk",
            )
        except psycopg.Error as exc:
            raise translated(exc) from exc
        raw.execute("SET client_encoding = 'UTF8'")
        self._raw = raw

    @property
    def raw(self) -> psycopg.Connection[Any]:
        """The psycopg connection, opened again if it was lost between transactions."""
        if self._raw is None or self._raw.closed or self._raw.broken:
            self._open()
        assert self._raw is not None
        return self._raw

    @property
    def in_transaction(self) -> bool:
        raw = self._raw
        if raw is None or raw.closed or raw.broken:
            return False
        return raw.info.transaction_status != pq.TransactionStatus.IDLE

    def execute(self, sql: str, parameters: Any = (), /) -> PgCursor:
        statement = sql.strip().rstrip(";").upper()
        if statement == "BEGIN IMMEDIATE":
            return self._begin_write()
        if statement in ("BEGIN", "BEGIN DEFERRED"):
            return self._run("BEGIN ISOLATION LEVEL REPEATABLE READ", None, False)
        if statement == "ROLLBACK" and not self.in_transaction:
            return self._nothing()
        text, returns_id = to_postgres(sql)
        return self._run(text, parameters, returns_id)

    def executemany(self, sql: str, parameters: Iterable[Sequence[Any]], /) -> PgCursor:
        text, _ = to_postgres(sql)
        text = text.removesuffix(" RETURNING id")
        raw = self.raw
        cursor = raw.cursor()
        try:
            cursor.executemany(text, [_params(row) or () for row in parameters])
        except psycopg.Error as exc:
            raise translated(exc) from exc
        return PgCursor(cursor)

    def _begin_write(self) -> PgCursor:
        raw = self.raw
        try:
            raw.execute("BEGIN ISOLATION LEVEL READ COMMITTED")
            raw.execute(f"SET LOCAL lock_timeout = '{LOCK_WAIT}'")
            raw.execute("SELECT pg_advisory_xact_lock(%s)", [WRITE_LOCK])
        except psycopg.Error as exc:
            self._after_failure()
            raise translated(exc) from exc
        return self._nothing()

    def _run(self, text: str, parameters: Any, returns_id: bool) -> PgCursor:
        raw = self.raw
        cursor = raw.cursor()
        try:
            cursor.execute(text, _params(parameters))
        except psycopg.Error as exc:
            self._after_failure()
            raise translated(exc) from exc
        if returns_id:
            row = cursor.fetchone()
            return PgCursor(cursor, row[0] if row else None)
        return PgCursor(cursor)

    def _after_failure(self) -> None:
        """A statement that failed inside a transaction has aborted it on the server; the
        caller rolls back (as after an SQLite error), and a broken connection is dropped."""
        raw = self._raw
        if raw is not None and raw.broken:
            self._raw = None

    def _nothing(self) -> PgCursor:
        return PgCursor(self.raw.cursor())

    def close(self) -> None:
        if self._raw is not None:
            self._raw.close()
            self._raw = None


def _params(parameters: Any) -> Any:
    """SQLite's parameters for psycopg: a bool is stored as SQLite stores it, 0 or 1."""
    if parameters is None:
        return None
    if isinstance(parameters, dict):
        return {name: _value(value) for name, value in parameters.items()}
    values = [_value(value) for value in parameters]
    return values or None


def _value(value: Any) -> Any:
    return int(value) if isinstance(value, bool) else value


class PgDatabase:
    """sqlite-utils' Database, as far as the repositories use it, on the clinic server."""

    def __init__(self, conninfo: str) -> None:
        self.conn = PgConnection(conninfo)

    @property
    def conninfo(self) -> str:
        return self.conn.conninfo

    @property
    def address(self) -> str:
        """user@host:port/dbname: the server and database, never the password."""
        info = self.conn.raw.info
        where = info.host if info.host.startswith("/") else f"{info.host}:{info.port}"
        return f"{info.user}@{where}/{info.dbname}"

    def execute(self, sql: str, parameters: Any = None) -> PgCursor:
        return self.conn.execute(sql, parameters if parameters is not None else ())

    def query(self, sql: str, params: Any = None) -> Iterator[dict[str, Any]]:
        cursor = self.execute(sql, params)
        names = [column.name for column in cursor.description or ()]
        for row in cursor.fetchall():
            yield dict(zip(names, row, strict=True))

    def table_names(self) -> list[str]:
        rows = self.execute(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
            " ORDER BY table_name"
        ).fetchall()
        return [row[0] for row in rows]

    def close(self) -> None:
        self.conn.close()


def address_without_password(address: str) -> str:
    """An address as it may be shown and logged: every password taken out."""
    try:
        params = psycopg.conninfo.conninfo_to_dict(address)
    except psycopg.ProgrammingError:
        return "an address that cannot be read"
    params.pop("password", None)
    host = str(params.get("host", "localhost"))
    port = params.get("port")
    where = host if host.startswith("/") or not port else f"{host}:{port}"
    return f"{params.get('user', '')}@{where}/{params.get('dbname', '')}".lstrip("@")
