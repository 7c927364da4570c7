from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
import sqlite_utils
from sqlite_utils import Migrations

from frontdesk.storage.db import connect
from frontdesk.storage.engine import sqlite3
from frontdesk.storage.migrations import MIGRATIONS, migrate, pending_names

NOW = datetime(2026, 11, 26, 10, 0)


def test_a_new_file_gets_the_whole_schema_without_a_backup(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite3"
    db = connect(path)
    assert migrate(db, path, NOW) is None
    assert pending_names(db) == []
    assert {"staff", "patients", "audit"} <= set(db.table_names())
    assert not (tmp_path / "backups").exists()
    assert migrate(db, path, NOW) is None  # nothing pending: nothing done


def test_an_old_file_is_backed_up_then_upgraded_keeping_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    db = connect(path)
    MIGRATIONS.apply(db, stop_before="0003_patient_search_indexes")  # a file from before 0003
    db.execute(
        "INSERT INTO patients (first_name, last_name, dob, created_at, updated_at, first_key,"
        " last_key) VALUES ('Ani', 'Petrosyan', '1990-01-02', 'x', 'x', 'ani', 'petrosyan')"
    )
    everything = [m.name for m in MIGRATIONS._migrations]
    assert pending_names(db) == everything[everything.index("0003_patient_search_indexes") :]
    assert "0009_registration_details_and_clinic_address" in pending_names(db)

    backup = migrate(db, path, NOW)

    assert backup is not None and backup.exists()
    assert backup.parent == tmp_path / "backups"
    old = sqlite_utils.Database(backup)
    assert old["patients"].count == 1
    assert "patients_by_phone" not in {i.name for i in old["patients"].indexes}
    assert "patients_by_phone" in {i.name for i in db["patients"].indexes}
    assert db["patients"].count == 1
    assert pending_names(db) == []


def test_a_failing_step_leaves_the_file_exactly_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    db = connect(path)
    MIGRATIONS.apply(db)
    steps = Migrations("frontdesk")
    for migration in MIGRATIONS._migrations:
        steps._migrations.append(migration)

    @steps(name="0999_good_half")
    def _good(db):
        db.execute("CREATE TABLE half_done (x)")

    @steps(name="1000_breaks")
    def _breaks(db):
        db.execute("INSERT INTO staff (name, role) VALUES ('x', 'janitor')")  # CHECK fails

    schema_before = db.execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall()
    with pytest.raises(sqlite3.IntegrityError):
        migrate(db, path, NOW, steps)
    assert db.execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall() == schema_before
    assert pending_names(db, steps) == ["0999_good_half", "1000_breaks"]
    assert not db.conn.in_transaction


def test_staff_for_both_roles_exist_from_the_start(tmp_path: Path) -> None:
    db = connect(tmp_path / "n.sqlite3")
    migrate(db, None, NOW)
    roles = {r["role"] for r in db["staff"].rows}
    assert roles == {"doctor", "front_desk"}


def test_0009_adds_registration_details_unset_and_moves_the_town_out_of_the_street(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.sqlite3"
    db = connect(path)
    MIGRATIONS.apply(db, stop_before="0009_registration_details_and_clinic_address")
    db.execute(
        "INSERT INTO patients (first_name, last_name, dob, created_at, updated_at, first_key,"
        " last_key) VALUES ('Ani', 'Petrosyan', '1990-01-02', 'x', 'x', 'ani', 'petrosyan')"
    )
    migrate(db, path, NOW)
    row = next(db["patients"].rows)
    assert {k: row[k] for k in (
        "language", "address", "emergency_name", "emergency_phone", "heard_from",
        "heard_from_other", "consent_sms", "consent_email",
    )} == {
        "language": "", "address": "", "emergency_name": "", "emergency_phone": "",
        "heard_from": "", "heard_from_other": "", "consent_sms": 0, "consent_email": 0,
    }  # fmt: skip
    info = {r["key"]: r["value"] for r in db["clinic_info"].rows}
    assert info == {
        "name": "Dr. Alex - Acne Scar Clinic", "address": "", "phone": "(818) 555-0100",
        "city": "Encino", "state": "CA", "zip": "", "after_hours_phone": "",
    }  # fmt: skip
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("UPDATE patients SET consent_sms = 2")
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("UPDATE patients SET language = 'fr'")


def test_0009_keeps_an_address_staff_typed_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    db = connect(path)
    MIGRATIONS.apply(db, stop_before="0009_registration_details_and_clinic_address")
    db.execute("UPDATE clinic_info SET value = '16133 Ventura Blvd' WHERE key = 'address'")
    migrate(db, path, NOW)
    info = {r["key"]: r["value"] for r in db["clinic_info"].rows}
    assert (info["address"], info["city"], info["state"]) == ("16133 Ventura Blvd", "", "")
