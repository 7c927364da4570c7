"""The audit trail on a real SQLite file: before/after values, append-only triggers, the hash
chain seeing through raw SQL, the 0008 migration chaining older lines, and the admin's search."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from frontdesk.domain.appointments import CONSULTATION, Status
from frontdesk.domain.audit import GENESIS, ChainBreak, line_hash
from frontdesk.domain.clinic import CLINIC_TZ
from frontdesk.domain.staff import Role
from frontdesk.services.audit import AuditCursor, AuditFilter
from frontdesk.services.clinic import Clinic
from frontdesk.services.clock import fixed_clock
from frontdesk.services.signed_in import SignedIn
from frontdesk.storage.database import Database
from frontdesk.storage.db import connect
from frontdesk.storage.engine import sqlite3
from frontdesk.storage.migrations import MIGRATIONS, migrate, pending_names
from tests.conftest import ADMIN_PASSWORD, NOW, draft, member_with_role, signed_in
from tests.engines import served, tamperer
from tests.services.test_accounts import MovableClock
from tests.services.test_intake_service import PIH, ROLLING
from tests.whole_database import count_rows

APPEND_ONLY = "The audit trail is append-only: its lines never change."


def rows(clinic: Clinic) -> list[dict[str, Any]]:
    return [dict(r) for r in clinic._db.query("SELECT * FROM audit ORDER BY id")]


def drop_triggers(clinic: Clinic) -> Database:
    """What someone with the file and the sqlite3 shell could do (on the server: someone with
    the superuser's password); the connection they do it on."""
    return tamperer(clinic)


# -- before and after ------------------------------------------------------------------------
def test_an_update_records_every_value_before_and_after(clinic: Clinic, desk: SignedIn) -> None:
    maria = clinic.patients.register(desk, draft())
    clinic.patients.update(desk, maria.id, draft(phone="(818) 555-0199", notes="Moved"))
    registered, updated = clinic.audit.history("patient", maria.id)
    assert (registered.action, registered.before) == ("register", None)
    assert updated.action == "update" and updated.staff_id == desk.id
    assert updated.before is not None and updated.after is not None
    assert (updated.before["phone"], updated.after["phone"]) == ("+18185550134", "+18185550199")
    assert (updated.before["notes"], updated.after["notes"]) == ("", "Moved")
    assert updated.before["first_name"] == updated.after["first_name"] == "María"
    assert set(updated.before) == set(updated.after) >= {"dob", "email", "archived"}
    assert updated.patient_id == maria.id


def test_an_unchanged_save_writes_no_audit_line(clinic: Clinic, desk: SignedIn) -> None:
    maria = clinic.patients.register(desk, draft())
    clinic.patients.update(desk, maria.id, draft())
    assert [e.action for e in clinic.audit.history("patient", maria.id)] == ["register"]


def test_status_changes_and_clinical_records_carry_their_patient(
    clinic: Clinic, desk: SignedIn, doctor: SignedIn
) -> None:
    maria = clinic.patients.register(desk, draft())
    [starts] = clinic.calendar.next_free(CONSULTATION, clinic.calendar.now(), 1)
    booked = clinic.calendar.book(desk, maria.id, CONSULTATION, starts).appointment
    clinic.calendar.set_status(desk, booked.id, Status.CONFIRMED, booked.version)
    clinic.patients.archive(desk, maria.id)
    book, status = clinic.audit.history("appointment", booked.id)
    assert status.before is not None and status.after is not None
    assert (status.before["status"], status.after["status"]) == ("booked", "confirmed")
    archive = clinic.audit.history("patient", maria.id)[-1]
    assert archive.before is not None and archive.after is not None
    assert (archive.action, archive.before["archived"], archive.after["archived"]) == (
        "archive",
        False,
        True,
    )
    assert {book.patient_id, status.patient_id, archive.patient_id} == {maria.id}


# -- the triggers ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit SET after = '{}' WHERE id = 1",
        "UPDATE audit SET staff_id = NULL",
        "DELETE FROM audit WHERE id = 1",
        "DELETE FROM audit",
        "INSERT OR REPLACE INTO audit SELECT id, at, staff_id, 'forged', entity, entity_id,"
        " patient_id, before, after, prev_hash, hash FROM audit WHERE id = 1",
    ],
)
def test_raw_sql_cannot_change_or_remove_a_line(clinic: Clinic, desk: SignedIn, sql: str) -> None:
    if served(clinic) and "OR REPLACE" in sql:
        sql = (
            sql.replace("INSERT OR REPLACE", "INSERT")
            + " ON CONFLICT (id) DO UPDATE SET action = excluded.action"
        )
    clinic.patients.register(desk, draft())
    before = rows(clinic)
    # On the server the workstations' role is refused first (no UPDATE or DELETE on the trail);
    # the triggers refuse even the owner (tests/storage/test_schema_parity.py).
    with pytest.raises(sqlite3.DatabaseError, match=f"{APPEND_ONLY}|permission denied"):
        clinic._db.execute(sql)
    assert rows(clinic) == before
    assert clinic.audit.verify() is None


