"""The clinic server's engine: one PostgreSQL connection shaped like sqlite-utils' Database.

Repositories write SQLite's SQL; `postgres_sql.to_postgres` rewrites each text once. What the
engines do differently at run time is here:
- Writes queue like SQLite's `BEGIN IMMEDIATE`: a write transaction first takes one
  transaction-level advisory lock, so two workstations' check-then-write never interleave
  (the database's own constraints still refuse whatever would break a rule).
- No write is retried here, because none needs to be: a write transaction runs at READ
  COMMITTED, where PostgreSQL never raises a serialization failure, and holds the one write
  lock from its first statement, so two writers never hold row locks at once and cannot
  deadlock. (A use-case could not be replayed from here anyway: the service's own code runs
  inside the transaction.) Should either error come all the same, it is said as "busy", which
  the services turn into a sentence (postgres_errors).
- A read snapshot (`BEGIN`) is REPEATABLE READ, as SQLite's read transaction is a snapshot.
- psycopg's errors come out as the SQLite module's classes (storage/database.py), with the
  same words where services read them ("double booking", "constraint failed", "locked").
- A lost connection (a server restarted, a cable pulled) is opened again by the next
  statement: the first statement of a transaction, or a read outside one, found to be on a
  dead connection is run once more on a new one, so the first call after the server is back
  works. One lost inside a transaction fails that transaction in words (the server rolled it
  back: nothing half-saved), and the connection refuses the rest of it until the caller rolls
  back. One lost during COMMIT is the only case where the server may have saved it: the
  engine asks the server, once it answers again, whether that transaction committed, and
  checks the answer against the write's own audit line (a crashed server may give the
  transaction's id to another writer); the user is told what the server holds.
"""

from __future__ import annotations

import contextlib
import logging
import re
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import errors as pg_errors
from psycopg import pq

from frontdesk.storage import database
from frontdesk.storage.database import DatabaseError
from frontdesk.storage.postgres_errors import ConnectionLost, translated
from frontdesk.storage.postgres_sql import to_postgres

# The one lock every write transaction takes first (any number; the same in every process).
WRITE_LOCK = 0x46524F4E54  # "FRONT"
LOCK_WAIT = "10s"  # as long as SQLite's busy timeout, then "busy, try again"
CONNECT_TIMEOUT_S = 5
# After a connection lost during COMMIT: how long to wait for the server to answer whether
# the transaction committed (a restart takes a few seconds), and how often to ask.
OUTCOME_WAIT_S = 10.0
OUTCOME_POLL_S = 0.2
# Over TCP, a server that vanished (power cut, cable) is noticed in about 30 s, not the
# system's default of many minutes; ignored on a Unix socket. An address may set its own.
KEEPALIVES = {
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
    "tcp_user_timeout": 30_000,
}
# Statements that change nothing, or only open a transaction: safe to run again on a new
# connection when the old one turns out dead before any of them was done.
_REPEATABLE = re.compile(r"\s*(SELECT|SHOW|BEGIN)\b", re.IGNORECASE)

# The statement that moves the audit trail's head (storage/audit.py): its parameters, the
# new line's id and hash, are the write's receipt (see PgConnection._outcome).
_AUDIT_HEAD = re.compile(r"\s*INSERT\s+INTO\s+audit_head\b", re.IGNORECASE)

_log = logging.getLogger(__name__)


class OutcomeUnknown(ConnectionLost, database.OutcomeUnknown):
    """The connection broke during COMMIT and the server has not answered since: whether
    that change was saved is known only once the server is back (it is saved whole or not
    at all, never in part)."""


# The words for a connection lost once open (the technical detail goes to the log): the
# services add what was (not) saved.
LOST = "the connection to the clinic server was lost (it may have restarted)"
GONE = "the clinic server did not answer (it may be restarting, or the network is down)"
# What a statement after a lost connection, still inside the lost transaction, is told.
LOST_IN_TRANSACTION = (
    "the connection to the clinic server was lost part-way through, and the server kept"
    " none of it (it may have restarted)"
)


@dataclass
class _Write:
    """The open write transaction: what tells, after a lost COMMIT, whether it committed."""

    xid: str  # pg_current_xact_id()
    started: str  # when the server had last started, at BEGIN
    receipt: tuple[int, str] | None = None  # its last audit line: (id, hash)


