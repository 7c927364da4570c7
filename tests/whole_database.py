"""Everything a database holds, as comparable lines: its schema, then every row of every table;
and how many rows one table has. For a file's connection and for the server's alike."""

from __future__ import annotations

from typing import Any

from frontdesk.storage.postgres import PgConnection


def whole_database(conn: Any) -> list[str]:
    """Like the standard library's iterdump, for any SQLite connection (SQLCipher's has none),
    and the same lines' worth for a clinic server's database."""
    if isinstance(conn, PgConnection):
        return _whole_server_database(conn)
    lines = []
    schema = conn.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY type, name"
    ).fetchall()
    for kind, name, sql in schema:
        lines.append(sql)
        if kind == "table":
            quoted = '"' + name.replace('"', '""') + '"'
            lines.extend(sorted(repr(row) for row in conn.execute(f"SELECT * FROM {quoted}")))
    return lines


def _whole_server_database(conn: PgConnection) -> list[str]:
    lines = []
    columns = conn.execute(
        "SELECT table_name, column_name, data_type, is_nullable, column_default"
        " FROM information_schema.columns WHERE table_schema = current_schema()"
        " ORDER BY table_name, ordinal_position"
    ).fetchall()
    lines.extend(repr(column) for column in columns)
    constraints = conn.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE connamespace = current_schema()::regnamespace ORDER BY 1, 2"
    ).fetchall()
    lines.extend(repr(constraint) for constraint in constraints)
    for table in sorted({column[0] for column in columns}):
        lines.extend(sorted(repr(row) for row in conn.execute(f'SELECT * FROM "{table}"')))
    return lines


def count_rows(clinic: Any, table: str) -> int:
    """Rows in `table` of a clinic's database (tests' own look, whichever engine)."""
    return int(clinic._db.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])
