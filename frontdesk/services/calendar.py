"""Booking, moving and following appointments inside the office hours, and those hours."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta

from frontdesk.domain.appointments import (
    MAX_MINUTES,
    MIN_MINUTES,
    MINUTES_STEP,
    Appointment,
    AppointmentType,
    Attendance,
    ListedAppointment,
    Status,
    in_sentence,
    is_late_cancel,
    status_refusal,
    to_text,
    wall,
)
from frontdesk.domain.booking import (
    beyond_horizon,
    hours_refusal,
    latest_day,
    refusal,
    say_day,
    say_span,
    time_refusal,
)
from frontdesk.domain.hours import Closure, OfficeCalendar, WeeklyHours, holiday_closures
from frontdesk.domain.permissions import Permission
from frontdesk.domain.slots import next_free
from frontdesk.domain.text import NUL_PROBLEM, has_nul, unstorable
from frontdesk.services.changes import Entity
from frontdesk.services.clock import Clock, clinic_now, today
from frontdesk.services.errors import (
    ChangedElsewhere,
    NotFound,
    SlotRefused,
    ValidationFailed,
    known_id,
    plain_storage_errors,
)
from frontdesk.services.signed_in import SignedIn
from frontdesk.services.unit_of_work import UnitOfWork, check_allowed, record_event, unit_of_work
from frontdesk.storage import database
from frontdesk.storage.calendar import CalendarRepository
from frontdesk.storage.database import Database
from frontdesk.storage.db import write_transaction
from frontdesk.storage.patients import PatientRepository

ENTITY = Entity.APPOINTMENT
HOLIDAY_YEARS_AHEAD = 2  # this year's holidays and the next two years'
MAX_YEARS_AHEAD = 10  # looking further ahead than this adds no holidays
MAX_NOTE = 1000
MAX_REASON = 200


@contextmanager
def _double_booking_refused() -> Iterator[None]:
    """The database trigger's refusal, in the desk's words (another window was faster)."""
    try:
        yield
    except database.IntegrityError as exc:
        if "double booking" not in str(exc):
            raise
        raise SlotRefused(
            "That time was just taken by another booking. Nothing was saved; pick another time."
        ) from exc


def _as_audit(a: Appointment) -> dict[str, object]:
    return {
        "patient_id": a.patient_id,
        "type": a.type_code,
        "starts": to_text(a.starts),
        "ends": to_text(a.ends),
        "status": a.status.value,
        "late": a.late,
        "note": a.note,
    }


class CalendarService:
    def __init__(self, db: Database, clock: Clock = clinic_now) -> None:
        self._db = db
        self._clock = clock
        self._repo = CalendarRepository(db)
        self._patients = PatientRepository(db)
        self._holidays_through = 0  # holiday closures are in the database up to this year

    def now(self) -> datetime:
        return wall(self._clock())

    def today(self) -> date:
        return today(self._clock)

    # -- office hours and closures -------------------------------------------------------
    def add_default_closures(self, through_year: int | None = None) -> int:
        """Adds the holiday closures of this year and the next two (or through a later year).

        Each year is added once. Holidays are the clinic's defaults, not a staff member's
        change: no audit row. A default closure someone removed is not added again.
        """
        first = self.today().year
        last = max(first + HOLIDAY_YEARS_AHEAD, min(through_year or 0, first + MAX_YEARS_AHEAD))
        years = set(range(first, last + 1))
        if last <= self._holidays_through:
            return 0
        with plain_storage_errors("add the holiday closures"):
            missing = years - self._repo.holiday_years()
            if not missing:
                self._holidays_through = last
                return 0
            closures = holiday_closures(missing)
            with write_transaction(self._db):
                missing -= self._repo.holiday_years()  # another window may have been first
                added = [c for c in closures if c.first.year in missing]
                for closure in added:
                    self._repo.insert_closure(closure)
                for year in missing:
                    self._repo.mark_holiday_year(year)
        self._holidays_through = last
        return len(added)

    def hours(self) -> WeeklyHours:
        with plain_storage_errors("read the office hours"):
            return self._repo.weekly_hours()

    def office(self, first: date, last: date) -> OfficeCalendar:
        """The hours, with the closures that touch first..last (holidays added as needed)."""
        self.add_default_closures(last.year)
        with plain_storage_errors("read the office hours"):
            return OfficeCalendar(
                self._repo.weekly_hours(), tuple(self._repo.closures_between(first, last))
            )

    def closures(self, first: date | None = None, last: date | None = None) -> list[Closure]:
        with plain_storage_errors("read the closures"):
            return self._repo.closures_between(first or date.min, last or date.max)

    def set_hours(self, actor: SignedIn, hours: WeeklyHours) -> list[ListedAppointment]:
        """New weekly hours. Returns the booked appointments from today that no longer fit.

        Nothing is cancelled or moved: the desk decides what to do with each of them.
        """
        check_allowed(self._db, self._clock, actor, Permission.SETTINGS, "save the office hours")
        with unit_of_work(
            self._db, self._clock, actor, "save the office hours", needs=Permission.SETTINGS
        ) as work:
            before = self._repo.weekly_hours()
            self._repo.replace_hours(hours)
            work.record(
                "update", Entity.OFFICE_HOURS, None, _hours_audit(before), _hours_audit(hours)
            )
        return self.outside_hours()

    def add_closure(self, actor: SignedIn, closure: Closure) -> list[ListedAppointment]:
        check_allowed(self._db, self._clock, actor, Permission.SETTINGS, "add the closure")
        reason = closure.reason.strip()
        if not reason:
            raise ValidationFailed(
                {"reason": "Say why the office is closed (e.g. Staff training)."}
            )
        if len(reason) > MAX_REASON:
            raise ValidationFailed({"reason": f"Keep the reason under {MAX_REASON} characters."})
        if has_nul(reason):
            raise ValidationFailed({"reason": NUL_PROBLEM})
        if (closure.last - closure.first).days > 366:
            raise ValidationFailed({"last": "A closure is at most a year long."})
        said = beyond_horizon(closure.last, self.today(), "Closures can be added")
        if said:  # as far ahead as bookings go: 9999 is a typing slip
            raise ValidationFailed({"last": said})
        with unit_of_work(
            self._db, self._clock, actor, "add the closure", needs=Permission.SETTINGS
        ) as work:
            new_id = self._repo.insert_closure(Closure(closure.first, closure.last, reason))
            work.record("create", Entity.CLOSURE, new_id, None, _closure_audit(closure, reason))
        return self.outside_hours()

    def remove_closure(self, actor: SignedIn, closure_id: int) -> Closure:
        known_id(closure_id, "Closure")
        check_allowed(self._db, self._clock, actor, Permission.SETTINGS, "remove the closure")
        with unit_of_work(
            self._db, self._clock, actor, "remove the closure", needs=Permission.SETTINGS
        ) as work:
            closure = self._repo.get_closure(closure_id)
            if closure is None:
                raise NotFound("That closure was already removed.")
            self._repo.delete_closure(closure_id)
            work.record(
                "delete", Entity.CLOSURE, closure_id, _closure_audit(closure, closure.reason), None
            )
        return closure

    def outside_hours(self) -> list[ListedAppointment]:
        """Appointments still to come that the current hours or closures no longer allow.

        Only those the desk can still move or cancel (booked or confirmed) are listed.
        """
        with plain_storage_errors("check the appointments against the hours"):
            ahead = self._repo.movable_from(self.now())
            if not ahead:
                return []
            office = OfficeCalendar(
                self._repo.weekly_hours(),
                tuple(
                    self._repo.closures_between(self.today(), ahead[-1].appointment.starts.date())
                ),
            )
        # Only the hours and closures: each was booked when the rules allowed it (a 10:07 from
        # before the 5-minute grid is not "outside the hours"), and "now" is not a rule here.
        return [
            listed
            for listed in ahead
            if hours_refusal(office, listed.appointment.starts, listed.appointment.minutes)
        ]

    def booked_between(self, first: date, last: date) -> list[ListedAppointment]:
        """Booked or confirmed appointments still to come on the days first..last: whom a
        closure of those days would leave without their visit."""
        with plain_storage_errors("read the calendar"):
            return self._repo.movable_between(first, last, self.now())

    # -- appointment types ---------------------------------------------------------------
    def types(self) -> list[AppointmentType]:
        with plain_storage_errors("read the appointment types"):
            return self._repo.types()

    def type_of(self, code: str) -> AppointmentType:
        found = next((t for t in self.types() if t.code == code), None)
        if found is None:
            raise NotFound(f"There is no appointment type {code!r}.")
        return found

    def update_type(self, actor: SignedIn, code: str, name: str, minutes: int) -> AppointmentType:
        check_allowed(
            self._db, self._clock, actor, Permission.SETTINGS, "save the appointment type"
        )
        self.update_types(actor, [(code, name, minutes)])
        return self.type_of(code)

    def update_types(self, actor: SignedIn, edits: list[tuple[str, str, int]]) -> None:
        """(code, name, minutes) for each type changed: all saved, or none."""
        check_allowed(
            self._db, self._clock, actor, Permission.SETTINGS, "save the appointment types"
        )
        errors = {}
        for code, name, minutes in edits:
            if not name.strip():
                errors[f"{code}.name"] = "Give the appointment type a name."
            elif said := unstorable(name, "The name"):
                errors[f"{code}.name"] = said
            if not MIN_MINUTES <= minutes <= MAX_MINUTES or minutes % MINUTES_STEP:
                errors[f"{code}.minutes"] = (
                    f"A length is {MIN_MINUTES} minutes to {MAX_MINUTES // 60} hours,"
                    f" in steps of {MINUTES_STEP} minutes."
                )
        if errors:
            raise ValidationFailed(errors)
        with unit_of_work(
            self._db, self._clock, actor, "save the appointment types", needs=Permission.SETTINGS
        ) as work:
            stored = {t.code: t for t in self._repo.types()}
            for code, name, minutes in edits:
                before = stored.get(code)
                if before is None:
                    raise NotFound(f"There is no appointment type {code!r}.")
                self._repo.update_type(code, name.strip(), minutes)
                work.record(
                    "update",
                    Entity.APPOINTMENT_TYPE,
                    None,
                    {"code": code, "name": before.name, "minutes": before.minutes},
                    {"code": code, "name": name.strip(), "minutes": minutes},
                )

    # -- reading appointments ------------------------------------------------------------
    def is_empty(self) -> bool:
        with plain_storage_errors("read the calendar"):
            return not self._repo.any_appointment()

    def get(self, appointment_id: int) -> ListedAppointment:
        known_id(appointment_id, "Appointment")
        with plain_storage_errors("read the appointment"):
            found = self._repo.get_listed(appointment_id)
        if found is None:
            raise NotFound(f"Appointment #{appointment_id} does not exist.")
        return found

    def between(self, first: date, last: date) -> list[ListedAppointment]:
        """Every appointment starting on the days first..last, cancelled ones too."""
        with plain_storage_errors("read the calendar"):
            return self._repo.listed_between(first, last)

    def of_patient(self, patient_id: int) -> list[ListedAppointment]:
        known_id(patient_id, "Patient")
        with plain_storage_errors("read the patient's appointments"):
            return self._repo.of_patient(patient_id)

    def upcoming(self, patient_id: int) -> list[ListedAppointment]:
        """The patient's appointments still to come that hold a time, soonest first."""
        return self.upcoming_and_past(patient_id)[0]

    def upcoming_and_past(
        self, patient_id: int
    ) -> tuple[list[ListedAppointment], list[ListedAppointment]]:
        """The record's two lists from one read: to come (soonest first), the rest (latest
        first)."""
        now = self.now()
        every = self.of_patient(patient_id)
        coming = sorted(
            (a for a in every if a.appointment.status.holds_slot and a.appointment.ends > now),
            key=lambda a: a.appointment.starts,
        )
        ids = {a.appointment.id for a in coming}
        past = sorted(
            (a for a in every if a.appointment.id not in ids),
            key=lambda a: a.appointment.starts,
            reverse=True,
        )
        return coming, past

    def attendance(self, patient_id: int) -> Attendance:
        known_id(patient_id, "Patient")
        with plain_storage_errors("read the patient's attendance"):
            return self._repo.attendance(patient_id, self.now())

    def history(self, appointment_id: int) -> list[tuple[str, str, str]]:
        known_id(appointment_id, "Appointment")
        with plain_storage_errors("read the appointment's history"):
            return self._repo.history(appointment_id)

    def day_sheet_html(self, day: date, clinic_name: str) -> str:
        """The day's appointments with times and phone numbers, ready to print."""
        from frontdesk.handouts.day_sheet import day_sheet_html

        rows = self.between(day, day)
        return day_sheet_html(day, rows, self.office(day, day), self.now(), clinic_name)

    def day_sheet_given(self, actor: SignedIn, day: date, how: str) -> None:
        """A printed or saved day sheet carries every patient of the day: it is audited."""
        check_allowed(self._db, self._clock, actor, Permission.BOOK, "print the day sheet")
        record_event(
            self._db, self._clock, actor, "print" if how == "printed" else "export",
            "day_sheet", None, {"day": day.isoformat(), "how": how},
        )  # fmt: skip

    def next_free(
        self,
        type_code: str,
        start: datetime,
        count: int = 10,
        minutes: int | None = None,
        moving: int | None = None,
    ) -> list[datetime]:
        """The first `count` free starts on the quarter-hour grid, never before now.

        `moving` is an appointment being rescheduled: its own time counts as free.
        """
        if moving is not None:
            known_id(moving, "Appointment")
        length = self.type_of(type_code).minutes if minutes is None else minutes
        start = max(wall(start), self.now())
        latest = latest_day(self.today())
        if start.date() > latest:
            return []  # beyond what may be booked (and year 9999 has no two years after it)
        with plain_storage_errors("find free times"):
            office = self.office(start.date(), latest)
            return next_free(
                office,
                length,
                start,
                lambda first, last: self._repo.busy_between(first, last, moving),
                count,
                (latest - start.date()).days,
            )

    def why_not(
        self, starts: datetime, minutes: int, moving: int | None = None, what: str = "it"
    ) -> str | None:
        """The refusal a booking at `starts` would get now, for live feedback while choosing."""
        if moving is not None:
            known_id(moving, "Appointment")
        self.add_default_closures(starts.year)
        with plain_storage_errors("check the time"):
            return self._refusal(wall(starts), minutes, moving, what)

    def _refusal(self, starts: datetime, minutes: int, moving: int | None, what: str) -> str | None:
        """Inside or outside a transaction; callers add that year's holidays beforehand."""
        said = time_refusal(starts, minutes, self.now())
        if said is not None:  # nothing to read for a time that cannot be chosen (year 9999)
            return said
        day = starts.date()
        office = OfficeCalendar(
            self._repo.weekly_hours(), tuple(self._repo.closures_between(day, day))
        )
        busy = self._repo.busy_between(day, day, moving)
        return refusal(office, starts, minutes, self.now(), busy, what)

    # -- writing appointments ------------------------------------------------------------
    def book(
        self,
        actor: SignedIn,
        patient_id: int,
        type_code: str,
        starts: datetime,
        minutes: int | None = None,
        note: str = "",
    ) -> ListedAppointment:
        """Checks every rule and inserts in one IMMEDIATE transaction: no window can slip in."""
        known_id(patient_id, "Patient")
        starts = wall(starts)
        note = note.strip()
        if len(note) > MAX_NOTE:
            raise ValidationFailed({"note": f"Keep the note under {MAX_NOTE} characters."})
        if said := unstorable(note, "The note"):
            raise ValidationFailed({"note": said})
        self.add_default_closures(starts.year)
        with unit_of_work(
            self._db, self._clock, actor, "book the appointment", needs=Permission.BOOK
        ) as work:
            kind = next((t for t in self._repo.types() if t.code == type_code), None)
            if kind is None:
                raise NotFound(f"There is no appointment type {type_code!r}.")
            length = kind.minutes if minutes is None else minutes
            patient = self._patients.get(patient_id)
            if patient is None:
                raise NotFound(f"Patient #{patient_id} does not exist.")
            if patient.archived:
                raise SlotRefused(f"{patient.full_name} is archived: restore them before booking.")
            said = self._refusal(
                starts, length, None, f"a {length}-minute {in_sentence(kind.name)}"
            )
            if said is not None:
                raise SlotRefused(said)
            ends = starts + timedelta(minutes=length)
            with _double_booking_refused():
                new_id = self._repo.insert(
                    patient_id, type_code, starts, ends, note, work.actor.id, work.now
                )
            self._repo.add_history(
                new_id, work.now, work.actor.id, f"Booked for {_when(starts, ends)}"
            )
            booked = self._repo.get(new_id)
            assert booked is not None
            work.record("book", ENTITY, new_id, None, _as_audit(booked))
        return self.get(new_id)

    def reschedule(
        self, actor: SignedIn, appointment_id: int, starts: datetime, version: int
    ) -> ListedAppointment:
        """Moves it, keeping its length; the old time stays in its history."""
        known_id(appointment_id, "Appointment")
        starts = wall(starts)
        self.add_default_closures(starts.year)
        with unit_of_work(
            self._db, self._clock, actor, "move the appointment", needs=Permission.BOOK
        ) as work:
            current = self._current(appointment_id, version)
            if not current.status.movable:
                raise SlotRefused(f"A {current.status.label.lower()} appointment cannot be moved.")
            if current.starts < self.now():
                raise SlotRefused("Its time has already come: it can no longer be moved.")
            if starts == current.starts:
                raise ValidationFailed({"starts": "That is the time it already has."})
            said = self._refusal(starts, current.minutes, current.id, "it")
            if said is not None:
                raise SlotRefused(said)
            ends = starts + timedelta(minutes=current.minutes)
            with _double_booking_refused():
                self._repo.move(current.id, starts, ends)
            moved = f"Moved from {_when(current.starts, current.ends)} to {_when(starts, ends)}"
            if current.status is Status.CONFIRMED:  # the patient confirmed the old time
                self._repo.set_status(current.id, Status.BOOKED, False)
                moved += "; to be confirmed again"
            self._repo.add_history(current.id, work.now, work.actor.id, moved)
            self._audit_change(work, "reschedule", current)
        return self.get(appointment_id)

    def set_status(
        self, actor: SignedIn, appointment_id: int, status: Status, version: int
    ) -> ListedAppointment:
        """Confirmed, arrived, completed, cancelled (late if under 24 h, by patient), no-show."""
        known_id(appointment_id, "Appointment")
        with unit_of_work(
            self._db, self._clock, actor, "change the appointment", needs=Permission.BOOK
        ) as work:
            current = self._current(appointment_id, version)
            now = self.now()
            said = status_refusal(current, status, now)
            if said is None and status.holds_slot and not current.status.holds_slot:
                said = self._taking_back(current, status)
            if said is not None:
                raise SlotRefused(said)
            late = status is Status.CANCELLED_BY_PATIENT and is_late_cancel(
                current.starts, self._clock()
            )
            with _double_booking_refused():
                self._repo.set_status(current.id, status, late)
            what = status.label + (" (late: under 24 hours before)" if late else "")
            self._repo.add_history(current.id, work.now, work.actor.id, what)
            self._audit_change(work, "status", current)
        return self.get(appointment_id)

    def _taking_back(self, current: Appointment, status: Status) -> str | None:
        """A cancelled or missed appointment holding its time again: is the time still free?

        Booking it again is a new booking (every rule applies); a latecomer marked arrived
        after a no-show only needs the time not to have been given to someone else.
        """
        if status is Status.BOOKED:
            return self._refusal(current.starts, current.minutes, current.id, "it")
        day = current.starts.date()
        for held in self._repo.busy_between(day, day, current.id):
            if held.overlaps(current.starts, current.ends):
                return (
                    f"{say_span(held.starts, held.ends)} has been given to {held.label}"
                    " meanwhile: book the patient at another time."
                )
        return None

    def set_note(
        self, actor: SignedIn, appointment_id: int, note: str, version: int
    ) -> ListedAppointment:
        known_id(appointment_id, "Appointment")
        note = note.strip()
        if len(note) > MAX_NOTE:
            raise ValidationFailed({"note": f"Keep the note under {MAX_NOTE} characters."})
        if said := unstorable(note, "The note"):
            raise ValidationFailed({"note": said})
        with unit_of_work(
            self._db, self._clock, actor, "save the note", needs=Permission.BOOK
        ) as work:
            current = self._current(appointment_id, version)
            self._repo.set_note(current.id, note)
            self._audit_change(work, "note", current)
        return self.get(appointment_id)

    def _current(self, appointment_id: int, version: int) -> Appointment:
        current = self._repo.get(appointment_id)
        if current is None:
            raise NotFound(f"Appointment #{appointment_id} does not exist.")
        if current.version != version:
            raise ChangedElsewhere(
                "This appointment was changed in another window meanwhile. Nothing was saved;"
                " it now shows the latest."
            )
        return current

    def _audit_change(self, work: UnitOfWork, action: str, before: Appointment) -> None:
        after = self._repo.get(before.id)
        assert after is not None
        work.record(action, ENTITY, before.id, _as_audit(before), _as_audit(after))


def _when(starts: datetime, ends: datetime) -> str:
    return f"{say_day(starts.date())}, {say_span(starts, ends)}"


def _hours_audit(hours: WeeklyHours) -> dict[str, str]:
    """{'3': '10:00-17:00'}, or with a break {'3': '10:00-13:00, 14:00-17:00'}."""
    return {
        str(day): ", ".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in span.spans)
        for day, span in sorted(hours.days.items())
    }


def _closure_audit(closure: Closure, reason: str) -> dict[str, str]:
    return {"first": closure.first.isoformat(), "last": closure.last.isoformat(), "reason": reason}
