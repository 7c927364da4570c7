"""Recall-list benchmark: 300 and 3,000 CO2 series, read series by series and set-based.

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m bench.recall

Each clinic is a copy of the 10k-patient synthetic clinic with five years of series planted
(most completed, the newest running; sessions three months apart; some next sessions and
reviews booked), cached under bench/out/. The baseline is the recall computation as it was
before issue 14 (kept below, one query or more per series), measured in the same run; the
two answers are checked to be equal. Goal (issue 14): p95 <= 100 ms at 3,000 series, growth
<= 1.5x from 300 to 3,000, and the window not blocked while the lists are worked out.
"""

from __future__ import annotations

import os
import random
import time
from datetime import date, datetime, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from dateutil.relativedelta import relativedelta

from bench.run import percentile
from bench.synthetic import planted_copy
from frontdesk.domain.appointments import CO2_SESSION, RESULTS_REVIEW, ListedAppointment
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
from frontdesk.domain.intake import Region
from frontdesk.domain.phones import display_phone
from frontdesk.services.clinic import Clinic, open_clinic
from frontdesk.services.clock import fixed_clock
from frontdesk.services.recall import Recall, RecallRow
from frontdesk.services.sessions import SessionService
from frontdesk.storage.calendar import CalendarRepository
from frontdesk.storage.co2 import SeriesRepository
from frontdesk.storage.db import write_transaction

NOW = datetime(2026, 12, 1, 10, 30, tzinfo=CLINIC_TZ)
PATIENTS = 10_000
SIZES = (300, 3_000)
WEEKS = 4
ROUNDS = 21
OLD_ROUNDS = 7
DOCTOR_ID = 1
STAMP = "2026-01-01T09:00:00-08:00"
SETTINGS = Settings("Fractional CO2 laser", 40.0, 10.0, 2, "120 um", "deep")


# -- the clinics --------------------------------------------------------------------------------
def recall_file(series_count: int) -> Path:
    """A copy of the 10k-patient clinic with `series_count` series over five years."""

    def plant(clinic: Clinic) -> str:
        _plant(clinic, series_count, random.Random(series_count))
        return ""

    return planted_copy(f"recall-{series_count}.sqlite3", PATIENTS, fixed_clock(NOW), plant)


def _plant(clinic: Clinic, count: int, rng: random.Random) -> None:
    db = clinic._db
    series_repo, calendar = SeriesRepository(db), CalendarRepository(db)
    today = NOW.date()
    patients = rng.sample(range(1, PATIENTS + 1), count)
    taken: dict[date, int] = {}

    def book(patient_id: int, type_code: str, day: date) -> None:
        # A quarter hour of its own each (the database refuses overlapping visits).
        while taken.get(day, 0) >= 90:
            day += timedelta(days=1)
        slot = taken[day] = taken.get(day, 0) + 1
        starts = datetime.combine(day, datetime.min.time()) + timedelta(minutes=15 * slot)
        calendar.insert(
            patient_id,
            type_code,
            starts,
            starts + timedelta(minutes=15),
            "",
            DOCTOR_ID,
            STAMP,
        )

    with write_transaction(db):
        for n, patient_id in enumerate(patients):
            # Series opened evenly over five years: the older ones are over.
            opened = today - timedelta(days=int(5 * 365 * (n + 0.5) / count))
            planned = rng.randint(3, 6)
            series_id = series_repo.insert(patient_id, planned, opened, DOCTOR_ID, None)
            day, done = opened, 0
            while done < planned and day <= today:
                performed = datetime.combine(day, datetime.min.time()).replace(hour=11)
                made = SessionDraft(performed, SETTINGS, (Region.LEFT_CHEEK,), "", True, "Red")
                done += 1
                series_repo.sign(series_id, done, made, "", STAMP, DOCTOR_ID)
                day = day + relativedelta(months=3) + timedelta(days=rng.randint(0, 30))
            if done == planned:
                status = SeriesStatus.COMPLETED
            elif rng.random() < 0.08:
                status = rng.choice([SeriesStatus.ENDED, SeriesStatus.PAUSED])
            else:
                status = SeriesStatus.ACTIVE
            if status is not SeriesStatus.ACTIVE:
                series_repo.update(series_id, planned, status, "Benchmark")
            if status is SeriesStatus.ACTIVE and rng.random() < 0.5:
                book(patient_id, CO2_SESSION, max(day, today) + timedelta(days=rng.randint(0, 20)))
            last = day - relativedelta(months=3)  # roughly: the last session's day
            if done and rng.random() < 0.7:  # the last session's results seen (or booked)
                book(patient_id, RESULTS_REVIEW, last + relativedelta(months=4))
            over = status in (SeriesStatus.COMPLETED, SeriesStatus.ENDED)
            if over and rng.random() < 0.85:  # the full-results review seen (or booked)
                book(patient_id, RESULTS_REVIEW, last + relativedelta(months=12))


