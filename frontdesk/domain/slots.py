"""Finding free starting times on a quarter-hour grid, honouring every booking rule."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime, timedelta

from frontdesk.domain.booking import Busy, skips_clock_change
from frontdesk.domain.clinic import CLINIC_TZ
from frontdesk.domain.hours import OfficeCalendar

GRID_MINUTES = 15
CHUNK_DAYS = 14  # busy times are read two weeks at a time: cost follows the range searched
HORIZON_DAYS = 730


def round_up_to_grid(moment: datetime, grid: int = GRID_MINUTES) -> datetime:
    if moment.second or moment.microsecond:
        moment = moment.replace(second=0, microsecond=0) + timedelta(minutes=1)
    past = (moment.hour * 60 + moment.minute) % grid
    return moment if past == 0 else moment + timedelta(minutes=grid - past)


def free_starts_on(
    office: OfficeCalendar,
    day: date,
    minutes: int,
    busy: Sequence[Busy],
    not_before: datetime,
    grid: int = GRID_MINUTES,
) -> Iterator[datetime]:
    """Every grid start on `day` where `minutes` fit inside the hours and clear of `busy`.

    `busy` holds that day's appointments.
    """
    hours = office.hours_on(day)
    if hours is None:
        return
    held = sorted(busy, key=lambda b: b.starts)
    for opens, closes in hours.spans:  # a break splits the day in two
        yield from _free_in_span(
            datetime.combine(day, opens), datetime.combine(day, closes), minutes, held,
            not_before, grid,
        )  # fmt: skip


def _free_in_span(
    opens: datetime,
    closes: datetime,
    minutes: int,
    held: Sequence[Busy],
    not_before: datetime,
    grid: int,
) -> Iterator[datetime]:
    length = timedelta(minutes=minutes)
    candidate = round_up_to_grid(max(opens, not_before), grid)
    # Only on the spring change do some wall times not exist; other days skip the check.
    clock_changes = CLINIC_TZ.utcoffset(opens) != CLINIC_TZ.utcoffset(closes)
    i = 0
    while candidate + length <= closes:
        ends = candidate + length
        if clock_changes and skips_clock_change(candidate, ends):
            candidate += timedelta(minutes=grid)
            continue
        while i < len(held) and held[i].ends <= candidate:
            i += 1
        clash = next((b for b in held[i:] if b.overlaps(candidate, ends)), None)
        if clash is None:
            yield candidate
            candidate += timedelta(minutes=grid)
        else:
            candidate = round_up_to_grid(max(clash.ends, candidate + timedelta(minutes=1)), grid)


def next_free(
    office: OfficeCalendar,
    minutes: int,
    start: datetime,
    busy_between: Callable[[date, date], Sequence[Busy]],
    count: int,
    horizon_days: int = HORIZON_DAYS,
) -> list[datetime]:
    """The first `count` free starts at or after `start`, reading busy times a chunk at a time."""
    found: list[datetime] = []
    first = start.date()
    last = first + timedelta(days=horizon_days)
    chunk_start = first
    while chunk_start <= last and len(found) < count:
        chunk_end = min(chunk_start + timedelta(days=CHUNK_DAYS - 1), last)
        by_day: dict[date, list[Busy]] = {}
        for held in busy_between(chunk_start, chunk_end):
            by_day.setdefault(held.starts.date(), []).append(held)
        day = chunk_start
        while day <= chunk_end and len(found) < count:
            for moment in free_starts_on(office, day, minutes, by_day.get(day, ()), start):
                found.append(moment)
                if len(found) == count:
                    break
            day += timedelta(days=1)
        chunk_start = chunk_end + timedelta(days=1)
    return found