def test_the_demo_trail_of_hundreds_of_lines_verifies(demo: Clinic) -> None:
    assert count_rows(demo, "audit") >= 300
    assert demo.audit.verify() is None


# -- the chain sees what raw SQL does once the triggers are gone ------------------------------
def test_a_changed_line_is_found(demo: Clinic) -> None:
    drop_triggers(demo).execute('UPDATE audit SET after = \'{"phone": ""}\' WHERE id = 100')
    assert demo.audit.verify() == ChainBreak(100, "its contents were changed after it was written.")


def test_a_line_rewritten_with_a_fresh_hash_breaks_the_next_one(demo: Clinic) -> None:
    tamper = drop_triggers(demo)
    row = rows(demo)[99]
    forged = {k: row[k] for k in ("at", "staff_id", "action", "entity", "entity_id")}
    digest = line_hash(row["prev_hash"], id=100, **forged, patient_id=None, before=None, after="{}")
    tamper.execute(
        "UPDATE audit SET patient_id = NULL, before = NULL, after = '{}', hash = ? WHERE id = 100",
        [digest],
    )
    assert demo.audit.verify() == ChainBreak(101, "it does not follow from the row before it.")


def test_a_deleted_middle_line_is_found(demo: Clinic) -> None:
    drop_triggers(demo).execute("DELETE FROM audit WHERE id = 100")
    assert demo.audit.verify() == ChainBreak(101, "rows 100 to 100 are missing.")


def test_a_deleted_last_line_is_found(demo: Clinic) -> None:
    last = count_rows(demo, "audit")
    drop_triggers(demo).execute("DELETE FROM audit WHERE id = ?", [last])
    found = demo.audit.verify()
    assert found == ChainBreak(None, f"rows after {last - 1} were removed.")
    assert str(found) == (
        f"Audit trail broken at the end of the trail: rows after {last - 1} were removed."
    )


def test_a_line_slipped_in_at_the_end_is_found(demo: Clinic) -> None:
    last = rows(demo)[-1]
    fields = {k: last[k] for k in ("at", "staff_id", "action", "entity", "entity_id")}
    fields |= {"patient_id": None, "before": None, "after": None}
    digest = line_hash(last["hash"], id=last["id"] + 1, **fields)
    demo._db.execute(  # inserting needs no trigger dropped; the head is not moved
        "INSERT INTO audit (id, at, staff_id, action, entity, entity_id, patient_id, before,"
        " after, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, NULL, NULL, NULL, ?, ?)",
        [last["id"] + 1, *list(fields.values())[:5], last["hash"], digest],
    )
    assert demo.audit.verify() == ChainBreak(
        last["id"] + 1, "it was added without the audit writer."
    )


def test_a_removed_head_is_found(demo: Clinic) -> None:
    demo._db.execute("DELETE FROM audit_head")
    assert demo.audit.verify() == ChainBreak(None, "the record of the last row written is missing.")


# -- migration 0008 --------------------------------------------------------------------------
OLD_AUDIT = [
    # (old id, staff_id, action, entity, entity_id, before, after) as the old code wrote them
    (3, 2, "register", "patient", 1, None, {"first_name": "María"}),
    (4, 2, "register", "patient", 2, None, {"first_name": "Ana"}),
    (7, 2, "book", "appointment", 1, None, {"starts": "2026-11-30T10:00"}),
    (8, 1, "record", "intake", 1, None, {"summary": "PIH"}),
    (9, 2, "status", "appointment", 1, {"status": "booked"}, {"status": "confirmed"}),
    (12, 1, "update", "office_hours", None, {"4": "10:00-16:00"}, {"4": "10:00-17:00"}),
]


