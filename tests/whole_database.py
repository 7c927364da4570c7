"""Everything a database holds, as comparable lines: its schema, then every row of every table."""

from __future__ import annotations

from typing import Any


def whole_database(conn: Any) -> list[str]:
    """Like the standard library's iterdump, for any SQLite connection (SQLCipher's has none)."""
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
