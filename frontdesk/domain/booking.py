"""Whether an appointment may take a time, said in the words the desk would use."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from frontdesk.domain.appointments import exists_on_the_clock
from frontdesk.domain.clinic import CLINIC_TZ
from frontdesk.domain.hours import WEEKDAY_NAMES, OfficeCalendar, format_time


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
    return f"{WEEKDAY_NAMES[day.weekday()]}, {day:%B} {day.day}, {day.year}"


def say_span(starts: datetime, ends: datetime) -> str:
    return f"{format_time(starts.time())}-{format_time(ends.time())}"


def skips_clock_change(starts: datetime, ends: datetime) -> bool:
    """True when the span starts, ends or runs through the hour skipped in spring."""
    last_minute = ends - timedelta(minutes=1)  # ending at 2:00 am, just as clocks jump, is fine
    if not (exists_on_the_clock(starts) and exists_on_the_clock(last_minute)):
        return True
    offset_before, offset_after = CLINIC_TZ.utcoffset(starts), CLINIC_TZ.utcoffset(last_minute)
    return offset_before is not None and offset_after is not None and offset_after > offset_before


def refusal(
    office: OfficeCalendar,
    starts: datetime,
    minutes: int,
    now: datetime,
    busy: Iterable[Busy],
    what: str = "the appointment",
) -> str | None:
    """Why `what` cannot start at `starts` for `minutes` (wall times), or None if it may.

    Rules in the order the desk would explain them: already past, closed that day, outside
    that day's hours, taken by someone else.
    """
    if minutes <= 0:
        return "An appointment lasts at least one minute."
    ends = starts + timedelta(minutes=minutes)
    day = starts.date()
    if starts < now:
        return f"{format_time(starts.time())} on {say_day(day)} has already passed."
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
    if skips_clock_change(starts, ends):
        return (
            f"Clocks go forward on {say_day(day)}: the hour from 2:00 am to 3:00 am does not"
            " exist that night."
        )
    for held in busy:
        if held.overlaps(starts, ends):
            return (
                f"{say_span(held.starts, held.ends)} on {say_day(day)} is already taken"
                f" by {held.label}."
            )
    return None
