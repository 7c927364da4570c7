"""The recall lists from a few set-based reads say exactly what a series-by-series reading says.

Clinics are generated (series in every state, sessions, held and cancelled visits, closures,
archived patients) on a copy of a freshly migrated database; the reference below reads each
series and each patient's appointments one at a time, as the recall lists did before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import pytest
import sqlite_utils
from dateutil.relativedelta import relativedelta
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from frontdesk.domain.appointments import CO2_SESSION, RESULTS_REVIEW
from frontdesk.domain.clinic import CLINIC_TZ
from frontdesk.domain.co2 import (
    BOOKED_EARLY,
    REVIEW_EARLY,
    Series,
    SeriesStatus,
    SessionDraft,
    Settings,
    full_results_on,
    results_window,
)
from frontdesk.domain.dates import format_day
from frontdesk.domain.hours import Closure
from frontdesk.domain.intake import Region
from frontdesk.domain.patients import PatientFields
from frontdesk.domain.phones import display_phone
from frontdesk.services.clinic import Clinic
from frontdesk.services.clock import fixed_clock
from frontdesk.services.recall import Recall, RecallRow
from frontdesk.storage.calendar import CalendarRepository
from frontdesk.storage.co2 import SeriesRepository
from frontdesk.storage.engine import sqlite3
from frontdesk.storage.patients import PatientRepository

DOCTOR_ID = 1  # the migration's Dr. Alex
STAMP = "2026-01-01T09:00:00-08:00"
SETTINGS = Settings("Fractional CO2 laser", 40.0, 10.0, 2, "120 um", "deep")
# Days from a month anchor where a rule's window starts or ends (BOOKED_EARLY, REVIEW_EARLY).
EDGES = (-46, -45, -44, -31, -30, -29, -1, 0, 1)
HELD = ("booked", "confirmed", "arrived", "completed")
FREED = ("cancelled_by_patient", "no_show")


@dataclass(frozen=True)
class PlannedSeries:
    status: SeriesStatus
    planned: int
    opened_days_ago: int
    first_after_opening: int  # days; may be before the opening (logged at that visit)
    gaps: tuple[int, ...]  # days between sessions
    # Visits near the days the rules turn on: (type, months after the last session, days, status)
    visits: tuple[tuple[str, int, int, str], ...] = ()


@dataclass(frozen=True)
class PlannedPatient:
    name: str
    archived: bool
    series: tuple[PlannedSeries, ...]
    visits: tuple[tuple[str, int, str], ...]  # (type, days from today, status)


@st.composite
def planned_series(draw) -> PlannedSeries:
    status = draw(st.sampled_from(list(SeriesStatus)))
    planned = draw(st.integers(3, 6))
    if status is SeriesStatus.COMPLETED:
        done = planned
    elif status is SeriesStatus.ENDED:
        done = draw(st.integers(0, planned - 1))
    else:
        done = draw(st.integers(0, planned - 1))
    return PlannedSeries(
        status=status,
        planned=planned,
        opened_days_ago=draw(st.integers(-5, 1000)),
        first_after_opening=draw(st.integers(-14, 40)),
        gaps=tuple(draw(st.integers(28, 160)) for _ in range(max(done - 1, 0)))
        + ((0,) if done else ()),
        visits=tuple(
            draw(
                st.lists(
                    st.tuples(
                        st.sampled_from([CO2_SESSION, RESULTS_REVIEW]),
                        st.sampled_from([0, 3, 6, 12]),
                        st.one_of(st.sampled_from(EDGES), st.integers(-60, 60)),
                        st.sampled_from(HELD + FREED),
                    ),
                    max_size=3,
                )
            )
        ),
    )


@st.composite
def planned_patient(draw) -> PlannedPatient:
    return PlannedPatient(
        name=draw(st.sampled_from(["Ana", "Luis", "María", "Zoe"])),  # equal names tie
        archived=draw(st.booleans().filter(lambda _: True)) and draw(st.integers(0, 4)) == 0,
        series=tuple(draw(st.lists(planned_series(), min_size=0, max_size=2))),
        visits=tuple(
            draw(
                st.lists(
                    st.tuples(
                        st.sampled_from([CO2_SESSION, RESULTS_REVIEW]),
                        st.integers(-400, 400),
                        st.sampled_from(HELD + FREED),
                    ),
                    max_size=4,
                )
            )
        ),
    )


def fresh_copy(template: Clinic, today: date) -> Clinic:
    """A private in-memory copy of a migrated database, seen on `today`."""
    memory = sqlite3.connect(":memory:", isolation_level=None)  # autocommit, as the app
    template._db.conn.backup(memory)
    memory.execute("PRAGMA foreign_keys = ON")
    moment = datetime.combine(today, time(12), tzinfo=CLINIC_TZ)
    return Clinic(template.path, sqlite_utils.Database(memory), fixed_clock(moment), None)


def plant(clinic: Clinic, today: date, people: list[PlannedPatient], closed: list[int]) -> None:
    """Writes the generated clinic with the storage's own inserts (no service rules)."""
    db = clinic._db
    patients, series_repo, calendar = (
        PatientRepository(db),
        SeriesRepository(db),
        CalendarRepository(db),
    )
    slot = 0  # every visit gets a quarter hour of its own: the database refuses overlaps

    def visit(patient_id: int, type_code: str, day: date, status: str) -> None:
        nonlocal slot
        starts = datetime.combine(day, time(7)) + timedelta(minutes=15 * (slot % 56))
        slot += 1
        visit_id = calendar.insert(
            patient_id, type_code, starts, starts + timedelta(minutes=15), "", DOCTOR_ID, STAMP
        )
        db.execute("UPDATE appointments SET status = ? WHERE id = ?", [status, visit_id])

    for n, person in enumerate(people):
        national = f"818555{n:04d}"
        patients.insert(
            PatientFields(
                person.name, "García", date(1990, 1, 1), "+1" + national, national, "", ""
            ),
            STAMP,
        )
        patient_id = int(db.execute("SELECT max(id) FROM patients").fetchone()[0])
        if person.archived:
            patients.set_archived(patient_id, True, STAMP)
        for plan in person.series:
            opened = today - timedelta(days=plan.opened_days_ago)
            series_id = series_repo.insert(patient_id, plan.planned, opened, DOCTOR_ID, None)
            day = last = opened + timedelta(days=plan.first_after_opening)
            for number, gap in enumerate(plan.gaps, start=1):
                performed = datetime.combine(day, time(11))
                made = SessionDraft(performed, SETTINGS, (Region.LEFT_CHEEK,), "", True, "Red")
                series_repo.sign(series_id, number, made, "", STAMP, DOCTOR_ID)
                last = day
                day += timedelta(days=gap)
            for type_code, months, days, status in plan.visits:
                near = last + relativedelta(months=months) + timedelta(days=days)
                visit(patient_id, type_code, near, status)
            if plan.status is not SeriesStatus.ACTIVE:
                series_repo.update(series_id, plan.planned, plan.status, "")
        for type_code, days, status in person.visits:
            visit(patient_id, type_code, today + timedelta(days=days), status)
    for days in closed:
        first = today + timedelta(days=days)
        calendar.insert_closure(Closure(first, first + timedelta(days=days % 5), "Closed"))


