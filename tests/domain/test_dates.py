from __future__ import annotations

from datetime import date, datetime, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from frontdesk.domain.dates import (
    DateFormatError,
    age_on,
    format_clock,
    format_day,
    format_moment,
    format_us,
    parse_date,
    parse_typed_day,
)


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


# -- the one way dates and times are written -----------------------------------------------
@pytest.mark.parametrize(
    ("day", "written"),
    [
        (date(2026, 12, 7), "Mon, Dec 7, 2026"),
        (date(2027, 1, 15), "Fri, Jan 15, 2027"),
        (date(2028, 2, 29), "Tue, Feb 29, 2028"),
        (date(2026, 11, 29), "Sun, Nov 29, 2026"),
    ],
)
def test_a_day_is_written_with_its_weekday(day: date, written: str) -> None:
    assert format_day(day) == written


@pytest.mark.parametrize(
    ("moment", "written"),
    [
        (time(0, 0), "12:00 am"),
        (time(10, 0), "10:00 am"),
        (time(12, 5), "12:05 pm"),
        (time(16, 30), "4:30 pm"),
        (time(23, 59), "11:59 pm"),
    ],
)
def test_a_time_is_written_as_the_desk_says_it(moment: time, written: str) -> None:
    assert format_clock(moment) == written


@given(st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 12, 31)))
def test_a_moment_is_its_day_then_its_time(moment: datetime) -> None:
    written = format_moment(moment)
    assert written == f"{format_day(moment.date())}, {format_clock(moment.time())}"
    assert written.split(", ")[0] == f"{moment:%a}"  # the weekday agrees with the calendar


TYPED_TODAY = date(2026, 11, 26)


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("1/15/2027", date(2027, 1, 15)),
        ("01/15/2027", date(2027, 1, 15)),
        ("01/15/27", date(2027, 1, 15)),
        ("1/15/27", date(2027, 1, 15)),
        ("1-15-27", date(2027, 1, 15)),
        ("1.15.2027", date(2027, 1, 15)),
        ("2027-01-15", date(2027, 1, 15)),
        (" 3/10/2027 ", date(2027, 3, 10)),
        ("12/31/99", date(2099, 12, 31)),
        ("1/1/00", date(2000, 1, 1)),
    ],
)
def test_typed_day_forms(text: str, day: date) -> None:
    assert parse_typed_day(text, TYPED_TODAY) == day


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("15/01/2027", "The month comes first: did you mean 01/15/2027?"),
        ("2/29/2027", "2/29/2027 is not a date on the calendar."),
        ("13/13/2027", "There is no month 13"),
        ("1/15/202", "four digits or two, e.g. 11/26/2026 or 11/26/26"),
        ("Jan 15", "Enter the date as month/day/year, e.g. 11/26/2026."),
        ("  ", "Enter a date, e.g. 11/26/2026."),
        ("0000-01-01", "not a date on the calendar"),
    ],
)
def test_typed_day_refusals_say_why(text: str, message: str) -> None:
    with pytest.raises(DateFormatError, match=message):
        parse_typed_day(text, TYPED_TODAY)


def test_date_of_birth_still_refuses_two_digit_years() -> None:
    with pytest.raises(DateFormatError, match="four digits"):
        parse_date("01/15/27")


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)),
    st.sampled_from(["{m}/{d}/{y}", "{m:02d}/{d:02d}/{yy:02d}", "{m}-{d}-{yy:02d}", "{iso}"]),
)
def test_typed_day_round_trips_every_form(day: date, form: str) -> None:
    text = form.format(m=day.month, d=day.day, y=day.year, yy=day.year % 100, iso=day.isoformat())
    assert parse_typed_day(text, TYPED_TODAY) == day
