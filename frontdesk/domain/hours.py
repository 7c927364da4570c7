"""When the office is open: a weekly schedule and dated closures, in clinic wall time."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, time

from frontdesk.domain.dates import format_clock

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class DayHours:
    """One day's opening: from `opens` to `closes`, with an optional break in between
    (10:00 am-1:00 pm and 2:00 pm-5:00 pm is opens 10:00, closes 17:00, a break 13:00-14:00)."""

    opens: time
    closes: time
    break_starts: time | None = None
    break_ends: time | None = None

    def __post_init__(self) -> None:
        if self.closes <= self.opens:
            raise ValueError("Closing time must be after opening time.")
        if (self.break_starts is None) != (self.break_ends is None):
            raise ValueError("A break has a start and an end.")
        if self.break_starts is not None and self.break_ends is not None:
            if self.break_ends <= self.break_starts:
                raise ValueError("The break must end after it starts.")
            if not self.opens < self.break_starts or not self.break_ends < self.closes:
                raise ValueError("The break must start after opening and end before closing.")

    @classmethod
    def from_spans(cls, spans: Sequence[tuple[time, time]]) -> DayHours:
        """One span (as before breaks existed) or two, the morning's first."""
        if len(spans) == 1:
            return cls(*spans[0])
        if len(spans) == 2:
            (opens, break_starts), (break_ends, closes) = spans
            if break_starts <= opens:
                raise ValueError("The first span must close after it opens.")
            if closes <= break_ends:
                raise ValueError("The second span must close after it opens.")
            return cls(opens, closes, break_starts, break_ends)
        raise ValueError("A day has one or two spans of office hours.")

    @property
    def spans(self) -> tuple[tuple[time, time], ...]:
        """The open stretches of the day, in order: one, or two around the break."""
        if self.break_starts is None or self.break_ends is None:
            return ((self.opens, self.closes),)
        return ((self.opens, self.break_starts), (self.break_ends, self.closes))

    @property
    def break_span(self) -> tuple[time, time] | None:
        if self.break_starts is None or self.break_ends is None:
            return None
        return (self.break_starts, self.break_ends)

    def in_break(self, starts: time, ends: time) -> bool:
        """True when starts..ends (same day, ends after starts) overlaps the break."""
        span = self.break_span
        return span is not None and starts < span[1] and span[0] < ends

    def holds(self, starts: time, ends: time) -> bool:
        """True when starts..ends (same day) lies inside one open span."""
        return any(opens <= starts and ends <= closes for opens, closes in self.spans)

    def describe(self) -> str:
        """'10:00 am-1:00 pm, 2:00 pm-5:00 pm' or '10:00 am-5:00 pm'."""
        return ", ".join(f"{format_clock(a)}-{format_clock(b)}" for a, b in self.spans)


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
    # country_holidays, not holidays.US: the country classes are loaded by name at run time,
    # and only the function is a name the package exports to type checkers.
    calendar = holidays.country_holidays(
        "US",
        subdiv="CA",
        years=range(wanted[0] - 1, wanted[-1] + 2),
        observed=True,
        language="en_US",
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


def break_refusal(weekday: int, hours: DayHours) -> str:
    """The words for a time that falls in the day's break: 'Thursday: closed 1:00 pm-2:00 pm
    for the break'."""
    starts, ends = hours.break_span or (hours.opens, hours.opens)
    return (
        f"{WEEKDAY_NAMES[weekday]}: closed {format_clock(starts)}-{format_clock(ends)}"
        " for the break"
    )
