from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from frontdesk.domain.backup_rotation import kept


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def every_day(first: date, last: date, hour: int = 2) -> list[datetime]:
    days = (last - first).days + 1
    return [
        datetime(first.year, first.month, first.day, hour) + timedelta(days=n) for n in range(days)
    ]


@pytest.mark.parametrize(
    ("stamps", "counts", "expected"),
    [
        pytest.param([], {}, [], id="no backups, nothing to keep"),
        pytest.param(["2026-03-01T08:00"], {}, ["2026-03-01T08:00"], id="a single backup"),
        pytest.param(
            ["2026-01-01T08:00", "2026-01-01T17:00", "2026-01-02T08:00"],
            {},
            ["2026-01-01T17:00", "2026-01-02T08:00"],
            id="the newest of each day",
        ),
        pytest.param(
            ["2026-01-01T08:00", "2026-01-02T08:00", "2026-03-01T08:00", "2026-03-02T08:00"],
            {"daily": 3, "weekly": 0, "monthly": 0},
            ["2026-01-02T08:00", "2026-03-01T08:00", "2026-03-02T08:00"],
            id="days without backups do not count",
        ),
        pytest.param(
            ["2026-01-05T09:00", "2026-01-07T09:00", "2026-01-11T09:00", "2026-01-12T09:00"],
            {"daily": 1, "weekly": 2, "monthly": 0},
            ["2026-01-11T09:00", "2026-01-12T09:00"],
            id="the newest of each ISO week (Monday to Sunday)",
        ),
        pytest.param(
            ["2025-12-28T09:00", "2025-12-29T09:00", "2026-01-02T09:00"],
            {"daily": 0, "weekly": 2, "monthly": 0},
            ["2025-12-28T09:00", "2026-01-02T09:00"],
            id="an ISO week that spans new year is one week",
        ),
        pytest.param(
            ["2026-01-05T09:00", "2026-01-31T09:00", "2026-02-10T09:00", "2026-03-01T09:00"],
            {"daily": 0, "weekly": 0, "monthly": 2},
            ["2026-02-10T09:00", "2026-03-01T09:00"],
            id="the newest of each month",
        ),
        pytest.param(
            ["2026-01-05T09:00", "2026-02-05T09:00"],
            {"daily": 0, "weekly": 0, "monthly": 0},
            ["2026-02-05T09:00"],
            id="the newest is kept even when nothing else is",
        ),
        pytest.param(
            ["2026-01-05T09:00", "2026-01-05T09:00"],
            {},
            ["2026-01-05T09:00"],
            id="the same moment twice is one backup",
        ),
    ],
)
def test_kept(stamps: list[str], counts: dict[str, int], expected: list[str]) -> None:
    assert kept([at(s) for s in stamps], **counts) == {at(s) for s in expected}


def test_a_year_of_daily_backups_keeps_twenty() -> None:
    year = every_day(date(2026, 1, 1), date(2026, 12, 31))
    last_week = [date(2026, 12, day) for day in range(25, 32)]
    older_sundays = [date(2026, 12, 13), date(2026, 12, 20)]  # ISO weeks 50 and 51
    month_ends = [
        date(2026, month + 1, 1) - timedelta(days=1) for month in range(1, 12)
    ]  # January to November
    expected = {datetime(d.year, d.month, d.day, 2) for d in last_week + older_sundays + month_ends}
    assert kept(year) == expected
    assert len(expected) == 20


def test_the_order_of_the_stamps_does_not_matter() -> None:
    year = every_day(date(2026, 1, 1), date(2026, 6, 30))
    assert kept(reversed(year)) == kept(year) == kept(iter(year[::2] + year[1::2]))


moments = st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2027, 12, 31))


@given(
    stamps=st.lists(moments, min_size=1, max_size=80),
    daily=st.integers(1, 10),
    weekly=st.integers(0, 6),
    monthly=st.integers(0, 14),
)
def test_rotation_properties(stamps: list[datetime], daily: int, weekly: int, monthly: int) -> None:
    keep = kept(stamps, daily=daily, weekly=weekly, monthly=monthly)
    assert max(stamps) in keep
    assert keep <= set(stamps)
    assert len(keep) <= daily + weekly + monthly
    recent_days = sorted({s.date() for s in stamps}, reverse=True)[:daily]
    for day in recent_days:
        that_day = [s for s in stamps if s.date() == day]
        assert max(that_day) in keep
        assert sum(1 for s in keep if s.date() == day) == 1


@given(stamps=st.lists(moments, max_size=40))
def test_rotating_what_was_kept_keeps_it_all(stamps: list[datetime]) -> None:
    """Rotation runs after every backup: a second run must not delete anything more."""
    once = kept(stamps)
    assert kept(once) == once
