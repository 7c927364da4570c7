"""Which backups to keep: grandfather-father-son rotation.

A clinic needs yesterday's file after a bad day, last month's after a slow mistake is noticed,
and last year's for the rare audit, but not 365 copies of the database. Keeping the newest
backup of each recent day, week and month gives all three with a bounded number of files.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from datetime import datetime

Period = Callable[[datetime], Hashable]


def day_of(stamp: datetime) -> Hashable:
    return stamp.date()


def iso_week_of(stamp: datetime) -> Hashable:
    year, week, _weekday = stamp.isocalendar()
    return (year, week)


def month_of(stamp: datetime) -> Hashable:
    return (stamp.year, stamp.month)


def kept(
    stamps: Iterable[datetime], *, daily: int = 7, weekly: int = 4, monthly: int = 12
) -> set[datetime]:
    """The backups to keep: the newest of each of the last `daily` days, `weekly` ISO weeks and
    `monthly` months that have backups; the newest backup of all is always kept.

    Periods without a backup do not count, so a clinic closed for two weeks still keeps seven
    days' worth of backups rather than none. The three sets overlap (today's newest backup is
    also this week's and this month's), so at most daily + weekly + monthly are kept.
    """
    newest_first = sorted(set(stamps), reverse=True)
    if not newest_first:
        return set()
    keep = {newest_first[0]}
    for period, count in ((day_of, daily), (iso_week_of, weekly), (month_of, monthly)):
        keep.update(newest_of_each(newest_first, period, count))
    return keep


def newest_of_each(newest_first: list[datetime], period: Period, count: int) -> list[datetime]:
    """The first (newest) stamp of each of the `count` most recent periods."""
    seen: set[Hashable] = set()
    chosen: list[datetime] = []
    for stamp in newest_first:
        if len(seen) >= count:
            break
        key = period(stamp)
        if key not in seen:
            seen.add(key)
            chosen.append(stamp)
    return chosen
