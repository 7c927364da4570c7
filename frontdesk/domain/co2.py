"""The fractional CO2 laser series: how many sessions, when each is due, when results show."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import Enum
from functools import lru_cache
from typing import NamedTuple, Protocol

from frontdesk.domain.dates import format_day
from frontdesk.domain.hours import OfficeCalendar
from frontdesk.domain.intake import Region
from frontdesk.domain.text import storage_errors, unstorable

MIN_SESSIONS, MAX_SESSIONS = 3, 6
# Calendar months (Nov 30 + 3 months is Feb 28, or 29): see `months_after`.
INTERVAL = 3  # DOMAIN.md: one session every 3 calendar months
RESULTS_FROM = 3  # a session's results show 3 to 6 months after it
RESULTS_TO = 6
FULL_RESULTS = 12  # after the final session
MIN_REASON = 15  # characters: an override or an early end needs a sentence
BOOKED_EARLY = timedelta(days=45)  # a CO2 visit this far before the due date is for it
REVIEW_EARLY = timedelta(days=30)  # a review booked this close before its date counts for it
# Limits that catch a slip of the keyboard, well outside any real setting.
ENERGY_MJ = (1.0, 300.0)
DENSITY_PCT = (1.0, 100.0)
PASSES = (1, 10)


class SeriesStatus(Enum):
    ACTIVE = "active"
    PAUSED = "paused"
    ENDED = "ended"  # ended early, with a reason
    COMPLETED = "completed"  # every planned session done

    @property
    def label(self) -> str:
        return {
            "active": "Active",
            "paused": "Paused",
            "ended": "Ended early",
            "completed": "Completed",
        }[self.value]


def suggested_sessions(grade: int | None) -> tuple[int, str]:
    """A starting number of sessions from the Goodman & Baron grade, and why."""
    if grade is None:
        return 4, "No grade recorded: 4 sessions, the middle of 3 to 6. Grade the scars to refine."
    if grade <= 2:
        return 3, f"Grade {grade} (mild): 3 sessions, the fewest in a series."
    if grade == 3:
        return 4, "Grade 3 (moderate): 4 sessions."
    return 5, "Grade 4 (severe): 5 sessions; the series can be extended to 6."


def planned_refusal(planned: int) -> str | None:
    if not MIN_SESSIONS <= planned <= MAX_SESSIONS:
        return f"A series has {MIN_SESSIONS} to {MAX_SESSIONS} sessions."
    return None


class OpenDays(Protocol):
    """What the due-date rules ask of the office: is it open that day (hours and closures)."""

    def is_open(self, day: date) -> bool: ...


def first_open_on_or_after(day: date, office: OpenDays) -> date:
    """A due date on a closed day moves to the first open day after it."""
    for _ in range(370):
        if office.is_open(day):
            return day
        day += timedelta(days=1)
    return day  # no open day in a year: the office hours say the clinic never opens


_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


@lru_cache(maxsize=8192)
def months_after(day: date, months: int) -> date:
    """The same day `months` calendar months later, or the month's last day when it has no
    such day (as dateutil's relativedelta adds months). The recall lists ask it several times
    for every series, and series share days: answers are remembered."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    last = _MONTH_DAYS[month - 1]
    if month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
        last = 29
    return day.replace(year=year, month=month, day=min(day.day, last))


def due_after(previous: date, office: OpenDays) -> date:
    """3 calendar months after the previous session (Nov 30 -> Feb 28, or 29), on an open day."""
    return first_open_on_or_after(months_after(previous, INTERVAL), office)


def results_window(session: date) -> tuple[date, date]:
    return months_after(session, RESULTS_FROM), months_after(session, RESULTS_TO)


def full_results_on(final_session: date) -> date:
    return months_after(final_session, FULL_RESULTS)


@dataclass(frozen=True)
class Settings:
    """What the doctor set on the device for one session."""

    device: str
    energy_mj: float
    density_pct: float
    passes: int
    spot: str  # spot size or scan pattern
    mode: str


@dataclass(frozen=True)
class SessionDraft:
    performed_at: datetime  # clinic wall time
    settings: Settings
    areas: tuple[Region, ...]
    anaesthesia: str
    antiviral: bool
    response: str  # immediate response of the skin
    adverse: str = ""
    notes: str = ""


def draft_errors(draft: SessionDraft, now: datetime) -> dict[str, str]:
    """Plain-words problems with a session before it is signed; empty when none."""
    errors: dict[str, str] = {}
    s = draft.settings
    if not s.device.strip():
        errors["device"] = "Name the device used."
    if not ENERGY_MJ[0] <= s.energy_mj <= ENERGY_MJ[1]:
        errors["energy_mj"] = f"Energy is {ENERGY_MJ[0]:g} to {ENERGY_MJ[1]:g} mJ."
    if not DENSITY_PCT[0] <= s.density_pct <= DENSITY_PCT[1]:
        errors["density_pct"] = f"Density is {DENSITY_PCT[0]:g} to {DENSITY_PCT[1]:g} %."
    if not PASSES[0] <= s.passes <= PASSES[1]:
        errors["passes"] = f"Passes are {PASSES[0]} to {PASSES[1]}."
    if not s.spot.strip():
        errors["spot"] = "Give the spot size or the pattern."
    if not draft.areas:
        errors["areas"] = "Tick at least one treated area."
    if not draft.response.strip():
        errors["response"] = "Describe how the skin responded right after."
    if draft.performed_at > now:
        errors["performed_at"] = "A session is logged once it has been done, not before."
    # A signed session is never edited: text it cannot keep is refused before signing.
    errors |= storage_errors(
        {
            "device": ("The device", s.device),
            "spot": ("The spot size", s.spot),
            "mode": ("The mode", s.mode),
            "anaesthesia": ("The anaesthesia", draft.anaesthesia),
            "response": ("The skin's response", draft.response),
            "adverse": ("The adverse events", draft.adverse),
            "notes": ("The notes", draft.notes),
        }
    )
    return errors


@dataclass(frozen=True)
class Addendum:
    at: str
    staff_name: str
    text: str


@dataclass(frozen=True)
class SignedSession:
    """A logged session: signed when saved, never edited; corrections are addenda."""

    id: int
    series_id: int
    number: int
    draft: SessionDraft
    signed_at: str
    signed_by: str
    early_reason: str = ""
    addenda: tuple[Addendum, ...] = ()

    @property
    def day(self) -> date:
        return self.draft.performed_at.date()


class SeriesOutline(NamedTuple):
    """What a series' dates follow from: its plan, its state and its last session.

    The recall lists read this for every series at once, without the signed records (a
    tuple: thousands are made per list); a full `Series` answers its own dates through its
    outline, so both follow the same rules.
    """

    id: int
    patient_id: int
    planned: int
    status: SeriesStatus
    opened_on: date
    done: int
    last_number: int | None = None  # None: no session yet
    last_day: date | None = None

    @property
    def wants_session(self) -> bool:
        return self.status is SeriesStatus.ACTIVE and self.done < self.planned

    def next_due(self, office: OpenDays) -> date | None:
        """When the next session is due; None when none is (done, ended, or not started)."""
        if not self.wants_session:
            return None
        if self.last_day is None:
            return first_open_on_or_after(self.opened_on, office)
        return due_after(self.last_day, office)

    def booked_after(self, office: OpenDays) -> date | None:
        """A CO2 visit booked after this day is the next session's (None: no next session).

        A visit booked for the session just done is not the next one's: from the last
        session, only one within BOOKED_EARLY of the due date counts."""
        if not self.wants_session:
            return None
        if self.last_day is None:
            return self.opened_on - timedelta(days=1)
        due = self.next_due(office)
        assert due is not None
        return max(self.last_day, due - BOOKED_EARLY)


@dataclass(frozen=True)
class ReviewDue:
    """A results review the series still needs booked, from `on`."""

    on: date
    what: str
    can_be_late: bool  # the full-results review stays due; a window's review closes


# Is a results review booked after the first day (up to the second, if given)?
ReviewBooked = Callable[[date, date | None], bool]


def reviews_due(series: SeriesOutline, today: date, booked: ReviewBooked) -> list[ReviewDue]:
    """The last session's results window (while it is open) and, once the series is over,
    the full-results review: each unless a review is booked for it."""
    if series.last_day is None:
        return []
    due = []
    opens, closes = results_window(series.last_day)
    if closes >= today and not booked(opens - REVIEW_EARLY, closes):
        said = (
            f"Results of session {series.last_number}: {format_day(opens)} to {format_day(closes)}"
        )
        due.append(ReviewDue(opens, said, False))
    if series.status in (SeriesStatus.COMPLETED, SeriesStatus.ENDED):
        full = full_results_on(series.last_day)
        if not booked(full - REVIEW_EARLY, None):
            due.append(ReviewDue(full, f"Full results review {format_day(full)}", True))
    return due


@dataclass(frozen=True)
class Series:
    id: int
    patient_id: int
    planned: int
    status: SeriesStatus
    opened_on: date
    reason: str  # why it was paused or ended, or the plan's explanation
    version: int
    sessions: tuple[SignedSession, ...] = field(default_factory=tuple)

    @property
    def done(self) -> int:
        return len(self.sessions)

    @property
    def last(self) -> SignedSession | None:
        return self.sessions[-1] if self.sessions else None

    @property
    def open(self) -> bool:
        return self.status in (SeriesStatus.ACTIVE, SeriesStatus.PAUSED)

    @property
    def outline(self) -> SeriesOutline:
        last = self.last
        return SeriesOutline(
            self.id,
            self.patient_id,
            self.planned,
            self.status,
            self.opened_on,
            self.done,
            last.number if last else None,
            last.day if last else None,
        )

    def next_due(self, office: OpenDays) -> date | None:
        """When the next session is due; None when none is (done, ended, or not started)."""
        return self.outline.next_due(office)

    def projected_dates(
        self, office: OfficeCalendar, today: date | None = None, booked: date | None = None
    ) -> list[date]:
        """Done sessions' days, then each planned one 3 months after the one before.

        The next one is on its booked day if it has one; an overdue one is projected from
        today (a session cannot happen in the past), so the later ones follow from there.
        """
        days = [s.day for s in self.sessions]
        if self.status is not SeriesStatus.ACTIVE:
            return days
        while len(days) < self.planned:
            if len(days) == len(self.sessions):  # the next session to happen
                nxt = self.next_due(office)
                assert nxt is not None
                if booked is not None:
                    nxt = booked
                elif today is not None and nxt < today:
                    nxt = first_open_on_or_after(today, office)
                days.append(nxt)
            else:
                days.append(due_after(days[-1], office))
        return days

    def full_results(
        self, office: OfficeCalendar, today: date | None = None, booked: date | None = None
    ) -> date | None:
        """12 months after the final session: done, or projected while the series runs."""
        if self.status is SeriesStatus.COMPLETED or self.status is SeriesStatus.ENDED:
            return full_results_on(self.last.day) if self.last else None
        days = self.projected_dates(office, today, booked)
        return full_results_on(days[-1]) if days else None


def timing_refusal(due: date | None, performed: date, early_reason: str) -> str | None:
    """A session before its due date needs the doctor's override with a reason."""
    if due is not None and performed < due and (said := unstorable(early_reason, "The reason")):
        return said
    if due is not None and performed < due and len(early_reason.strip()) < MIN_REASON:
        return (
            f"This session is due on {format_day(due)}: earlier needs the"
            " doctor's reason (a sentence) to override."
        )
    return None


def extend_refusal(series: Series, planned: int) -> str | None:
    """A running or completed series can take more sessions (up to 6); an ended one cannot."""
    if series.status is SeriesStatus.ENDED:
        return "A series ended early cannot be extended: open a new one."
    if planned <= series.planned:
        return f"The series already plans {series.planned} sessions: extend it to more."
    return planned_refusal(planned)


def glance(
    series: Series, office: OfficeCalendar, today: date | None = None, booked: date | None = None
) -> str:
    """'Session 2 of 4 - next due Mon, Mar 1, 2027 - full results expected ~Mar 2028'."""
    parts = [
        f"Session {series.done} of {series.planned}"
        if series.done
        else f"Series of {series.planned}, not started"
    ]
    due = series.next_due(office)
    if series.status is SeriesStatus.PAUSED:
        parts.append(f"paused: {series.reason}")
    elif series.status is SeriesStatus.ENDED:
        parts.append(f"ended early: {series.reason}")
    elif series.status is SeriesStatus.COMPLETED:
        parts.append("series completed")
    elif due is not None:
        late = " (overdue)" if today is not None and due < today else ""
        parts.append(f"next due {format_day(due)}{late}")
    paused = series.status is SeriesStatus.PAUSED
    full = None if paused else series.full_results(office, today, booked)
    if full is not None:
        verb = "expected" if series.status is not SeriesStatus.COMPLETED else "review"
        parts.append(f"full results {verb} ~{full:%b %Y}")
    return " - ".join(parts)
