"""When the office is open: a weekly schedule and dated closures, in clinic wall time."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, time

from frontdesk.domain.dates import format_clock

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class DayHours:
    opens: time
    closes: time

    def __post_init__(self) -> None:
        if self.closes <= self.opens:
            raise ValueError("Closing time must be after opening time.")


@dataclass(frozen=True)
class WeeklyHours:
    """Hours per weekday (Monday = 0); a missing day is closed."""

    days: Mapping[int, DayHours]

    def on(self, weekday: int) -> DayHours | None:
        return self.days.get(weekday)

    @property
    def earliest(self) -> time | None:
        return min((h.opens for h in self.days.values()), default=None)

    @property
    def latest(self) -> time | None:
        return max((h.closes for h in self.days.values()), default=None)


def default_hours() -> WeeklyHours:
    """DOMAIN.md: Monday-Thursday 10:00-17:00, Friday 10:00-16:00, weekends closed."""
    long_day = DayHours(time(10), time(17))
    return WeeklyHours(
        {0: long_day, 1: long_day, 2: long_day, 3: long_day, 4: DayHours(time(10), time(16))}
    )


@dataclass(frozen=True)
class Closure:
    first: date
    last: date
    reason: str
    id: int | None = None

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError("A closure ends on or after the day it starts.")

    def covers(self, day: date) -> bool:
        return self.first <= day <= self.last


@dataclass(frozen=True)
class OfficeCalendar:
    """The weekly hours and the closures that apply to the dates being looked at."""

    hours: WeeklyHours
    closures: tuple[Closure, ...] = ()

    def closure_on(self, day: date) -> Closure | None:
        return next((c for c in self.closures if c.covers(day)), None)

    def hours_on(self, day: date) -> DayHours | None:
        """None when the office is closed that day, whether by the week or by a closure."""
        if self.closure_on(day) is not None:
            return None
        return self.hours.on(day.weekday())

    def is_open(self, day: date) -> bool:
        return self.hours_on(day) is not None


def format_time(moment: time) -> str:
    """12-hour clock as the desk says it: '4:00 pm', '10:30 am' (the one formatter's)."""
    return format_clock(moment)


# Holidays the practice closes for (DOMAIN.md), as the `holidays` package names them. Its
# California calendar also lists days the office stays open, so the days are picked by name.
CLOSING_HOLIDAYS = (
    "New Year's Day",
    "Memorial Day",
    "Independence Day",
    "Labor Day",
    "Thanksgiving Day",
    "Day After Thanksgiving",
    "Christmas Day",
)


def holiday_closures(years: Iterable[int]) -> list[Closure]:
    """The default closures on their observed dates (a Saturday holiday closes the Friday)."""
    import holidays  # loaded only when defaults are seeded: a large package

    wanted = sorted(set(years))
    if not wanted:
        return []
    # An observed date can fall in the year before (New Year's Day 2028 -> Fri 31 Dec 2027).
    calendar = holidays.US(
        subdiv="CA", years=range(wanted[0] - 1, wanted[-1] + 2), observed=True, language="en_US"
    )
    found: list[Closure] = []
    for day, names in sorted(calendar.items()):
        if day.year not in wanted:
            continue
        for name in names.split("; "):
            if name.removesuffix(" (observed)") in CLOSING_HOLIDAYS:
                found.append(Closure(day, day, name))
    return found


def hours_from_mapping(rows: Mapping[int, tuple[time, time]]) -> WeeklyHours:
    return WeeklyHours({day: DayHours(*span) for day, span in rows.items()})
