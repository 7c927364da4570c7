"""Who to call: the recall lists, worked out from a few set-based reads.

Every series in question, its last session and every held CO2 or review visit of its patient
are read in two queries whatever their number; the due dates then follow the same domain
rules (`SeriesOutline`, `reviews_due`) as a single series' page, in memory.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import NamedTuple

from frontdesk.domain.appointments import CO2_SESSION, RESULTS_REVIEW
from frontdesk.domain.co2 import (
    OpenDays,
    SeriesOutline,
    SeriesStatus,
    full_results_on,
    reviews_due,
)
from frontdesk.domain.dates import format_day
from frontdesk.domain.phones import display_phone
from frontdesk.storage.co2 import HeldVisit, RecallCandidate

RUNNING = (SeriesStatus.ACTIVE,)
FINISHED = (SeriesStatus.COMPLETED, SeriesStatus.ENDED)
VISIT_TYPES = (CO2_SESSION, RESULTS_REVIEW)


class RecallRow(NamedTuple):
    """Who to call about which series, and what to book (a tuple: a list has thousands)."""

    patient_id: int
    patient_name: str
    phone: str
    series_id: int
    what: str
    due: date
    type_code: str  # what to book for it
    overdue: bool


@dataclass(frozen=True)
class Recall:
    sessions_due: list[RecallRow]
    reviews_due: list[RecallRow]
    completed: list[RecallRow]


class HeldVisits:
    """The held visits of every patient in question, by patient and type, in order of day:
    'is one booked after this day?' is a bisection, not a query."""

    def __init__(self, visits: Iterable[HeldVisit]) -> None:
        self._days: dict[tuple[int, str], list[date]] = {}
        for visit in visits:  # read in order of time
            day = date.fromisoformat(visit.starts[:10])
            self._days.setdefault((visit.patient_id, visit.type_code), []).append(day)

    def any_after(
        self, patient_id: int, type_code: str, after: date, until: date | None = None
    ) -> bool:
        """A visit of that type on a day after `after` (and not after `until`)?"""
        days = self._days.get((patient_id, type_code))
        if not days:
            return False
        first = bisect_right(days, after)
        return first < len(days) and (until is None or days[first] <= until)


class RememberedDays:
    """The office's open days, each asked once: thousands of series share a few hundred due
    days, and each answer walks the closures."""

    def __init__(self, office: OpenDays) -> None:
        self._office = office
        self._open: dict[date, bool] = {}

    def is_open(self, day: date) -> bool:
        found = self._open.get(day)
        if found is None:
            found = self._open[day] = self._office.is_open(day)
        return found


def recall_lists(
    candidates: list[RecallCandidate],
    visits: HeldVisits,
    office: OpenDays,
    today: date,
    weeks: int,
) -> Recall:
    """Sessions overdue or due within `weeks` without a booking, reviews due, and series
    completed. Rows due the same day for the same name keep the order of `candidates`, the
    running series first."""
    candidates = sorted(candidates, key=lambda found: found.series.status not in RUNNING)
    horizon = today + timedelta(weeks=weeks)
    days = RememberedDays(office)
    due_rows: list[RecallRow] = []
    review_rows: list[RecallRow] = []
    done_rows: list[RecallRow] = []
    phones: dict[str, str] = {}  # a patient is in several rows: their phone written once

    def row(found: RecallCandidate, what: str, due: date, type_code: str, late: bool) -> RecallRow:
        series = found.series
        return RecallRow(
            patient_id=series.patient_id,
            patient_name=found.patient_name,
            phone=phones.get(found.phone_e164)
            or phones.setdefault(found.phone_e164, display_phone(found.phone_e164)),
            series_id=series.id,
            what=what,
            due=due,
            type_code=type_code,
            overdue=late and due < today,
        )

    for found in candidates:
        series = found.series
        if series.status not in RUNNING:
            continue
        due = series.next_due(days)
        if due is None or due > horizon:
            continue
        after = series.booked_after(days)
        assert after is not None
        if not visits.any_after(series.patient_id, CO2_SESSION, after):
            what = f"Session {series.done + 1} of {series.planned} due {format_day(due)}"
            due_rows.append(row(found, what, due, CO2_SESSION, True))
    for found in candidates:
        series = found.series

        def review_booked(after: date, until: date | None, of: SeriesOutline = series) -> bool:
            return visits.any_after(of.patient_id, RESULTS_REVIEW, after, until)

        for review in reviews_due(series, today, review_booked):
            if review.on <= horizon:
                review_rows.append(
                    row(found, review.what, review.on, RESULTS_REVIEW, review.can_be_late)
                )
    for found in candidates:
        series = found.series
        if series.status is not SeriesStatus.COMPLETED:
            continue
        assert series.last_day is not None
        full = full_results_on(series.last_day)
        what = (
            f"{series.planned} sessions, last {format_day(series.last_day)};"
            f" full results {format_day(full)}"
        )
        done_rows.append(row(found, what, full, RESULTS_REVIEW, False))

    def key(r: RecallRow) -> tuple[date, str]:
        return (r.due, r.patient_name)

    return Recall(
        sorted(due_rows, key=key), sorted(review_rows, key=key), sorted(done_rows, key=key)
    )
