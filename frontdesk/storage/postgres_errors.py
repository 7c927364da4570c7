"""psycopg's errors as the SQLite module's classes, in the words the services read.

Services catch one set of exception classes whichever engine is underneath (storage/database.py)
and look for a few words in them: "double booking" (the overlap rule), "constraint failed"
(SQLite's own refusals), "locked"/"busy" (another writer). This module says PostgreSQL's errors
that way, as Django's DatabaseErrorWrapper does for its backends.
"""

from __future__ import annotations

import psycopg
from psycopg import errors as pg_errors

from frontdesk.storage.database import (
    DatabaseError,
    IntegrityError,
    OperationalError,
    WriteConflict,
)


class ConnectionLost(OperationalError):
    """The clinic server did not answer, or the connection broke."""


def translated(exc: psycopg.Error) -> DatabaseError | OverflowError:
    """psycopg's error as the SQLite module's class, in the words services look for."""
    diag = exc.diag
    message = diag.message_primary or str(exc).strip()
    if isinstance(exc, pg_errors.ExclusionViolation):
        return IntegrityError("double booking: that time is already taken")
    if isinstance(exc, pg_errors.RaiseException):  # our own triggers' refusals
        return IntegrityError(message)
    if isinstance(exc, pg_errors.UniqueViolation):
        return IntegrityError(f"UNIQUE constraint failed: {diag.constraint_name}")
    if isinstance(exc, pg_errors.ForeignKeyViolation):
        return IntegrityError("FOREIGN KEY constraint failed")
    if isinstance(exc, pg_errors.NotNullViolation):
        return IntegrityError(f"NOT NULL constraint failed: {diag.table_name}.{diag.column_name}")
    if isinstance(exc, pg_errors.CheckViolation):
        return IntegrityError(f"CHECK constraint failed: {diag.constraint_name}")
    if isinstance(exc, pg_errors.NumericValueOutOfRange):
        return OverflowError(message)
    if isinstance(exc, psycopg.DataError):  # a NUL character, text the server cannot hold
        return IntegrityError(f"CHECK constraint failed: {message}")
    if isinstance(exc, (pg_errors.LockNotAvailable, pg_errors.QueryCanceled)):
        return OperationalError("database is locked (another workstation is saving)")
    if isinstance(exc, (pg_errors.SerializationFailure, pg_errors.DeadlockDetected)):
        return WriteConflict("database is busy (another workstation saved at that moment)")
    if isinstance(exc, psycopg.OperationalError):
        return _operational(exc, message)
    if isinstance(exc, psycopg.IntegrityError):
        return IntegrityError(f"{message}: constraint failed")
    return DatabaseError(message)


def _operational(exc: psycopg.OperationalError, message: str) -> DatabaseError:
    """The server answered with a refusal, ran short of something, or did not answer at all."""
    text = _first_line(exc)
    if "database" in text and "does not exist" in text:
        return DatabaseError(f"the server has no such database ({_after_fatal(text)})")
    if "password authentication failed" in text or "no password supplied" in text:
        return DatabaseError("the server refused this user name and password")
    if exc.sqlstate == "53100":
        return OperationalError("database or disk is full on the clinic server")
    if exc.sqlstate and exc.sqlstate.startswith("53"):
        return OperationalError(f"the clinic server ran short of resources ({message})")
    return ConnectionLost(f"it did not answer ({text})")


def _after_fatal(text: str) -> str:
    return text.rsplit("FATAL:", 1)[-1].strip()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
