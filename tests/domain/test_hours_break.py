"""Office hours with a break (two spans a day): the day's shape, the booking rule, free times."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from frontdesk.domain.booking import Busy, hours_refusal, refusal
from frontdesk.domain.hours import DayHours, OfficeCalendar, WeeklyHours, default_hours
from frontdesk.domain.slots import free_starts_on, next_free

THURSDAY = date(2026, 12, 3)
NOW = datetime(2026, 11, 23, 9, 0)
SPLIT = DayHours(time(10), time(17), time(13), time(14))  # 10:00-1:00 and 2:00-5:00
OFFICE = OfficeCalendar(WeeklyHours(dict(default_hours().days) | {3: SPLIT}))


def at(hour: int, minute: int = 0) -> datetime:
    return datetime.combine(THURSDAY, time(hour, minute))


@pytest.mark.parametrize(
    ("spans", "expected"),
    [
        ([(time(10), time(17))], DayHours(time(10), time(17))),
        ([(time(10), time(13)), (time(14), time(17))], SPLIT),
        ([(time(9), time(12, 30)), (time(12, 45), time(16))],
         DayHours(time(9), time(16), time(12, 30), time(12, 45))),
    ],
)  # fmt: skip
def test_a_day_is_one_span_or_two(spans, expected) -> None:
    day = DayHours.from_spans(spans)
    assert day == expected
    assert list(day.spans) == spans


@pytest.mark.parametrize(
    "spans",
    [
        [(time(10), time(13)), (time(12), time(17))],  # the afternoon opens before noon closes
        [(time(10), time(13)), (time(13), time(17))],  # no break at all: one span
        [(time(13), time(10)), (time(14), time(17))],
        [(time(10), time(13)), (time(14), time(14))],
        [],
        [(time(9), time(10)), (time(11), time(12)), (time(13), time(14))],
    ],
)
def test_spans_that_do_not_make_a_day_are_refused(spans) -> None:
    with pytest.raises(ValueError):
        DayHours.from_spans(spans)


@pytest.mark.parametrize(
    ("starts", "minutes", "expected"),
    [
        (at(12, 30), 30, None),  # ends as the break starts
        (at(14), 30, None),  # starts as the break ends
        (at(13), 30, "Thursday: closed 1:00 pm-2:00 pm for the break."),
        (at(13, 45), 30, "Thursday: closed 1:00 pm-2:00 pm for the break."),
        (at(12, 45), 30, "Thursday: closed 1:00 pm-2:00 pm for the break: the appointment at"
                         " 12:45 pm would run to 1:15 pm."),
        (at(12), 180, "Thursday: closed 1:00 pm-2:00 pm for the break: the appointment at"
                      " 12:00 pm would run to 3:00 pm."),
        (at(16, 30), 30, None),
        (at(16, 45), 30, "Thursday hours end at 5:00 pm: the appointment at 4:45 pm"
                         " would run to 5:15 pm."),
        (at(9, 45), 30, "Thursday hours start at 10:00 am."),
    ],
)  # fmt: skip
def test_a_booking_may_not_overlap_the_break(starts, minutes, expected) -> None:
    said = refusal(OFFICE, starts, minutes, NOW, ())
    assert said == expected
    # A stored appointment in the break is flagged by the hours re-check alone.
    assert hours_refusal(OFFICE, starts, minutes) == said


def test_a_day_without_a_break_is_as_before() -> None:
    plain = OfficeCalendar(default_hours())
    assert refusal(plain, at(13), 30, NOW, ()) is None
    assert DayHours(time(10), time(17)).spans == ((time(10), time(17)),)


def test_free_times_skip_the_break() -> None:
    starts = list(free_starts_on(OFFICE, THURSDAY, 30, (), NOW))
    assert at(12, 30) in starts and at(14) in starts
    assert not any(at(12, 31) <= s < at(14) for s in starts)
    assert starts[0] == at(10) and starts[-1] == at(16, 30)


@st.composite
def split_days(draw) -> DayHours:
    """Any day of quarter hours with a break of at least a quarter hour inside it."""
    marks = sorted(draw(st.sets(st.integers(0, 95), min_size=4, max_size=4)))
    opens, break_starts, break_ends, closes = (time(m // 4, m % 4 * 15) for m in marks)
    return DayHours(opens, closes, break_starts, break_ends)


@given(
    day=split_days(),
    minutes=st.sampled_from([15, 30, 45, 60, 90]),
    taken=st.lists(st.tuples(st.integers(0, 95), st.sampled_from([15, 30, 60])), max_size=4),
)
def test_every_free_time_offered_is_allowed_and_clear_of_the_break(day, minutes, taken) -> None:
    office = OfficeCalendar(WeeklyHours({THURSDAY.weekday(): day}))
    busy = [
        Busy(at(0) + timedelta(minutes=15 * q), at(0) + timedelta(minutes=15 * q + m))
        for q, m in taken
    ]
    offered = list(free_starts_on(office, THURSDAY, minutes, busy, NOW))
    for start in offered:
        ends = start + timedelta(minutes=minutes)
        assert refusal(office, start, minutes, NOW, busy) is None
        assert not day.in_break(start.time(), ends.time()) or ends.date() != THURSDAY
    # And every quarter hour the rules allow is offered: nothing free is hidden.
    for q in range(96):
        start = at(0) + timedelta(minutes=15 * q)
        if refusal(office, start, minutes, NOW, busy) is None:
            assert start in offered


@given(day=split_days(), q=st.integers(0, 95), minutes=st.sampled_from([15, 30, 60]))
def test_allowed_means_inside_one_span(day, q, minutes) -> None:
    office = OfficeCalendar(WeeklyHours({THURSDAY.weekday(): day}))
    start = at(0) + timedelta(minutes=15 * q)
    ends = start + timedelta(minutes=minutes)
    inside = ends.date() == THURSDAY and day.holds(start.time(), ends.time())
    assert (hours_refusal(office, start, minutes) is None) == inside


def test_next_free_after_the_morning_goes_to_the_afternoon() -> None:
    found = next_free(OFFICE, 60, at(12, 10), lambda first, last: [], 2)
    assert found == [at(14), at(14, 15)]


@pytest.mark.parametrize(
    ("entry", "printed"),
    [
        ((3, time(10), time(17)), "10:00 am - 5:00 pm"),
        ((3, time(10), time(17), time(13), time(14)), "10:00 am - 1:00 pm, 2:00 pm - 5:00 pm"),
        ((3, time(10), time(17), None, None), "10:00 am - 5:00 pm"),
    ],
)
def test_the_handouts_print_both_spans_of_a_day_with_a_break(entry, printed) -> None:
    from frontdesk.domain.handouts import HandoutFacts, Language
    from frontdesk.handouts.render import _hours_table

    table = _hours_table(Language.ENGLISH, HandoutFacts("María García", (), hours=(entry,)))
    assert f"<td>Thursday</td><td>{printed}</td>" in table
