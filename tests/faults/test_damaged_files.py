"""A real clinic database damaged on disk: noticed, and brought back from its backup."""

from __future__ import annotations

import io
import random
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from frontdesk.backup_cli import run_backup, run_restore
from frontdesk.early_check import EarlyCheck
from frontdesk.services.backups import BackupError, BackupService
from frontdesk.services.clinic import Clinic, DatabaseRefused, open_clinic
from frontdesk.services.clock import fixed_clock
from frontdesk.storage.backups import (
    backup_folder,
    check,
    latest_good_backup,
    list_backups,
    make_backup,
    recorded_damage,
    restore,
)
from frontdesk.storage.clinic_keys import KeyNeeded
from frontdesk.storage.engine import sqlite3
from tests.conftest import NOW, draft


def zero_the_header(path: Path) -> None:
    with open(path, "r+b") as stream:
        stream.write(bytes(100))


def truncate_to_half(path: Path) -> None:
    with open(path, "r+b") as stream:
        stream.truncate(path.stat().st_size // 2)


def overwrite_with_random_bytes(path: Path) -> None:
    path.write_bytes(random.Random(2026).randbytes(path.stat().st_size))


DAMAGES = [
    pytest.param(zero_the_header, "not a SQLite database", id="zeroed header"),
    pytest.param(truncate_to_half, "damaged: ", id="truncated to half"),
    pytest.param(overwrite_with_random_bytes, "not a SQLite database", id="random bytes"),
]


def every_row(path: Path) -> dict[str, list[tuple]]:
    conn = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
    try:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {n: sorted(conn.execute(f'SELECT * FROM "{n}"').fetchall(), key=repr) for n in names}
    finally:
        conn.close()


@pytest.fixture
def backed_up_clinic(
    clinic: Clinic, desk, db_path: Path, clock
) -> tuple[Path, dict[str, list[tuple]]]:
    """A clinic file with one registered patient, its backup taken, every connection closed."""
    try:
        clinic.patients.register(desk, draft())
        backup = make_backup(
            clinic._db.conn, backup_folder(db_path), db_path.stem, "daily", clock()
        )
    finally:
        clinic.close()
    rows = every_row(db_path)
    assert rows == every_row(backup)
    return backup, rows


@pytest.mark.timeout(60)
@pytest.mark.parametrize(("damage", "reported"), DAMAGES)
def test_a_damaged_clinic_file_is_noticed_and_restored(
    db_path: Path,
    clock,
    backed_up_clinic: tuple[Path, dict[str, list[tuple]]],
    damage: Callable[[Path], None],
    reported: str,
) -> None:
    backup, rows = backed_up_clinic
    damage(db_path)

    if damage is overwrite_with_random_bytes:
        # Random bytes in whole pages look exactly like a file encrypted with a key this
        # computer does not hold: the check cannot call it damage, and asks for the key.
        with pytest.raises(KeyNeeded):
            check(db_path)
    else:
        problem = check(db_path)
        assert problem is not None and problem.startswith(reported)
        assert check(db_path, full=True) is not None
    found = latest_good_backup([backup_folder(db_path)], db_path.stem)
    assert found is not None and found.path == backup

    kept_aside = restore(found.path, db_path, NOW)

    assert kept_aside == db_path.with_name(f"{db_path.name}.damaged-20261126-103000")
    assert kept_aside.exists()
    assert check(db_path, full=True) is None
    assert every_row(db_path) == rows
    reopened = open_clinic(db_path, clock)
    try:
        assert reopened.patients.count() == 1
    finally:
        reopened.close()


@pytest.mark.timeout(60)
@pytest.mark.parametrize(("damage", "reported"), DAMAGES)
def test_the_command_line_refuses_to_back_up_damage_and_restores(
    db_path: Path,
    backed_up_clinic: tuple[Path, dict[str, list[tuple]]],
    damage: Callable[[Path], None],
    reported: str,
) -> None:
    backup, rows = backed_up_clinic
    damage(db_path)
    backups_before = sorted(backup_folder(db_path).iterdir())

    out, err = io.StringIO(), io.StringIO()
    assert run_backup(db_path, None, NOW, out, err) == 1
    assert out.getvalue() == ""
    if damage is overwrite_with_random_bytes:  # starts like an encrypted file: both are said
        assert err.getvalue().startswith(
            f"frontdesk: {db_path.name} is encrypted, and this computer's keyring does not have"
            " its key. Run the command once from a terminal"
        )
        assert "It was not backed up. If it was never encrypted, it is damaged" in err.getvalue()
    else:
        assert err.getvalue().startswith(f"frontdesk: the clinic database {db_path} is {reported}")
    assert f"frontdesk restore {backup}" in err.getvalue()
    assert err.getvalue().count("\n") == 1
    assert sorted(backup_folder(db_path).iterdir()) == backups_before  # nothing rotated away

    out, err = io.StringIO(), io.StringIO()
    assert run_restore(db_path, backup, yes=True, out=out, err=err, now=NOW) == 0
    assert err.getvalue() == ""
    assert "it will be kept aside" in out.getvalue()
    assert f"kept as {db_path}.damaged-20261126-103000." in out.getvalue()
    restored = every_row(db_path)
    # Every row is back; the trail gained one line saying the restore happened, and how.
    [*kept_lines, restore_line] = restored.pop("audit")
    restored.pop("audit_head")
    assert kept_lines == rows.pop("audit")
    rows.pop("audit_head")
    assert restored == rows
    assert restore_line[3:5] == ("restore", "database") and "command line" in restore_line[8]


def index_out_of_step(path: Path) -> None:
    """An index whose entries no longer match its table: quick_check passes, integrity_check
    does not (the kind of damage quick_check cannot see)."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        version = conn.execute("PRAGMA schema_version").fetchone()[0]
        conn.execute("PRAGMA writable_schema=ON")
        conn.execute(
            "UPDATE sqlite_schema SET sql = 'CREATE INDEX patients_by_phone ON patients (dob)'"
            " WHERE name = 'patients_by_phone'"
        )
        conn.execute(f"PRAGMA schema_version={version + 1}")
    finally:
        conn.close()


@pytest.mark.timeout(60)
def test_damage_only_the_full_check_sees_is_found_before_the_backup_and_refused_next_start(
    db_path: Path, backed_up_clinic: tuple[Path, dict[str, list[tuple]]]
) -> None:
    backup, rows = backed_up_clinic
    index_out_of_step(db_path)
    assert check(db_path) is None  # what the start used to rely on
    tomorrow = fixed_clock(NOW + timedelta(days=1))

    with pytest.raises(BackupError) as failed:
        BackupService(db_path, tomorrow).daily_if_due()  # the first start of the day

    said = str(failed.value)
    assert said.startswith("The clinic database is damaged: row 1 missing from index")
    assert "no backup was taken" in said and "offers to put back the latest good backup" in said
    assert str(db_path) in said
    assert [b.path for b in list_backups(backup_folder(db_path), db_path.stem)] == [backup]
    # Said again (not checked again) at the hourly retries of the same running app.
    with pytest.raises(BackupError, match="no backup was taken"):
        BackupService(db_path, tomorrow).daily_if_due()
    # The next start, with the check begun before Qt as the app does it, refuses the file.
    early = EarlyCheck(db_path)
    with pytest.raises(DatabaseRefused) as refused:
        open_clinic(db_path, tomorrow, checked=early.result)
    damage = refused.value.damage
    assert damage is not None and damage.problem.startswith("damaged: row 1 missing")
    assert damage.latest_good is not None and damage.latest_good.path == backup

    BackupService(db_path, tomorrow).restore(damage.latest_good.path)

    assert recorded_damage(db_path) is None
    assert every_row(db_path).keys() == rows.keys()
    reopened = open_clinic(db_path, tomorrow)
    try:
        assert reopened.patients.count() == 1
    finally:
        reopened.close()


@pytest.mark.timeout(60)
def test_the_command_line_backup_finds_it_too(
    db_path: Path, backed_up_clinic: tuple[Path, dict[str, list[tuple]]]
) -> None:
    index_out_of_step(db_path)
    out, err = io.StringIO(), io.StringIO()
    assert run_backup(db_path, None, NOW + timedelta(days=1), out, err) == 1
    assert out.getvalue() == ""
    assert err.getvalue().startswith("frontdesk: The clinic database is damaged: row 1 missing")
    assert err.getvalue().count("\n") == 1
    assert recorded_damage(db_path) is not None