class PgCursor:
    """A psycopg cursor with what sqlite3's offers the repositories: lastrowid above all.
    None for a statement the engine answered itself (BEGIN, COMMIT): no rows."""

    def __init__(self, cursor: psycopg.Cursor[Any] | None, lastrowid: int | None = None) -> None:
        self._cursor = cursor
        self.lastrowid = lastrowid

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount if self._cursor is not None else -1

    @property
    def description(self) -> Any:
        return self._cursor.description if self._cursor is not None else None

    def fetchone(self) -> Any:
        return self._cursor.fetchone() if self._cursor is not None and self.description else None

    def fetchall(self) -> list[Any]:
        return self._cursor.fetchall() if self._cursor is not None and self.description else []

    def fetchmany(self, size: int = 1) -> list[Any]:
        if self._cursor is None or not self.description:
            return []
        return self._cursor.fetchmany(size)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.fetchall())


class PgConnection:
    """What `db.conn` is on the server: statements in SQLite's dialect, SQLite's errors."""

    def __init__(self, conninfo: str, *, address: str | None = None) -> None:
        """Connects now; or, given the `address` of another connection to the same database,
        at the first statement (a worker's twin, made while the server may be away)."""
        self.conninfo = conninfo
        self.address = address or ""  # user@host:port/dbname: said while the server is away
        self._raw: psycopg.Connection[Any] | None = None
        self._started = ""  # when the server last started, as this connection found it
        self._write: _Write | None = None  # the open write transaction, for a lost COMMIT
        # The connection broke inside a transaction the caller has not ended yet: the rest of
        # that transaction must not run, one statement at a time, on a new connection.
        self._lost_in_transaction = False
        if address is None:
            self._open()

    def _open(self) -> None:
        try:
            raw = psycopg.connect(
                self.conninfo,
                autocommit=True,  # transactions are ours, as with SQLite (isolation_level=None)
                connect_timeout=CONNECT_TIMEOUT_S,
                application_name="frontdesk",
                client_encoding="UTF8",
                **_keepalives(self.conninfo),
            )
        except psycopg.Error as exc:
            raise translated(exc) from exc
        try:
            row = raw.execute("SELECT pg_postmaster_start_time()::text").fetchone()
        except psycopg.Error as exc:
            raw.close()
            raise translated(exc) from exc
        self._raw = raw
        self._started = row[0] if row else ""
        self.address = _address(raw)

    @property
    def raw(self) -> psycopg.Connection[Any]:
        """The psycopg connection, opened again if it was lost between transactions."""
        if self._raw is None or self._raw.closed or self._raw.broken:
            self._reopen()
        assert self._raw is not None
        return self._raw

    def _reopen(self) -> None:
        try:
            self._open()
        except ConnectionLost as exc:
            _log.warning("the clinic server did not answer: %s", exc)
            raise ConnectionLost(GONE) from exc

    def idle(self) -> bool:
        raw = self._raw
        return (
            raw is not None
            and not raw.closed
            and not raw.broken
            and not self._lost_in_transaction
            and raw.info.transaction_status == pq.TransactionStatus.IDLE
        )

    @property
    def in_transaction(self) -> bool:
        """True also for a transaction lost with its connection, until the caller rolls back
        (as SQLite's stays open after a failed statement)."""
        if self._lost_in_transaction:
            return True
        raw = self._raw
        if raw is None or raw.closed or raw.broken:
            return False
        return raw.info.transaction_status != pq.TransactionStatus.IDLE

    def execute(self, sql: str, parameters: Any = (), /) -> PgCursor:
        statement = sql.strip().rstrip(";").upper()
        if self._lost_in_transaction:
            if statement == "ROLLBACK":
                self._lost_in_transaction = False
                return PgCursor(None)
            if not statement.startswith("BEGIN"):  # a new transaction starts afresh
                self._lost_in_transaction = statement != "COMMIT"
                raise ConnectionLost(LOST_IN_TRANSACTION)
            self._lost_in_transaction = False
        if statement == "BEGIN IMMEDIATE":
            return self._begin_write()
        if statement in ("BEGIN", "BEGIN DEFERRED"):
            return self._run("BEGIN ISOLATION LEVEL REPEATABLE READ", None, False)
        if statement == "COMMIT":
            return self._commit()
        if statement == "ROLLBACK":
            return self._rollback()
        text, returns_id = to_postgres(sql)
        cursor = self._run(text, parameters, returns_id)
        if self._write is not None and _AUDIT_HEAD.match(sql) and len(parameters) == 2:
            self._write.receipt = (int(parameters[0]), str(parameters[1]))
        return cursor

    def executemany(self, sql: str, parameters: Iterable[Sequence[Any]], /) -> PgCursor:
        text, _ = to_postgres(sql)
        text = text.removesuffix(" RETURNING id")
        raw = self.raw
        idle = _idle(raw)
        cursor = raw.cursor()
        try:
            cursor.executemany(text, [_params(row) or () for row in parameters])
        except psycopg.Error as exc:
            raise self._failed(exc, self._after_failure(idle)) from exc
        return PgCursor(cursor)

    def _begin_write(self) -> PgCursor:
        """BEGIN, then the write lock; the transaction's id is kept for a lost COMMIT. A dead
        connection found here (nothing done yet) is replaced once."""
        for attempt in (1, 2):
            raw = self.raw
            try:
                raw.execute("BEGIN ISOLATION LEVEL READ COMMITTED")
                raw.execute(f"SET LOCAL lock_timeout = '{LOCK_WAIT}'")
                row = raw.execute(
                    "SELECT pg_advisory_xact_lock(%s), pg_current_xact_id()::text", [WRITE_LOCK]
                ).fetchone()
            except psycopg.Error as exc:
                if self._after_failure(idle_before=True):
                    if attempt == 1:
                        _log.warning("connection to the clinic server lost; opening it again")
                        continue
                    raise self._failed(exc, lost=True) from exc
                _end_quietly(raw)  # waited too long for the lock: none left open, as SQLite
                raise translated(exc) from exc
            assert row is not None
            self._write = _Write(row[1], self._started)
            return PgCursor(None)
        raise AssertionError("unreachable")  # pragma: no cover

    def _run(self, text: str, parameters: Any, returns_id: bool) -> PgCursor:
        for attempt in (1, 2):
            raw = self.raw
            idle = _idle(raw)
            cursor = raw.cursor()
            try:
                cursor.execute(text, _params(parameters))
            except psycopg.Error as exc:
                lost = self._after_failure(idle)
                if lost and idle and attempt == 1 and _REPEATABLE.match(text):
                    _log.warning("connection to the clinic server lost; opening it again")
                    continue
                raise self._failed(exc, lost) from exc
            if returns_id:
                row = cursor.fetchone()
                return PgCursor(cursor, row[0] if row else None)
            return PgCursor(cursor)
        raise AssertionError("unreachable")  # pragma: no cover

    def _rollback(self) -> PgCursor:
        """ROLLBACK; a connection lost meanwhile has rolled back with it on the server."""
        self._write = None
        if not self.in_transaction:
            return PgCursor(None)
        try:
            return self._run("ROLLBACK", None, False)
        except ConnectionLost:
            self._lost_in_transaction = False
            return PgCursor(None)

    def _commit(self) -> PgCursor:
        """COMMIT; if the connection breaks during it, the server is asked (once it answers
        again) whether the transaction committed: the answer, not a guess, is what the user
        is told."""
        write, self._write = self._write, None
        raw = self.raw
        try:
            raw.execute("COMMIT")
        except psycopg.Error as exc:
            lost = self._after_failure(idle_before=True)
            if not lost or write is None:
                raise self._failed(exc, lost) from exc  # not lost, or nothing was written
            outcome = self._outcome(write)
            if outcome == "committed":
                _log.warning("connection lost during COMMIT; the server says it was saved")
                return PgCursor(None)
            if outcome == "aborted":
                raise ConnectionLost(LOST) from exc  # the server says: nothing was saved
            raise OutcomeUnknown(
                "the connection to the clinic server broke while this was being saved and the"
                " server has not answered since; once it is back, look whether it was saved"
                " (a change is saved whole or not at all)"
            ) from exc
        return PgCursor(None)

    def _outcome(self, write: _Write) -> str | None:
        """'committed' or 'aborted' as the server says, on a new connection; None if it did
        not answer within OUTCOME_WAIT_S (or cannot tell, below).

        pg_xact_status answers for the transaction's id, but a server that crashed before any
        of the transaction reached its disk hands the same id out again, to the next writer:
        then "committed" may be another's. "aborted" is always ours (a transaction that
        committed is on disk, so its id is never handed out again). So "committed" is
        believed only if the transaction's audit line is there with its hash (its receipt),
        or, for the rare write with no audit line, if the server has not restarted since."""
        deadline = time.monotonic() + OUTCOME_WAIT_S
        while True:
            try:
                raw = self.raw
                row = raw.execute("SELECT pg_xact_status(%s::xid8)", [write.xid]).fetchone()
                status = row[0] if row else None
                if status == "committed" and write.receipt is not None:
                    line_id, digest = write.receipt
                    line = raw.execute("SELECT hash FROM audit WHERE id = %s", [line_id])
                    found = line.fetchone()
                    return "committed" if found is not None and found[0] == digest else "aborted"
            except pg_errors.InvalidParameterValue:
                return "aborted"  # "in the future": a crash lost the transaction before COMMIT
            except (psycopg.Error, ConnectionLost):
                self._after_failure(idle_before=True)
                status = None
            if status == "aborted":
                return "aborted"
            if status == "committed":  # no receipt: the id is ours unless the server restarted
                return "committed" if self._started == write.started else None
            if time.monotonic() >= deadline:
                return None
            time.sleep(OUTCOME_POLL_S)

    def _failed(self, exc: psycopg.Error, lost: bool) -> DatabaseError | OverflowError:
        """The error to raise: a lost connection in plain words (its detail to the log),
        anything else as postgres_errors says it."""
        if not lost:
            return translated(exc)
        _log.warning("connection to the clinic server lost: %s", str(exc).strip())
        return ConnectionLost(LOST)

    def _after_failure(self, idle_before: bool) -> bool:
        """A statement that failed inside a transaction has aborted it on the server; the
        caller rolls back (as after an SQLite error). A broken connection is dropped (the next
        statement opens a new one) and True returned; if a transaction was open on it, the
        rest of that transaction is refused until the caller rolls back."""
        raw = self._raw
        if raw is None or not (raw.broken or raw.closed):
            return False
        self._raw = None
        raw.close()
        if not idle_before:
            self._lost_in_transaction = True
            self._write = None
        return True

    def close(self) -> None:
        self._lost_in_transaction = False
        self._write = None
        if self._raw is not None:
            self._raw.close()
            self._raw = None


