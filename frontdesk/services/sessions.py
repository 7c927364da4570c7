"""CO2 laser series: opening, logging and signing sessions, and who is due for what."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from frontdesk.domain.appointments import CO2_SESSION, RESULTS_REVIEW, ListedAppointment, to_text
from frontdesk.domain.assessment import Eligibility
from frontdesk.domain.co2 import (
    MIN_REASON,
    ReviewDue,
    Series,
    SeriesStatus,
    SessionDraft,
    SignedSession,
    draft_errors,
    extend_refusal,
    glance,
    planned_refusal,
    reviews_due,
    suggested_sessions,
    timing_refusal,
)
from frontdesk.domain.dates import format_day, format_moment
from frontdesk.domain.hours import OfficeCalendar
from frontdesk.domain.permissions import Permission
from frontdesk.domain.text import NUL_PROBLEM, has_nul, unstorable
from frontdesk.services.calendar import CalendarService
from frontdesk.services.changes import Entity
from frontdesk.services.clock import Clock, today
from frontdesk.services.errors import (
    ChangedElsewhere,
    NotFound,
    ValidationFailed,
    plain_storage_errors,
)
from frontdesk.services.intake import IntakeService
from frontdesk.services.recall import (
    FINISHED,
    RUNNING,
    VISIT_TYPES,
    HeldVisits,
    Recall,
    RecallRow,
    recall_lists,
)
from frontdesk.services.signed_in import SignedIn
from frontdesk.services.unit_of_work import UnitOfWork, check_allowed, unit_of_work
from frontdesk.storage.co2 import SeriesRepository, record_json
from frontdesk.storage.database import Database
from frontdesk.storage.patients import PatientRepository

SERIES = Entity.SERIES
SESSION = Entity.SESSION
PLANNING_YEARS = 4  # closures are read this far ahead when projecting a series
MIN_GAP = timedelta(weeks=4)  # even with the doctor's reason, sessions are this far apart
EARLIEST_FIRST_SESSION = timedelta(days=14)  # logged at the visit the series was opened


@dataclass(frozen=True)
class Proposal:
    """A time offered for the next visit; nothing is booked until someone clicks."""

    type_code: str
    due: date
    starts: datetime | None  # the first free time on or after `due`, if any
    why: str
    booked: ListedAppointment | None = None  # already on the calendar: nothing to offer


@dataclass(frozen=True)
class SeriesPage:
    """Everything a patient's CO2 page shows, read in one call (one refusal, said once)."""

    series: Series | None  # the newest, running or finished
    office: OfficeCalendar  # hours and closures from the series' start on
    eligibility: Eligibility
    glance: str
    booked: ListedAppointment | None  # the next session's booked visit
    next_due: date | None  # the next session's due date, once one session is done
    next_offer: Proposal | None
    review_offers: list[Proposal]
    earlier: list[tuple[str, Series]]  # older series with their glance, newest first


__all__ = ["Proposal", "Recall", "RecallRow", "SeriesPage", "SessionService"]


def _series_audit(series: Series) -> dict:
    return {
        "patient_id": series.patient_id,
        "planned": series.planned,
        "status": series.status.value,
        "reason": series.reason,
    }


