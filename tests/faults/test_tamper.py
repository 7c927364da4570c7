"""Tampering behind the app's back, as the sqlite3 shell would do it, found by `audit verify`.

Each test lets the app write real records through the services, then changes the file with
raw SQL on a connection of its own (Python's sqlite3 module: the same as the shell), then runs
`frontdesk audit verify` and expects exit 1 with the change named in words."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path

import pytest

from frontdesk.audit_cli import verify
from frontdesk.domain.appointments import CONSULTATION
from frontdesk.domain.audit import line_hash
from frontdesk.services.clinic import Clinic, open_clinic
from frontdesk.storage.audit_anchor import anchor_path, read_anchor
from frontdesk.storage.engine import sqlite3
from tests.conftest import draft
from tests.services.test_intake_service import ROLLING
from tests.services.test_sessions_service import session_at

MONDAY_10 = datetime(2026, 11, 30, 10, 0)


@dataclass(frozen=True)
class Records:
    patient: int
    appointment: int
    intake: int
    session: int


@pytest.fixture
def records(clinic: Clinic, desk, doctor) -> Records:
    """A patient, a booking, an intake and a signed CO2 session, all through the services."""
    maria = clinic.patients.register(desk, draft())
    booked = clinic.calendar.book(desk, maria.id, CONSULTATION, MONDAY_10)
    intake = clinic.intakes.record(doctor, maria.id, replace(ROLLING, grade=3))
    series = clinic.sessions.open_series(doctor, maria.id, 4)
    signed = clinic.sessions.log_session(doctor, series.id, session_at(date(2026, 11, 24)))
    return Records(maria.id, booked.appointment.id, intake.id, signed.sessions[0].id)


def raw(path: Path, *statements: str | tuple[str, list]) -> None:
    """The sqlite3 shell: no app, no foreign keys, each statement on its own."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        for statement in statements:
            sql, params = statement if isinstance(statement, tuple) else (statement, [])
            conn.execute(sql, params)
    finally:
        conn.close()


def trigger_sql(path: Path, name: str) -> str:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", [name]).fetchone()[0]
    finally:
        conn.close()


def run_verify(path: Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = verify(path, out, err)
    return status, out.getvalue(), err.getvalue()


def test_a_clean_clinic_verifies(db_path: Path, records: Records) -> None:
    status, out, err = run_verify(db_path)
    assert (status, err) == (0, "")
    assert "every audited record is as the trail last recorded it" in out


def test_the_demo_clinic_verifies_and_gets_its_anchor(db_path: Path, demo: Clinic) -> None:
    anchor_path(db_path).unlink(missing_ok=True)  # the demo was copied in behind the app
    status, out, err = run_verify(db_path)
    assert (status, err) == (0, "")
    assert "first check with a record of the trail's end" in out
    anchored = read_anchor(db_path)
    assert anchored is not None
    head = demo._db.execute("SELECT last_id, last_hash FROM audit_head").fetchone()
    assert (anchored.id, anchored.hash) == head
    status, out, _ = run_verify(db_path)
    assert status == 0 and "first check" not in out


def test_a_changed_patient_phone_is_found(db_path: Path, records: Records) -> None:
    raw(db_path, ("UPDATE patients SET phone = '+13105550000' WHERE id = ?", [records.patient]))
    status, _, err = run_verify(db_path)
    assert status == 1
    assert f"Patient #{records.patient}: phone is not what the audit trail last recorded" in err


def test_a_moved_appointment_is_found(db_path: Path, records: Records) -> None:
    raw(
        db_path,
        (
            "UPDATE appointments SET starts = '2026-11-30T14:00', ends = '2026-11-30T14:30'"
            " WHERE id = ?",
            [records.appointment],
        ),
    )
    status, _, err = run_verify(db_path)
    assert status == 1
    assert f"Appointment #{records.appointment}: start time and end time are not" in err


def test_a_changed_intake_is_found(db_path: Path, records: Records) -> None:
    raw(
        db_path,
        ("UPDATE intakes SET summary = 'No scars: laser is fine' WHERE id = ?", [records.intake]),
    )
    status, _, err = run_verify(db_path)
    assert status == 1
    assert f"Intake #{records.intake}: summary is not what the audit trail last recorded" in err


def test_a_member_raised_to_admin_is_found(db_path: Path, records: Records, desk) -> None:
    raw(db_path, ("UPDATE staff SET role = 'admin' WHERE id = ?", [desk.id]))
    status, _, err = run_verify(db_path)
    assert status == 1
    assert f"Staff member #{desk.id}: role is not what the audit trail last recorded" in err


def test_a_signed_session_changed_under_a_dropped_trigger_is_found(
    db_path: Path, records: Records
) -> None:
    protecting = trigger_sql(db_path, "co2_sessions_no_update")
    raw(
        db_path,
        "DROP TRIGGER co2_sessions_no_update",
        (
            "UPDATE co2_sessions SET record = replace(record, '40.0', '20.0'),"
            " performed_at = '2026-11-20T11:00' WHERE id = ?",
            [records.session],
        ),
        protecting,  # put back as it was: the schema looks untouched
    )
    assert trigger_sql(db_path, "co2_sessions_no_update") == protecting
    status, _, err = run_verify(db_path)
    assert status == 1
    assert (
        f"Signed CO2 session #{records.session}: record (settings, areas, notes) and date"
        " performed are not what the audit trail last recorded"
    ) in err


def test_a_deleted_signed_session_is_found(db_path: Path, records: Records) -> None:
    protecting = trigger_sql(db_path, "co2_sessions_no_delete")
    raw(
        db_path,
        "DROP TRIGGER co2_sessions_no_delete",
        ("DELETE FROM co2_sessions WHERE id = ?", [records.session]),
        protecting,
    )
    status, _, err = run_verify(db_path)
    assert status == 1
    assert (
        f"Signed CO2 session #{records.session} is recorded in the audit trail but is no"
        " longer in the database"
    ) in err


def _lines(path: Path) -> list[dict]:
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute("SELECT * FROM audit ORDER BY id")]
    finally:
        conn.close()


