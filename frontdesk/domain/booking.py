"""Whether an appointment may take a time, said in the words the desk would use."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta

from frontdesk.domain.appointments import MAX_MINUTES, MINUTES_STEP, exists_on_the_clock
from frontdesk.domain.clinic import CLINIC_TZ
from frontdesk.domain.dates import format_day
from frontdesk.domain.hours import WEEKDAY_NAMES, OfficeCalendar, break_refusal, format_time

HORIZON_YEARS = 2  # a booking further ahead is a typing slip (2062 for 2026, year 9999)


def latest_day(today: date) -> date:
    """The last day an appointment (or a closure) may be put on, seen from `today`."""
    return today + relativedelta(years=HORIZON_YEARS)


def beyond_horizon(day: date, today: date, what: str = "Appointments can be booked") -> str | None:
    """Why `day` is too far ahead to book (or close the office), or None."""
    last = latest_day(today)
    if day <= last:
        return None
    return (
        f"{what} at most {HORIZON_YEARS} years ahead, until {say_day(last)}:"
        f" {say_day(day)} is further."
    )


def off_grid(starts: datetime, minutes: int) -> str | None:
    """Why a start or a length is off the 5-minute grid the calendar is drawn on, or None."""
    step = MINUTES_STEP
    if minutes % step:
        shorter = max(minutes - minutes % step, step)
        return (
            f"An appointment lasts whole {step}-minute steps: {shorter} or"
            f" {shorter + step} minutes, not {minutes}."
        )
    if starts.minute % step:  # wall times carry no seconds
        down = starts.hour * 60 + starts.minute - starts.minute % step
        up = (down + step) % (24 * 60)  # clock arithmetic: no date, so no overflow in 9999
        return (
            f"Appointments start on the {step}-minute grid: {_clock(down)} or {_clock(up)},"
            f" not {format_time(starts.time())}."
        )
    return None


def _clock(minutes: int) -> str:
    return format_time(time(minutes // 60, minutes % 60))


@dataclass(frozen=True)
class Busy:
    """A stretch of the day already held by an appointment (one doctor, one room)."""

    starts: datetime
    ends: datetime
    label: str = "another appointment"
    appointment_id: int | None = None

    def overlaps(self, starts: datetime, ends: datetime) -> bool:
        return self.starts < ends and starts < self.ends  # back-to-back is not an overlap


def say_day(day: date) -> str:
    """A day in a sentence, the app's one way: 'Mon, Dec 7, 2026'."""
    return format_day(day)


def say_span(starts: datetime, ends: datetime) -> str:
    return f"{format_time(starts.time())}-{format_time(ends.time())}"


def skips_clock_change(starts: datetime, ends: datetime) -> bool:
    """True when the span starts, ends or runs through the hour skipped in spring."""
    last_minute = ends - timedelta(minutes=1)  # ending at 2:00 am, just as clocks jump, is fine
    if not (exists_on_the_clock(starts) and exists_on_the_clock(last_minute)):
        return True
    offset_before, offset_after = CLINIC_TZ.utcoffset(starts), CLINIC_TZ.utcoffset(last_minute)
    return offset_before is not None and offset_after is not None and offset_after > offset_before


def time_refusal(
    starts: datetime, minutes: int, now: datetime, *, chosen: bool = True
) -> str | None:
    """The rules that need neither the hours nor the calendar: the length, the grid, the past
    and the horizon. Checked before anything is read for that day (year 9999 has no next day)."""
    if minutes <= 0:
        return "An appointment lasts at least one minute."
    if minutes > MAX_MINUTES:
        return f"An appointment lasts at most {MAX_MINUTES // 60} hours."
    if chosen and (said := off_grid(starts, minutes)):
        return said
    if starts < now:
        return f"{format_time(starts.time())} on {say_day(starts.date())} has already passed."
    if chosen:
        return beyond_horizon(starts.date(), now.date())
    return None


def refusal(
    office: OfficeCalendar,
    starts: datetime,
    minutes: int,
    now: datetime,
    busy: Iterable[Busy],
    what: str = "the appointment",
    *,
    chosen: bool = True,
) -> str | None:
    """Why `what` cannot start at `starts` for `minutes` (wall times), or None if it may.

    Rules in the order the desk would explain them: off the 5-minute grid, already past, too
    far ahead, closed that day, outside that day's hours or in its break, taken by someone
    else. `chosen` False leaves out grid and horizon, rules for a time being picked; a stored
    appointment is re-checked with `hours_refusal` alone (see there).
    """
    said = time_refusal(starts, minutes, now, chosen=chosen)
    if said is not None:
        return said
    said = hours_refusal(office, starts, minutes, what)
    if said is not None:
        return said
    ends = starts + timedelta(minutes=minutes)
    day = starts.date()
    for held in busy:
        if held.overlaps(starts, ends):
            return (
                f"{say_span(held.starts, held.ends)} on {say_day(day)} is already taken"
                f" by {held.label}."
            )
    return None


def hours_refusal(
    office: OfficeCalendar, starts: datetime, minutes: int, what: str = "the appointment"
) -> str | None:
    """Why the office's hours or closures do not allow starts..+minutes, or None.

    Nothing about the clock of now, the grid or other bookings: this is also the re-check of
    a stored appointment after the hours or closures changed (it was booked when allowed).
    """
    ends = starts + timedelta(minutes=minutes)
    day = starts.date()
    closure = office.closure_on(day)
    if closure is not None:
        return f"The office is closed on {say_day(day)}: {closure.reason}."
    hours = office.hours.on(day.weekday())
    weekday = WEEKDAY_NAMES[day.weekday()]
    if hours is None:
        return f"The office is closed on {weekday}s."
    if starts.time() < hours.opens:
        return f"{weekday} hours start at {format_time(hours.opens)}."
    if starts.time() >= hours.closes:
        return f"{weekday} hours end at {format_time(hours.closes)}."
    if ends.date() != day or ends.time() > hours.closes:
        return (
            f"{weekday} hours end at {format_time(hours.closes)}: {what} at"
            f" {format_time(starts.time())} would run to {format_time(ends.time())}."
        )
    if hours.in_break(starts.time(), ends.time()):
        said = break_refusal(day.weekday(), hours)
        if hours.break_starts is not None and starts.time() < hours.break_starts:
            return (
                f"{said}: {what} at {format_time(starts.time())} would run to"
                f" {format_time(ends.time())}."
            )
        return f"{said}."
    if skips_clock_change(starts, ends):
        return (
            f"Clocks go forward on {say_day(day)}: the hour from 2:00 am to 3:00 am does not"
            " exist that night."
        )
    return None
