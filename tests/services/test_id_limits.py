"""Record numbers at the integer limits: a plain refusal, never a crash.

SQLite keeps a row id in a signed 64-bit integer; Python's sqlite3 raises OverflowError for a
larger int before the query even runs. An id typed at the command line (`frontdesk handout
--patient 99999999999999999999`) or pasted anywhere else must come back as "does not exist".
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any

import pytest

from frontdesk.domain.appointments import CONSULTATION, Status
from frontdesk.domain.staff import Role
from frontdesk.services.clinic import Clinic
from frontdesk.services.errors import NotFound, ServiceError
from tests.conftest import draft

LIMITS = [0, -1, 2**63 - 1, 2**63, 2**64, 10**20, -(2**63) - 1]
MONDAY = datetime.combine(date(2026, 11, 30), time(10))

Call = Callable[[Clinic, dict[str, Any], int], object]

# The patients' and the calendar's methods check an id on entry (services/errors.known_id):
# each refuses with the sentence a missing record gets.
PATIENTS_AND_CALENDAR: dict[str, Call] = {
    "patients.get": lambda c, who, n: c.patients.get(n),
    "patients.update": lambda c, who, n: c.patients.update(who["desk"], n, draft()),
    "patients.archive": lambda c, who, n: c.patients.archive(who["desk"], n),
    "patients.restore": lambda c, who, n: c.patients.restore(who["desk"], n),
    "calendar.get": lambda c, who, n: c.calendar.get(n),
    "calendar.book": lambda c, who, n: c.calendar.book(who["desk"], n, CONSULTATION, MONDAY),
    "calendar.reschedule": lambda c, who, n: c.calendar.reschedule(who["desk"], n, MONDAY, 1),
    "calendar.set_status": lambda c, who, n: c.calendar.set_status(
        who["desk"], n, Status.CONFIRMED, 1
    ),
    "calendar.set_note": lambda c, who, n: c.calendar.set_note(who["desk"], n, "note", 1),
    "calendar.remove_closure": lambda c, who, n: c.calendar.remove_closure(who["admin"], n),
}

# Reads that answer "nothing" for a number no record has, however large.
EMPTY_ANSWERS: dict[str, Call] = {
    "calendar.of_patient": lambda c, who, n: c.calendar.of_patient(n),
    "calendar.upcoming": lambda c, who, n: c.calendar.upcoming(n),
    "calendar.history": lambda c, who, n: c.calendar.history(n),
    "calendar.attendance": lambda c, who, n: c.calendar.attendance(n),
    "calendar.why_not(moving)": lambda c, who, n: c.calendar.why_not(MONDAY, 30, moving=n),
    "calendar.next_free(moving)": lambda c, who, n: c.calendar.next_free(
        CONSULTATION, MONDAY, count=1, moving=n
    ),
}

# The other services' id-taking methods: through the storage errors' sentence (a number too
# large to be stored) or their own NotFound; anything but a ServiceError is a crash.
OTHERS: dict[str, Call] = {
    "intakes.latest": lambda c, who, n: c.intakes.latest(n),
    "intakes.history": lambda c, who, n: c.intakes.history(n),
    "intakes.eligibility": lambda c, who, n: c.intakes.eligibility(n),
    "sessions.get": lambda c, who, n: c.sessions.get(n),
    "sessions.current": lambda c, who, n: c.sessions.current(n),
    "sessions.history": lambda c, who, n: c.sessions.history(n),
    "sessions.eligibility": lambda c, who, n: c.sessions.eligibility(n),
    "sessions.progress": lambda c, who, n: c.sessions.progress(n),
    "sessions.add_addendum": lambda c, who, n: c.sessions.add_addendum(who["doctor"], n, "Note"),
    "sessions.extend": lambda c, who, n: c.sessions.extend(who["doctor"], n, 5, 1),
    "sessions.resume": lambda c, who, n: c.sessions.resume(who["doctor"], n, 1),
    "handouts.language_of": lambda c, who, n: c.handouts.language_of(n),
    "handouts.prints": lambda c, who, n: c.handouts.prints(n),
    "handouts.facts": lambda c, who, n: c.handouts.facts(n),
    "staff.unlock": lambda c, who, n: c.staff.unlock(who["admin"], n),
    "staff.set_role": lambda c, who, n: c.staff.set_role(who["admin"], n, Role.DOCTOR),
}

# Still crash with OverflowError: services/staff.py and services/audit.py read without the
# storage errors' guard (owned elsewhere; strict, so a fix there shows up here).
NOBODY = {  # a huge id: None or no lines, as for any unknown id
    "staff.get": lambda c, who, n: c.staff.get(n),
    "audit.history": lambda c, who, n: c.audit.history("patient", n),
}


@pytest.fixture
def who(desk, doctor, admin) -> dict[str, Any]:
    return {"desk": desk, "doctor": doctor, "admin": admin}


def out_of_range(n: int) -> bool:
    return not -(2**63) <= n < 2**63


@pytest.mark.parametrize("n", LIMITS)
@pytest.mark.parametrize("name", sorted(PATIENTS_AND_CALENDAR))
def test_patients_and_calendar_refuse_any_id_no_record_has(
    clinic: Clinic, who: dict[str, Any], name: str, n: int
) -> None:
    with pytest.raises(NotFound) as refused:
        PATIENTS_AND_CALENDAR[name](clinic, who, n)
    said = str(refused.value)
    assert "does not exist" in said or "already removed" in said, said
    assert "Overflow" not in said and "INTEGER" not in said


@pytest.mark.parametrize("n", LIMITS)
@pytest.mark.parametrize("name", sorted(EMPTY_ANSWERS))
def test_calendar_reads_answer_nothing_or_refuse_for_any_id(
    clinic: Clinic, who: dict[str, Any], name: str, n: int
) -> None:
    try:
        answer = EMPTY_ANSWERS[name](clinic, who, n)
    except NotFound as refused:
        assert out_of_range(n), f"{name}({n}) refused an id SQLite can hold: {refused}"
        assert "does not exist" in str(refused)
        return
    if name.startswith(("calendar.why_not", "calendar.next_free")):
        return  # the time's own answer; the unknown appointment frees nothing
    assert not getattr(answer, "__len__", None) or len(answer) == 0, answer


@pytest.mark.parametrize("n", LIMITS)
@pytest.mark.parametrize("name", sorted(OTHERS))
def test_every_other_id_taking_method_refuses_in_words(
    clinic: Clinic, who: dict[str, Any], name: str, n: int
) -> None:
    try:
        OTHERS[name](clinic, who, n)
    except ServiceError as refused:
        said = str(refused)
        assert "Overflow" not in said and "INTEGER" not in said, said
        assert said[:1].isupper() and said.rstrip().endswith("."), said


@pytest.mark.parametrize("n", LIMITS)
@pytest.mark.parametrize("name", sorted(NOBODY))
def test_reads_that_find_nobody_answer_so_for_any_id(
    clinic: Clinic, who: dict[str, Any], name: str, n: int
) -> None:
    """`staff.get` and `audit.history` crashed with OverflowError on 2**63."""
    assert NOBODY[name](clinic, who, n) in (None, [])


def test_a_real_patient_and_appointment_are_still_found(clinic: Clinic, desk) -> None:
    """The check on entry refuses only what cannot exist."""
    patient = clinic.patients.register(desk, draft())
    booked = clinic.calendar.book(desk, patient.id, CONSULTATION, MONDAY)
    assert clinic.patients.get(patient.id) == patient
    assert clinic.calendar.get(booked.appointment.id).appointment.id == booked.appointment.id
    assert [a.appointment.id for a in clinic.calendar.of_patient(patient.id)] == [
        booked.appointment.id
    ]
