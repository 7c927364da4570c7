"""THE role matrix: every role against every service write, on a copy of the demo database.

Allowed: the call succeeds and its audit lines carry the caller. Refused: `NotAllowed` naming
who may, nothing changed in any table, and exactly one "denied" line for the caller.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from typing import Any

import pytest

from frontdesk.domain.appointments import CONSULTATION, Status
from frontdesk.domain.handouts import ClinicInfo, Kind, Language
from frontdesk.domain.hours import Closure, DayHours, WeeklyHours, default_hours
from frontdesk.domain.permissions import Permission, refusal
from frontdesk.domain.staff import Role, Staff
from frontdesk.services.audit import AuditFilter, AuditPage
from frontdesk.services.clinic import Clinic
from frontdesk.services.errors import NotAllowed, UnknownStaff
from frontdesk.services.signed_in import NotSignedIn, SignedIn
from frontdesk.storage.staff import StaffRepository
from tests.conftest import NOW, draft, signed_in
from tests.services.test_intake_service import PIH, ROLLING
from tests.services.test_sessions_service import session_at

FD, DR, AD = Role.FRONT_DESK, Role.DOCTOR, Role.ADMIN
EVERYONE = frozenset({FD, DR, AD})
DOCTOR = frozenset({DR})
ADMIN = frozenset({AD})


@dataclass(frozen=True)
class Team:
    desk: SignedIn
    doctor: SignedIn
    admin: SignedIn

    def __getitem__(self, role: Role) -> SignedIn:
        return {FD: self.desk, DR: self.doctor, AD: self.admin}[role]


Call = Callable[[Any], Any]  # takes who acts: a SignedIn, or a forgery
Builder = Callable[[Clinic, Team], Call]


@dataclass(frozen=True)
class Case:
    name: str
    permission: Permission
    allowed: frozenset[Role]  # the spec, written out; checked against the domain table too
    build: Builder  # sets up what the call needs (as whoever may), returns the call
    reads_only: bool = False
    trail_only: bool = False  # a print or a backup: recorded, but no record changes


# -- set-ups, each done by someone allowed to ------------------------------------------------
def _patient(c: Clinic, team: Team, first: str = "Matrix") -> int:
    person = draft(first_name=first, last_name="Tester", dob="1/2/1990", phone="", email="")
    return c.patients.register(team.desk, person).id


def _eligible(c: Clinic, team: Team) -> int:
    patient_id = _patient(c, team)
    c.intakes.record(team.doctor, patient_id, replace(ROLLING, grade=3))
    return patient_id


def _series(c: Clinic, team: Team):
    return c.sessions.open_series(team.doctor, _eligible(c, team), 4)


def _booked(c: Clinic, team: Team):
    patient_id = _patient(c, team)
    [starts] = c.calendar.next_free(CONSULTATION, c.calendar.now(), 1)
    return c.calendar.book(team.desk, patient_id, CONSULTATION, starts).appointment


def _member(c: Clinic, team: Team) -> Staff:
    return c.staff.add(team.admin, "Lucía Ortega", FD)


TRAINING = Closure(date(2027, 2, 8), date(2027, 2, 9), "Staff training")
LONGER_FRIDAY = WeeklyHours({**default_hours().days, 4: DayHours(time(10), time(17))})
CLINIC_INFO = ClinicInfo(
    "Encino Acne Scar Clinic", "16133 Ventura Blvd, Encino, CA 91436", "(818) 555-0100"
)


# -- builders: one per service write -----------------------------------------------------------
def b_register(c: Clinic, team: Team) -> Call:
    person = draft(first_name="Zoë", last_name="Matrixova", dob="7/8/1992", phone="", email="")
    return lambda actor: c.patients.register(actor, person)


def b_update(c: Clinic, team: Team) -> Call:
    patient_id = _patient(c, team)
    changed = draft(
        first_name="Matrix", last_name="Tester", dob="1/2/1990", phone="(818) 555-0177", email=""
    )
    return lambda actor: c.patients.update(actor, patient_id, changed)


def b_archive(c: Clinic, team: Team) -> Call:
    patient_id = _patient(c, team)
    return lambda actor: c.patients.archive(actor, patient_id)


def b_restore(c: Clinic, team: Team) -> Call:
    patient_id = _patient(c, team)
    c.patients.archive(team.desk, patient_id)
    return lambda actor: c.patients.restore(actor, patient_id)


def b_book(c: Clinic, team: Team) -> Call:
    patient_id = _patient(c, team)
    [starts] = c.calendar.next_free(CONSULTATION, c.calendar.now(), 1)
    return lambda actor: c.calendar.book(actor, patient_id, CONSULTATION, starts, note="New")


def b_reschedule(c: Clinic, team: Team) -> Call:
    booked = _booked(c, team)
    [other] = c.calendar.next_free(CONSULTATION, booked.ends, 1)
    return lambda actor: c.calendar.reschedule(actor, booked.id, other, booked.version)


def b_set_status(c: Clinic, team: Team) -> Call:
    booked = _booked(c, team)
    return lambda actor: c.calendar.set_status(actor, booked.id, Status.CONFIRMED, booked.version)


def b_set_note(c: Clinic, team: Team) -> Call:
    booked = _booked(c, team)
    return lambda actor: c.calendar.set_note(actor, booked.id, "Prefers mornings", booked.version)


def b_set_hours(c: Clinic, team: Team) -> Call:
    return lambda actor: c.calendar.set_hours(actor, LONGER_FRIDAY)


def b_add_closure(c: Clinic, team: Team) -> Call:
    return lambda actor: c.calendar.add_closure(actor, TRAINING)


def b_remove_closure(c: Clinic, team: Team) -> Call:
    c.calendar.add_closure(team.admin, TRAINING)
    [added] = [
        x for x in c.calendar.closures(TRAINING.first, TRAINING.last) if x.reason == TRAINING.reason
    ]
    assert added.id is not None
    return lambda actor: c.calendar.remove_closure(actor, added.id)


def b_update_type(c: Clinic, team: Team) -> Call:
    return lambda actor: c.calendar.update_type(actor, CONSULTATION, "Free consultation", 45)


def b_update_types(c: Clinic, team: Team) -> Call:
    edits = [(CONSULTATION, "Consultation", 30), ("results_review", "Results review", 45)]
    return lambda actor: c.calendar.update_types(actor, edits)


def b_record_intake(c: Clinic, team: Team) -> Call:
    patient_id = _patient(c, team)
    return lambda actor: c.intakes.record(actor, patient_id, ROLLING)


def b_correct_intake(c: Clinic, team: Team) -> Call:
    seen = c.intakes.record(team.doctor, _patient(c, team), ROLLING)
    return lambda actor: c.intakes.correct(actor, seen.id, replace(ROLLING, grade=3))


def b_override_no(c: Clinic, team: Team) -> Call:
    patient_id = _patient(c, team)
    seen = c.intakes.record(team.doctor, patient_id, PIH)
    reason = "Deep PIH with texture change."
    return lambda actor: c.intakes.override_no(actor, patient_id, seen.id, reason)


def b_open_series(c: Clinic, team: Team) -> Call:
    patient_id = _eligible(c, team)
    return lambda actor: c.sessions.open_series(actor, patient_id, 4)


def b_log_session(c: Clinic, team: Team) -> Call:
    series = _series(c, team)
    return lambda actor: c.sessions.log_session(actor, series.id, session_at(date(2026, 11, 24)))


def b_add_addendum(c: Clinic, team: Team) -> Call:
    series = _series(c, team)
    logged = c.sessions.log_session(team.doctor, series.id, session_at(date(2026, 11, 24)))
    session_id = logged.sessions[0].id
    return lambda actor: c.sessions.add_addendum(actor, session_id, "Energy was 35 mJ on chin.")


def b_extend(c: Clinic, team: Team) -> Call:
    series = _series(c, team)
    return lambda actor: c.sessions.extend(actor, series.id, 5, series.version)


def b_pause(c: Clinic, team: Team) -> Call:
    series = _series(c, team)
    reason = "Travelling for two months"
    return lambda actor: c.sessions.pause(actor, series.id, reason, series.version)


def b_end_early(c: Clinic, team: Team) -> Call:
    series = _series(c, team)
    reason = "Moved to another state for work"
    return lambda actor: c.sessions.end_early(actor, series.id, reason, series.version)


def b_resume(c: Clinic, team: Team) -> Call:
    series = _series(c, team)
    paused = c.sessions.pause(team.doctor, series.id, "Travelling for two months", series.version)
    return lambda actor: c.sessions.resume(actor, series.id, paused.version)


def b_set_clinic_info(c: Clinic, team: Team) -> Call:
    return lambda actor: c.handouts.set_clinic_info(actor, CLINIC_INFO)


def b_record_handout(c: Clinic, team: Team) -> Call:
    patient_id = _patient(c, team)
    return lambda actor: c.handouts.record(
        actor, patient_id, Kind.DARK_MARKS, Language.SPANISH, "printed"
    )


def b_add_staff(c: Clinic, team: Team) -> Call:
    return lambda actor: c.staff.add(actor, "Lucía Ortega", FD)


def b_set_login(c: Clinic, team: Team) -> Call:
    member = _member(c, team)
    return lambda actor: c.staff.set_login(actor, member.id, "lucia.o", "ventura-blvd-2026")


def b_set_role(c: Clinic, team: Team) -> Call:
    member = _member(c, team)
    return lambda actor: c.staff.set_role(actor, member.id, DR)


def b_set_active(c: Clinic, team: Team) -> Call:
    member = _member(c, team)
    return lambda actor: c.staff.set_active(actor, member.id, False)


def b_unlock(c: Clinic, team: Team) -> Call:
    member = _member(c, team)
    StaffRepository(c._db).update(
        member.id, failed_logins=0, locked_until="2026-11-26T10:45:00-08:00"
    )
    return lambda actor: c.staff.unlock(actor, member.id)


def b_set_lock_minutes(c: Clinic, team: Team) -> Call:
    return lambda actor: c.login.set_lock_minutes(actor, 15)


def b_day_sheet(c: Clinic, team: Team) -> Call:
    return lambda actor: c.calendar.day_sheet_given(actor, NOW.date(), "pdf")


def b_back_up_now(c: Clinic, team: Team) -> Call:
    return lambda actor: c.backups.back_up_now(actor)


def b_backup_folder(c: Clinic, team: Team) -> Call:
    return lambda actor: c.backups.set_folder(actor, c.path.parent / "usb-drive")


def b_search_audit(c: Clinic, team: Team) -> Call:
    return lambda actor: c.audit.search(actor, AuditFilter(), limit=20)


def b_record_export(c: Clinic, team: Team) -> Call:
    return lambda actor: c.audit.record_export(actor, AuditFilter(), 20, c.path.parent / "a.csv")


CASES = [
    Case("patients.register", Permission.EDIT_PATIENTS, EVERYONE, b_register),
    Case("patients.update", Permission.EDIT_PATIENTS, EVERYONE, b_update),
    Case("patients.archive", Permission.EDIT_PATIENTS, EVERYONE, b_archive),
    Case("patients.restore", Permission.EDIT_PATIENTS, EVERYONE, b_restore),
    Case("calendar.book", Permission.BOOK, EVERYONE, b_book),
    Case("calendar.reschedule", Permission.BOOK, EVERYONE, b_reschedule),
    Case("calendar.set_status", Permission.BOOK, EVERYONE, b_set_status),
    Case("calendar.set_note", Permission.BOOK, EVERYONE, b_set_note),
    Case("calendar.set_hours", Permission.SETTINGS, ADMIN, b_set_hours),
    Case("calendar.add_closure", Permission.SETTINGS, ADMIN, b_add_closure),
    Case("calendar.remove_closure", Permission.SETTINGS, ADMIN, b_remove_closure),
    Case("calendar.update_type", Permission.SETTINGS, ADMIN, b_update_type),
    Case("calendar.update_types", Permission.SETTINGS, ADMIN, b_update_types),
    Case("intakes.record", Permission.RECORD_INTAKE, DOCTOR, b_record_intake),
    Case("intakes.correct", Permission.RECORD_INTAKE, DOCTOR, b_correct_intake),
    Case("intakes.override_no", Permission.OVERRIDE_ELIGIBILITY, DOCTOR, b_override_no),
    Case("sessions.open_series", Permission.CO2_SERIES, DOCTOR, b_open_series),
    Case("sessions.log_session", Permission.SIGN_SESSION, DOCTOR, b_log_session),
    Case("sessions.add_addendum", Permission.SIGN_SESSION, DOCTOR, b_add_addendum),
    Case("sessions.extend", Permission.CO2_SERIES, DOCTOR, b_extend),
    Case("sessions.pause", Permission.CO2_SERIES, DOCTOR, b_pause),
    Case("sessions.end_early", Permission.CO2_SERIES, DOCTOR, b_end_early),
    Case("sessions.resume", Permission.CO2_SERIES, DOCTOR, b_resume),
    Case("handouts.set_clinic_info", Permission.SETTINGS, ADMIN, b_set_clinic_info),
    Case("handouts.record", Permission.PRINT_HANDOUTS, EVERYONE, b_record_handout),
    Case("staff.add", Permission.MANAGE_ACCOUNTS, ADMIN, b_add_staff),
    Case("staff.set_login", Permission.MANAGE_ACCOUNTS, ADMIN, b_set_login),
    Case("staff.set_role", Permission.MANAGE_ACCOUNTS, ADMIN, b_set_role),
    Case("staff.set_active", Permission.MANAGE_ACCOUNTS, ADMIN, b_set_active),
    Case("staff.unlock", Permission.MANAGE_ACCOUNTS, ADMIN, b_unlock),
    Case("login.set_lock_minutes", Permission.SETTINGS, ADMIN, b_set_lock_minutes),
    Case("audit.search", Permission.VIEW_AUDIT, ADMIN, b_search_audit, reads_only=True),
    Case("calendar.day_sheet_given", Permission.BOOK, EVERYONE, b_day_sheet, trail_only=True),
    Case("backups.back_up_now", Permission.BACKUP, ADMIN, b_back_up_now, trail_only=True),
    Case("backups.set_folder", Permission.SETTINGS, ADMIN, b_backup_folder, trail_only=True),
    Case("audit.record_export", Permission.VIEW_AUDIT, ADMIN, b_record_export, trail_only=True),
]
# Only the demo fill calls these, into an empty clinic; they need the same permission as
# register and record (tested below).
DEMO_FILLS = {"patients.register_all_if_empty", "intakes.record_all_if_none"}
MATRIX = [(case, role) for case in CASES for role in (FD, DR, AD)]
MATRIX_IDS = [f"{case.name}-{role.value}" for case, role in MATRIX]
BY_NAME = {case.name: case for case in CASES}


# -- what "nothing changed" means ------------------------------------------------------------
def dump(c: Clinic) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table but the audit trail's own (which records the refusal)."""
    names = [n for n in c._db.table_names() if n not in ("audit", "audit_head")]
    return {n: sorted(c._db.execute(f'SELECT * FROM "{n}"').fetchall(), key=repr) for n in names}


