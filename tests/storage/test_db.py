from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from frontdesk.storage.db import connect, write_transaction
from frontdesk.storage.engine import sqlite3


def test_every_connection_gets_the_required_pragmas(tmp_path: Path) -> None:
    db = connect(tmp_path / "a.sqlite3")
    pragma = lambda name: db.execute(f"PRAGMA {name}").fetchone()[0]  # noqa: E731
    assert pragma("foreign_keys") == 1
    assert pragma("journal_mode") == "wal"
    assert pragma("synchronous") == 2  # FULL
    assert pragma("busy_timeout") >= 5000


def test_write_transaction_commits(tmp_path: Path) -> None:
    db = connect(tmp_path / "a.sqlite3")
    db.execute("CREATE TABLE t (x)")
    with write_transaction(db):
        db.execute("INSERT INTO t VALUES (1)")
    other = connect(tmp_path / "a.sqlite3")
    assert other.execute("SELECT count(*) FROM t").fetchone()[0] == 1


def test_an_error_rolls_back_everything(tmp_path: Path) -> None:
    db = connect(tmp_path / "a.sqlite3")
    db.execute("CREATE TABLE t (x)")
    with pytest.raises(RuntimeError), write_transaction(db):
        db.execute("INSERT INTO t VALUES (1)")
        db.execute("INSERT INTO t VALUES (2)")
        raise RuntimeError("crash half-way")
    assert db.execute("SELECT count(*) FROM t").fetchone()[0] == 0
    assert not db.conn.in_transaction


def test_write_transactions_take_the_write_lock_up_front(tmp_path: Path) -> None:
    """BEGIN IMMEDIATE: a second writer waits at BEGIN, not later at its first write."""
    first = connect(tmp_path / "a.sqlite3")
    first.execute("CREATE TABLE t (x)")
    second = sqlite3.connect(tmp_path / "a.sqlite3", isolation_level=None, timeout=0.05)
    with write_transaction(first), pytest.raises(sqlite3.OperationalError, match="locked"):
        second.execute("BEGIN IMMEDIATE")
    second.execute("BEGIN IMMEDIATE")
    second.execute("ROLLBACK")


def test_foreign_keys_are_enforced(tmp_path: Path) -> None:
    db = connect(tmp_path / "a.sqlite3")
    db.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
    db.execute("CREATE TABLE child (parent_id INTEGER REFERENCES parent (id))")
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("INSERT INTO child VALUES (42)")


def test_a_second_writer_waits_for_the_first_then_succeeds(tmp_path: Path) -> None:
    connect(tmp_path / "a.sqlite3").execute("CREATE TABLE t (x)")
    holding = threading.Event()

    def hold_the_lock() -> None:
        first = connect(tmp_path / "a.sqlite3")  # its own connection, in its own thread
        with write_transaction(first):
            first.execute("INSERT INTO t VALUES (1)")
            holding.set()
            time.sleep(0.3)

    writer = threading.Thread(target=hold_the_lock)
    writer.start()
    holding.wait(5)
    second = connect(tmp_path / "a.sqlite3")
    with write_transaction(second):  # waits (busy_timeout), never "database is locked"
        second.execute("INSERT INTO t VALUES (2)")
    writer.join()
    assert [r[0] for r in second.execute("SELECT x FROM t ORDER BY x")] == [1, 2]