def series_by_series(clinic: Clinic, weeks: int) -> Recall:
    """The recall lists as they were read before: each series, each patient, one by one."""
    sessions, calendar = clinic.sessions, clinic.calendar
    today = sessions.today()
    horizon = today + timedelta(weeks=weeks)
    ids = [r[0] for r in clinic._db.execute("SELECT id FROM patients ORDER BY id").fetchall()]
    every = sorted(
        (s for pid in ids for s in sessions.history(pid)), key=lambda s: (s.patient_id, s.id)
    )
    running = [s for s in every if s.status is SeriesStatus.ACTIVE]
    finished = [s for s in every if s.status in (SeriesStatus.COMPLETED, SeriesStatus.ENDED)]
    people = {pid: clinic.patients.get(pid) for pid in ids}
    people = {pid: p for pid, p in people.items() if not p.archived}

    def booked(patient_id: int, type_code: str, after: date, until: date | None = None) -> bool:
        return any(
            a.appointment.type_code == type_code
            and a.appointment.status.holds_slot
            and a.appointment.starts.date() > after
            and (until is None or a.appointment.starts.date() <= until)
            for a in calendar.of_patient(patient_id)
        )

    def row(series: Series, what: str, due: date, type_code: str, late: bool) -> RecallRow:
        p = people[series.patient_id]
        return RecallRow(
            p.id,
            p.full_name,
            display_phone(p.phone_e164),
            series.id,
            what,
            due,
            type_code,
            late and due < today,
        )

    due_rows, review_rows, done_rows = [], [], []
    for s in running:
        office = sessions.office(s)
        due = s.next_due(office)
        if s.patient_id not in people or due is None or due > horizon:
            continue
        after = s.last.day if s.last else s.opened_on - timedelta(days=1)
        if s.last is not None:
            after = max(after, due - BOOKED_EARLY)
        if not booked(s.patient_id, CO2_SESSION, after):
            what = f"Session {s.done + 1} of {s.planned} due {format_day(due)}"
            due_rows.append(row(s, what, due, CO2_SESSION, True))
    for s in running + finished:
        if s.patient_id not in people or s.last is None:
            continue
        opens, closes = results_window(s.last.day)
        reviews = []
        if closes >= today and not booked(
            s.patient_id, RESULTS_REVIEW, opens - REVIEW_EARLY, closes
        ):
            said = (
                f"Results of session {s.last.number}: {format_day(opens)} to {format_day(closes)}"
            )
            reviews.append((opens, said, False))
        if s.status in (SeriesStatus.COMPLETED, SeriesStatus.ENDED):
            full = full_results_on(s.last.day)
            if not booked(s.patient_id, RESULTS_REVIEW, full - REVIEW_EARLY):
                reviews.append((full, f"Full results review {format_day(full)}", True))
        for when, what, late in reviews:
            if when <= horizon:
                review_rows.append(row(s, what, when, RESULTS_REVIEW, late))
    for s in finished:
        if s.patient_id not in people or s.status is not SeriesStatus.COMPLETED:
            continue
        assert s.last is not None
        full = full_results_on(s.last.day)
        what = (
            f"{s.planned} sessions, last {format_day(s.last.day)}; full results {format_day(full)}"
        )
        done_rows.append(row(s, what, full, RESULTS_REVIEW, False))

    def key(r: RecallRow) -> tuple[date, str]:
        return (r.due, r.patient_name)

    return Recall(
        sorted(due_rows, key=key), sorted(review_rows, key=key), sorted(done_rows, key=key)
    )


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    people=st.lists(planned_patient(), min_size=1, max_size=10),
    today=st.dates(date(2026, 1, 1), date(2029, 12, 31)),
    weeks=st.integers(1, 26),
    closed=st.lists(st.integers(-300, 500), max_size=4),
)
def test_set_based_recall_matches_series_by_series(clinic, people, today, weeks, closed):
    copy = fresh_copy(clinic, today)
    try:
        plant(copy, today, people, closed)
        assert copy.sessions.recall(weeks) == series_by_series(copy, weeks)
    finally:
        copy.close()


def test_the_generated_clinics_reach_every_list(clinic) -> None:
    """The generator is not vacuous: one planted clinic fills all three lists."""
    today = date(2027, 6, 1)
    copy = fresh_copy(clinic, today)
    overdue = PlannedSeries(SeriesStatus.ACTIVE, 4, 200, 0, (0,))
    completed = PlannedSeries(SeriesStatus.COMPLETED, 3, 700, 0, (90, 90, 0))
    people = [
        PlannedPatient("Ana", False, (overdue,), ()),
        PlannedPatient("Luis", False, (completed,), ()),
    ]
    try:
        plant(copy, today, people, [])
        recall = copy.sessions.recall(4)
        assert recall == series_by_series(copy, 4)
        assert recall.sessions_due and recall.reviews_due and recall.completed
        assert recall.sessions_due[0].overdue
    finally:
        copy.close()


@pytest.mark.parametrize("weeks", [1, 26])
def test_the_demo_recall_matches_series_by_series(demo, weeks) -> None:
    assert demo.sessions.recall(weeks) == series_by_series(demo, weeks)