def last_audit_id(c: Clinic) -> int:
    return c._db.execute("SELECT coalesce(max(id), 0) FROM audit").fetchone()[0]


def audit_since(c: Clinic, after_id: int) -> list[dict[str, Any]]:
    return [
        dict(r) for r in c._db.query("SELECT * FROM audit WHERE id > ? ORDER BY id", [after_id])
    ]


@pytest.fixture
def team(demo: Clinic) -> Team:
    by_role = {s.role: signed_in(demo, s) for s in demo.staff.list_active()}
    return Team(by_role[FD], by_role[DR], by_role[AD])


# -- the matrix ------------------------------------------------------------------------------
def test_the_matrix_lists_every_write_and_agrees_with_the_permission_table() -> None:
    """Every public service method taking an acting staff member is in the matrix: a write
    added later without a case here fails this test."""
    import inspect

    from frontdesk.services.audit import AuditService
    from frontdesk.services.backups import BackupService
    from frontdesk.services.calendar import CalendarService
    from frontdesk.services.handouts import HandoutService
    from frontdesk.services.intake import IntakeService
    from frontdesk.services.login import LoginService
    from frontdesk.services.patients import PatientService
    from frontdesk.services.sessions import SessionService
    from frontdesk.services.staff import StaffService

    services = {
        "patients": PatientService, "calendar": CalendarService, "intakes": IntakeService,
        "sessions": SessionService, "handouts": HandoutService, "staff": StaffService,
        "login": LoginService, "audit": AuditService, "backups": BackupService,
    }  # fmt: skip
    taking_an_actor = {
        f"{prefix}.{name}"
        for prefix, service in services.items()
        for name, method in inspect.getmembers(service, inspect.isfunction)
        if not name.startswith("_") and list(inspect.signature(method).parameters)[1:2] == ["actor"]
    }
    assert taking_an_actor == set(BY_NAME) | DEMO_FILLS
    assert len(BY_NAME) == len(CASES)
    for case in CASES:
        assert case.permission.roles == case.allowed, case.name


