"""`months_after` adds calendar months exactly as dateutil's relativedelta does."""

from __future__ import annotations

from datetime import date

from dateutil.relativedelta import relativedelta
from hypothesis import given
from hypothesis import strategies as st

from frontdesk.domain.co2 import months_after


@given(st.dates(date(1900, 1, 1), date(2400, 12, 31)), st.integers(0, 36))
def test_months_after_is_relativedelta(day: date, months: int) -> None:
    assert months_after(day, months) == day + relativedelta(months=months)


def test_month_ends_and_leap_days() -> None:
    assert months_after(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert months_after(date(2027, 11, 30), 3) == date(2028, 2, 29)
    assert months_after(date(2028, 2, 29), 12) == date(2029, 2, 28)
    assert months_after(date(2099, 11, 30), 3) == date(2100, 2, 28)  # not a leap year