def cut_trail_after(path: Path, kept: dict) -> None:
    """The sqlite3 shell's way to cut the trail's end: its guard dropped, the lines after
    `kept` deleted, the head rewound to `kept`, the guard put back."""
    protecting = trigger_sql(path, "audit_no_delete")
    raw(
        path,
        "DROP TRIGGER audit_no_delete",
        ("DELETE FROM audit WHERE id > ?", [kept["id"]]),
        ("UPDATE audit_head SET last_id = ?, last_hash = ?", [kept["id"], kept["hash"]]),
        protecting,
    )


def test_the_last_lines_cut_with_the_head_rewound_are_found(
    db_path: Path, clinic: Clinic, records: Records, desk
) -> None:
    clinic.calendar.day_sheet_given(desk, date(2026, 11, 30), "printed")  # lines about no record
    clinic.calendar.day_sheet_given(desk, date(2026, 11, 30), "pdf")
    lines = _lines(db_path)
    kept = lines[-3]
    cut_trail_after(db_path, kept)
    status, _, err = run_verify(db_path)
    assert status == 1
    assert (
        f"The audit trail ends at line #{kept['id']}, but line #{lines[-1]['id']} had been"
        " written: the last 2 lines of the trail were cut off behind the app's back."
    ) in err
    # The app writing on does not hide it: the anchor is never moved off a trail it does not
    # continue, and the line ids written again do not carry the hashes first written.
    clinic.calendar.day_sheet_given(desk, date(2026, 12, 1), "printed")  # not the lines cut
    clinic.calendar.day_sheet_given(desk, date(2026, 12, 2), "printed")
    status, _, err = run_verify(db_path)
    assert status == 1
    assert f"Line #{lines[-1]['id']} of the audit trail is not the line that was written" in err


def test_a_rehashed_chain_is_found(db_path: Path, records: Records) -> None:
    """The phone changed, the patient's line changed to match and every hash worked out anew:
    the chain holds and the rows agree with it; only the anchor can tell."""
    lines = _lines(db_path)
    registered = next(x for x in lines if x["entity"] == "patient" and x["action"] == "register")
    forged_after = json.loads(registered["after"]) | {"phone": "+13105550000"}
    registered["after"] = json.dumps(forged_after, ensure_ascii=False, sort_keys=True)
    previous = "0" * 64
    statements: list[str | tuple[str, list]] = [
        "DROP TRIGGER audit_no_update",
        ("UPDATE patients SET phone = '+13105550000' WHERE id = ?", [records.patient]),
    ]
    for line in lines:
        fields = {k: line[k] for k in ("id", "at", "staff_id", "action", "entity", "entity_id",
                                       "patient_id", "before", "after")}  # fmt: skip
        digest = line_hash(previous, **fields)
        statements.append(
            (
                "UPDATE audit SET after = ?, prev_hash = ?, hash = ? WHERE id = ?",
                [line["after"], previous, digest, line["id"]],
            )
        )
        previous = digest
    statements.append(("UPDATE audit_head SET last_hash = ?", [previous]))
    statements.append(trigger_sql(db_path, "audit_no_update"))
    raw(db_path, *statements)
    status, _, err = run_verify(db_path)
    assert status == 1
    assert "Patient #" not in err  # the rows agree with the forged trail
    assert "is not the line that was written there: the trail was rewritten" in err


def test_a_row_added_behind_the_apps_back_is_found(db_path: Path, records: Records) -> None:
    raw(
        db_path,
        "INSERT INTO patients (first_name, last_name, dob, created_at, updated_at, first_key,"
        " last_key) VALUES ('Eve', 'Nobody', '1990-01-01', 'x', 'x', 'eve', 'nobody')",
    )
    status, _, err = run_verify(db_path)
    assert status == 1
    assert "the audit trail never recorded it: it was added behind the app's back" in err