@pytest.mark.parametrize(("case", "role"), MATRIX, ids=MATRIX_IDS)
def test_role_matrix(demo: Clinic, team: Team, case: Case, role: Role) -> None:
    call = case.build(demo, team)
    actor = team[role]
    before, last = dump(demo), last_audit_id(demo)
    if role in case.allowed:
        result = call(actor)
        written = audit_since(demo, last)
        if case.reads_only:
            assert isinstance(result, AuditPage) and result.total >= len(result.entries) > 0
            assert written == []
        else:
            assert written, "every write leaves an audit line"
            assert {line["staff_id"] for line in written} == {actor.id}
            assert "denied" not in {line["action"] for line in written}
            assert (dump(demo) == before) if case.trail_only else (dump(demo) != before)
        return
    with pytest.raises(NotAllowed) as refused:
        call(actor)
    said = str(refused.value)
    assert said == refusal(role, case.permission)
    [holder] = case.allowed
    assert said.startswith(f"Only the {holder.label.lower()} can ")
    assert dump(demo) == before, "a refused call changes nothing"
    [line] = audit_since(demo, last)
    assert (line["action"], line["entity"], line["staff_id"]) == ("denied", "permission", actor.id)
    assert case.permission.name in line["after"]
    assert demo.audit.verify() is None


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_switched_off_member_is_refused_every_write(demo: Clinic, team: Team, case: Case) -> None:
    call = case.build(demo, team)
    role = sorted(case.allowed, key=lambda r: r.value)[0]  # someone whose role would do
    leaver = signed_in(demo, demo.staff.add(team.admin, "Former Employee", role))
    demo.staff.set_active(team.admin, leaver.id, False)  # while still signed in somewhere
    before, last = dump(demo), last_audit_id(demo)
    with pytest.raises(UnknownStaff, match="not an active staff member"):
        call(leaver)
    assert dump(demo) == before
    assert all(line["staff_id"] != leaver.id for line in audit_since(demo, last))


