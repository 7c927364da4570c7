"""The CO2 series date rules as tables, and the due date checked for any day."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from frontdesk.domain.co2 import (
    Series,
    SeriesStatus,
    SessionDraft,
    Settings,
    SignedSession,
    draft_errors,
    due_after,
    extend_refusal,
    full_results_on,
    glance,
    planned_refusal,
    results_window,
    suggested_sessions,
    timing_refusal,
)
from frontdesk.domain.hours import OfficeCalendar, default_hours, holiday_closures
from frontdesk.domain.intake import Intake, Look, Region, RegionFinding, text_errors

OFFICE = OfficeCalendar(default_hours(), tuple(holiday_closures(range(2026, 2031))))


@pytest.mark.parametrize(
    ("previous", "due"),
    [
        (date(2026, 12, 1), date(2027, 3, 1)),  # Tuesday -> Monday: open
        (date(2026, 11, 30), date(2027, 3, 1)),  # Feb 28 2027 is a Sunday -> Monday Mar 1
        (date(2027, 11, 30), date(2028, 2, 29)),  # leap year: Feb 29 (a Tuesday)
        (date(2027, 8, 31), date(2027, 11, 30)),  # Nov has 30 days
        (date(2028, 5, 31), date(2028, 8, 31)),
        (date(2027, 3, 5), date(2027, 6, 7)),  # Jun 5 is a Saturday -> Monday
        # Each default closure moves the due date to the first open day after it.
        (date(2027, 8, 25), date(2027, 11, 29)),  # Thanksgiving Thu 25 + Fri 26, then weekend
        (date(2027, 9, 24), date(2027, 12, 27)),  # Fri 24 Dec (Christmas observed) + weekend
        (date(2027, 4, 5), date(2027, 7, 6)),  # Mon 5 Jul (Independence Day observed)
        (date(2026, 2, 25), date(2026, 5, 26)),  # Memorial Day, Mon 25 May 2026
        (date(2027, 6, 6), date(2027, 9, 7)),  # Labor Day, Mon 6 Sep 2027
        (date(2026, 9, 25), date(2026, 12, 28)),  # Christmas Day, Fri 25 Dec 2026
        (date(2026, 10, 1), date(2027, 1, 4)),  # New Year's Day, Fri 1 Jan 2027
    ],
)
def test_next_session_due_three_calendar_months_later_on_an_open_day(previous, due) -> None:
    assert due_after(previous, OFFICE) == due


@given(st.dates(min_value=date(2026, 1, 1), max_value=date(2029, 12, 31)))
def test_the_due_date_is_the_first_open_day_from_three_months_on(previous: date) -> None:
    from dateutil.relativedelta import relativedelta

    raw = previous + relativedelta(months=3)
    due = due_after(previous, OFFICE)
    assert OFFICE.is_open(due) and due >= raw
    assert all(not OFFICE.is_open(raw + (d - raw)) for d in _days(raw, due))


def _days(first: date, last: date):
    from datetime import timedelta

    day = first
    while day < last:
        yield day
        day += timedelta(days=1)


@pytest.mark.parametrize(
    ("due", "performed", "reason", "refused"),
    [
        (date(2027, 3, 1), date(2027, 3, 1), "", False),
        (date(2027, 3, 1), date(2027, 3, 8), "", False),
        (date(2027, 3, 1), date(2027, 2, 26), "", True),
        (date(2027, 3, 1), date(2027, 2, 26), "too short", True),
        (date(2027, 3, 1), date(2027, 2, 26), "Travelling abroad in March for work.", False),
        (None, date(2027, 2, 26), "", False),  # the first session of a series
    ],
)
def test_a_session_before_its_due_date_needs_the_doctors_reason(due, performed, reason, refused):
    said = timing_refusal(due, performed, reason)
    assert (said is not None) == refused
    if refused:
        assert said.startswith("This session is due on Mon, Mar 1, 2027")


@pytest.mark.parametrize(
    ("planned", "ok"), [(2, False), (3, True), (4, True), (6, True), (7, False), (0, False)]
)
def test_a_series_plans_three_to_six_sessions(planned: int, ok: bool) -> None:
    assert (planned_refusal(planned) is None) == ok


@pytest.mark.parametrize(("grade", "sessions"), [(None, 4), (1, 3), (2, 3), (3, 4), (4, 5)])
def test_the_suggested_number_follows_the_grade_and_says_why(grade, sessions) -> None:
    n, why = suggested_sessions(grade)
    assert n == sessions and why and (grade is None or f"Grade {grade}" in why)


def test_results_show_three_to_six_months_after_and_fully_a_year_after_the_last() -> None:
    assert results_window(date(2026, 11, 30)) == (date(2027, 2, 28), date(2027, 5, 30))
    assert full_results_on(date(2027, 3, 1)) == date(2028, 3, 1)
    assert full_results_on(date(2028, 2, 29)) == date(2029, 2, 28)


def _session(n: int, day: date) -> SignedSession:
    draft = SessionDraft(
        datetime.combine(day, time(11)),
        Settings("CO2 fractional", 40.0, 10.0, 2, "120 um", "deep"),
        (Region.LEFT_CHEEK,),
        "topical",
        True,
        "erythema",
    )
    return SignedSession(n, 1, n, draft, "x", "Dr. Alex")


def _series(status=SeriesStatus.ACTIVE, planned=4, days=(date(2026, 12, 1),), reason=""):
    sessions = tuple(_session(i + 1, d) for i, d in enumerate(days))
    return Series(1, 1, planned, status, date(2026, 12, 1), reason, 1, sessions)


@pytest.mark.parametrize(
    ("series", "said"),
    [
        (
            _series(days=(date(2026, 9, 1), date(2026, 12, 1))),
            "Session 2 of 4 - next due Mon, Mar 1, 2027 - full results expected ~Jun 2028",
        ),
        (
            _series(days=()),
            "Series of 4, not started - next due Tue, Dec 1, 2026"
            " - full results expected ~Sep 2028",
        ),
        (
            _series(SeriesStatus.PAUSED, reason="pregnant"),
            "Session 1 of 4 - paused: pregnant",
        ),
        (
            _series(
                SeriesStatus.COMPLETED,
                planned=3,
                days=(date(2026, 3, 2), date(2026, 6, 2), date(2026, 9, 2)),
            ),
            "Session 3 of 3 - series completed - full results review ~Sep 2027",
        ),
        (
            _series(SeriesStatus.ENDED, reason="moved away"),
            "Session 1 of 4 - ended early: moved away - full results expected ~Dec 2027",
        ),
    ],
)
def test_the_series_at_a_glance(series: Series, said: str) -> None:
    assert glance(series, OFFICE).startswith(said.split(" - full")[0])
    assert glance(series, OFFICE) == said


def test_extending_stays_within_six_and_not_after_an_early_end() -> None:
    assert extend_refusal(_series(planned=4), 5) is None
    assert extend_refusal(_series(planned=4), 7) == "A series has 3 to 6 sessions."
    assert "already plans 4" in extend_refusal(_series(planned=4), 4)
    assert extend_refusal(_series(SeriesStatus.COMPLETED), 5) is None  # a 5th after 4 of 4
    assert "open a new one" in extend_refusal(_series(SeriesStatus.ENDED), 5)


def test_an_overdue_series_is_projected_from_today_or_from_its_booking() -> None:
    late = _series(days=(date(2026, 3, 2), date(2026, 6, 2)))  # the third was due Sep 2
    today = date(2026, 11, 26)  # Thanksgiving: the first open day is Mon 30 Nov
    assert late.projected_dates(OFFICE, today)[2:] == [date(2026, 11, 30), date(2027, 3, 1)]
    assert late.full_results(OFFICE, today) == date(2028, 3, 1)
    booked = date(2026, 12, 8)
    assert late.projected_dates(OFFICE, today, booked)[2:] == [booked, date(2027, 3, 8)]
    assert "(overdue)" in glance(late, OFFICE, today)


# -- text a signed session cannot keep ---------------------------------------------------------
GOOD_DRAFT = SessionDraft(
    datetime(2026, 11, 26, 9),
    Settings("UltraPulse", 40.0, 10.0, 2, "120 um", "DeepFX"),
    (Region.LEFT_CHEEK,),
    "Topical lidocaine",
    True,
    "Expected redness",
)
SESSION_TEXTS = {
    "device": lambda t: replace(GOOD_DRAFT, settings=replace(GOOD_DRAFT.settings, device=t)),
    "spot": lambda t: replace(GOOD_DRAFT, settings=replace(GOOD_DRAFT.settings, spot=t)),
    "mode": lambda t: replace(GOOD_DRAFT, settings=replace(GOOD_DRAFT.settings, mode=t)),
    "anaesthesia": lambda t: replace(GOOD_DRAFT, anaesthesia=t),
    "response": lambda t: replace(GOOD_DRAFT, response=t),
    "adverse": lambda t: replace(GOOD_DRAFT, adverse=t),
    "notes": lambda t: replace(GOOD_DRAFT, notes=t),
}


@pytest.mark.parametrize("field", SESSION_TEXTS)
@pytest.mark.parametrize(("typed", "said"), [("a\x00b", "NUL"), ("a\udc80", "broken")])
def test_a_session_text_the_database_cannot_keep_is_refused(field, typed, said) -> None:
    errors = draft_errors(SESSION_TEXTS[field](typed), datetime(2026, 11, 26, 12))
    assert list(errors) == [field] and said in errors[field]


@given(st.text(alphabet=st.characters(codec=None, categories=None), min_size=1))
def test_any_session_notes_are_accepted_exactly_when_they_can_be_stored(notes: str) -> None:
    errors = draft_errors(replace(GOOD_DRAFT, notes=notes), datetime(2026, 11, 26, 12))
    try:
        storable = "\x00" not in notes and bool(notes.encode("utf-8"))
    except UnicodeEncodeError:
        storable = False
    assert (errors == {}) == storable


def test_an_early_reason_that_cannot_be_stored_is_refused_in_words() -> None:
    said = timing_refusal(date(2027, 3, 1), date(2027, 2, 1), "Patient travels abroad\udc80")
    assert said is not None and "broken character" in said
    assert timing_refusal(None, date(2027, 2, 1), "\udc80") is None  # not early: not kept


@pytest.mark.parametrize(
    "intake",
    [
        Intake(notes="a\x00b"),
        Intake(
            regions=(RegionFinding(Region.OTHER, frozenset({Look.INDENTED}), other_text="\udc80"),)
        ),
    ],
)
def test_intake_text_the_database_cannot_keep_is_named(intake: Intake) -> None:
    errors = text_errors(intake)
    assert len(errors) == 1 and set(errors) <= {"notes", "regions"}
    assert text_errors(Intake(notes="Zoë 😀")) == {}
