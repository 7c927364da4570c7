"""The one SQLite library: SQLCipher's build opens plain and encrypted files alike, applies a
file's key before anything is read, and sqlite-utils catches the exceptions it raises."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlite_utils

from frontdesk.storage import clinic_keys
from frontdesk.storage.clinic_keys import ClinicKey, KeyNeeded, hold, is_encrypted, salt_of
from frontdesk.storage.db import connect
from frontdesk.storage.engine import connect_file, key_of, opens_with, sqlite3

NOTE = "Ximena Quistgaard, HIV+ on PrEP"


def _write(path: Path, new_key: ClinicKey | None = None) -> Path:
    conn = connect_file(path, new_key=new_key)
    conn.execute("CREATE TABLE t (x)")
    conn.execute("INSERT INTO t VALUES (?)", (NOTE,))
    conn.commit()
    conn.close()
    return path


def _read(path: Path) -> str:
    conn = connect_file(path)
    try:
        return conn.execute("SELECT x FROM t").fetchone()[0]
    finally:
        conn.close()


def test_it_is_sqlciphers_build() -> None:
    conn = sqlite3.connect(":memory:")
    assert conn.execute("PRAGMA cipher_version").fetchone()[0].startswith("4.")
    assert sqlite3.sqlite_version_info >= (3, 45)


def test_a_plain_file_opens_as_with_sqlite(tmp_path: Path) -> None:
    path = _write(tmp_path / "plain.sqlite3")
    assert path.read_bytes().startswith(b"SQLite format 3\x00")
    assert NOTE.encode() in path.read_bytes()
    assert salt_of(path) is None
    assert _read(path) == NOTE
    conn = connect_file(path)
    assert key_of(conn) is None
    conn.close()


def test_a_new_file_with_a_new_key_is_encrypted_with_its_salt(tmp_path: Path) -> None:
    key = ClinicKey.new()
    hold(key)
    path = _write(tmp_path / "enc.sqlite3", new_key=key)
    data = path.read_bytes()
    assert data[:16] == key.salt
    assert NOTE.encode() not in data and b"CREATE TABLE" not in data
    assert _read(path) == NOTE
    conn = connect_file(path)
    assert key_of(conn) == key
    conn.close()


def test_an_empty_file_with_a_new_key_is_encrypted(tmp_path: Path) -> None:
    key = ClinicKey.new()
    hold(key)
    path = tmp_path / "empty.sqlite3"
    path.write_bytes(b"")
    _write(path, new_key=key)
    assert salt_of(path) == key.salt


def test_a_new_key_is_ignored_for_a_plain_file_already_there(tmp_path: Path) -> None:
    """An existing plain file is never half-encrypted by a key given for a new one."""
    path = _write(tmp_path / "plain.sqlite3")
    conn = connect_file(path, new_key=ClinicKey.new())
    assert conn.execute("SELECT x FROM t").fetchone()[0] == NOTE
    assert key_of(conn) is None
    conn.close()
    assert salt_of(path) is None


def test_an_encrypted_file_keeps_its_own_key_whatever_new_key_says(tmp_path: Path) -> None:
    key = ClinicKey.new()
    hold(key)
    path = _write(tmp_path / "enc.sqlite3", new_key=key)
    conn = connect_file(path, new_key=ClinicKey.new())
    assert key_of(conn) == key
    conn.close()


def test_an_encrypted_file_without_its_key_is_keyneeded(tmp_path: Path) -> None:
    key = ClinicKey.new()
    hold(key)
    path = _write(tmp_path / "enc.sqlite3", new_key=key)
    clinic_keys.forget_all()
    with pytest.raises(KeyNeeded) as needed:
        connect_file(path)
    assert needed.value.salt == key.salt
    with pytest.raises(KeyNeeded):
        connect(path)
    assert salt_of(path) == key.salt  # nothing was written


def test_without_a_key_sqlcipher_says_it_is_not_a_database(tmp_path: Path) -> None:
    """What a stolen file gives anyone who opens it with SQLite."""
    key = ClinicKey.new()
    hold(key)
    path = _write(tmp_path / "enc.sqlite3", new_key=key)
    conn = sqlite3.connect(path)
    with pytest.raises(sqlite3.DatabaseError, match="file is not a database"):
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    conn.close()


def test_memory_is_plain_and_takes_no_key() -> None:
    conn = connect_file(":memory:", new_key=ClinicKey.new())
    conn.execute("CREATE TABLE t (x)")
    assert key_of(conn) is None
    conn.close()
    db = connect(":memory:")
    db["t"].insert({"x": 1})
    assert db["t"].count == 1


def test_a_uri_opens_with_the_files_key(tmp_path: Path) -> None:
    from frontdesk.storage.backups import read_only_uri

    key = ClinicKey.new()
    hold(key)
    path = _write(tmp_path / "enc.sqlite3", new_key=key)
    conn = connect_file(path, uri=read_only_uri(path))
    assert conn.execute("SELECT x FROM t").fetchone()[0] == NOTE
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        conn.execute("INSERT INTO t VALUES (1)")
    conn.close()


def test_opens_with_tells_the_right_key_and_changes_nothing(tmp_path: Path) -> None:
    key = ClinicKey.new()
    hold(key)
    path = _write(tmp_path / "enc.sqlite3", new_key=key)
    before = path.read_bytes()
    assert opens_with(path, key)
    assert not opens_with(path, ClinicKey(bytes(32), key.salt))
    assert not opens_with(path, ClinicKey.new())
    assert path.read_bytes() == before


def test_a_copy_opens_with_the_same_held_key(tmp_path: Path) -> None:
    key = ClinicKey.new()
    hold(key)
    path = _write(tmp_path / "enc.sqlite3", new_key=key)
    source = connect_file(path)
    target = connect_file(tmp_path / "copy.sqlite3", new_key=key_of(source))
    source.backup(target)
    source.close()
    target.close()
    assert salt_of(tmp_path / "copy.sqlite3") == key.salt
    assert _read(tmp_path / "copy.sqlite3") == NOTE


# -- sqlite-utils raises and catches the engine's exception classes -------------------------
@pytest.fixture(params=["plain", "encrypted"])
def db(request, tmp_path: Path) -> sqlite_utils.Database:
    key = None
    if request.param == "encrypted":
        key = ClinicKey.new()
        hold(key)
    return connect(tmp_path / "a.sqlite3", new_key=key)


def test_sqlite_utils_is_pointed_at_the_engine() -> None:
    assert sqlite_utils.db.sqlite3 is sqlite3
    assert sqlite_utils.db.OperationalError is sqlite3.OperationalError
    assert sqlite_utils.utils.sqlite3 is sqlite3


def test_sqlite_utils_catches_what_the_engine_raises(db: sqlite_utils.Database) -> None:
    db["missing"].drop(ignore=True)  # its own `except OperationalError`
    db["t"].create({"id": int, "x": str}, pk="id")
    db["t"].insert({"id": 1, "x": NOTE})
    with pytest.raises(sqlite3.IntegrityError):
        db["t"].insert({"id": 1, "x": "again"})
    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        db.execute("SELECT * FROM nowhere")
    assert db["t"].exists() and not db["nowhere"].exists()
    assert db.table_names() == ["t"]
    db["t"].upsert({"id": 1, "x": "changed"}, pk="id")
    assert db["t"].get(1)["x"] == "changed"
    db["t"].create_index(["x"], if_not_exists=True)
    db["t"].create_index(["x"], if_not_exists=True)
    with pytest.raises(sqlite_utils.db.NotFoundError):
        db["t"].get(2)


# -- the fixtures' clinics on an encrypted run (pytest --encrypted) ---------------------------
def test_the_clinic_fixture_is_encrypted_on_an_encrypted_run(demo, pytestconfig) -> None:
    from tests.conftest import encrypted_run

    assert is_encrypted(demo.path) is encrypted_run(pytestconfig)
    assert demo.patients.search("", limit=5).rows  # the demo was copied in, either way
    reopened = demo.twin()
    assert reopened.patients.search("", limit=5).rows
    reopened.close()