def _idle(raw: psycopg.Connection[Any]) -> bool:
    """No transaction open on this connection, as far as this side knows."""
    return raw.info.transaction_status == pq.TransactionStatus.IDLE


def _end_quietly(raw: psycopg.Connection[Any]) -> None:
    """Rolls back what a failed BEGIN left open; a connection that fails meanwhile is let be
    (the next statement finds it broken)."""
    if raw.broken or raw.closed or _idle(raw):
        return
    with contextlib.suppress(psycopg.Error):
        raw.execute("ROLLBACK")


def _keepalives(conninfo: str) -> dict[str, Any]:
    """KEEPALIVES, except those the address sets itself."""
    try:
        given = psycopg.conninfo.conninfo_to_dict(conninfo)
    except psycopg.ProgrammingError:
        return dict(KEEPALIVES)  # psycopg.connect says what is wrong with it
    return {name: value for name, value in KEEPALIVES.items() if name not in given}


def _address(raw: psycopg.Connection[Any]) -> str:
    """user@host:port/dbname of the connection as made (its parameters never hold the
    password), said as any address is said."""
    return address_without_password(raw.info.dsn)


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

    @classmethod
    def twin_of(cls, other: PgDatabase) -> PgDatabase:
        """Another connection to `other`'s database, opened at its first statement: made
        whether or not the server answers now (a refusal then comes from the call, in words)."""
        twin = cls.__new__(cls)
        twin.conn = PgConnection(other.conninfo, address=other.address)
        return twin

    @property
    def conninfo(self) -> str:
        return self.conn.conninfo

    def idle(self) -> bool:
        """Open, whole and outside any transaction: fit to be used again by another call."""
        return self.conn.idle()

    @property
    def address(self) -> str:
        """user@host:port/dbname: the server and database, never the password."""
        return self.conn.address

    def execute(self, sql: str, parameters: Any = None) -> PgCursor:
        return self.conn.execute(sql, parameters if parameters is not None else ())

    def query(self, sql: str, params: Any = None) -> Iterator[dict[str, Any]]:
        cursor = self.execute(sql, params)
        names = [column.name for column in cursor.description or ()]
        for row in cursor.fetchall():
            yield dict(zip(names, row, strict=True))

    def table_names(self) -> list[str]:
        # pg_catalog, not information_schema.tables: the same tables in a tenth of the time
        # (~1 ms, not ~11 ms), and every workstation's start asks.
        rows = self.execute(
            "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')"
            " ORDER BY c.relname"
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