@pytest.fixture
def old_file(tmp_path: Path) -> Path:
    """A clinic file from before accounts and the chain, with lines the old code wrote."""
    path = tmp_path / "old.sqlite3"
    db = connect(path)
    MIGRATIONS.apply(db, stop_before="0008_accounts_and_audit_chain")
    for first, last in (("María", "García"), ("Ana", "Cruz")):
        db.execute(
            "INSERT INTO patients (first_name, last_name, dob, created_at, updated_at, first_key,"
            " last_key) VALUES (?, ?, '1990-01-02', 'x', 'x', ?, ?)",
            [first, last, first.lower(), last.lower()],
        )
    db.execute(
        "INSERT INTO intakes (patient_id, recorded_at, staff_id, answers, summary)"
        " VALUES (2, '2026-11-22T10:08', 1, '{}', 'PIH')"  # as line 8 says: `audit verify`
    )  # compares each audited row with its last line
    db.execute(
        "INSERT INTO appointments (patient_id, type_code, starts, ends, status, booked_at,"
        " booked_by) VALUES (1, 'consultation', '2026-11-30T10:00', '2026-11-30T10:30',"
        " 'confirmed', '2026-11-21T10:07', 2)"
    )
    for old_id, staff_id, action, entity, entity_id, before, after in OLD_AUDIT:
        db.execute(
            "INSERT INTO audit (id, at, staff_id, action, entity, entity_id, before, after)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                old_id,
                f"2026-11-2{old_id % 6}T10:{old_id:02d}",
                staff_id,
                action,
                entity,
                entity_id,
                None if before is None else json.dumps(before),
                json.dumps(after),
            ],
        )
    db.close()
    return path


def test_migration_0008_chains_the_older_lines_and_names_their_patients(old_file: Path) -> None:
    db = connect(old_file)
    assert pending_names(db)[0] == "0008_accounts_and_audit_chain"
    old = db.execute("SELECT at, staff_id, action, entity, entity_id, before, after FROM audit"
                     " ORDER BY id").fetchall()  # fmt: skip
    assert migrate(db, old_file, NOW) is not None  # backed up first

    clinic = Clinic(old_file, db, fixed_clock(NOW), None)
    assert clinic.audit.verify() is None
    migrated = rows(clinic)
    assert [r["id"] for r in migrated] == [1, 2, 3, 4, 5, 6]  # renumbered, order kept
    assert [
        (r["at"], r["staff_id"], r["action"], r["entity"], r["entity_id"], r["before"], r["after"])
        for r in migrated
    ] == old  # every stored value kept exactly
    assert [r["patient_id"] for r in migrated] == [1, 2, 1, 2, 1, None]
    assert migrated[0]["prev_hash"] == GENESIS
    assert all(b["prev_hash"] == a["hash"] for a, b in pairwise(migrated))
    assert db.execute("SELECT last_id, last_hash FROM audit_head").fetchone() == (
        6,
        migrated[-1]["hash"],
    )
    with pytest.raises(sqlite3.IntegrityError, match=APPEND_ONLY):
        db.execute("DELETE FROM audit WHERE id = 1")
    # The staff kept their ids and roles; the new lines carry on the same chain.
    assert {(s.id, s.role) for s in clinic.staff.list_active()} == {
        (1, Role.DOCTOR),
        (2, Role.FRONT_DESK),
    }
    admin = clinic.staff.create_first_admin("Office admin", "office", ADMIN_PASSWORD)
    newest = rows(clinic)[-1]
    assert (newest["id"], newest["prev_hash"], newest["staff_id"]) == (
        7,
        migrated[-1]["hash"],
        admin.id,
    )
    assert clinic.audit.verify() is None
    db.close()


def test_a_new_clinic_starts_the_chain_at_its_first_line(clinic: Clinic, admin: SignedIn) -> None:
    [first] = rows(clinic)
    assert (first["id"], first["prev_hash"]) == (1, GENESIS)
    assert clinic._db.execute("SELECT * FROM audit_head").fetchone() == (1, 1, first["hash"])
    assert clinic.audit.verify() is None


# -- the admin's search ----------------------------------------------------------------------
@dataclass(frozen=True)
class Trail:
    clinic: Clinic
    admin: SignedIn
    desk: SignedIn
    doctor: SignedIn
    maria: int
    ana: int


D1, D2, D3, D4 = "2026-11-23", "2026-11-24", "2026-11-25", "2026-11-26"


