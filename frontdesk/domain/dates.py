"""Dates as the front desk types them (US month/day/year or ISO), and the one way the app
writes dates and times back: "Mon, Dec 7, 2026" and "10:00 am", everywhere."""

from __future__ import annotations

import re
from datetime import date, datetime, time

_US = re.compile(r"^\s*(\d{1,2})[/\-.](\d{1,2})[/\-.](\d{2,4})\s*$")
_ISO = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")


class DateFormatError(ValueError):
    pass


def parse_date(text: str) -> date:
    """Accepts 3/14/1985, 03-14-1985 and 1985-03-14; two-digit years are refused (ambiguous)."""
    if m := _ISO.match(text):
        year, month, day = (int(g) for g in m.groups())
    elif m := _US.match(text):
        month, day, year_text = int(m.group(1)), int(m.group(2)), m.group(3)
        if len(year_text) != 4:
            raise DateFormatError("Write the year with four digits, e.g. 3/14/1985.")
        year = int(year_text)
    else:
        raise DateFormatError("Enter the date as MM/DD/YYYY, e.g. 3/14/1985.")
    try:
        return date(year, month, day)
    except ValueError as exc:
        if month > 12 and day <= 12:
            raise DateFormatError(
                f"The month comes first: did you mean {day:02d}/{month:02d}/{year}?"
            ) from exc
        raise DateFormatError(f"{text.strip()} is not a date on the calendar.") from exc


def parse_typed_day(text: str, today: date) -> date:
    """A day typed for a booking, a closure, a session or a filter (not a birth date).

    Accepts 1/15/2027, 01/15/27 (a two-digit year is 20xx: these days are near today),
    1-15-2027, 1.15.2027 and 2027-01-15. Anything else is refused with a sentence that says
    how to write it; `today` gives the example in that sentence.
    """
    example = f"{today.month}/{today.day}/{today.year}"
    if m := _ISO.match(text):
        year, month, day = (int(g) for g in m.groups())
    elif m := _US.match(text):
        month, day, year_text = int(m.group(1)), int(m.group(2)), m.group(3)
        if len(year_text) == 3:
            raise DateFormatError(
                f"Write the year with four digits or two, e.g. {example} or"
                f" {today.month}/{today.day}/{today.year % 100:02d}."
            )
        year = int(year_text) + (2000 if len(year_text) == 2 else 0)
    elif not text.strip():
        raise DateFormatError(f"Enter a date, e.g. {example}.")
    else:
        raise DateFormatError(f"Enter the date as month/day/year, e.g. {example}.")
    try:
        return date(year, month, day)
    except ValueError as exc:
        if month > 12 and 1 <= day <= 12:
            raise DateFormatError(
                f"The month comes first: did you mean {day:02d}/{month:02d}/{year}?"
            ) from exc
        if not 1 <= month <= 12:
            raise DateFormatError(f"There is no month {month}: months go from 1 to 12.") from exc
        raise DateFormatError(f"{text.strip()} is not a date on the calendar.") from exc


def looks_like_date(text: str) -> bool:
    return bool(_US.match(text) or _ISO.match(text))


def format_us(day: date) -> str:
    return f"{day.month:02d}/{day.day:02d}/{day.year}"


def format_long(day: date) -> str:
    return f"{day:%B} {day.day}, {day.year}"


# The names are spelled out here, not taken from the C locale: the same on every computer.
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def format_day(day: date) -> str:
    """The app's way to write a day: 'Mon, Dec 7, 2026'."""
    return f"{_DAYS[day.weekday()]}, {_MONTHS[day.month - 1]} {day.day}, {day.year}"


def format_clock(moment: time) -> str:
    """The app's way to write a time of day, as the desk says it: '10:00 am', '4:30 pm'."""
    hour = moment.hour % 12 or 12
    return f"{hour}:{moment.minute:02d} {'am' if moment.hour < 12 else 'pm'}"


def format_moment(moment: datetime) -> str:
    """A day and its time: 'Mon, Dec 7, 2026, 10:00 am'."""
    return f"{format_day(moment.date())}, {format_clock(moment.time())}"


def age_on(born: date, today: date) -> int:
    years = today.year - born.year
    if (today.month, today.day) < (born.month, born.day):
        years -= 1
    return years


def format_stamp(at: str) -> str:
    """A stored ISO stamp ('2026-11-26T10:30:00-08:00') said the one way, in clinic time;
    text that is not a stamp is returned as it is."""
    from frontdesk.domain.clinic import CLINIC_TZ

    try:
        moment = datetime.fromisoformat(at)
    except ValueError:
        return at
    if moment.tzinfo is not None:
        moment = moment.astimezone(CLINIC_TZ)
    return format_moment(moment)
