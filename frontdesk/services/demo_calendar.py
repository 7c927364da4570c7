"""A lived-in demo calendar around today: past visits with their outcomes, weeks ahead booked.

Every appointment goes through the calendar service as of the moment it was booked or
changed, so the demo obeys the same rules as the desk (hours, closures, no overlaps).
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from frontdesk.domain.appointments import CO2_SESSION, CONSULTATION, RESULTS_REVIEW, Status
from frontdesk.services.clinic import Clinic
from frontdesk.services.errors import SlotRefused
from frontdesk.services.signed_in import SignedIn

SEED = 2026
WEEKS_BACK = 8
WEEKS_AHEAD = 5
# Share of each day's hours booked, by week from today: busy soon, thinning out later.
FILL_AHEAD = (0.7, 0.55, 0.4, 0.25, 0.12)
FILL_BEFORE = 0.6
LASER_GAP = timedelta(days=80)
NOTES = (
    "Prefers Spanish",
    "Asked about financing",
    "Referred by a friend",
    "Bring isotretinoin stop date",
    "Wants to see before/after photos",
)


def _kind(rng: random.Random) -> str:
    # Laser sessions come from the demo series (each one logged); the rest fills around them.
    return rng.choices((CONSULTATION, RESULTS_REVIEW), (6, 2))[0]


def _outcome(rng: random.Random) -> Status:
    return rng.choices(
        (
            Status.COMPLETED,
            Status.NO_SHOW,
            Status.CANCELLED_BY_PATIENT,
            Status.CANCELLED_BY_CLINIC,
        ),
        (80, 7, 9, 4),
    )[0]


def _day_plan(clinic: Clinic, day: date, fill: float, lengths: dict[str, int], rng):
    """(start, type) pairs filling about `fill` of the day's open hours, on the grid."""
    office = clinic.calendar.office(day, day)
    hours = office.hours_on(day)
    if hours is None:
        return []
    moment = datetime.combine(day, hours.opens)
    closes = datetime.combine(day, hours.closes)
    plan = []
    while moment < closes:
        kind = _kind(rng)
        minutes = lengths[kind]
        if moment + timedelta(minutes=minutes) > closes:
            break
        if rng.random() < fill:
            plan.append((moment, kind))
            moment += timedelta(minutes=minutes)
        else:
            moment += timedelta(minutes=rng.choice((15, 30, 45)))
    return plan


