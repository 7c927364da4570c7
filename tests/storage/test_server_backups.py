"""Backups of the clinic server on a real throwaway cluster: a pg_dump read back and checked,
private, rotated like the file's backups, and restored whole into a new database (every row of
every table compared with the source, in primary-key order)."""

from __future__ import annotations

import os
import shutil
import stat
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from frontdesk.domain.clinic import CLINIC_TZ
from frontdesk.storage import server_backups as dumps
from frontdesk.storage.backup_sets import backup_name, list_backups, rotated_out
from frontdesk.storage.backups import BEFORE_RESTORE, DAILY, MANUAL, Backup
from frontdesk.storage.postgres_cluster import throwaway_cluster
from tests.server_fixtures import DemoServer, demo_server

PORT = 55461  # this module's own cluster; its socket lives in the cluster's folder
NOW = datetime(2026, 11, 26, 10, 30, tzinfo=CLINIC_TZ)
WALL_NOW = NOW.replace(tzinfo=None)


@pytest.fixture(scope="module")
def server() -> Iterator[DemoServer]:
    """A demo clinic on a cluster of this module's own, removed at the end."""
    with demo_server(PORT, NOW) as made:
        yield made


def rows_in_key_order(conn: psycopg.Connection[Any], table: str) -> list[tuple[Any, ...]]:
    """Every row of `table`, ordered by its primary key."""
    key = conn.execute(
        "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid"
        " AND a.attnum = ANY(i.indkey) WHERE i.indrelid = %s::regclass AND i.indisprimary"
        " ORDER BY array_position(i.indkey, a.attnum)",
        [f"public.{table}"],
    ).fetchall()
    assert key, f"{table} has no primary key"
    query = sql.SQL("SELECT * FROM public.{} ORDER BY {}").format(
        sql.Identifier(table), sql.SQL(", ").join(sql.Identifier(row[0]) for row in key)
    )
    return conn.execute(query).fetchall()


# --- taking a dump ---------------------------------------------------------------------------


