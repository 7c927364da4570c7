"""Every booking rule, edges included, as a table; the slot finder checked against the rules."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from frontdesk.domain.appointments import is_late_cancel, real_time_between
from frontdesk.domain.booking import Busy, beyond_horizon, latest_day, refusal
from frontdesk.domain.clinic import CLINIC_TZ
from frontdesk.domain.hours import (
    Closure,
    DayHours,
    OfficeCalendar,
    WeeklyHours,
    default_hours,
    format_time,
    holiday_closures,
)
from frontdesk.domain.slots import free_starts_on, next_free, round_up_to_grid

NOW = datetime(2026, 11, 23, 9, 0)  # a Monday morning before opening
OFFICE = OfficeCalendar(default_hours(), tuple(holiday_closures([2026, 2027])))
# Mon 30 Nov 2026 has two appointments: 10:00-10:30 and 11:00-12:30.
TAKEN = (
    Busy(datetime(2026, 11, 30, 10, 0), datetime(2026, 11, 30, 10, 30), "María García"),
    Busy(datetime(2026, 11, 30, 11, 0), datetime(2026, 11, 30, 12, 30), "Ana Cruz"),
)


def at(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute)


@pytest.mark.parametrize(
    ("starts", "minutes", "expected"),
    [
        # Friday closes at 4:00 pm: 3:30 fits, 3:45 and 4:00 do not.
        (at(12, 4, 15, 30), 30, None),
        (at(12, 4, 15, 45), 30, "Friday hours end at 4:00 pm: the appointment at 3:45 pm"),
        (at(12, 4, 16, 0), 30, "Friday hours end at 4:00 pm."),
        # Monday-Thursday close at 5:00 pm: ending exactly at closing is fine.
        (at(12, 3, 16, 30), 30, None),
        (at(12, 3, 16, 35), 30, "Thursday hours end at 5:00 pm: the appointment at 4:35 pm"),
        (at(12, 3, 17, 0), 30, "Thursday hours end at 5:00 pm."),
        # Opening at 10:00 am: exactly then is fine, a step before is not.
        (at(12, 1, 10, 0), 30, None),
        (at(12, 1, 9, 55), 30, "Tuesday hours start at 10:00 am."),
        # Weekends.
        (at(12, 5, 11), 30, "The office is closed on Saturdays."),
        (at(12, 6, 11), 30, "The office is closed on Sundays."),
        # Overlaps, by one grid step either side, and back-to-back.
        (at(11, 30, 10, 30), 30, None),
        (
            at(11, 30, 9, 55, 2026) + timedelta(minutes=5),
            30,
            "10:00 am-10:30 am on Mon, Nov 30, 2026",
        ),
        (at(11, 30, 10, 25), 30, "10:00 am-10:30 am on Mon, Nov 30, 2026 is already"),
        (at(11, 30, 10, 35), 30, "11:00 am-12:30 pm on Mon, Nov 30, 2026"),
        (at(11, 30, 10, 30), 35, "11:00 am-12:30 pm on Mon, Nov 30, 2026"),
        (at(11, 30, 12, 30), 30, None),
        (at(11, 30, 12, 25), 30, "taken by Ana Cruz"),
        # The 5-minute grid: starts and lengths.
        (
            at(12, 1, 10, 7),
            30,
            "Appointments start on the 5-minute grid: 10:05 am or 10:10 am, not 10:07 am.",
        ),
        (at(12, 1, 16, 59), 30, "grid: 4:55 pm or 5:00 pm, not 4:59 pm."),
        (at(12, 1, 10, 5), 30, None),
        (
            at(12, 1, 10, 0),
            31,
            "An appointment lasts whole 5-minute steps: 30 or 35 minutes, not 31.",
        ),
        (at(12, 1, 10, 0), 3, "lasts whole 5-minute steps: 5 or 10 minutes, not 3."),
        (at(12, 1, 10, 0), 481, "An appointment lasts at most 8 hours."),
        (at(12, 1, 10, 0), 0, "An appointment lasts at least one minute."),
        # The past.
        (at(11, 23, 8, 0), 30, "8:00 am on Mon, Nov 23, 2026 has already passed."),
        (at(11, 23, 10, 0), 30, None),
        # Two years ahead at most, to the day; the year 9999 said in words, not an overflow.
        (at(11, 23, 10, 0, 2028), 30, None),
        (
            at(11, 24, 10, 0, 2028),
            30,
            "Appointments can be booked at most 2 years ahead, until"
            " Thu, Nov 23, 2028: Fri, Nov 24, 2028 is further.",
        ),
        (
            datetime(9999, 12, 31, 10),
            90,
            "until Thu, Nov 23, 2028: Fri, Dec 31, 9999 is further.",
        ),
        (datetime(9999, 12, 31, 23, 55), 480, "2 years ahead"),
        # A whole-day closure beats the hours.
        (at(11, 26, 11), 30, "The office is closed on Thu, Nov 26, 2026: Thanksgiving"),
        (at(11, 27, 11), 30, "closed on Fri, Nov 27, 2026: Day After Thanksgiving."),
    ],
)
def test_booking_rules(starts: datetime, minutes: int, expected: str | None) -> None:
    said = refusal(OFFICE, starts, minutes, NOW, TAKEN)
    if expected is None:
        assert said is None
    else:
        assert said is not None and expected in said, said


@pytest.mark.parametrize(
    ("day", "reason"),
    [
        (date(2027, 1, 1), "New Year's Day"),
        (date(2027, 5, 31), "Memorial Day"),
        (date(2027, 7, 5), "Independence Day (observed)"),  # the 4th is a Sunday
        (date(2027, 9, 6), "Labor Day"),
        (date(2027, 11, 25), "Thanksgiving Day"),
        (date(2027, 11, 26), "Day After Thanksgiving"),
        (date(2027, 12, 24), "Christmas Day (observed)"),  # the 25th is a Saturday
        (date(2027, 12, 31), "New Year's Day (observed)"),  # 1 Jan 2028 is a Saturday
        (date(2026, 7, 3), "Independence Day (observed)"),
        (date(2026, 12, 25), "Christmas Day"),
    ],
)
def test_each_default_closure_refuses_a_booking(day: date, reason: str) -> None:
    long_ago = datetime(2026, 1, 1)  # every day listed is then ahead, within two years
    said = refusal(OFFICE, datetime.combine(day, time(11)), 30, long_ago, ())
    assert said is not None and said.endswith(f": {reason}."), said


def test_days_the_office_stays_open_are_not_closures() -> None:
    reasons = {c.reason for c in holiday_closures([2026, 2027])}
    for open_day in ("Cesar Chavez Day", "Susan B. Anthony Day", "Veterans Day", "Diwali"):
        assert not any(open_day in r for r in reasons)
    for day in (date(2027, 3, 31), date(2027, 11, 11), date(2027, 1, 18)):
        assert refusal(OFFICE, datetime.combine(day, time(11)), 30, NOW, ()) is None


def test_a_range_closure_covers_every_day_in_it() -> None:
    office = OfficeCalendar(
        default_hours(), (Closure(date(2027, 2, 8), date(2027, 2, 12), "Vacation"),)
    )
    for offset in range(5):
        said = refusal(office, at(2, 8 + offset, 11, year=2027), 30, NOW, ())
        assert said is not None and said.endswith(": Vacation.")
    assert refusal(office, at(2, 15, 11, year=2027), 30, NOW, ()) is None


def test_times_are_said_on_a_12_hour_clock() -> None:
    assert [format_time(time(h, m)) for h, m in ((0, 5), (10, 0), (12, 0), (16, 0))] == [
        "12:05 am",
        "10:00 am",
        "12:00 pm",
        "4:00 pm",
    ]


# -- DST: wall-clock times stay wall-clock times ------------------------------------------
SUNDAY_OPEN = OfficeCalendar(WeeklyHours({6: DayHours(time(0, 30), time(5))}))


def test_dst_days_keep_the_wall_clock_grid() -> None:
    spring = date(2027, 3, 14)  # 2:00-3:00 am does not exist that night
    starts = list(free_starts_on(SUNDAY_OPEN, spring, 60, (), datetime.combine(spring, time(0))))
    assert starts == [
        datetime(2027, 3, 14, 0, 30),
        datetime(2027, 3, 14, 0, 45),
        datetime(2027, 3, 14, 1, 0),  # ends as the clocks jump: fine
        *(datetime(2027, 3, 14, 3, 0) + timedelta(minutes=15 * n) for n in range(5)),
    ]
    fall = date(2026, 11, 1)  # 1:00-2:00 am happens twice: wall times all exist
    assert datetime(2026, 11, 1, 1, 30) in list(
        free_starts_on(SUNDAY_OPEN, fall, 30, (), datetime.combine(fall, time(0)))
    )


@pytest.mark.parametrize(
    ("starts", "minutes"), [((2, 30), 30), ((1, 45), 30), ((1, 30), 90), ((2, 0), 15)]
)
def test_times_skipped_when_clocks_go_forward_are_refused(starts, minutes) -> None:
    said = refusal(SUNDAY_OPEN, datetime(2027, 3, 14, *starts), minutes, NOW, ())
    assert said == (
        "Clocks go forward on Sun, Mar 14, 2027: the hour from 2:00 am to 3:00 am"
        " does not exist that night."
    )
    assert refusal(SUNDAY_OPEN, datetime(2027, 3, 14, 1, 30), 30, NOW, ()) is None
    assert refusal(SUNDAY_OPEN, datetime(2027, 3, 14, 3, 0), 30, NOW, ()) is None


def test_late_cancellation_counts_real_hours_across_a_dst_change() -> None:
    # Clocks went back at 2:00 am on Sunday 1 Nov 2026: that day had 25 hours.
    starts = datetime(2026, 11, 1, 10, 0)
    assert real_time_between(datetime(2026, 10, 31, 10, 30), starts) == timedelta(
        hours=24, minutes=30
    )
    assert not is_late_cancel(starts, datetime(2026, 10, 31, 10, 30))
    # Clocks went forward on Sunday 14 Mar 2027: 23 hours that day.
    starts = datetime(2027, 3, 15, 1, 0)
    assert real_time_between(datetime(2027, 3, 14, 0, 30), starts) == timedelta(
        hours=23, minutes=30
    )
    assert is_late_cancel(starts, datetime(2027, 3, 14, 0, 30))
    assert not is_late_cancel(datetime(2026, 12, 1, 10, 0), datetime(2026, 11, 30, 10, 0))
    assert is_late_cancel(datetime(2026, 12, 1, 10, 0), datetime(2026, 11, 30, 10, 1))
    # The clock's own reading (with its zone) is exact in the hour that repeats: the first
    # 1:30 am (PDT) is 24.5 real hours before 1:00 am the next day, the second (PST) 23.5.
    first = datetime(2026, 11, 1, 1, 30, fold=0, tzinfo=CLINIC_TZ)
    second = datetime(2026, 11, 1, 1, 30, fold=1, tzinfo=CLINIC_TZ)
    assert not is_late_cancel(datetime(2026, 11, 2, 1, 0), first)
    assert is_late_cancel(datetime(2026, 11, 2, 1, 0), second)


# -- slot finder --------------------------------------------------------------------------
def test_next_free_skips_taken_time_closures_and_weekends() -> None:
    def busy(first: date, last: date) -> list[Busy]:
        return [b for b in TAKEN if first <= b.starts.date() <= last]

    found = next_free(OFFICE, 30, at(11, 30, 9, 0), busy, 6)
    assert found == [
        at(11, 30, 10, 30),
        at(11, 30, 12, 30),
        at(11, 30, 12, 45),
        at(11, 30, 13, 0),
        at(11, 30, 13, 15),
        at(11, 30, 13, 30),
    ]
    # From Thanksgiving afternoon: the Friday after is closed, so Monday 10:00 am.
    assert next_free(OFFICE, 30, at(11, 26, 15, 0), busy, 1) == [at(11, 30, 10, 30)]
    # Friday 3:40 pm: only 15:45 is on the grid and it does not fit before 4:00.
    assert next_free(OFFICE, 30, at(12, 4, 15, 40), busy, 1) == [at(12, 7, 10, 0)]
    assert next_free(OFFICE, 15, at(12, 4, 15, 40), busy, 1) == [at(12, 4, 15, 45)]


def test_round_up_to_grid() -> None:
    assert round_up_to_grid(at(1, 1, 10, 0)) == at(1, 1, 10, 0)
    assert round_up_to_grid(at(1, 1, 10, 1)) == at(1, 1, 10, 15)
    assert round_up_to_grid(at(1, 1, 10, 0) + timedelta(seconds=1)) == at(1, 1, 10, 15)
    assert round_up_to_grid(at(1, 1, 23, 50)) == at(1, 2, 0, 0)


busy_days = st.lists(
    st.tuples(
        st.integers(0, 20),  # day offset from Mon 30 Nov 2026
        st.integers(9 * 4, 17 * 4),  # start, in quarter hours
        st.sampled_from([5, 15, 30, 45, 60, 90]),
    ),
    max_size=30,
)


@settings(max_examples=150, deadline=None)
@given(
    held=busy_days,
    minutes=st.sampled_from([15, 30, 60, 90]),
    start_offset=st.integers(0, 7 * 24 * 60),
    count=st.integers(1, 12),
)
def test_every_slot_found_is_bookable_and_none_is_skipped(held, minutes, start_offset, count):
    base = datetime(2026, 11, 30)
    taken = []
    for day, quarter, length in held:
        starts = base + timedelta(days=day, minutes=quarter * 15)
        candidate = Busy(starts, starts + timedelta(minutes=length))
        if not any(candidate.overlaps(b.starts, b.ends) for b in taken):
            taken.append(candidate)

    def busy(first: date, last: date) -> list[Busy]:
        return [b for b in taken if first <= b.starts.date() <= last]

    start = base + timedelta(minutes=start_offset)
    found = next_free(OFFICE, minutes, start, busy, count, horizon_days=60)
    assert found == sorted(set(found))
    for slot in found:
        assert slot >= start and slot.minute % 15 == 0
        assert refusal(OFFICE, slot, minutes, NOW, taken) is None
    # No bookable grid start between `start` and the last one found was left out.
    if found:
        moment = round_up_to_grid(start)
        while moment <= found[-1]:
            if refusal(OFFICE, moment, minutes, NOW, taken) is None:
                assert moment in found
            moment += timedelta(minutes=15)


# -- the grid and the horizon, whatever is typed -------------------------------------------
@settings(max_examples=400, deadline=None)
@given(
    starts=st.datetimes(),
    minutes=st.integers(-(2**63), 2**63),
    now=st.datetimes(max_value=datetime(9000, 1, 1)),
)
def test_any_time_and_length_get_an_answer_never_an_exception(
    starts: datetime, minutes: int, now: datetime
) -> None:
    starts, now = starts.replace(second=0, microsecond=0), now.replace(second=0, microsecond=0)
    said = refusal(OFFICE, starts, minutes, now, TAKEN)
    if said is None:
        assert starts.minute % 5 == 0 and minutes % 5 == 0 and 0 < minutes <= 480
        assert now <= starts and starts.date() <= latest_day(now.date())
    else:
        assert said.endswith(".") and "Traceback" not in said


@pytest.mark.parametrize(
    ("day", "today", "refused"),
    [
        (date(2028, 11, 26), date(2026, 11, 26), False),
        (date(2028, 11, 27), date(2026, 11, 26), True),
        (date(2028, 2, 28), date(2026, 2, 28), False),  # 2028 is a leap year: Feb 29 is beyond
        (date(2028, 2, 29), date(2026, 2, 28), True),
        (date(9999, 12, 31), date(2026, 11, 26), True),
        (date(2020, 1, 1), date(2026, 11, 26), False),  # the past is another rule's business
    ],
)
def test_the_horizon_is_two_years_to_the_day(day: date, today: date, refused: bool) -> None:
    said = beyond_horizon(day, today, "Closures can be added")
    assert (said is not None) == refused
    if said:
        assert said.startswith("Closures can be added at most 2 years ahead, until")


def test_a_stored_appointment_is_rechecked_against_the_hours_only() -> None:
    """An appointment booked before these rules (10:07, far ahead) is not 'outside the hours'."""
    odd = datetime(2029, 12, 3, 10, 7)
    assert refusal(OFFICE, odd, 31, datetime.min, (), chosen=False) is None
    assert refusal(OFFICE, odd, 31, datetime.min, ()) is not None
