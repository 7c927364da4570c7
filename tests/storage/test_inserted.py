"""The id an INSERT gave its row, or a plain error instead of a made-up id 0."""

from __future__ import annotations

from pathlib import Path

import pytest

from frontdesk.storage.engine import sqlite3
from frontdesk.storage.inserted import inserted_id


def test_the_new_rows_id_comes_back(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "ids.db")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, x TEXT)")
    conn.execute("INSERT INTO t (id, x) VALUES (41, 'a')")
    assert inserted_id(conn.execute("INSERT INTO t (x) VALUES ('b')")) == 42
    conn.close()


def test_a_cursor_that_inserted_nothing_is_refused_not_given_id_0(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "ids.db")
    with pytest.raises(RuntimeError, match="No row was inserted"):
        inserted_id(conn.cursor())
    conn.close()
