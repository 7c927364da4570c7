"""Times off the 5-minute grid and dates years ahead are refused in words, never saved.

The battery booked 10:07 and the year 9999 (the second ended in an OverflowError); now the
calendar, the closures and the CO2 log each say what is allowed. Clock: Thu 26 Nov 2026.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time

import pytest

from frontdesk.domain.appointments import CO2_SESSION, CONSULTATION
from frontdesk.domain.co2 import SessionDraft, Settings
from frontdesk.domain.hours import Closure
from frontdesk.domain.intake import Region
from frontdesk.services.clinic import Clinic
from frontdesk.services.errors import SlotRefused, ValidationFailed
from tests.conftest import draft
from tests.services.test_intake_service import ROLLING
from tests.whole_database import whole_database

MONDAY = date(2026, 11, 30)
LATEST_OPEN = date(2028, 11, 22)  # a Wednesday; 26 Nov 2028 (two years on) is a Sunday
BEYOND = date(2028, 11, 27)  # the Monday after: one day too far


def dump(clinic: Clinic) -> list[str]:
    """The whole database, after the default holidays (added as years are looked at, no
    one's change) are in for every year the calendar would seed."""
    clinic.calendar.add_default_closures(9999)
    return whole_database(clinic._db.conn)


@pytest.fixture
def patient_id(clinic: Clinic, desk) -> int:
    return clinic.patients.register(desk, draft()).id


@pytest.fixture
def appointment(clinic: Clinic, desk, patient_id: int):
    return clinic.calendar.book(
        desk, patient_id, CONSULTATION, datetime.combine(MONDAY, time(10))
    ).appointment


REFUSED_STARTS = [
    (datetime(2026, 11, 30, 10, 7), "Appointments start on the 5-minute grid: 10:05 am or"
     " 10:10 am, not 10:07 am."),
    (datetime(2026, 11, 30, 16, 59), "4:55 pm or 5:00 pm, not 4:59 pm."),
    (datetime.combine(BEYOND, time(10)), "Appointments can be booked at most 2 years ahead,"
     " until Sun, Nov 26, 2028: Mon, Nov 27, 2028 is further."),
    (datetime(2062, 11, 27, 10), "at most 2 years ahead"),  # 2062 typed for 2026
    (datetime(9999, 12, 31, 10), "Fri, Dec 31, 9999 is further."),
    (datetime(9999, 12, 31, 23, 55), "at most 2 years ahead"),  # plus 30 minutes: year 10000
]  # fmt: skip


@pytest.mark.parametrize(("starts", "said"), REFUSED_STARTS)
def test_a_booking_off_the_grid_or_too_far_ahead_is_refused_with_the_reason(
    clinic: Clinic, desk, patient_id: int, starts: datetime, said: str
) -> None:
    before = dump(clinic)
    with pytest.raises(SlotRefused) as refused:
        clinic.calendar.book(desk, patient_id, CONSULTATION, starts)
    assert said in str(refused.value)
    assert dump(clinic) == before
    assert clinic.calendar.why_not(starts, 30) == str(refused.value)


@pytest.mark.parametrize(("starts", "said"), REFUSED_STARTS)
def test_a_move_off_the_grid_or_too_far_ahead_is_refused_with_the_reason(
    clinic: Clinic, desk, appointment, starts: datetime, said: str
) -> None:
    before = dump(clinic)
    with pytest.raises(SlotRefused) as refused:
        clinic.calendar.reschedule(desk, appointment.id, starts, appointment.version)
    assert said in str(refused.value)
    assert dump(clinic) == before


def test_the_last_day_within_two_years_and_every_grid_step_can_be_booked(
    clinic: Clinic, desk, patient_id: int
) -> None:
    far = clinic.calendar.book(
        desk, patient_id, CONSULTATION, datetime.combine(LATEST_OPEN, time(10, 5))
    )
    assert far.appointment.starts == datetime(2028, 11, 22, 10, 5)
    near = clinic.calendar.book(desk, patient_id, CONSULTATION, datetime(2026, 11, 30, 10, 35))
    moved = clinic.calendar.reschedule(
        desk, near.appointment.id, datetime(2026, 11, 30, 11, 55), near.appointment.version
    )
    assert moved.appointment.starts == datetime(2026, 11, 30, 11, 55)


@pytest.mark.parametrize(
    ("minutes", "said"),
    [
        (31, "An appointment lasts whole 5-minute steps: 30 or 35 minutes, not 31."),
        (2**40, "An appointment lasts at most 8 hours."),
    ],
)
def test_a_length_off_the_grid_is_refused(
    clinic: Clinic, desk, patient_id: int, minutes: int, said: str
) -> None:
    with pytest.raises(SlotRefused, match=said):
        clinic.calendar.book(
            desk, patient_id, CONSULTATION, datetime(2026, 11, 30, 10), minutes=minutes
        )


@pytest.mark.parametrize(
    "start", [datetime(9999, 12, 31, 10), datetime(2062, 1, 1), datetime.combine(BEYOND, time())]
)
def test_free_times_are_never_offered_beyond_two_years(clinic: Clinic, start: datetime) -> None:
    assert clinic.calendar.next_free(CONSULTATION, start, 5) == []


def test_free_times_near_the_horizon_stop_at_it(clinic: Clinic) -> None:
    found = clinic.calendar.next_free(CONSULTATION, datetime(2028, 11, 20), 200)
    assert found and all(moment.date() <= date(2028, 11, 26) for moment in found)


@pytest.mark.parametrize(
    ("first", "last", "refused"),
    [
        (date(9999, 1, 1), date(9999, 1, 1), True),
        (date(2028, 11, 20), BEYOND, True),
        (date(2028, 11, 20), date(2028, 11, 26), False),
        (MONDAY, MONDAY, False),
    ],
)
def test_a_closure_years_ahead_is_refused_in_words(
    clinic: Clinic, admin, first: date, last: date, refused: bool
) -> None:
    before = dump(clinic)
    closure = Closure(first, last, "Staff training")
    if not refused:
        clinic.calendar.add_closure(admin, closure)
        return
    with pytest.raises(ValidationFailed) as said:
        clinic.calendar.add_closure(admin, closure)
    assert (
        "Closures can be added at most 2 years ahead, until Sun, Nov 26, 2028"
        in (said.value.errors["last"])
    )
    assert dump(clinic) == before


SETTINGS = Settings("UltraPulse", 40.0, 10.0, 2, "120 um", "DeepFX")


@pytest.mark.parametrize(
    ("performed", "field"),
    [
        (datetime(9999, 12, 31, 9), "performed_at"),  # the future: logged once done
        (datetime(2028, 11, 26, 9), "performed_at"),
        (datetime(1, 1, 1, 9), "performed_at"),  # long before the series was opened
    ],
)
def test_a_co2_session_dated_years_away_is_refused_in_words(
    clinic: Clinic, desk, doctor, performed: datetime, field: str
) -> None:
    patient = clinic.patients.register(desk, draft())
    clinic.intakes.record(doctor, patient.id, replace(ROLLING, grade=3))
    series = clinic.sessions.open_series(doctor, patient.id, 4)
    session = SessionDraft(
        performed, SETTINGS, (Region.LEFT_CHEEK,), "Topical lidocaine", True, "Redness"
    )
    before = dump(clinic)
    with pytest.raises(ValidationFailed) as refused:
        clinic.sessions.log_session(doctor, series.id, session)
    assert refused.value.errors[field].endswith(".")
    assert dump(clinic) == before


def test_a_co2_visit_is_booked_on_the_grid_too(clinic: Clinic, desk, patient_id: int) -> None:
    with pytest.raises(SlotRefused, match="not 11:02 am"):
        clinic.calendar.book(desk, patient_id, CO2_SESSION, datetime(2026, 11, 30, 11, 2))
