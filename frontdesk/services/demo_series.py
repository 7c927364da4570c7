"""Demo CO2 series in every state, each session a completed visit on the demo calendar.

Every step goes through the services as of the moment it happened: the series opened, each
session's visit booked, attended and then logged and signed by the doctor.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from frontdesk.domain.appointments import CO2_SESSION, Status
from frontdesk.domain.clinic import CLINIC_TZ
from frontdesk.domain.co2 import SessionDraft, Settings, due_after
from frontdesk.domain.intake import Region
from frontdesk.services.clinic import Clinic
from frontdesk.services.errors import ServiceError
from frontdesk.services.signed_in import SignedIn

DEVICE = "Fractional CO2 laser"


@dataclass(frozen=True)
class Plan:
    """One demo series: how many sessions, when the first was, what became of it."""

    planned: int
    first_days_ago: int
    sessions: int
    then: str = ""  # "pause", "book" (the next session from the proposal) or "" (not booked)
    reason: str = ""


PLANS = (
    Plan(4, 12, 1, "book"),  # just started, the second session booked
    Plan(4, 190, 2, "book"),  # mid-series: the third is due about now, and booked
    Plan(3, 260, 2),  # overdue: the third was due weeks ago and is not booked
    Plan(3, 330, 3),  # completed: awaiting full results
    Plan(3, 640, 3),  # completed over a year ago: the full-results review is due
    Plan(5, 120, 1, "pause", "Pregnant: the series waits until after the baby is born."),
)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=CLINIC_TZ)


def _session(number: int, starts: datetime) -> SessionDraft:
    energy = 30.0 + 5 * number
    return SessionDraft(
        performed_at=starts.replace(tzinfo=None) + timedelta(minutes=20),
        settings=Settings(DEVICE, energy, 10.0 + 2 * number, 2, "120 um", "deep, scanning"),
        areas=(Region.LEFT_CHEEK, Region.RIGHT_CHEEK) + ((Region.TEMPLES,) if number > 1 else ()),
        anaesthesia="Topical anaesthetic cream, 45 minutes",
        antiviral=number == 1 or number % 2 == 0,
        response="Expected redness and pinpoint bleeding; settled with cool compresses.",
        adverse="",
        notes="Tolerated well." if number == 1 else "",
    )


def _visit(clinic: Clinic, desk: SignedIn, patient_id: int, day: date) -> datetime:
    """Books, attends and completes a CO2 session visit on or just after `day`."""
    booking = clinic.as_of(_at(day - timedelta(days=21), 10, 5)).calendar
    found = booking.next_free(CO2_SESSION, datetime.combine(day, time(11)), 1)
    listed = booking.book(desk, patient_id, CO2_SESSION, found[0])
    a = listed.appointment
    start = a.starts.replace(tzinfo=CLINIC_TZ)
    clinic.as_of(start - timedelta(minutes=5)).calendar.set_status(
        desk, a.id, Status.ARRIVED, a.version
    )
    clinic.as_of(start + timedelta(minutes=a.minutes)).calendar.set_status(
        desk, a.id, Status.COMPLETED, a.version + 1
    )
    return start


def fill_demo_series(clinic: Clinic, doctor: SignedIn, desk: SignedIn, eligible: list[int]) -> int:
    """One series per plan, for patients the intake allows; returns how many were opened."""
    today = clinic.calendar.today()
    office = clinic.calendar.office(today - timedelta(days=800), today + timedelta(days=400))
    opened = 0
    for plan, patient_id in zip(PLANS, eligible, strict=False):
        day = today - timedelta(days=plan.first_days_ago)
        while not office.is_open(day):
            day += timedelta(days=1)
        then = clinic.as_of(_at(day - timedelta(days=7), 12))
        try:
            series = then.sessions.open_series(doctor, patient_id, plan.planned)
            for number in range(1, plan.sessions + 1):
                start = _visit(clinic, desk, patient_id, day)
                done = clinic.as_of(start + timedelta(hours=2))
                series = done.sessions.log_session(doctor, series.id, _session(number, start))
                day = due_after(start.date(), office)
            if plan.then == "book":
                offer = clinic.sessions.next_session_proposal(series)
                if offer is not None and offer.starts is not None:
                    clinic.calendar.book(desk, patient_id, offer.type_code, offer.starts)
            if plan.then == "pause":
                later = clinic.as_of(_at(today - timedelta(days=20), 12))
                later.sessions.pause(doctor, series.id, plan.reason, series.version)
        except ServiceError:
            continue  # a demo patient the rules turn away is simply left without a series
        opened += 1
    return opened
