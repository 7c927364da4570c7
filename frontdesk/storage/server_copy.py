"""Every row of a clinic's SQLite file copied into a new clinic database on the server, in
one transaction: the server's clinic is either the file's, row for row, or as it was.

The file is read through a read-only connection and never written. The server's database is
one `server init` made and nobody has used yet (no patient, no audit line): the rows its
schema put there (the two staff members, office hours, appointment types, the clinic's
details) give way to the file's. Rows go in by COPY, tables in the order their foreign keys
need; each identity's sequence is set past the largest id copied, so the next row the app
adds gets the next number.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg import sql

from frontdesk.storage.postgres import WRITE_LOCK, PgDatabase, translated
from frontdesk.storage.postgres_schema import ADD_ONLY_TABLES, MIGRATIONS_TABLE

if TYPE_CHECKING:
    import sqlite3
else:
    from frontdesk.storage.engine import sqlite3

# Each engine's record of its own schema steps: not the clinic's rows (the server's says
# which SQLite steps it matches; the file's steps are checked before a move).
NOT_COPIED = {"_sqlite_migrations", MIGRATIONS_TABLE}


class CopyRefused(Exception):
    """The copy cannot be made as asked; nothing was changed (the sentence says why)."""


@dataclass(frozen=True)
class TableCount:
    table: str
    in_file: int
    on_server: int


def file_tables(source: sqlite3.Connection) -> list[str]:
    rows = source.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        " ORDER BY name"
    ).fetchall()
    return [row[0] for row in rows if row[0] not in NOT_COPIED]


def file_counts(source: sqlite3.Connection) -> dict[str, int]:
    return {
        table: source.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
        for table in file_tables(source)
    }


def server_tables(raw: psycopg.Connection[Any]) -> list[str]:
    rows = raw.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema ="
        " current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name"
    ).fetchall()
    return [row[0] for row in rows if row[0] not in NOT_COPIED]


def server_counts(db: PgDatabase) -> dict[str, int]:
    raw = db.conn.raw
    return {table: _count(raw, table) for table in server_tables(raw)}


def _count(raw: psycopg.Connection[Any], table: str) -> int:
    row = raw.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()
    return int(row[0]) if row else 0


def in_use(raw: psycopg.Connection[Any]) -> str | None:
    """Why the server's clinic is not new (patients, or lines in its trail); None if it is."""
    patients, lines = _count(raw, "patients"), _count(raw, "audit")
    if not patients and not lines:
        return None
    return f"it already holds {patients} patients and {lines} audit lines"


def _columns(raw: psycopg.Connection[Any], table: str) -> list[str]:
    rows = raw.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema ="
        " current_schema() AND table_name = %s ORDER BY ordinal_position",
        [table],
    ).fetchall()
    return [row[0] for row in rows]


def _file_columns(source: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in source.execute(f'PRAGMA table_info("{table}")').fetchall()]


def parent_first(raw: psycopg.Connection[Any], tables: list[str]) -> list[str]:
    """The tables in an order where each comes after every table its foreign keys name."""
    pairs = raw.execute(
        "SELECT DISTINCT child.relname, parent.relname FROM pg_constraint c"
        " JOIN pg_class child ON child.oid = c.conrelid"
        " JOIN pg_class parent ON parent.oid = c.confrelid"
        " JOIN pg_namespace n ON n.oid = child.relnamespace"
        " WHERE c.contype = 'f' AND n.nspname = current_schema()"
    ).fetchall()
    needs: dict[str, set[str]] = {table: set() for table in tables}
    for child, parent in pairs:
        if child in needs and parent in needs and child != parent:
            needs[child].add(parent)
    ordered: list[str] = []
    while needs:
        ready = sorted(table for table, parents in needs.items() if not parents - set(ordered))
        if not ready:
            raise CopyRefused(f"the tables' foreign keys go round in a circle: {sorted(needs)}")
        for table in ready:
            ordered.append(table)
            del needs[table]
    return ordered


def _identities(raw: psycopg.Connection[Any]) -> list[tuple[str, str]]:
    rows = raw.execute(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema ="
        " current_schema() AND is_identity = 'YES' ORDER BY table_name"
    ).fetchall()
    return [(row[0], row[1]) for row in rows]


def may_set_numbering(raw: psycopg.Connection[Any]) -> bool:
    """Whether this role may set the identities' sequences (the owner may; the workstations'
    role may not)."""
    for table, column in _identities(raw):
        row = raw.execute(
            "SELECT has_sequence_privilege(pg_get_serial_sequence(%s, %s), 'UPDATE')",
            [table, column],
        ).fetchone()
        if not row or not row[0]:
            return False
    return True


def _rows(source: sqlite3.Connection, table: str, columns: list[str]) -> Iterator[tuple]:
    names = ", ".join(f'"{column}"' for column in columns)
    order = " ORDER BY id" if "id" in columns else ""
    cursor = source.execute(f'SELECT {names} FROM "{table}"{order}')
    while batch := cursor.fetchmany(2000):
        yield from batch


def copy_rows(source: sqlite3.Connection, target: PgDatabase) -> dict[str, int]:
    """Copies every row of every table in one server transaction, holding the write lock
    every workstation's write takes first; returns the rows per table as the server counts
    them before COMMIT. CopyRefused (nothing changed) when the server's clinic is in use,
    when the two schemas differ, or when a count differs after the copy."""
    raw = target.conn.raw
    expected = file_counts(source)
    try:
        with raw.transaction():
            raw.execute("SELECT pg_advisory_xact_lock(%s)", [WRITE_LOCK])
            used = in_use(raw)
            if used is not None:
                raise CopyRefused(f"The clinic database on the server is not new: {used}.")
            on_server = server_tables(raw)
            if set(on_server) != set(expected):
                only_file = sorted(set(expected) - set(on_server))
                only_server = sorted(set(on_server) - set(expected))
                raise CopyRefused(
                    "The file's tables and the server's differ (only in the file:"
                    f" {', '.join(only_file) or 'none'}; only on the server:"
                    f" {', '.join(only_server) or 'none'}): they are not the same version."
                )
            order = parent_first(raw, on_server)
            for table in reversed(order):
                if table in ADD_ONLY_TABLES:
                    if _count(raw, table):
                        raise CopyRefused(f"The server's {table} table is not empty.")
                    continue
                raw.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(table)))
            for table in order:
                _copy_table(source, raw, table)
            for table, column in _identities(raw):
                raw.execute(
                    sql.SQL(
                        "SELECT setval(pg_get_serial_sequence(%s, %s),"
                        " coalesce(max({column}), 0) + 1, false) FROM {table}"
                    ).format(column=sql.Identifier(column), table=sql.Identifier(table)),
                    [table, column],
                )
            copied = {table: _count(raw, table) for table in order}
            different = [table for table in order if copied[table] != expected[table]]
            if different:
                raise CopyRefused(
                    "After the copy, the server counted other numbers of rows in "
                    + ", ".join(f"{t} ({copied[t]} instead of {expected[t]})" for t in different)
                    + ": nothing was kept."
                )
    except psycopg.Error as exc:
        raise translated(exc) from exc
    return copied


def _copy_table(source: sqlite3.Connection, raw: psycopg.Connection[Any], table: str) -> None:
    columns = _file_columns(source, table)
    missing = sorted(set(columns) - set(_columns(raw, table)))
    if missing:
        raise CopyRefused(
            f"The server's {table} table has no column {', '.join(missing)}: the file and the"
            " server are not the same version."
        )
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    )
    with raw.cursor().copy(statement) as copy:
        for row in _rows(source, table, columns):
            copy.write_row(row)
