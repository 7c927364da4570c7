"""A real clinic database damaged on disk: noticed, and brought back from its backup."""

from __future__ import annotations

import io
import random
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from frontdesk.backup_cli import run_backup, run_restore
from frontdesk.domain.staff import Role
from frontdesk.services.clinic import open_clinic
from frontdesk.storage.backups import (
    backup_folder,
    check,
    latest_good_backup,
    make_backup,
    restore,
)
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
def backed_up_clinic(db_path: Path, clock) -> tuple[Path, dict[str, list[tuple]]]:
    """A clinic file with one registered patient, its backup taken, every connection closed."""
    clinic = open_clinic(db_path, clock)
    try:
        desk = next(s for s in clinic.staff.list_active() if s.role is Role.FRONT_DESK)
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