@pytest.fixture
def trail(clinic: Clinic) -> Trail:
    """Four days of work by three people on two patients (11-23 to 11-26)."""
    clock = MovableClock(datetime(2026, 11, 23, 8, 0, tzinfo=CLINIC_TZ))
    c = Clinic(clinic.path, clinic._db, clock, None)
    desk = member_with_role(c, Role.FRONT_DESK)
    doctor = member_with_role(c, Role.DOCTOR)
    admin = signed_in(c, c.staff.create_first_admin("Office admin", "office", ADMIN_PASSWORD))
    maria = c.patients.register(desk, draft()).id  # 2: day 1
    clock.now += timedelta(days=1)
    ana_draft = draft(first_name="Ana", last_name="Cruz", dob="1/2/1990", phone="", email="")
    ana = c.patients.register(doctor, ana_draft).id  # 3: day 2
    c.patients.update(desk, maria, draft(phone="(818) 555-0199"))  # 4: day 2
    clock.now += timedelta(days=1, hours=15, minutes=59)  # 23:59 on day 3
    [starts] = c.calendar.next_free(CONSULTATION, c.calendar.now(), 1)
    c.calendar.book(desk, maria, CONSULTATION, starts)  # 5: day 3
    clock.now += timedelta(minutes=2)  # 00:01 on day 4
    c.intakes.record(doctor, ana, PIH)  # 6: day 4
    c.intakes.record(doctor, maria, ROLLING)  # 7: day 4
    return Trail(c, admin, desk, doctor, maria, ana)


def search_ids(
    t: Trail, below: AuditCursor | None = None, limit: int = 200, **where: Any
) -> tuple[int | None, list[int]]:
    page = t.clinic.audit.search(t.admin, AuditFilter(**where), limit, below=below)
    return page.total, [e.id for e in page.entries]


def test_search_without_a_filter_returns_everything_newest_first(trail: Trail) -> None:
    assert search_ids(trail) == (7, [7, 6, 5, 4, 3, 2, 1])
    page = trail.clinic.audit.search(trail.admin, AuditFilter(), limit=1)
    [newest] = page.entries
    assert (newest.action, newest.entity, newest.staff_id) == ("record", "intake", trail.doctor.id)
    assert newest.after is not None and newest.after["summary"] == "atrophic: rolling"
    at = {e.id: e.at for e in trail.clinic.audit.search(trail.admin, AuditFilter()).entries}
    assert (at[5], at[6]) == ("2026-11-25T23:59:00-08:00", "2026-11-26T00:01:00-08:00")


FILTERS: list[tuple[str, Callable[[Trail], AuditFilter], list[int]]] = [
    ("patient maria", lambda t: AuditFilter(patient_id=t.maria), [7, 5, 4, 2]),
    ("patient ana", lambda t: AuditFilter(patient_id=t.ana), [6, 3]),
    ("staff desk", lambda t: AuditFilter(staff_id=t.desk.id), [5, 4, 2]),
    ("staff doctor", lambda t: AuditFilter(staff_id=t.doctor.id), [7, 6, 3]),
    ("staff admin", lambda t: AuditFilter(staff_id=t.admin.id), [1]),
    ("one day, both ends inclusive", lambda t: AuditFilter(first_day=D2, last_day=D2), [4, 3]),
    ("from a day on", lambda t: AuditFilter(first_day=D3), [7, 6, 5]),
    ("through 23:59 of the last day", lambda t: AuditFilter(last_day=D3), [5, 4, 3, 2, 1]),
    ("from 00:01 of the first day", lambda t: AuditFilter(first_day=D4, last_day=D4), [7, 6]),
    ("through the first day", lambda t: AuditFilter(last_day=D1), [2, 1]),
    ("after the last line", lambda t: AuditFilter(first_day="2026-11-27"), []),
    (
        "patient, staff and days together",
        lambda t: AuditFilter(patient_id=t.maria, staff_id=t.desk.id, first_day=D2),
        [5, 4],
    ),
    ("nothing matches", lambda t: AuditFilter(patient_id=t.ana, staff_id=t.desk.id), []),
]


@pytest.mark.parametrize(
    ("where", "expected"), [f[1:] for f in FILTERS], ids=[f[0] for f in FILTERS]
)
def test_search_filters_by_patient_staff_and_days(
    trail: Trail, where: Callable[[Trail], AuditFilter], expected: list[int]
) -> None:
    page = trail.clinic.audit.search(trail.admin, where(trail))
    assert (page.total, [e.id for e in page.entries]) == (len(expected), expected)


