from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from frontdesk.domain.dates import DateFormatError, age_on, format_us, parse_date


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("3/14/1985", date(1985, 3, 14)),
        ("03/14/1985", date(1985, 3, 14)),
        ("3-14-1985", date(1985, 3, 14)),
        ("3.14.1985", date(1985, 3, 14)),
        ("1985-03-14", date(1985, 3, 14)),
        ("1985-3-4", date(1985, 3, 4)),
        (" 2/29/2000 ", date(2000, 2, 29)),
    ],
)
def test_accepted_forms(text: str, day: date) -> None:
    assert parse_date(text) == day


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("3/14/85", "four digits"),
        ("14/3/1985", "The month comes first: did you mean 03/14/1985?"),
        ("2/30/1985", "not a date on the calendar"),
        ("2/29/2001", "not a date on the calendar"),
        ("March 14", "MM/DD/YYYY"),
        ("", "MM/DD/YYYY"),
    ],
)
def test_refused_forms_say_why(text: str, message: str) -> None:
    with pytest.raises(DateFormatError, match=message):
        parse_date(text)


@given(st.dates(min_value=date(1000, 1, 1)))
def test_us_format_round_trips(day: date) -> None:
    assert parse_date(format_us(day)) == day
    assert parse_date(day.isoformat()) == day


@pytest.mark.parametrize(
    ("born", "today", "age"),
    [
        (date(1985, 3, 14), date(2026, 3, 13), 40),
        (date(1985, 3, 14), date(2026, 3, 14), 41),
        (date(2000, 2, 29), date(2026, 2, 28), 25),
        (date(2000, 2, 29), date(2026, 3, 1), 26),
    ],
)
def test_age(born: date, today: date, age: int) -> None:
    assert age_on(born, today) == age
