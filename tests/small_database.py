"""A database file of one table and one row, plain or encrypted: enough to tell which key opens
it, without a clinic's schema."""

from __future__ import annotations

from pathlib import Path

from frontdesk.storage.clinic_keys import ClinicKey
from frontdesk.storage.engine import connect_file


def small_database(path: Path, key: ClinicKey | None = None, row: str = "a note") -> Path:
    conn = connect_file(path, new_key=key)
    conn.execute("CREATE TABLE t (x)")
    conn.execute("INSERT INTO t VALUES (?)", [row])
    conn.commit()
    conn.close()
    return path