class SessionService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        intakes: IntakeService,
        calendar: CalendarService,
    ) -> None:
        self._db = db
        self._clock = clock
        self._intakes = intakes
        self._calendar = calendar
        self._repo = SeriesRepository(db)
        self._patients = PatientRepository(db)

    def today(self) -> date:
        return today(self._clock)

    def office(self, series: Series | None = None) -> OfficeCalendar:
        """Hours and closures from the series' start to a few years ahead."""
        first = min(series.opened_on if series else self.today(), self.today())
        last = date(self.today().year + PLANNING_YEARS, 12, 31)
        return self._calendar.office(first, last)

    # -- reading -----------------------------------------------------------------------------
    def current(self, patient_id: int) -> Series | None:
        """The patient's newest series, running or finished."""
        history = self.history(patient_id)
        return history[0] if history else None

    def history(self, patient_id: int) -> list[Series]:
        with plain_storage_errors("read the CO2 series"):
            return self._repo.of_patient(patient_id)

    def page(self, patient_id: int) -> SeriesPage:
        """The patient's series page: the newest series, its dates, bookings and offers, the
        laser verdict, and the earlier series."""
        history = self.history(patient_id)
        series = history[0] if history else None
        booked = self.next_session_booking(series) if series else None
        return SeriesPage(
            series=series,
            office=self.office(series),
            eligibility=self.eligibility(patient_id),
            glance=self.glance(series) if series else "",
            booked=booked,
            next_due=self.next_due(series) if series and series.last else None,
            next_offer=self.next_session_proposal(series) if series else None,
            review_offers=self.review_proposals(series) if series else [],
            earlier=[(self.glance(old), old) for old in history[1:]],
        )

    def get(self, series_id: int) -> Series:
        with plain_storage_errors("read the CO2 series"):
            series = self._repo.get(series_id)
        if series is None:
            raise NotFound(f"CO2 series #{series_id} does not exist.")
        return series

    def eligibility(self, patient_id: int) -> Eligibility:
        """May the patient have laser today (the intake's verdict, re-read each time)?"""
        return self._intakes.eligibility(patient_id)

    def suggestion(self, patient_id: int) -> tuple[int, str]:
        latest = self._intakes.latest(patient_id)
        return suggested_sessions(latest.intake.grade if latest else None)

    def glance(self, series: Series) -> str:
        """The series at a glance, with the next session's booking when there is one."""
        booked = self.next_session_booking(series)
        day = booked.appointment.starts.date() if booked else None
        said = glance(series, self.office(series), self.today(), day)
        if booked is not None:
            starts = booked.appointment.starts
            said += f" - booked {format_moment(starts)}"
        return said

    def next_due(self, series: Series) -> date | None:
        return series.next_due(self.office(series))

    def next_session_booking(self, series: Series) -> ListedAppointment | None:
        """The booked visit for the series' next session, if the desk has booked one."""
        outline = series.outline
        if not outline.wants_session:
            return None
        after = outline.booked_after(self.office(series))
        assert after is not None
        return self._booking(series.patient_id, CO2_SESSION, after)

    def stray_bookings(self, series: Series) -> list[ListedAppointment]:
        """CO2 visits still booked that no planned session of the series needs any more
        (a session done early, a series completed, paused or ended): for the desk to cancel."""
        needed = self.next_session_booking(series)
        after = series.last.day if series.last else series.opened_on - timedelta(days=1)
        return [
            a
            for a in self._calendar.upcoming(series.patient_id)
            if a.appointment.type_code == CO2_SESSION
            and a.appointment.starts.date() > after
            and (needed is None or a.appointment.id != needed.appointment.id)
        ]

    def progress(self, patient_id: int) -> str:
        """One line for the registry: where the patient's series stands ('' when none)."""
        series = self.current(patient_id)
        return self.glance(series) if series else ""

    # -- writing: the doctor's ----------------------------------------------------------------
    def open_series(self, actor: SignedIn, patient_id: int, planned: int) -> Series:
        """A new series for an eligible patient; one series runs at a time."""
        check_allowed(self._db, self._clock, actor, Permission.CO2_SERIES, "open the CO2 series")
        said = planned_refusal(planned)
        if said:
            raise ValidationFailed({"planned": said})
        allowed = self._intakes.eligibility(patient_id)
        if not allowed.allowed:
            raise ValidationFailed(
                {"eligibility": "Laser is not allowed yet: " + " ".join(allowed.reasons)}
            )
        latest = self._intakes.latest(patient_id)
        with unit_of_work(
            self._db, self._clock, actor, "open the CO2 series", needs=Permission.CO2_SERIES
        ) as work:
            if self._patients.get(patient_id) is None:
                raise NotFound(f"Patient #{patient_id} does not exist.")
            running = next((s for s in self._repo.of_patient(patient_id) if s.open), None)
            if running is not None:
                raise ValidationFailed(
                    {"series": "A series is already running: extend, end or complete it first."}
                )
            new_id = self._repo.insert(
                patient_id, planned, self.today(), work.actor.id, latest.id if latest else None
            )
            opened = self._repo.get(new_id)
            assert opened is not None
            work.record("open", SERIES, new_id, None, _series_audit(opened))
        return opened

    def log_session(
        self,
        actor: SignedIn,
        series_id: int,
        draft: SessionDraft,
        early_reason: str = "",
        number: int | None = None,
    ) -> Series:
        """Records and signs the next session. Signed, it is never edited (addenda only).

        `number` is the session the form was opened for: if another window signed it
        meanwhile, this one is refused instead of becoming the session after it.
        """
        check_allowed(self._db, self._clock, actor, Permission.SIGN_SESSION, "sign the session")
        now = self._calendar.now()
        errors = draft_errors(draft, now)
        if errors:
            raise ValidationFailed(errors)
        series = self.get(series_id)
        allowed = self._intakes.eligibility(series.patient_id)  # re-checked before each session
        if not allowed.allowed:
            raise ValidationFailed(
                {
                    "eligibility": "Laser is not allowed today: "
                    + " ".join(allowed.reasons)
                    + " Record a new intake, or the doctor's override, first."
                }
            )
        office = self.office(series)
        with unit_of_work(
            self._db, self._clock, actor, "sign the session", needs=Permission.SIGN_SESSION
        ) as work:
            latest = self._repo.get(series_id)  # as it is inside the transaction
            assert latest is not None
            series = latest
            if series.status is not SeriesStatus.ACTIVE:
                raise ValidationFailed(
                    {"series": f"The series is {series.status.label.lower()}: no session to log."}
                )
            if number is not None and number != series.done + 1:
                raise ChangedElsewhere(
                    f"Session {number} was signed in another window meanwhile. Nothing was"
                    " saved; look at the log before logging the next one."
                )
            if series.done >= series.planned:
                raise ValidationFailed({"series": "Every planned session is logged."})
            if series.last is None and (
                draft.performed_at.date() < series.opened_on - EARLIEST_FIRST_SESSION
            ):
                raise ValidationFailed(
                    {
                        "performed_at": "The first session cannot be more than two weeks"
                        f" before the series was opened ({_day(series.opened_on)})."
                    }
                )
            last = series.last
            if last is not None and draft.performed_at.date() < last.day + MIN_GAP:
                raise ValidationFailed(
                    {
                        "performed_at": f"Sessions are at least {MIN_GAP.days // 7} weeks apart:"
                        f" the last one was {_day(last.day)}."
                    }
                )
            due = series.next_due(office) if series.last else None
            said = timing_refusal(due, draft.performed_at.date(), early_reason)
            if said:
                raise ValidationFailed({"early_reason": said})
            number = series.done + 1
            reason = early_reason.strip() if due and draft.performed_at.date() < due else ""
            session_id = self._repo.sign(series.id, number, draft, reason, work.now, work.actor.id)
            work.record(
                "sign",
                SESSION,
                session_id,
                None,
                # Every column a signed session keeps: `audit verify` compares them.
                {
                    "series_id": series.id,
                    "number": number,
                    "record": record_json(draft),
                    "performed_at": to_text(draft.performed_at),
                    "early_reason": reason,
                },
                patient_id=series.patient_id,  # whose record changed, for the views
            )
            if number == series.planned:
                self._change(work, series, series.planned, SeriesStatus.COMPLETED, "")
        return self.get(series_id)

    def add_addendum(self, actor: SignedIn, session_id: int, text: str) -> SignedSession:
        """A correction or a later note: the signed entry stays as it was."""
        check_allowed(self._db, self._clock, actor, Permission.SIGN_SESSION, "add the addendum")
        if not text.strip():
            raise ValidationFailed({"text": "Write the addendum first."})
        if has_nul(text):
            raise ValidationFailed({"text": NUL_PROBLEM})
        with unit_of_work(
            self._db, self._clock, actor, "add the addendum", needs=Permission.SIGN_SESSION
        ) as work:
            signed = self._repo.session(session_id)
            if signed is None:
                raise NotFound(f"Session #{session_id} does not exist.")
            series = self._repo.get(signed.series_id)
            new_id = self._repo.add_addendum(session_id, work.now, work.actor.id, text.strip())
            work.record(
                "addendum",
                SESSION,
                session_id,
                None,
                {"addendum": new_id, "text": text},
                patient_id=series.patient_id if series else None,
            )
        found = self._repo.session(session_id)
        assert found is not None
        return found

    def extend(self, actor: SignedIn, series_id: int, planned: int, version: int) -> Series:
        check_allowed(self._db, self._clock, actor, Permission.CO2_SERIES, "extend the series")
        with unit_of_work(
            self._db, self._clock, actor, "extend the series", needs=Permission.CO2_SERIES
        ) as work:
            series = self._current(series_id, version)
            said = extend_refusal(series, planned)
            if said:
                raise ValidationFailed({"planned": said})
            status = series.status  # a completed series runs again for the added sessions
            if status is SeriesStatus.COMPLETED:
                status = SeriesStatus.ACTIVE
            self._change(work, series, planned, status, series.reason)
        return self.get(series_id)

    def pause(self, actor: SignedIn, series_id: int, reason: str, version: int) -> Series:
        return self._stop(actor, series_id, reason, version, SeriesStatus.PAUSED, "pause")

    def end_early(self, actor: SignedIn, series_id: int, reason: str, version: int) -> Series:
        return self._stop(actor, series_id, reason, version, SeriesStatus.ENDED, "end")

    def resume(self, actor: SignedIn, series_id: int, version: int) -> Series:
        with unit_of_work(
            self._db, self._clock, actor, "resume the series", needs=Permission.CO2_SERIES
        ) as work:
            series = self._current(series_id, version)
            if series.status is not SeriesStatus.PAUSED:
                raise ValidationFailed({"series": "Only a paused series can be resumed."})
            self._change(work, series, series.planned, SeriesStatus.ACTIVE, "")
        return self.get(series_id)

    def _stop(
        self,
        actor: SignedIn,
        series_id: int,
        reason: str,
        version: int,
        status: SeriesStatus,
        verb: str,
    ) -> Series:
        if len(reason.strip()) < MIN_REASON:
            raise ValidationFailed({"reason": f"Write down in a sentence why you {verb} it."})
        if said := unstorable(reason, "The reason"):
            raise ValidationFailed({"reason": said})
        with unit_of_work(
            self._db, self._clock, actor, f"{verb} the series", needs=Permission.CO2_SERIES
        ) as work:
            series = self._current(series_id, version)
            if not series.open:
                raise ValidationFailed(
                    {"series": f"The series is already {series.status.label.lower()}."}
                )
            self._change(work, series, series.planned, status, reason.strip())
        return self.get(series_id)

    def _current(self, series_id: int, version: int) -> Series:
        series = self._repo.get(series_id)
        if series is None:
            raise NotFound(f"CO2 series #{series_id} does not exist.")
        if series.version != version:
            raise ChangedElsewhere(
                "This series was changed in another window meanwhile. Nothing was saved;"
                " it now shows the latest."
            )
        return series

    def _change(
        self, work: UnitOfWork, series: Series, planned: int, status: SeriesStatus, reason: str
    ) -> None:
        self._repo.update(series.id, planned, status, reason)
        after = self._repo.get(series.id)
        assert after is not None
        work.record("update", SERIES, series.id, _series_audit(series), _series_audit(after))

    # -- scheduling ----------------------------------------------------------------------------
    def next_session_proposal(self, series: Series) -> Proposal | None:
        """The next session placed on the first free time on or after its due date."""
        due = self.next_due(series)
        if due is None:
            return None
        why = f"Session {series.done + 1} of {series.planned} is due {_day(due)}."
        booked = self.next_session_booking(series)
        if booked is not None:
            return Proposal(CO2_SESSION, due, None, why, booked)
        return self._proposal(CO2_SESSION, due, why)

    def review_proposals(self, series: Series) -> list[Proposal]:
        """Results reviews not booked yet: the last session's results window (while it is
        open), and the full-results review of a finished series."""
        return [
            self._proposal(RESULTS_REVIEW, max(review.on, self.today()), review.what)
            for review in self._reviews_due(series)
        ]

    def _reviews_due(self, series: Series) -> list[ReviewDue]:
        def booked(after: date, until: date | None) -> bool:
            return self._booking(series.patient_id, RESULTS_REVIEW, after, until) is not None

        return reviews_due(series.outline, self.today(), booked)

    def _proposal(self, type_code: str, due: date, why: str) -> Proposal:
        start = datetime.combine(max(due, self.today()), time(0))
        found = self._calendar.next_free(type_code, start, 1)
        return Proposal(type_code, due, found[0] if found else None, why)

    # -- recall ------------------------------------------------------------------------------
    def recall(self, weeks: int) -> Recall:
        """Sessions overdue or due within `weeks` without a booking, reviews due, and series
        completed: each row names who to call and what to book. Archived patients are left
        out. Read in a few queries whatever the number of series (see services/recall.py)."""
        today = self.today()
        with plain_storage_errors("read the recall lists"):
            candidates = self._repo.outlines_for_recall(RUNNING + FINISHED)
            visits = HeldVisits(self._repo.held_visits(VISIT_TYPES, RUNNING + FINISHED))
        # Closures from the oldest running series on: its first session may be due on one.
        first = min(
            (c.series.opened_on for c in candidates if c.series.status in RUNNING),
            default=today,
        )
        office = self._calendar.office(min(first, today), date(today.year + PLANNING_YEARS, 12, 31))
        return recall_lists(candidates, visits, office, today, weeks)

    def _booking(
        self, patient_id: int, type_code: str, after: date, until: date | None = None
    ) -> ListedAppointment | None:
        """The patient's first held booking of that type after the day `after` (to `until`)."""
        found = [
            a
            for a in self._calendar.of_patient(patient_id)
            if a.appointment.type_code == type_code
            and a.appointment.status.holds_slot
            and a.appointment.starts.date() > after
            and (until is None or a.appointment.starts.date() <= until)
        ]
        return min(found, key=lambda a: a.appointment.starts) if found else None

    def upcoming(self, patient_id: int) -> list[ListedAppointment]:
        return self._calendar.upcoming(patient_id)


def _day(day: date) -> str:
    return format_day(day)