def test_an_older_backup_restored_through_the_app_is_not_taken_for_a_cut_trail(
    db_path: Path, clinic: Clinic, records: Records, admin
) -> None:
    """The restore is recorded on the restored file, and that line re-bases the anchor."""
    from frontdesk.services.backups import BackupService

    backups = BackupService(db_path)
    older = backups.back_up_now(admin)
    for _ in range(3):
        clinic.calendar.day_sheet_given(admin, date(2026, 11, 30), "printed")
    ahead = read_anchor(db_path)
    clinic.close()
    backups.restore(older)
    assert read_anchor(db_path) != ahead
    status, _, err = run_verify(db_path)
    assert (status, err) == (0, "")


def test_a_backup_copied_back_by_hand_is_reported_and_says_what_to_do(
    db_path: Path, clinic: Clinic, records: Records, admin
) -> None:
    import shutil

    from frontdesk.services.backups import BackupService

    older = BackupService(db_path).back_up_now(admin)
    clinic.calendar.day_sheet_given(admin, date(2026, 11, 30), "printed")
    clinic.close()
    for side in ("-wal", "-shm"):
        Path(f"{db_path}{side}").unlink(missing_ok=True)
    shutil.copyfile(older, db_path)
    status, _, err = run_verify(db_path)
    assert status == 1 and "cut off behind the app's back" in err
    assert "deleting that file starts a new record" in err
    anchor_path(db_path).unlink()  # what the admin does once the reason is known
    status, out, _ = run_verify(db_path)
    assert status == 0 and "first check" in out


def test_a_change_with_a_forged_line_appended_to_match_is_found(
    db_path: Path, records: Records
) -> None:
    """The phone changed and a line of the app's own form appended to 'record' it, chained
    and with the head moved: the chain holds and the rows agree; the anchor does not."""
    last = _lines(db_path)[-1]
    after = {"first_name": "María", "last_name": "García", "dob": "1985-03-14",
             "phone": "+13105550000", "email": "maria.garcia@example.com", "notes": "",
             "archived": False}  # fmt: skip
    forged = {
        "id": last["id"] + 1, "at": last["at"], "staff_id": last["staff_id"],
        "action": "update", "entity": "patient", "entity_id": records.patient,
        "patient_id": records.patient, "before": None,
        "after": json.dumps(after, ensure_ascii=False, sort_keys=True),
    }  # fmt: skip
    digest = line_hash(last["hash"], **forged)
    raw(
        db_path,
        ("UPDATE patients SET phone = '+13105550000' WHERE id = ?", [records.patient]),
        (
            "INSERT INTO audit (id, at, staff_id, action, entity, entity_id, patient_id, before,"
            " after, prev_hash, hash) VALUES (:id, :at, :staff_id, :action, :entity,"
            " :entity_id, :patient_id, :before, :after, :prev_hash, :hash)",
            forged | {"prev_hash": last["hash"], "hash": digest},  # type: ignore[list-item]
        ),
        ("UPDATE audit_head SET last_id = ?, last_hash = ?", [forged["id"], digest]),
    )
    status, _, err = run_verify(db_path)
    assert status == 1
    assert "Patient #" not in err
    assert (
        f"Lines #{forged['id']} to #{forged['id']} were added to the end of the audit trail"
        " without Frontdesk writing them"
    ) in err


def test_the_last_write_cut_exactly_is_said_but_cannot_be_told_from_a_crash(
    db_path: Path, clinic: Clinic, records: Records, desk
) -> None:
    """The documented limit: the anchor is written just before COMMIT, so a save cut short by
    a crash leaves it one write ahead; removing exactly that write's lines looks the same."""
    clinic.calendar.day_sheet_given(desk, date(2026, 11, 30), "printed")
    lines = _lines(db_path)
    kept = lines[-2]
    cut_trail_after(db_path, kept)
    status, out, err = run_verify(db_path)
    assert (status, err) == (0, "")
    assert f"audit lines #{lines[-1]['id']} to #{lines[-1]['id']}) is not in the trail" in out


def test_a_new_database_where_the_demo_was_renamed_away_is_not_taken_for_a_cut_trail(
    tmp_path: Path, demo: Clinic, db_path: Path, clock
) -> None:
    """The demo's way out (rename frontdesk.sqlite3 to frontdesk-demo.sqlite3, start again)
    leaves frontdesk.audit-anchor beside the new, empty clinic database: it was reported as
    509 lines cut off. The anchor of a trail that is not there is kept aside, and said."""
    assert run_verify(db_path)[0] == 0  # the demo's trail now has its anchor
    demo.close()
    moved = db_path.with_name("frontdesk-demo.sqlite3")
    db_path.rename(moved)
    for left in db_path.parent.glob(f"{db_path.name}-*"):
        left.unlink()
    fresh = open_clinic(db_path, clock)
    try:
        [note] = fresh.start_notes
        assert "kept aside as clinic.audit-anchor.before-" in note
        fresh.staff.create_first_admin("Office admin", "office", "a-long-test-password")
    finally:
        fresh.close()
    status, out, err = run_verify(db_path)
    assert (status, err) == (0, ""), out
    assert list(db_path.parent.glob("clinic.audit-anchor.before-*"))
