"""What a clinic database is to the repositories and services, whichever engine holds it.

SQLite's connection (sqlite-utils' `Database`) and the clinic server's (`storage/postgres.py`)
both have this shape, and both raise the exception classes below: the SQLite module's own, which
the PostgreSQL engine raises in its place (Django's `django.db.utils` does the same for its
backends). Services and repositories import only this module's names, never an engine's.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Protocol

from frontdesk.storage.engine import sqlite3

Error = sqlite3.Error
DatabaseError = sqlite3.DatabaseError
OperationalError = sqlite3.OperationalError
IntegrityError = sqlite3.IntegrityError


class WriteConflict(OperationalError):
    """Another transaction's write crossed this one (a serialization failure or a deadlock):
    this one was rolled back whole, and the same use-case may simply be run again."""


class OutcomeUnknown(OperationalError):
    """The connection broke while a COMMIT was on its way, and the database has not said since
    whether it arrived: the change is saved whole or not at all, but which is not known yet."""


class Cursor(Protocol):
    @property
    def lastrowid(self) -> int | None: ...
    @property
    def rowcount(self) -> int: ...
    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...
    def fetchmany(self, size: int = ...) -> list[Any]: ...
    def __iter__(self) -> Iterator[Any]: ...


class Connection(Protocol):
    @property
    def in_transaction(self) -> bool: ...
    def execute(self, sql: str, parameters: Any = ..., /) -> Any: ...
    def executemany(self, sql: str, parameters: Iterable[Sequence[Any]], /) -> Any: ...
    def close(self) -> None: ...


class Database(Protocol):
    """One connection to the clinic's database; SQL is written as SQLite reads it (`?`)."""

    @property
    def conn(self) -> Any: ...
    def execute(self, sql: str, parameters: Any = None) -> Any: ...
    def query(self, sql: str, params: Any = None) -> Iterator[dict[str, Any]]: ...
    def table_names(self) -> list[str]: ...
    def close(self) -> None: ...
