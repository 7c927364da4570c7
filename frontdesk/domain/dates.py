"""Dates as the front desk types them: US month/day/year or ISO."""

from __future__ import annotations

import re
from datetime import date

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


def looks_like_date(text: str) -> bool:
    return bool(_US.match(text) or _ISO.match(text))


def format_us(day: date) -> str:
    return f"{day.month:02d}/{day.day:02d}/{day.year}"


def format_long(day: date) -> str:
    return f"{day:%B} {day.day}, {day.year}"


def age_on(born: date, today: date) -> int:
    years = today.year - born.year
    if (today.month, today.day) < (born.month, born.day):
        years -= 1
    return years
