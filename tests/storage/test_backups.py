from __future__ import annotations

import io
import os
import random
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from frontdesk.backup_cli import run_backup, run_restore
from frontdesk.storage.backups import (
    Backup,
    BackupFailed,
    DamageFound,
    backed_up_on,
    backup_database,
    backup_folder,
    backup_folder_sidecar,
    check,
    check_at_start,
    damage_record,
    default_backup_folder,
    latest_good_backup,
    list_backups,
    make_backup,
    recorded_damage,
    restore,
    rotate,
    set_backup_folder,
)
from frontdesk.storage.clinic_keys import KeyNeeded
from frontdesk.storage.db import connect, write_transaction
from frontdesk.storage.engine import sqlite3
from tests.conftest import NOW

STAMP = "20261126-103000"  # NOW in a backup's name


def fill(path: Path, rows: int = 50) -> None:
    """A small database with what a clinic's holds: text in any script, NULLs, blobs, keys."""
    db = connect(path)
    with write_transaction(db):
        db.execute("CREATE TABLE patient (id INTEGER PRIMARY KEY, name TEXT NOT NULL, notes TEXT)")
        db.execute(
            "CREATE TABLE visit (id INTEGER PRIMARY KEY AUTOINCREMENT,"
            " patient_id INTEGER NOT NULL REFERENCES patient (id), at TEXT, photo BLOB)"
        )
        db.execute("CREATE INDEX visit_by_patient ON visit (patient_id)")
        db.execute("CREATE TABLE setting (key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID")
        for n in range(rows):
            db.execute(
                "INSERT INTO patient (name, notes) VALUES (?, ?)",
                (f"María García {n} 李 👩‍⚕️", None if n % 3 else "línea 1\nlínea 2"),
            )
            db.execute(
                "INSERT INTO visit (patient_id, at, photo) VALUES (?, ?, ?)",
                (n + 1, f"2026-11-{1 + n % 28:02d}T10:30", bytes([n % 256]) * 64),
            )
        db.execute("INSERT INTO setting VALUES ('clinic', 'Dr. Alex')")
    db.close()


