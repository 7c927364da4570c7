"""The id of the row an INSERT just added, said once instead of `int(cursor.lastrowid or 0)`.

`sqlite3.Cursor.lastrowid` is typed `int | None` (None before any INSERT on the cursor). After
an INSERT it is the new row's id; turning a None into 0 would hand back an id no row has.
"""

from __future__ import annotations

from frontdesk.storage.engine import sqlite3


def inserted_id(cursor: sqlite3.Cursor) -> int:
    """The new row's id; a cursor that inserted nothing is a programming error, said so."""
    row_id = cursor.lastrowid
    if row_id is None:
        raise RuntimeError("No row was inserted: there is no new id to return.")
    return row_id