def pages_of(t: Trail, limit: int, **where: Any) -> list[tuple[int | None, list[int]]]:
    """Every page, each read below the last line of the one before; counted only first."""
    pages = []
    below: AuditCursor | None = None
    while True:
        page = t.clinic.audit.search(
            t.admin, AuditFilter(**where), limit, below=below, count=below is None
        )
        pages.append((page.total, [e.id for e in page.entries]))
        if len(page.entries) < limit:
            return pages
        below = page.next


def test_search_pages_newest_first_counted_with_the_first_page(trail: Trail) -> None:
    assert pages_of(trail, 3) == [(7, [7, 6, 5]), (None, [4, 3, 2]), (None, [1])]
    assert pages_of(trail, 2, staff_id=trail.desk.id) == [(3, [5, 4]), (None, [2])]
    assert pages_of(trail, 7) == [(7, [7, 6, 5, 4, 3, 2, 1]), (None, [])]


def test_lines_stamped_the_same_second_page_by_id(trail: Trail) -> None:
    c = trail.clinic
    for _ in range(5):  # the clock stands still: five lines with one stamp
        c.calendar.day_sheet_given(trail.desk, date(2026, 11, 26), "printed")
    pages = pages_of(trail, 2, first_day=D4)
    assert [ids for _total, ids in pages] == [[12, 11], [10, 9], [8, 7], [6]]


def test_the_count_stops_at_its_cap(trail: Trail) -> None:
    page = trail.clinic.audit.search(trail.admin, AuditFilter(), 2, count_cap=5)
    assert (page.total, page.more_than_total, len(page.entries)) == (5, True, 2)
    page = trail.clinic.audit.search(trail.admin, AuditFilter(), 2, count_cap=7)
    assert (page.total, page.more_than_total) == (7, False)


def test_a_page_names_the_patients_its_lines_are_about(trail: Trail) -> None:
    page = trail.clinic.audit.search(trail.admin, AuditFilter())
    assert page.patients == {trail.maria: "María García", trail.ana: "Ana Cruz"}


def test_search_pages_through_the_demo_trail(demo: Clinic) -> None:
    """Newest first by stamp (the demo back-dates much of its work), then by id; every line
    once, however the pages fall."""
    admin = member_with_role(demo, Role.ADMIN)
    total = count_rows(demo, "audit")
    seen: list[tuple[str, int]] = []
    below: AuditCursor | None = None
    while True:
        page = demo.audit.search(admin, AuditFilter(), 100, below=below, count=below is None)
        assert page.total == (total if below is None else None)
        seen += [(e.at, e.id) for e in page.entries]
        if len(page.entries) < 100:
            break
        below = page.next
    assert seen == sorted(seen, reverse=True) and len(set(seen)) == total
    patient_page = demo.audit.search(admin, AuditFilter(patient_id=1), 5)
    assert patient_page.total is not None and patient_page.total > 5
    assert len(patient_page.entries) == 5
    assert {e.patient_id for e in patient_page.entries} == {1}


def test_a_dropped_protection_is_put_back_at_the_next_start_and_recorded(db_path, clock) -> None:
    from frontdesk.services.clinic import open_clinic

    first = open_clinic(db_path, clock)
    first._db.execute("DROP TRIGGER audit_no_delete")
    first.close()
    again = open_clinic(db_path, clock)
    try:
        triggers = {
            name
            for (name,) in again._db.execute("SELECT name FROM sqlite_master WHERE type='trigger'")
        }
        assert {"audit_no_update", "audit_no_delete"} <= triggers
        [line] = again._db.execute(
            "SELECT staff_id, after FROM audit WHERE action = 'protection_restored'"
        ).fetchall()
        assert line == (None, '{"triggers": ["audit_no_delete"]}')  # by the system
        assert again.audit.verify() is None
    finally:
        again.close()


