from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from frontdesk.storage.clinic_keys import ClinicKey, hold, salt_of
from frontdesk.storage.db import connect, write_transaction
from frontdesk.storage.engine import connect_file, key_of, sqlite3


@pytest.fixture(params=["plain", "encrypted"], autouse=True)
def new_key(request) -> ClinicKey | None:
    """Every rule here holds for a plain file and for an encrypted one (held, as the app
    holds its clinic's key)."""
    if request.param == "plain":
        return None
    key = ClinicKey.new()
    hold(key)
    return key


@pytest.fixture
def connect_a(tmp_path: Path, new_key: ClinicKey | None):
    return lambda: connect(tmp_path / "a.sqlite3", new_key)


def test_every_connection_gets_the_required_pragmas(tmp_path: Path, connect_a, new_key) -> None:
    connect_a().execute("CREATE TABLE t (x)")  # the file exists: the rules hold at reopening too
    for db in (connect_a(), connect_a()):
        pragma = lambda name, db=db: db.execute(f"PRAGMA {name}").fetchone()[0]  # noqa: E731
        assert pragma("foreign_keys") == 1
        assert pragma("journal_mode") == "wal"
        assert pragma("synchronous") == 2  # FULL
        assert pragma("busy_timeout") >= 5000
        assert pragma("recursive_triggers") == 1
        assert pragma("cache_size") == -32000
        assert key_of(db.conn) == new_key
    assert salt_of(tmp_path / "a.sqlite3") == (new_key.salt if new_key else None)


def test_write_transaction_commits(connect_a) -> None:
    db = connect_a()
    db.execute("CREATE TABLE t (x)")
    with write_transaction(db):
        db.execute("INSERT INTO t VALUES (1)")
    other = connect_a()
    assert other.execute("SELECT count(*) FROM t").fetchone()[0] == 1


def test_an_error_rolls_back_everything(connect_a) -> None:
    db = connect_a()
    db.execute("CREATE TABLE t (x)")
    with pytest.raises(RuntimeError), write_transaction(db):
        db.execute("INSERT INTO t VALUES (1)")
        db.execute("INSERT INTO t VALUES (2)")
        raise RuntimeError("crash half-way")
    assert db.execute("SELECT count(*) FROM t").fetchone()[0] == 0
    assert not db.conn.in_transaction


def test_write_transactions_take_the_write_lock_up_front(tmp_path: Path, connect_a) -> None:
    """BEGIN IMMEDIATE: a second writer waits at BEGIN, not later at its first write."""
    first = connect_a()
    first.execute("CREATE TABLE t (x)")
    second = connect_file(tmp_path / "a.sqlite3", isolation_level=None, timeout=0.05)
    with write_transaction(first), pytest.raises(sqlite3.OperationalError, match="locked"):
        second.execute("BEGIN IMMEDIATE")
    second.execute("BEGIN IMMEDIATE")
    second.execute("ROLLBACK")


def test_foreign_keys_are_enforced(connect_a) -> None:
    db = connect_a()
    db.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
    db.execute("CREATE TABLE child (parent_id INTEGER REFERENCES parent (id))")
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("INSERT INTO child VALUES (42)")


def test_a_second_writer_waits_for_the_first_then_succeeds(connect_a) -> None:
    connect_a().execute("CREATE TABLE t (x)")
    holding = threading.Event()

    def hold_the_lock() -> None:
        first = connect_a()  # its own connection, in its own thread
        with write_transaction(first):
            first.execute("INSERT INTO t VALUES (1)")
            holding.set()
            time.sleep(0.3)

    writer = threading.Thread(target=hold_the_lock)
    writer.start()
    holding.wait(5)
    second = connect_a()
    with write_transaction(second):  # waits (busy_timeout), never "database is locked"
        second.execute("INSERT INTO t VALUES (2)")
    writer.join()
    assert [r[0] for r in second.execute("SELECT x FROM t ORDER BY x")] == [1, 2]


def test_delete_triggers_fire_for_rows_insert_or_replace_removes(connect_a) -> None:
    """recursive_triggers: a signed record's protection holds against INSERT OR REPLACE."""
    db = connect_a()
    db.execute("CREATE TABLE signed (id INTEGER PRIMARY KEY, x)")
    db.execute(
        "CREATE TRIGGER keep BEFORE DELETE ON signed BEGIN SELECT RAISE(ABORT, 'signed'); END"
    )
    db.execute("INSERT INTO signed VALUES (1, 'a')")
    with pytest.raises(sqlite3.IntegrityError, match="signed"):
        db.execute("INSERT OR REPLACE INTO signed VALUES (1, 'b')")


def test_writes_go_through_the_wal_and_stay_encrypted(tmp_path: Path, connect_a, new_key) -> None:
    db = connect_a()
    db.execute("CREATE TABLE t (x)")
    db.execute("INSERT INTO t VALUES ('Ximena Quistgaard')")
    wal = tmp_path / "a.sqlite3-wal"
    assert wal.stat().st_size > 0
    assert (b"Ximena Quistgaard" in wal.read_bytes()) is (new_key is None)