def fill_demo_calendar(clinic: Clinic, desk: SignedIn, patient_ids: list[int]) -> int:
    """Books consultations and reviews around today's demo visits; returns how many."""
    if not patient_ids:
        return 0
    rng = random.Random(SEED)
    now = clinic.calendar.now()
    today = now.date()
    monday = today - timedelta(days=today.weekday())
    first = monday - timedelta(weeks=WEEKS_BACK)
    last = monday + timedelta(weeks=WEEKS_AHEAD) - timedelta(days=1)
    # New patients come once for their free consultation; laser sessions and results reviews
    # are for those Dr. Alex has already seen (they have an intake).
    # Patients in a demo series have their own visits (see demo_series): left out here.
    seen = [
        p
        for p in patient_ids
        if clinic.intakes.latest(p) is not None and not clinic.sessions.history(p)
    ]
    new = [p for p in patient_ids if clinic.intakes.latest(p) is None]
    rng.shuffle(new)
    # Each patient has one free consultation: the ones seen had theirs in the past weeks,
    # some new ones too; the rest of the new ones come in the weeks ahead.
    ahead_share = len(new) * 2 // 5
    first_visits = {
        "past": [*new[ahead_share:], *rng.sample(seen, len(seen))],
        "ahead": new[:ahead_share],
    }
    # A few patients keep missing appointments, so the desk sees the warning when booking.
    unreliable = set(rng.sample(seen or patient_ids, min(3, len(seen or patient_ids))))
    lengths = {t.code: t.minutes for t in clinic.calendar.types()}
    # Sessions are about three months apart: each series started at its own time.
    last_laser = {p: first - timedelta(days=rng.randint(0, 85)) for p in seen}
    booked = 0
    # The recent past first (then further back), so the weeks near today look the busiest.
    past = [today - timedelta(days=n) for n in range((today - first).days + 1)]
    ahead = [today + timedelta(days=n) for n in range(1, (last - today).days + 1)]
    for day in past + ahead:
        week = (day - monday).days // 7
        fill = FILL_BEFORE if day <= today else FILL_AHEAD[min(week, len(FILL_AHEAD) - 1)]
        that_day: set[int] = set()
        for starts, kind in _day_plan(clinic, day, fill, lengths, rng):
            if kind == CONSULTATION:
                pool = first_visits["past" if day <= today else "ahead"]
                if not pool:
                    continue  # the time stays free
                patient = pool.pop()
            else:
                others = [
                    p
                    for p in seen
                    if p not in that_day
                    and (kind != CO2_SESSION or abs(day - last_laser[p]) > LASER_GAP)
                ]
                if not others:
                    continue
                patient = rng.choice(others)
                if kind == CO2_SESSION:
                    last_laser[patient] = day
            that_day.add(patient)
            note = rng.choice(NOTES) if rng.random() < 0.15 else ""
            booked_at = _open_day_before(
                clinic, min(now, starts - timedelta(days=rng.randint(3, 21)))
            )
            booked_at = datetime.combine(booked_at.date(), time(10, rng.choice((5, 20, 40))))
            try:
                listed = clinic.calendar_as_of(booked_at).book(
                    desk, patient, kind, starts, note=note
                )
            except SlotRefused:
                continue
            booked += 1
            _live_through(
                clinic, desk, listed.appointment, now, booked_at, patient in unreliable, rng
            )
    return booked


def _open_day_before(clinic: Clinic, moment: datetime) -> datetime:
    """Bookings are made on days the desk is open."""
    office = clinic.calendar.office(moment.date() - timedelta(days=14), moment.date())
    while not office.is_open(moment.date()):
        moment -= timedelta(days=1)
    return moment


def _live_through(
    clinic, desk, appointment, now: datetime, booked_at: datetime, unreliable: bool, rng
) -> None:
    """What became of an appointment by now: confirmed, done, missed or cancelled."""
    a = appointment
    starts = a.starts
    if starts >= now:
        if starts - now < timedelta(days=7) and rng.random() < 0.6:  # called to confirm
            clinic.calendar_as_of(now).set_status(desk, a.id, Status.CONFIRMED, a.version)
        elif rng.random() < 0.05:
            when = now - timedelta(hours=2)
            clinic.calendar_as_of(when).set_status(
                desk, a.id, Status.CANCELLED_BY_PATIENT, a.version
            )
        return
    outcome = Status.NO_SHOW if unreliable and rng.random() < 0.8 else _outcome(rng)
    if starts.date() == now.date() and starts + timedelta(minutes=a.minutes) > now:
        outcome = Status.ARRIVED  # in the chair right now
    version = a.version
    if outcome.cancelled:
        hours_before = rng.choice((2, 6, 20, 48, 96))
        when = max(booked_at + timedelta(hours=2), starts - timedelta(hours=hours_before))
        clinic.calendar_as_of(when).set_status(desk, a.id, outcome, version)
        return
    if outcome is Status.NO_SHOW:
        clinic.calendar_as_of(starts + timedelta(minutes=20)).set_status(
            desk, a.id, outcome, version
        )
        return
    arrived = starts - timedelta(minutes=5)
    clinic.calendar_as_of(arrived).set_status(desk, a.id, Status.ARRIVED, version)
    if outcome is Status.COMPLETED:
        done = starts + timedelta(minutes=a.minutes)
        clinic.calendar_as_of(done).set_status(desk, a.id, Status.COMPLETED, version + 1)