def test_a_dump_is_checked_named_and_private(server: DemoServer, tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    made = dumps.take_dump(server.app(), folder, MANUAL, NOW)

    assert made.path == folder / "clinic-manual-20261126-103000.dump"
    assert stat.S_IMODE(made.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert sorted(os.listdir(folder)) == [made.path.name]  # no partial copy left behind
    with server.connect() as conn:
        assert made.rows == dumps.row_counts(conn)
    assert made.rows["patients"] > 0 and made.rows["audit"] > 0
    contents = dumps.read_dump(made.path)  # pg_restore --list, then every table's data
    assert contents.dbname == "clinic"
    assert contents.rows == made.rows


def test_a_second_dump_in_the_same_second_gets_its_own_name(
    server: DemoServer, tmp_path: Path
) -> None:
    first = dumps.take_dump(server.app(), tmp_path, MANUAL, NOW).path
    second = dumps.take_dump(server.app(), tmp_path, MANUAL, NOW).path
    assert first.name == "clinic-manual-20261126-103000.dump"
    assert second.name == "clinic-manual-20261126-103000-2.dump"


def test_the_dump_and_its_counts_are_one_moment_while_the_desk_works(
    server: DemoServer, tmp_path: Path
) -> None:
    """Rows written while the dump runs are in neither the dump nor the counts it is checked
    against: both read one exported snapshot."""
    stop = threading.Event()
    written = 0

    def keep_writing() -> None:
        nonlocal written
        with server.connect() as conn:
            while not stop.is_set():
                conn.execute(
                    "INSERT INTO app_settings (key, value) VALUES (%s, 'x')", [f"busy-{written}"]
                )
                written += 1

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        made = [dumps.take_dump(server.app(), tmp_path, MANUAL, NOW) for _ in range(3)]
    finally:
        stop.set()
        writer.join()
        with server.connect() as conn:
            conn.execute("DELETE FROM app_settings WHERE key LIKE 'busy-%'")
    assert written > 0
    assert [dumps.read_dump(dump.path).rows for dump in made] == [dump.rows for dump in made]


def test_the_password_reaches_pg_dump_in_its_environment_only(server: DemoServer) -> None:
    dsn, env = dumps.client_call(server.app())
    assert server.password not in dsn
    assert "password" not in psycopg.conninfo.conninfo_to_dict(dsn)
    assert env["PGPASSWORD"] == server.password


def test_a_wrong_password_is_refused_in_words_without_the_password(
    server: DemoServer, tmp_path: Path
) -> None:
    wrong = server.cluster.url("clinic", user=server.role, password="not-the-password")
    with server.connect("postgres") as conn:  # the cluster trusts its socket: make it ask
        conn.execute(f"ALTER ROLE {server.role} PASSWORD 'the-right-one'")
    hba = server.cluster.data_dir / "pg_hba.conf"
    before = hba.read_text()
    try:
        hba.write_text(f"local all {server.role} scram-sha-256\nlocal all all trust\n")
        with server.connect("postgres") as conn:
            conn.execute("SELECT pg_reload_conf()")
        with pytest.raises(dumps.ServerBackupFailed) as refused:
            dumps.take_dump(wrong, tmp_path / "b", MANUAL, NOW)
    finally:
        hba.write_text(before)
        with server.connect("postgres") as conn:
            conn.execute("SELECT pg_reload_conf()")
            conn.execute(
                sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                    sql.Identifier(server.role), sql.Literal(server.password)
                )
            )
    message = str(refused.value)
    assert "clinic server" in message and "password authentication failed" in message
    assert "not-the-password" not in message
    assert list((tmp_path / "b").iterdir()) == []


# --- reading one back ------------------------------------------------------------------------


def test_a_cut_or_foreign_file_is_not_taken_for_a_backup(
    server: DemoServer, tmp_path: Path
) -> None:
    good = dumps.take_dump(server.app(), tmp_path / "b", MANUAL, NOW).path
    cut = tmp_path / "cut.dump"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size * 2 // 3])
    other = tmp_path / "notes.dump"
    other.write_text("not a backup\n")

    for bad in (cut, other, tmp_path / "missing.dump"):
        with pytest.raises(dumps.ServerBackupFailed):
            dumps.read_dump(bad)


def test_counts_that_differ_from_the_dump_are_refused(server: DemoServer, tmp_path: Path) -> None:
    made = dumps.take_dump(server.app(), tmp_path, MANUAL, NOW)
    expected = dict(made.rows, patients=made.rows["patients"] + 1)
    with pytest.raises(dumps.ServerBackupFailed, match="patients"):
        dumps.check_dump(made.path, expected)


# --- restoring -------------------------------------------------------------------------------


def test_a_full_restore_holds_every_row_of_every_table(server: DemoServer, tmp_path: Path) -> None:
    made = dumps.take_dump(server.app(), tmp_path, MANUAL, NOW)
    restored = dumps.restore_dump(made.path, server.admin, NOW)
    try:
        assert restored.name == "clinic_20261126_103000"
        assert restored.new_roles == {}
        assert restored.rows == made.rows
        with server.connect() as source, server.connect(restored.name) as copy:
            tables = dumps.tables_of(source)
            assert dumps.tables_of(copy) == tables
            for table in tables:
                assert rows_in_key_order(copy, table) == rows_in_key_order(source, table), table
    finally:
        dumps.drop_restored(server.admin, restored.name)


def test_the_restored_database_keeps_the_rules_and_the_workstations_rights(
    server: DemoServer, tmp_path: Path
) -> None:
    made = dumps.take_dump(server.app(), tmp_path, MANUAL, NOW)
    restored = dumps.restore_dump(made.path, server.admin, NOW)
    try:
        assert dumps.grantees(made.path) == {server.role}
        with psycopg.connect(server.app(restored.name), autocommit=True) as app:
            app.execute("SELECT count(*) FROM patients").fetchone()
            for refused in ("UPDATE audit SET action = 'x'", "DELETE FROM audit"):
                with pytest.raises(psycopg.Error):
                    app.execute(refused)
        with server.connect(restored.name) as owner:
            triggers = {
                row[0]
                for row in owner.execute(
                    "SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit'::regclass"
                )
            }
            assert {"audit_no_update", "audit_no_delete", "audit_no_truncate"} <= triggers
            with pytest.raises(psycopg.Error, match="append-only"):
                owner.execute("DELETE FROM audit")
    finally:
        dumps.drop_restored(server.admin, restored.name)


def test_two_restores_in_one_second_make_two_databases(server: DemoServer, tmp_path: Path) -> None:
    made = dumps.take_dump(server.app(), tmp_path, MANUAL, NOW)
    first = dumps.restore_dump(made.path, server.admin, NOW)
    second = dumps.restore_dump(made.path, server.admin, NOW)
    try:
        assert (first.name, second.name) == ("clinic_20261126_103000", "clinic_20261126_103000_2")
    finally:
        dumps.drop_restored(server.admin, first.name)
        dumps.drop_restored(server.admin, second.name)


def test_a_restore_the_server_refuses_leaves_no_database(
    server: DemoServer, tmp_path: Path
) -> None:
    made = dumps.take_dump(server.app(), tmp_path, MANUAL, NOW)
    before = server.databases()
    with pytest.raises(dumps.ServerBackupFailed, match="right to create databases"):
        dumps.restore_dump(made.path, server.app(), NOW)  # the workstations' role may not
    cut = tmp_path / "cut.dump"
    cut.write_bytes(made.path.read_bytes()[: made.path.stat().st_size - 200])
    with pytest.raises(dumps.ServerBackupFailed):
        dumps.restore_dump(cut, server.admin, NOW)
    assert server.databases() == before


def test_a_restore_on_a_new_server_makes_the_workstations_role(
    server: DemoServer, tmp_path: Path
) -> None:
    """The server died: the dump is restored on a new one, which has no clinic role yet."""
    made = dumps.take_dump(server.app(), tmp_path, MANUAL, NOW)
    other = throwaway_cluster(PORT + 10)
    try:
        restored = dumps.restore_dump(made.path, other.url(), NOW)
        assert set(restored.new_roles) == {server.role}
        assert restored.rows == made.rows
        url = other.url(restored.name, user=server.role, password=restored.new_roles[server.role])
        with psycopg.connect(url) as app:
            row = app.execute("SELECT count(*) FROM patients").fetchone()
            assert row is not None and row[0] == made.rows["patients"]
    finally:
        other.remove()


# --- rotation --------------------------------------------------------------------------------


def test_dumps_rotate_like_the_files_backups(server: DemoServer, tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    made = dumps.take_dump(server.app(), folder, MANUAL, NOW - timedelta(days=40))
    days = [WALL_NOW - timedelta(days=n, hours=1) for n in range(1, 60)]
    for taken in days:
        shutil.copyfile(made.path, folder / backup_name("clinic", DAILY, taken, ".dump"))
    protected = folder / backup_name(
        "clinic", BEFORE_RESTORE, WALL_NOW - timedelta(days=20), ".dump"
    )
    shutil.copyfile(made.path, protected)
    file_backup = folder / backup_name("clinic", DAILY, days[-1], ".sqlite3")  # not a dump
    file_backup.write_bytes(b"")
    another = folder / backup_name("clinic_old", DAILY, days[-1], ".dump")  # another database's
    another.write_bytes(b"")
    expected_gone = {
        backup.path
        for backup in rotated_out(
            [*list_backups(folder, "clinic", ".dump"), Backup(Path("now"), WALL_NOW, MANUAL)],
            NOW,
        )
    }

    latest = dumps.take_dump(server.app(), folder, MANUAL, NOW)

    assert set(latest.rotated_out) == expected_gone
    left = {backup.path for backup in list_backups(folder, "clinic", ".dump")}
    assert latest.path in left and protected in left
    assert not any(path.exists() for path in latest.rotated_out)
    assert file_backup.exists() and another.exists()
    assert len(left) <= 7 + 4 + 12 + 2  # days, weeks, months; today's; the protected one
    assert len(latest.rotated_out) > 30


def test_a_role_that_may_not_read_the_clinic_is_refused_in_words(
    server: DemoServer, tmp_path: Path
) -> None:
    with server.connect("postgres") as conn:
        conn.execute("CREATE ROLE outsider LOGIN")
        conn.execute("GRANT CONNECT ON DATABASE clinic TO outsider")
    try:
        with pytest.raises(dumps.ServerBackupFailed, match="permission denied"):
            dumps.take_dump(server.cluster.url("clinic", user="outsider"), tmp_path, MANUAL, NOW)
        assert list(tmp_path.iterdir()) == []
    finally:
        with server.connect("postgres") as conn:
            conn.execute("REVOKE ALL ON DATABASE clinic FROM outsider")
            conn.execute("DROP ROLE outsider")