def snapshot(path: Path) -> dict[str, list[tuple]]:
    """Every row of every table (sqlite_sequence included), in a comparable form."""
    conn = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
    try:
        names = [
            row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        return {
            name: sorted(conn.execute(f'SELECT * FROM "{name}"').fetchall(), key=repr)
            for name in names
        }
    finally:
        conn.close()


def damage_a_page(path: Path) -> None:
    """Zeroes the index's root page: the file opens, the check finds the damage."""
    conn = sqlite3.connect(path)
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'visit_by_patient'")
    page = root.fetchone()[0]
    size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    with open(path, "r+b") as stream:
        stream.seek((page - 1) * size)
        stream.write(bytes(size))


def random_file(path: Path, size: int = 8192, seed: int = 7) -> bytes:
    data = random.Random(seed).randbytes(size)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return data


def side(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


@pytest.fixture
def live(tmp_path: Path) -> Path:
    path = tmp_path / "clinic.sqlite3"
    fill(path)
    return path


# --- taking a backup ------------------------------------------------------------------------


def test_backup_of_a_live_wal_database_holds_the_committed_rows(live: Path, tmp_path: Path):
    db = connect(live)
    with write_transaction(db):
        db.execute("INSERT INTO setting VALUES ('committed', 'yes')")
    assert side(live, "-wal").stat().st_size > 0  # the commit is still in the WAL file
    other = connect(live)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO setting VALUES ('uncommitted', 'no')")
    try:
        made = make_backup(db.conn, tmp_path / "backups", "clinic", "manual", NOW)
    finally:
        other.execute("ROLLBACK")
    assert made == tmp_path / "backups" / f"clinic-manual-{STAMP}.sqlite3"
    assert check(made, full=True) is None
    expected = snapshot(live)
    assert ("committed", "yes") in expected["setting"]
    assert ("uncommitted", "no") not in snapshot(made)["setting"]
    assert snapshot(made) == expected
    db.close()
    other.close()


def test_a_backup_is_one_self_contained_file(live: Path, tmp_path: Path) -> None:
    """No -wal/-shm beside it after it is read, and no half-written file left behind."""
    db = connect(live)
    made = make_backup(db.conn, tmp_path / "backups", "clinic", "daily", NOW)
    db.close()
    assert check(made, full=True) is None
    conn = sqlite3.connect(made)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    conn.close()
    assert sorted(p.name for p in made.parent.iterdir()) == [made.name]


def test_two_backups_in_one_second_are_both_kept(live: Path, tmp_path: Path) -> None:
    db = connect(live)
    first = make_backup(db.conn, tmp_path / "b", "clinic", "manual", NOW)
    second = make_backup(db.conn, tmp_path / "b", "clinic", "manual", NOW)
    db.close()
    assert first.name == f"clinic-manual-{STAMP}.sqlite3"
    assert second.name == f"clinic-manual-{STAMP}-2.sqlite3"
    assert [b.path for b in list_backups(tmp_path / "b", "clinic")] == [second, first]


def test_a_backup_that_cannot_be_written_says_so_plainly(live: Path, tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    db = connect(live)
    with pytest.raises(BackupFailed) as failed:
        make_backup(db.conn, tmp_path / "a-file" / "backups", "clinic", "manual", NOW)
    db.close()
    message = str(failed.value)
    assert message.startswith(f"The backup could not be written to {tmp_path / 'a-file'}")
    assert "Errno" not in message


def test_no_backup_in_the_middle_of_a_change(live: Path, tmp_path: Path) -> None:
    db = connect(live)
    db.execute("BEGIN IMMEDIATE")
    db.execute("DELETE FROM visit")
    with pytest.raises(BackupFailed, match="in the middle of a change"):
        make_backup(db.conn, tmp_path / "b", "clinic", "manual", NOW)
    db.execute("ROLLBACK")
    db.close()
    assert not (tmp_path / "b").exists() or not any((tmp_path / "b").iterdir())


def test_an_unknown_reason_is_a_programming_error(live: Path, tmp_path: Path) -> None:
    db = connect(live)
    with pytest.raises(ValueError, match="REASONS"):
        make_backup(db.conn, tmp_path / "b", "clinic", "hourly", NOW)
    db.close()


# --- checking -------------------------------------------------------------------------------


def test_check_a_healthy_file(live: Path) -> None:
    assert check(live) is None
    assert check(live, full=True) is None


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        pytest.param(lambda p: None, "missing", id="missing"),
        pytest.param(lambda p: p.write_bytes(b""), "empty", id="empty"),
        pytest.param(lambda p: p.write_text("Dear Dr. Alex,\n" * 500), "not a SQLite database"),
        pytest.param(lambda p: p.mkdir(), "not a SQLite database", id="a folder"),
    ],
)
def test_check_names_the_problem(tmp_path: Path, make, expected: str) -> None:
    path = tmp_path / "clinic.sqlite3"
    make(path)
    assert check(path) == expected
    assert check(path, full=True) == expected


def test_check_never_creates_the_file(tmp_path: Path) -> None:
    check(tmp_path / "clinic.sqlite3", full=True)
    assert list(tmp_path.iterdir()) == []


def test_check_reports_a_damaged_page(live: Path) -> None:
    damage_a_page(live)
    assert (check(live) or "").startswith("damaged: ")
    assert (check(live, full=True) or "").startswith("damaged: ")


def test_check_reads_file_names_with_uri_characters(tmp_path: Path) -> None:
    path = tmp_path / "odd ?#% name" / "clinic.sqlite3"
    path.parent.mkdir()
    fill(path, rows=2)
    assert check(path, full=True) is None


# --- the backup folder ------------------------------------------------------------------------


def test_the_default_backup_folder_is_beside_the_database(live: Path) -> None:
    assert backup_folder(live) == default_backup_folder(live) == live.parent / "backups"


def test_a_chosen_backup_folder_is_remembered_beside_the_database(
    live: Path, tmp_path: Path
) -> None:
    chosen = tmp_path / "usb" / "clinic backups"
    assert set_backup_folder(live, chosen) == chosen
    assert chosen.is_dir()
    sidecar = backup_folder_sidecar(live)
    assert sidecar == live.with_name("clinic.backup-folder")
    assert sidecar.read_text(encoding="utf-8") == f"{chosen}\n"
    assert backup_folder(live) == chosen
    assert sorted(p.name for p in live.parent.iterdir() if p.name.startswith(".")) == []
    # readable even when the database is not
    random_file(live)
    assert backup_folder(live) == chosen


@pytest.mark.parametrize("content", ["", "\n", "relative/folder\n", "\udcff"])
def test_an_unusable_sidecar_means_the_default_folder(live: Path, content: str) -> None:
    backup_folder_sidecar(live).write_bytes(content.encode("utf-8", "surrogateescape"))
    assert backup_folder(live) == default_backup_folder(live)


def test_a_folder_that_cannot_be_created_is_refused_plainly(live: Path, tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(BackupFailed) as refused:
        set_backup_folder(live, tmp_path / "a-file" / "backups")
    assert "could not be created" in str(refused.value)
    assert "Errno" not in str(refused.value)
    with pytest.raises(BackupFailed, match="is a file, not a folder"):
        set_backup_folder(live, tmp_path / "a-file")
    assert not backup_folder_sidecar(live).exists()


# --- finding and rotating ---------------------------------------------------------------------


def touch_backup(folder: Path, stem: str, reason: str, taken: datetime) -> Path:
    path = folder / f"{stem}-{reason}-{taken:%Y%m%d-%H%M%S}.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"")
    return path


def test_list_backups_newest_first_and_nothing_else(tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    older = touch_backup(folder, "clinic", "before-migration", datetime(2026, 1, 2, 8, 0))
    newer = touch_backup(folder, "clinic", "daily", datetime(2026, 3, 4, 9, 5, 6))
    touch_backup(folder, "clinic-demo", "daily", datetime(2026, 5, 1))  # another database
    for name in [
        "notes.txt",
        ".clinic-daily-abc123.partial",
        "clinic-daily-20261399-000000.sqlite3",  # not a date
        "clinic-hourly-20260101-000000.sqlite3",  # not a reason
        "clinic-daily-20260101-000000.sqlite3-wal",
        "clinic.sqlite3.damaged-20260101-000000",
    ]:
        (folder / name).write_text("x")
    (folder / "clinic-daily-20260601-000000.sqlite3").mkdir()
    assert list_backups(folder, "clinic") == [
        Backup(newer, datetime(2026, 3, 4, 9, 5, 6), "daily"),
        Backup(older, datetime(2026, 1, 2, 8, 0), "before-migration"),
    ]
    assert [b.reason for b in list_backups(folder, "clinic-demo")] == ["daily"]
    assert list_backups(tmp_path / "nowhere", "clinic") == []


def test_rotation_over_a_year_of_daily_backups(tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    first = datetime(2026, 1, 1, 2, 0)
    for n in range(365):
        touch_backup(folder, "clinic", "daily", first + timedelta(days=n))
    young_migration = touch_backup(folder, "clinic", "before-migration", datetime(2026, 12, 22, 12))
    old_restore = touch_backup(folder, "clinic", "before-restore", datetime(2026, 11, 17, 12))
    others = [
        touch_backup(folder, "clinic-demo", "daily", datetime(2026, 2, 2)),
        folder / "readme.txt",
    ]
    others[1].write_text("leave me")
    side(old_restore, "-wal").write_text("left by a reader")

    deleted = rotate(folder, "clinic", now=datetime(2027, 1, 1, 9, 0))

    remaining = {b.taken for b in list_backups(folder, "clinic") if b.reason == "daily"}
    expected_days = (
        [date(2026, 12, d) for d in range(25, 32)]
        + [date(2026, 12, 13), date(2026, 12, 20)]
        + [date(2026, m + 1, 1) - timedelta(days=1) for m in range(1, 12)]
    )
    assert remaining == {datetime(d.year, d.month, d.day, 2) for d in expected_days}
    assert young_migration.exists()  # 10 days old: protected
    assert old_restore in deleted and not side(old_restore, "-wal").exists()
    assert all(path.exists() for path in others)
    assert len(deleted) == 365 - 20 + 1
    assert not any(path.exists() for path in deleted)
    assert rotate(folder, "clinic", now=datetime(2027, 1, 1, 9, 0)) == []


def test_backed_up_on(tmp_path: Path) -> None:
    touch_backup(tmp_path, "clinic", "daily", datetime(2026, 11, 26, 8, 0))
    assert backed_up_on(tmp_path, "clinic", date(2026, 11, 26))
    assert not backed_up_on(tmp_path, "clinic", date(2026, 11, 25))
    assert not backed_up_on(tmp_path, "other", date(2026, 11, 26))


def test_latest_good_backup_skips_a_damaged_one(live: Path, tmp_path: Path) -> None:
    local, usb = tmp_path / "backups", tmp_path / "usb"
    db = connect(live)
    older = make_backup(db.conn, usb, "clinic", "daily", NOW - timedelta(days=2))
    good = make_backup(db.conn, local, "clinic", "daily", NOW - timedelta(days=1))
    db.close()
    newest = local / f"clinic-manual-{STAMP}.sqlite3"
    random_file(newest)
    damaged_page = usb / "clinic-daily-20261126-100000.sqlite3"
    damaged_page.write_bytes(good.read_bytes())
    damage_a_page(damaged_page)

    found = latest_good_backup([local, usb, local, tmp_path / "away"], "clinic")
    assert found is not None and found.path == good
    good.unlink()
    found = latest_good_backup([local, usb], "clinic")
    assert found is not None and found.path == older
    assert latest_good_backup([local], "clinic") is None


# --- restoring --------------------------------------------------------------------------------


def test_restore_round_trip_keeps_every_row(live: Path, tmp_path: Path) -> None:
    before = snapshot(live)
    db = connect(live)
    backup = make_backup(db.conn, tmp_path / "elsewhere", "clinic", "daily", NOW - timedelta(1))
    with write_transaction(db):
        db.execute("DELETE FROM visit WHERE id > 10")
        db.execute("INSERT INTO patient (name) VALUES ('added after the backup')")
        db.execute("DROP TABLE setting")
    db.close()
    changed = snapshot(live)

    saved = restore(backup, live, NOW)

    assert saved == default_backup_folder(live) / f"clinic-before-restore-{STAMP}.sqlite3"
    assert snapshot(live) == before
    assert snapshot(saved) == changed
    assert check(live, full=True) is None
    reopened = connect(live)  # the app's own pragmas work on the restored file
    assert reopened.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert reopened.execute("SELECT count(*) FROM patient").fetchone()[0] == 50
    reopened.close()
    assert not [p for p in live.parent.iterdir() if p.name.startswith(".")]


def test_restore_over_a_crashed_database_drops_its_stale_wal(live: Path, tmp_path: Path) -> None:
    """The crashed file's -wal would be replayed into the restored one: it must not survive."""
    db = connect(live)
    backup = make_backup(db.conn, tmp_path / "b", "clinic", "daily", NOW - timedelta(1))
    db.execute("PRAGMA wal_autocheckpoint=0")
    with write_transaction(db):
        db.execute("DELETE FROM visit")
        db.execute("INSERT INTO setting VALUES ('after', 'crash')")
    crashed = tmp_path / "crashed" / "clinic.sqlite3"
    crashed.parent.mkdir()
    for suffix in ("", "-wal", "-shm"):  # what the disk holds when the power goes
        side(crashed, suffix).write_bytes(side(live, suffix).read_bytes())
    db.close()
    assert side(crashed, "-wal").stat().st_size > 0

    saved = restore(backup, crashed, NOW)

    assert saved is not None and ("after", "crash") in snapshot(saved)["setting"]
    assert snapshot(crashed) == snapshot(backup)
    assert not side(crashed, "-wal").exists()


def test_restore_moves_a_damaged_file_aside(live: Path, tmp_path: Path) -> None:
    db = connect(live)
    backup = make_backup(db.conn, tmp_path / "b", "clinic", "daily", NOW - timedelta(1))
    db.close()
    expected = snapshot(live)
    garbage = random_file(live, size=live.stat().st_size)
    side(live, "-wal").write_bytes(b"wal of the damaged file")

    saved = restore(backup, live, NOW)

    assert saved == live.with_name(f"clinic.sqlite3.damaged-{STAMP}")
    assert saved.read_bytes() == garbage
    assert side(saved, "-wal").read_bytes() == b"wal of the damaged file"
    assert snapshot(live) == expected
    assert check(live, full=True) is None


def test_restore_where_there_was_no_database(live: Path, tmp_path: Path) -> None:
    target = tmp_path / "new" / "clinic.sqlite3"
    assert restore(live, target, NOW) is None
    assert snapshot(target) == snapshot(live)


def test_random_bytes_look_like_a_file_whose_key_is_not_held(tmp_path: Path) -> None:
    """Whole pages of random bytes are what an encrypted file is without its key: the check
    cannot call them damage, and asks for the key instead."""
    path = tmp_path / "clinic.sqlite3"
    random_file(path)
    with pytest.raises(KeyNeeded):
        check(path)


def test_restore_refuses_a_damaged_backup_and_changes_nothing(live: Path, tmp_path: Path):
    backup = tmp_path / "b" / f"clinic-daily-{STAMP}.sqlite3"
    random_file(backup)
    before = live.read_bytes()
    with pytest.raises(BackupFailed, match="or it is no clinic database at all"):
        restore(backup, live, NOW)
    assert live.read_bytes() == before
    assert not default_backup_folder(live).exists()


def test_restore_refuses_while_the_database_is_open(live: Path, tmp_path: Path) -> None:
    db = connect(live)
    backup = make_backup(db.conn, tmp_path / "b", "clinic", "daily", NOW - timedelta(1))
    db.execute("DELETE FROM visit")
    with pytest.raises(BackupFailed, match="is open in Frontdesk"):
        restore(backup, live, NOW)
    assert db.execute("SELECT count(*) FROM visit").fetchone()[0] == 0
    db.close()


def test_the_before_restore_backup_goes_to_the_chosen_folder(live: Path, tmp_path: Path):
    chosen = set_backup_folder(live, tmp_path / "usb")
    db = connect(live)
    backup = make_backup(db.conn, chosen, "clinic", "daily", NOW - timedelta(1))
    db.close()
    saved = restore(backup, live, NOW)
    assert saved is not None and saved.parent == chosen
    assert saved.name == f"clinic-before-restore-{STAMP}.sqlite3"


# --- the command line ---------------------------------------------------------------------------


def test_cli_backup_prints_the_new_file(live: Path, tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert run_backup(live, None, NOW, out, err) == 0
    made = default_backup_folder(live) / f"clinic-manual-{STAMP}.sqlite3"
    assert out.getvalue() == f"{made}\n"
    assert err.getvalue() == ""
    assert snapshot(made) == snapshot(live)
    assert run_backup(live, tmp_path / "usb", NOW, out, err) == 0
    assert (tmp_path / "usb" / made.name).exists()


def test_cli_backup_refuses_a_missing_database(tmp_path: Path) -> None:
    err = io.StringIO()
    assert run_backup(tmp_path / "clinic.sqlite3", None, NOW, io.StringIO(), err) == 1
    assert (
        err.getvalue() == f"frontdesk: there is no clinic database at {tmp_path}/clinic.sqlite3.\n"
    )
    assert not (tmp_path / "clinic.sqlite3").exists()


def test_cli_restore_asks_first(live: Path, tmp_path: Path) -> None:
    db = connect(live)
    backup = make_backup(db.conn, tmp_path / "b", "clinic", "daily", datetime(2026, 11, 20, 8))
    db.execute("DELETE FROM visit")
    db.close()
    before = live.read_bytes()
    asked: list[str] = []

    def answer(text: str):
        return lambda prompt: asked.append(prompt) or text

    out = io.StringIO()
    assert run_restore(live, backup, yes=False, ask=answer("y"), out=out, now=NOW) == 1
    assert asked == ["Type yes to replace it: "]
    assert f"This replaces the clinic database {live}" in out.getvalue()
    assert f"with the backup {backup} (taken Fri, Nov 20, 2026 at 8:00 am)." in out.getvalue()
    assert out.getvalue().endswith("Nothing was changed.\n")
    assert live.read_bytes() == before

    out = io.StringIO()
    assert run_restore(live, backup, yes=False, ask=answer(" YES "), out=out, now=NOW) == 0
    saved = default_backup_folder(live) / f"clinic-before-restore-{STAMP}.sqlite3"
    assert f"The previous database was kept as {saved}." in out.getvalue()
    assert snapshot(live) == snapshot(backup)


def test_cli_restore_refuses_a_damaged_backup(live: Path, tmp_path: Path) -> None:
    backup = tmp_path / "b" / "clinic-daily-20261120-080000.sqlite3"
    random_file(backup)
    err = io.StringIO()
    code = run_restore(live, backup, yes=True, out=io.StringIO(), err=err, now=NOW)
    assert code == 1
    said = err.getvalue()
    # Random bytes look like a backup encrypted with a key this computer does not have.
    assert said.startswith(
        f"frontdesk: {backup} cannot be restored: it is not a SQLite database this computer"
        " can read (damaged, or encrypted with a key"
    ), said


def test_rotation_keeps_all_of_todays_backups_and_a_month_of_manual_ones(tmp_path: Path) -> None:
    folder = tmp_path / "b"
    morning = touch_backup(folder, "clinic", "daily", datetime(2026, 11, 26, 8, 0))
    noon = touch_backup(folder, "clinic", "manual", datetime(2026, 11, 26, 12, 0))
    asked_for = touch_backup(folder, "clinic", "manual", datetime(2026, 11, 20, 9, 0))
    same_day = touch_backup(folder, "clinic", "daily", datetime(2026, 11, 20, 17, 0))
    old_manual = touch_backup(folder, "clinic", "manual", datetime(2026, 9, 1, 9, 0))
    later_that_day = touch_backup(folder, "clinic", "daily", datetime(2026, 9, 1, 17, 0))
    removed = rotate(folder, "clinic", now=datetime(2026, 11, 26, 12, 5))
    # Today's two stay; a manual backup stays 30 days even beside a newer one that day.
    assert {morning, noon, asked_for, same_day, later_that_day} <= set(folder.iterdir())
    assert removed == [old_manual]


def test_a_restored_file_keeps_who_may_read_it(live: Path, tmp_path: Path) -> None:
    live.chmod(0o640)
    db = connect(live)
    backup = make_backup(db.conn, tmp_path / "elsewhere", "clinic", "daily", NOW - timedelta(1))
    db.close()
    restore(backup, live, NOW)
    assert live.stat().st_mode & 0o777 == 0o640


# --- copies a backup or restore killed mid-way left behind -------------------------------------


def finished_process_id() -> int:
    """The id of a process that has ended (ids are not reused that fast)."""
    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(child.stdout)


def leftover(folder: Path, name: str, *, hours_old: float = 0) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(b"SQLite format 3\x00 half a copy")
    side(path, "-journal").write_bytes(b"journal")
    if hours_old:
        moment = time.time() - hours_old * 3600
        os.utime(path, (moment, moment))
    return path


def test_a_copy_left_by_a_killed_backup_is_removed_at_the_next_start(tmp_path: Path, clock):
    from frontdesk.services.clinic import open_clinic

    path = tmp_path / "clinic.sqlite3"
    open_clinic(path, clock).close()
    dead = finished_process_id()
    folder = default_backup_folder(path)
    killed = leftover(folder, f".clinic-daily-{dead}-k2j4x9qa.partial")
    restoring = leftover(tmp_path, f".clinic.sqlite3.restoring-{dead}-a8sd7f6g.partial")
    older_frontdesk = leftover(folder, ".clinic-manual-zz81bq0c.partial", hours_old=7)
    running = leftover(folder, f".clinic-daily-{os.getppid()}-p0o9i8u7.partial")  # alive
    recent = leftover(folder, ".clinic-daily-qq01bq0c.partial")  # no id, minutes old
    someone_elses = leftover(folder, f".other-daily-{dead}-k2j4x9qa.partial")

    open_clinic(path, clock).close()

    for gone in (killed, restoring, older_frontdesk):
        assert not gone.exists() and not side(gone, "-journal").exists()
    for kept in (running, recent, someone_elses):
        assert kept.exists()


def test_a_copy_left_in_a_chosen_folder_is_removed_by_the_next_backup(live: Path, tmp_path):
    chosen = tmp_path / "usb"
    killed = leftover(chosen, f".clinic-manual-{finished_process_id()}-abcdefgh.partial")
    db = connect(live)
    try:
        made = make_backup(db.conn, chosen, "clinic", "manual", NOW)
    finally:
        db.close()
    assert sorted(p.name for p in chosen.iterdir()) == [made.name]
    assert not killed.exists()


# --- the full check before every backup ---------------------------------------------------------


def index_out_of_step(path: Path) -> None:
    """An index whose entries do not match its table: quick_check passes, integrity_check not."""
    conn = sqlite3.connect(path, isolation_level=None)
    version = conn.execute("PRAGMA schema_version").fetchone()[0]
    conn.execute("PRAGMA writable_schema=ON")
    conn.execute(
        "UPDATE sqlite_schema SET sql = 'CREATE INDEX visit_by_patient ON visit (at)'"
        " WHERE name = 'visit_by_patient'"
    )
    conn.execute(f"PRAGMA schema_version={version + 1}")
    conn.close()


def test_a_damaged_database_is_not_backed_up_and_the_damage_is_remembered(
    live: Path, tmp_path: Path
) -> None:
    index_out_of_step(live)
    assert check(live) is None and check_at_start(live) is None
    with pytest.raises(DamageFound, match="no backup was taken") as found:
        backup_database(live, tmp_path / "backups", "daily", NOW)
    assert found.value.problem.startswith("damaged: row 1 missing from index visit_by_patient")
    assert list_backups(tmp_path / "backups", "clinic") == []
    assert recorded_damage(live) == found.value.problem
    assert damage_record(live).read_text(encoding="utf-8").startswith("2026-11-26 10:30 damaged:")
    assert check_at_start(live) == found.value.problem  # the next start's check is the full one


def test_a_repaired_file_clears_the_record_at_the_next_start(live: Path, tmp_path: Path) -> None:
    index_out_of_step(live)
    with pytest.raises(DamageFound):
        backup_database(live, tmp_path / "backups", "daily", NOW)
    conn = sqlite3.connect(live)
    conn.execute("REINDEX visit_by_patient")  # what someone who knows SQLite would do
    conn.close()
    assert check_at_start(live) is None
    assert recorded_damage(live) is None


def test_a_check_whose_report_quotes_damaged_bytes_still_answers_in_words(tmp_path: Path):
    path = tmp_path / "clinic.sqlite3"
    fill(path, rows=3)
    conn = sqlite3.connect(path, isolation_level=None)
    version = conn.execute("PRAGMA schema_version").fetchone()[0]
    conn.execute("PRAGMA writable_schema=ON")
    conn.execute(
        "UPDATE sqlite_schema SET sql = CAST(X'43524541544520494e44455820' AS TEXT)"
        " || 'visit_by_patient ON visit (patien' || CAST(X'8b' AS TEXT) || '_id)'"
        " WHERE name = 'visit_by_patient'"
    )
    conn.execute(f"PRAGMA schema_version={version + 1}")
    conn.close()
    problem = check(path)
    assert problem is not None and problem.startswith("damaged: malformed database schema")
    assert "\ufffd" in problem