# -- the baseline: the recall lists as they were computed before issue 14 ----------------------
def recall_series_by_series(sessions: SessionService, weeks: int) -> Recall:
    """The old `SessionService.recall`: the office, the patient and their appointments read
    again for each series."""
    repo, patients, calendar = sessions._repo, sessions._patients, sessions._calendar
    today = sessions.today()

    def booking(
        patient_id: int, type_code: str, after: date, until: date | None = None
    ) -> ListedAppointment | None:
        found = [
            a
            for a in calendar.of_patient(patient_id)
            if a.appointment.type_code == type_code
            and a.appointment.status.holds_slot
            and a.appointment.starts.date() > after
            and (until is None or a.appointment.starts.date() <= until)
        ]
        return min(found, key=lambda a: a.appointment.starts) if found else None

    def next_due(series: Series) -> date | None:
        return series.next_due(sessions.office(series))

    def next_session_booking(series: Series) -> ListedAppointment | None:
        if series.status is not SeriesStatus.ACTIVE or series.done >= series.planned:
            return None
        after = series.last.day if series.last else series.opened_on - timedelta(days=1)
        if series.last is not None:
            due = next_due(series)
            assert due is not None
            after = max(after, due - BOOKED_EARLY)
        return booking(series.patient_id, CO2_SESSION, after)

    def reviews_due(series: Series) -> list[tuple[date, str, bool]]:
        last = series.last
        if last is None:
            return []
        due = []
        opens, closes = results_window(last.day)
        window_booked = booking(series.patient_id, RESULTS_REVIEW, opens - REVIEW_EARLY, closes)
        if closes >= today and window_booked is None:
            said = f"Results of session {last.number}: {format_day(opens)} to {format_day(closes)}"
            due.append((opens, said, False))
        if series.status in (SeriesStatus.COMPLETED, SeriesStatus.ENDED):
            full = full_results_on(last.day)
            if booking(series.patient_id, RESULTS_REVIEW, full - REVIEW_EARLY) is None:
                due.append((full, f"Full results review {format_day(full)}", True))
        return due

    horizon = today + timedelta(weeks=weeks)
    running = repo.with_status([SeriesStatus.ACTIVE])
    finished = repo.with_status([SeriesStatus.COMPLETED, SeriesStatus.ENDED])
    people = {
        p.id: p
        for p in (patients.get(s.patient_id) for s in running + finished)
        if p is not None and not p.archived
    }

    def row(series: Series, what: str, due: date, type_code: str, late: bool) -> RecallRow:
        patient = people[series.patient_id]
        return RecallRow(
            patient.id,
            patient.full_name,
            display_phone(patient.phone_e164),
            series.id,
            what,
            due,
            type_code,
            late and due < today,
        )

    due_rows, review_rows, done_rows = [], [], []
    for series in running:
        due = next_due(series)
        if (
            series.patient_id in people
            and due is not None
            and due <= horizon
            and next_session_booking(series) is None
        ):
            what = f"Session {series.done + 1} of {series.planned} due {format_day(due)}"
            due_rows.append(row(series, what, due, CO2_SESSION, True))
    for series in running + finished:
        if series.patient_id not in people:
            continue
        for when, what, late in reviews_due(series):
            if when <= horizon:
                review_rows.append(row(series, what, when, RESULTS_REVIEW, late))
    for series in finished:
        if series.patient_id not in people or series.status is not SeriesStatus.COMPLETED:
            continue
        assert series.last is not None
        full = full_results_on(series.last.day)
        what = (
            f"{series.planned} sessions, last {format_day(series.last.day)};"
            f" full results {format_day(full)}"
        )
        done_rows.append(row(series, what, full, RESULTS_REVIEW, False))

    def key(r: RecallRow) -> tuple[date, str]:
        return (r.due, r.patient_name)

    return Recall(
        sorted(due_rows, key=key), sorted(review_rows, key=key), sorted(done_rows, key=key)
    )