POSING = [case for case in CASES if FD not in case.allowed]


@pytest.mark.parametrize("case", POSING, ids=[c.name for c in POSING])
def test_a_claimed_role_is_ignored_the_stored_one_counts(
    demo: Clinic, team: Team, case: Case
) -> None:
    """The desk's own sign-in, whatever role the staff record later claims in memory."""
    call = case.build(demo, team)
    before, last = dump(demo), last_audit_id(demo)
    with pytest.raises(NotAllowed, match="you are signed in as front desk"):
        call(team.desk)
    assert dump(demo) == before
    [line] = audit_since(demo, last)
    assert (line["action"], line["staff_id"]) == ("denied", team.desk.id)
    assert '"role": "front_desk"' in line["after"]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_an_identity_the_login_service_did_not_issue_is_refused_every_write(
    demo: Clinic, team: Team, case: Case
) -> None:
    """`intakes.record(Staff(id=<the doctor's id>, role=FRONT_DESK), ...)` used to be recorded
    as the doctor: a hand-made member, of any role, is refused and the attempt recorded."""
    call = case.build(demo, team)
    [claimed] = sorted(case.allowed, key=lambda r: r.value)[:1]
    someone = team[claimed]
    forged = Staff(id=someone.id, name=someone.name, role=FD)
    before, last = dump(demo), last_audit_id(demo)
    with pytest.raises(NotSignedIn, match="sign in again"):
        call(forged)
    assert dump(demo) == before
    [line] = audit_since(demo, last)
    assert (line["action"], line["entity"], line["staff_id"]) == ("denied", "sign_in", None)
    assert f'"claimed_staff_id": {someone.id}' in line["after"]
    assert demo.audit.verify() is None


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_signed_out_member_is_refused_every_write(demo: Clinic, team: Team, case: Case) -> None:
    call = case.build(demo, team)
    role = sorted(case.allowed, key=lambda r: r.value)[0]
    gone = signed_in(demo, team[role].staff)
    demo.login.signed_out(gone)
    before = dump(demo)
    with pytest.raises(NotSignedIn):
        call(gone)
    assert dump(demo) == before


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_the_command_line_sign_in_only_prints_handouts(
    demo: Clinic, team: Team, case: Case
) -> None:
    call = case.build(demo, team)
    printing = demo.login.for_command_line("Dr. Alex")
    if case.permission is Permission.PRINT_HANDOUTS:
        call(printing)
        return
    before = dump(demo)
    with pytest.raises(NotSignedIn, match="may only print handouts"):
        call(printing)
    assert dump(demo) == before