def test_a_protection_replaced_by_one_that_does_nothing_is_put_back(db_path, clock) -> None:
    from frontdesk.services.clinic import open_clinic

    first = open_clinic(db_path, clock)
    first._db.execute("DROP TRIGGER audit_no_update")
    first._db.execute("CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT 1; END")
    first.close()
    again = open_clinic(db_path, clock)
    try:
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            again._db.execute("UPDATE audit SET action = 'x' WHERE id = 1")
        [(after,)] = again._db.execute(
            "SELECT after FROM audit WHERE action = 'protection_restored'"
        ).fetchall()
        assert after == '{"triggers": ["audit_no_update"]}'
    finally:
        again.close()


# -- the records against their last audited state ---------------------------------------------
def test_sign_ins_lockouts_and_unlocks_leave_the_accounts_as_the_trail_says(
    clinic: Clinic, admin
) -> None:
    """Sign-in lines name a member without being the account's state; failed sign-ins move
    counters the trail does not compare."""
    from frontdesk.services.login import LoginRefused

    desk = member_with_role(clinic, Role.FRONT_DESK)
    clinic.staff.set_login(admin, desk.id, "reception", "encino-front-desk-77")
    for name in ["reception"] * 6 + ["nobody-here"]:
        with pytest.raises(LoginRefused):
            clinic.login.sign_in(name, "not-the-password")
    locked = clinic._db.execute("SELECT locked_until FROM staff WHERE id = ?", [desk.id])
    assert locked.fetchone()[0] is not None
    assert clinic.audit.verify() is None
    clinic.staff.unlock(admin, desk.id)
    clinic.login.sign_in("reception", "encino-front-desk-77")
    assert clinic.audit.verify() is None


def test_a_member_the_schema_made_is_compared_with_what_it_made(clinic: Clinic, admin) -> None:
    desk = member_with_role(clinic, Role.FRONT_DESK)
    assert clinic.audit.verify() is None  # 'Front desk', as migration 0001 made it
    clinic.staff.set_role(admin, desk.id, Role.DOCTOR)  # through the app: recorded
    assert clinic.audit.verify() is None
    clinic._db.execute("UPDATE staff SET role = 'front_desk', name = 'Eve' WHERE id = ?", [desk.id])
    found = clinic.audit.verify()
    assert str(found) == (
        "1 record in the database differs from the audit trail:\n"
        f"- Staff member #{desk.id}: name and role are not what the audit trail last recorded:"
        " changed behind the app's back."
    )


def test_a_change_made_through_the_app_after_raw_sql_is_still_compared(
    clinic: Clinic, desk
) -> None:
    maria = clinic.patients.register(desk, draft())
    clinic._db.execute("UPDATE patients SET notes = 'slipped in' WHERE id = ?", [maria.id])
    assert "notes" in str(clinic.audit.verify())
    clinic.patients.update(desk, maria.id, draft(notes="slipped in"))  # nothing to save
    assert "notes" in str(clinic.audit.verify())
    # A save through the app records what it saved: the trail holds it from then on.
    clinic.patients.update(desk, maria.id, draft(notes="Called back"))
    assert clinic.audit.verify() is None


def test_an_export_is_recorded_with_its_filter_count_and_file(trail: Trail) -> None:
    where = AuditFilter(patient_id=trail.maria, first_day=D2, last_day=D4)
    trail.clinic.audit.record_export(trail.admin, where, 3, "/home/office/audit.csv")
    [line] = trail.clinic.audit.search(trail.admin, AuditFilter(), limit=1).entries
    assert (line.action, line.entity, line.staff_id) == ("export", "audit_trail", trail.admin.id)
    assert line.patient_id == trail.maria  # found again under the patient's own filter
    assert line.after == {
        "file": "/home/office/audit.csv",
        "lines": 3,
        "patient_id": trail.maria,
        "staff_id": None,
        "first_day": D2,
        "last_day": D4,
    }
    assert trail.clinic.audit.verify() is None


@pytest.mark.parametrize("who", ["desk", "doctor"])
def test_only_the_admin_may_export_and_a_refusal_is_recorded(trail: Trail, who: str) -> None:
    from frontdesk.services.errors import NotAllowed

    actor = getattr(trail, who)
    before = trail.clinic.audit.count()
    with pytest.raises(NotAllowed):
        trail.clinic.audit.record_export(actor, AuditFilter(), 7, "/tmp/audit.csv")
    [line] = trail.clinic.audit.search(trail.admin, AuditFilter(), limit=1).entries
    assert trail.clinic.audit.count() == before + 1
    assert (line.action, line.staff_id) == ("denied", actor.id)
    assert line.after is not None and line.after["tried"] == "export the audit trail"