# -- measuring ------------------------------------------------------------------------------------
def _timed(call, rounds: int) -> list[float]:
    call()  # warm: imports, the holiday closures, SQLite's page cache
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return times


def gui_blocked(clinic: Clinic, rounds: int) -> tuple[list[float], list[float]]:
    """Milliseconds the GUI thread is held when the CO2 tab asks for its recall lists (they
    are worked out with `Operations.in_background`), and until they are shown in the tab."""
    from PySide6.QtWidgets import QApplication

    from frontdesk.ui.notifier import ChangeNotifier
    from frontdesk.ui.operations import Operations
    from frontdesk.ui.tabs.sessions_tab import SessionsTab

    app = QApplication.instance() or QApplication([])
    notifier = ChangeNotifier()
    ops = Operations(clinic, notifier, lambda _said: None)
    member = clinic.staff.list_active()[0]
    tab = SessionsTab(
        clinic.calendar,
        clinic.patients,
        lambda: member,  # type: ignore[arg-type, return-value]  # the tab reads only .role
        notifier,
        lambda: NOW.date(),
        ops=ops,
    )
    tab.pages.setCurrentIndex(1)
    held, shown = [], []
    for _ in range(rounds + 1):
        while ops.running():  # the page's own first question
            app.processEvents()
        tab.recall = None
        started = time.perf_counter()
        tab.refresh_recall()
        held.append((time.perf_counter() - started) * 1000)
        while tab.recall is None:
            app.processEvents()
            time.sleep(0.0005)
        shown.append((time.perf_counter() - started) * 1000)
    tab.deleteLater()
    app.processEvents()
    return held[1:], shown[1:]


def main() -> None:
    figures: dict[int, dict[str, float]] = {}
    for size in SIZES:
        clinic = open_clinic(recall_file(size), fixed_clock(NOW))
        sessions = clinic.sessions
        old_answer = recall_series_by_series(sessions, WEEKS)
        new_answer = sessions.recall(WEEKS)
        assert new_answer == old_answer, "the set-based recall differs from the baseline"
        old = _timed(lambda s=sessions: recall_series_by_series(s, WEEKS), OLD_ROUNDS)
        new = _timed(lambda s=sessions: s.recall(WEEKS), ROUNDS)
        held, answered = gui_blocked(clinic, ROUNDS)
        rows = sum(len(x) for x in (new_answer.sessions_due, new_answer.reviews_due))
        figures[size] = {
            "old": percentile(old, 0.95),
            "new": percentile(new, 0.95),
            "held": percentile(held, 0.95),
            "answered": percentile(answered, 0.95),
        }
        print(
            f"{size:>6} series ({rows} due, {len(new_answer.completed)} completed):"
            f" series by series p95 {figures[size]['old']:7.1f} ms | set-based p95"
            f" {figures[size]['new']:6.1f} ms ({figures[size]['old'] / figures[size]['new']:.1f}x"
            f" faster) | the CO2 tab asking: GUI thread held p95 {figures[size]['held']:.2f} ms"
            f" (was the whole series-by-series time), lists shown after"
            f" {figures[size]['answered']:.1f} ms"
        )
        clinic.close()
    small, large = SIZES
    for what, key in (("series by series", "old"), ("set-based", "new")):
        growth = figures[large][key] / figures[small][key]
        per_series = (figures[large][key] / large) / (figures[small][key] / small)
        print(
            f"growth {small} -> {large} series, {what}: {growth:.2f}x"
            f" (per series: {1000 * figures[small][key] / small:.1f} ->"
            f" {1000 * figures[large][key] / large:.1f} us, {per_series:.2f}x)"
        )
    fast = figures[large]["new"] <= 100
    flat = figures[large]["new"] / figures[small]["new"] <= 1.5
    print(
        f"goal: set-based p95 <= 100 ms at {large} series ({'met' if fast else 'NOT met'}),"
        f" growth <= 1.5x ({'met' if flat else 'NOT met'})"
    )


if __name__ == "__main__":
    main()