@pytest.mark.parametrize("role", [FD, DR])
def test_a_non_admin_switching_themselves_off_is_refused_as_not_allowed(
    demo: Clinic, team: Team, role: Role
) -> None:
    last = last_audit_id(demo)
    with pytest.raises(NotAllowed, match="Only the admin can manage staff accounts"):
        demo.staff.set_active(team[role], team[role].id, False)
    assert [line["action"] for line in audit_since(demo, last)] == ["denied"]


def test_a_role_taken_away_meanwhile_is_refused_with_the_old_staff_object(
    demo: Clinic, team: Team
) -> None:
    call = b_record_intake(demo, team)
    demo.staff.set_role(team.admin, team.doctor.id, FD)  # the doctor's window still holds DR
    with pytest.raises(NotAllowed, match="signed in as front desk"):
        call(team.doctor)


@pytest.mark.parametrize("method", ["as_of", "calendar_as_of"])
def test_back_dating_is_refused_on_a_real_clinic(clinic: Clinic, method: str) -> None:
    assert not clinic.login.is_demo()
    with pytest.raises(NotAllowed, match="Only the demo clinic"):
        getattr(clinic, method)(datetime(2026, 1, 5, 11))


def test_back_dating_is_allowed_on_the_demo(demo: Clinic) -> None:
    moment = datetime(2026, 1, 5, 11)
    assert demo.as_of(moment).calendar.now() == moment
    assert demo.calendar_as_of(moment).now() == moment
    assert demo.calendar.now() == NOW.replace(tzinfo=None)


@pytest.mark.parametrize("role", [FD, AD])
def test_only_the_doctor_records_the_demo_intakes_too(clinic: Clinic, role: Role) -> None:
    members = {m.role: signed_in(clinic, m) for m in clinic.staff.list_active()}
    if AD not in members:
        made = clinic.staff.create_first_admin("Office admin", "office", "a-long-password")
        members[AD] = signed_in(clinic, made)
    with pytest.raises(NotAllowed):
        clinic.intakes.record_all_if_none(members[role], [])
    person = draft(first_name="Ann", last_name="Fill", dob="1/2/1990", phone="", email="")
    assert clinic.patients.register_all_if_empty(members[role], [(person, False)]) == 1
