"""A schema step that fails half-way leaves the clinic's file exactly as it was, backed up.

The steps are the real ones (already applied to a file in use) plus new ones that do real work
- a table created and filled, a column added, existing rows rewritten - and then fail.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from sqlite_utils import Migrations

from frontdesk.domain.appointments import CONSULTATION
from frontdesk.domain.patients import PatientDraft
from frontdesk.services.clinic import Clinic, open_clinic
from frontdesk.services.clock import fixed_clock
from frontdesk.storage.backups import list_backups
from frontdesk.storage.db import connect, write_transaction
from frontdesk.storage.engine import sqlite3
from frontdesk.storage.migrations import MIGRATIONS, migrate
from tests.conftest import NOW
from tests.whole_database import whole_database

LATER = NOW + timedelta(days=30)  # the day the new version of the app is started

Step = Callable[[sqlite_utils.Database], None]


class StepFailed(Exception):
    pass


def real_steps_plus(*extra: tuple[str, Step]) -> Migrations:
    """The shipped set (same name, same steps, so all of them count as applied) and `extra`."""
    steps = Migrations(MIGRATIONS.name)
    for shipped in MIGRATIONS.pending(sqlite_utils.Database(memory=True)):  # = every step
        steps(name=shipped.name, transactional=shipped.transactional)(shipped.fn)
    for name, fn in extra:
        steps(name=name)(fn)
    return steps


def referrals_table(db: sqlite_utils.Database) -> None:
    """Works: a new table filled from the patients, a new column, existing rows rewritten."""
    db.execute(
        "CREATE TABLE referrals (id INTEGER PRIMARY KEY,"
        " patient_id INTEGER NOT NULL REFERENCES patients (id), source TEXT NOT NULL)"
    )
    db["referrals"].insert_all(
        {"patient_id": pid, "source": "Instagram 😀"}
        for (pid,) in db.execute("SELECT id FROM patients").fetchall()
    )
    db["patients"].add_column("preferred_name", str)  # sqlite-utils' API: ALTER TABLE
    db.execute("UPDATE patients SET preferred_name = first_name, notes = notes || ' [migrated]'")
    db.execute("UPDATE clinic_info SET value = upper(value)")


def half_done_then_fails(db: sqlite_utils.Database) -> None:
    """Does the same kind of work on other tables, then fails before finishing."""
    db.execute("CREATE TABLE consents (id INTEGER PRIMARY KEY, patient_id INTEGER, text TEXT)")
    db.execute("INSERT INTO consents (patient_id, text) SELECT id, 'CO2 consent' FROM patients")
    db.execute("ALTER TABLE appointments ADD COLUMN room TEXT NOT NULL DEFAULT 'Room 1'")
    db.execute("UPDATE appointments SET note = 'moved to ' || room")
    db.execute("DELETE FROM appointment_history")
    raise StepFailed("step failed half-way")


def breaks_references(db: sqlite_utils.Database) -> None:
    """Completes without raising, but leaves appointments pointing at a patient now gone."""
    db.execute("DELETE FROM patient_name_words")
    db.execute("DELETE FROM patients")


@pytest.fixture
def used(clinic: Clinic, desk) -> Path:
    """A file with the real schema and a little of everything a clinic has in it, closed."""
    try:
        patient = clinic.patients.register(
            desk, PatientDraft("Zoë", "García López", "3/14/1985", "(818) 555-0134", "", "O'Brien")
        )
        monday = datetime.combine(date(2026, 11, 30), time(10))
        clinic.calendar.book(desk, patient.id, CONSULTATION, monday, note="Robert'); --")
    finally:
        clinic.close()
    return clinic.path


def snapshot(db: sqlite_utils.Database) -> dict[str, Any]:
    return {
        "dump": whole_database(db.conn),
        "migrations": db.execute(
            "SELECT migration_set, name, applied_at FROM _sqlite_migrations ORDER BY rowid"
        ).fetchall(),
        "user_version": db.execute("PRAGMA user_version").fetchone()[0],
    }


def file_snapshot(path: Path) -> dict[str, Any]:
    """The same, read by a fresh connection: what the next start of the app would find."""
    fresh = connect(path)
    try:
        return snapshot(fresh)
    finally:
        fresh.close()


def attempt(
    path: Path, *extra: tuple[str, Step], fails_with: type[Exception], at: datetime = LATER
) -> None:
    db = connect(path)
    try:
        before = snapshot(db)
        steps = real_steps_plus(*extra)
        assert [m.name for m in steps.pending(db)] == [name for name, _ in extra]

        with pytest.raises(fails_with):
            migrate(db, path, at, steps=steps)

        assert not db.conn.in_transaction
        after = snapshot(db)
        assert after["dump"] == before["dump"]
        assert after["migrations"] == before["migrations"]
        assert after["user_version"] == before["user_version"]
        assert db.execute("PRAGMA foreign_keys").fetchone() == (1,)  # back on for the app
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert [m.name for m in steps.pending(db)] == [name for name, _ in extra]
    finally:
        db.close()
    assert file_snapshot(path) == before

    backups = sorted((path.parent / "backups").glob("*before-migration*"))
    assert [b.name for b in backups] == [f"clinic-before-migration-{LATER:%Y%m%d-%H%M%S}.sqlite3"]
    assert file_snapshot(backups[0]) == before  # taken before the attempt, complete


@pytest.mark.timeout(30)
def test_a_step_failing_half_way_leaves_the_file_exactly_as_it_was_after_a_backup(
    used: Path,
) -> None:
    attempt(used, ("0099_consents", half_done_then_fails), fails_with=StepFailed)


@pytest.mark.timeout(30)
def test_when_the_second_of_two_new_steps_fails_the_first_is_rolled_back_too(
    used: Path,
) -> None:
    attempt(
        used,
        ("0098_referrals", referrals_table),
        ("0099_consents", half_done_then_fails),
        fails_with=StepFailed,
    )


@pytest.mark.timeout(30)
def test_a_step_that_leaves_broken_references_is_rolled_back(used: Path) -> None:
    attempt(
        used,
        ("0098_referrals", referrals_table),
        ("0099_forget_patients", breaks_references),
        fails_with=sqlite3.IntegrityError,
    )


@pytest.mark.timeout(30)
def test_after_a_failed_attempt_the_fixed_steps_apply_normally(used: Path) -> None:
    attempt(
        used,
        ("0098_referrals", referrals_table),
        ("0099_consents", half_done_then_fails),
        fails_with=StepFailed,
    )
    path = used
    db = connect(path)
    try:
        migrate(
            db,
            path,
            LATER + timedelta(hours=1),
            steps=real_steps_plus(("0098_referrals", referrals_table)),
        )
        assert db.execute("SELECT source FROM referrals").fetchall() == [("Instagram 😀",)]
        assert db.execute("SELECT preferred_name, notes FROM patients").fetchall() == [
            ("Zoë", "O'Brien [migrated]")
        ]
        names = [r[0] for r in db.execute("SELECT name FROM _sqlite_migrations ORDER BY rowid")]
        assert names[-1] == "0098_referrals" and "0099_consents" not in names
    finally:
        db.close()
    # The app itself still opens the file (its own steps are all applied; the extra is harmless).
    clinic = open_clinic(path, fixed_clock(LATER))
    try:
        assert clinic.patients.count() == 1
    finally:
        clinic.close()


def before_migration_backups(path: Path) -> list[str]:
    return sorted(
        b.path.name
        for b in list_backups(path.parent / "backups", path.stem)
        if b.reason == "before-migration"
    )


@pytest.mark.timeout(30)
def test_a_migration_that_keeps_failing_takes_one_protected_backup_not_one_per_start(
    used: Path,
) -> None:
    """Each start tries again; each backup would be kept 30 days: a month of restarts filled
    the disk with identical copies."""
    for hours in (0, 1, 2, 26):  # four starts, one the next day
        attempt(
            used,
            ("0099_consents", half_done_then_fails),
            fails_with=StepFailed,
            at=LATER + timedelta(hours=hours),
        )  # each time: exactly the one backup, taken before the first attempt


@pytest.mark.timeout(30)
def test_a_file_changed_since_the_failed_attempt_gets_a_new_backup(used: Path) -> None:
    attempt(used, ("0099_consents", half_done_then_fails), fails_with=StepFailed)
    db = connect(used)
    try:
        with write_transaction(db):  # work done meanwhile with the previous version
            db.execute("UPDATE clinic_info SET value = 'Encino, CA' WHERE key = 'address'")
    finally:
        db.close()
    later = LATER + timedelta(hours=1)
    db = connect(used)
    try:
        with pytest.raises(StepFailed):
            migrate(db, used, later, steps=real_steps_plus(("0099_consents", half_done_then_fails)))
    finally:
        db.close()
    assert before_migration_backups(used) == [
        f"clinic-before-migration-{LATER:%Y%m%d-%H%M%S}.sqlite3",
        f"clinic-before-migration-{later:%Y%m%d-%H%M%S}.sqlite3",
    ]
