"""The series timeline: what it draws for each kind of series, its tooltips and its size."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from frontdesk.domain.co2 import (
    Series,
    SeriesStatus,
    SessionDraft,
    Settings,
    SignedSession,
    full_results_on,
    results_window,
)
from frontdesk.domain.hours import OfficeCalendar, default_hours, holiday_closures
from frontdesk.domain.intake import Region
from frontdesk.ui.widgets.series_timeline import SeriesTimeline

OFFICE = OfficeCalendar(default_hours(), tuple(holiday_closures(range(2026, 2030))))
SETTINGS = Settings("UltraPulse fractional CO2", 40.0, 10.0, 2, "120 um", "DeepFX")
TODAY = date(2026, 11, 26)
JUNE, SEPTEMBER = date(2026, 6, 1), date(2026, 9, 1)  # a Monday and a Tuesday, both open


def signed(number: int, day: date) -> SignedSession:
    draft = SessionDraft(
        datetime.combine(day, time(11)),
        SETTINGS,
        (Region.LEFT_CHEEK,),
        "Topical lidocaine",
        True,
        "Expected redness",
    )
    return SignedSession(number, 1, number, draft, f"{day}T12:00", "Dr. Alex")


def series(status: SeriesStatus, days: list[date], planned: int = 4, reason: str = "") -> Series:
    sessions = tuple(signed(i, d) for i, d in enumerate(days, 1))
    return Series(1, 7, planned, status, date(2026, 6, 1), reason, 1, sessions)


@pytest.fixture
def timeline(qtbot):
    made = SeriesTimeline()
    qtbot.addWidget(made)
    made.resize(made.sizeHint())
    made.show()
    return made


def kinds(timeline: SeriesTimeline, kind: str) -> list[date]:
    return [d for k, d in timeline.items() if k == kind]


def test_active_two_of_four_shows_done_planned_results_full_and_today(timeline) -> None:
    active = series(SeriesStatus.ACTIVE, [JUNE, SEPTEMBER])
    timeline.show_series(active, OFFICE, TODAY)
    assert kinds(timeline, "done") == [JUNE, SEPTEMBER]
    # Dec 1, 2026 (Tue) and Mar 1, 2027 (Mon): 3 months apart, on open days.
    assert kinds(timeline, "planned") == [date(2026, 12, 1), date(2027, 3, 1)]
    assert kinds(timeline, "planned") == active.projected_dates(OFFICE)[2:]
    assert kinds(timeline, "results") == [results_window(JUNE)[0], results_window(SEPTEMBER)[0]]
    assert kinds(timeline, "full") == [full_results_on(date(2027, 3, 1))]
    assert kinds(timeline, "today") == [TODAY]
    assert timeline.status_text() == "2 of 4 sessions done"
    assert "session 3 planned Tue, Dec 1, 2026" in timeline.accessibleDescription()
    assert not timeline.grab().isNull()


def test_completed_series_plans_nothing_more(timeline) -> None:
    days = [JUNE, SEPTEMBER, date(2026, 12, 1), date(2027, 3, 1)]
    timeline.show_series(series(SeriesStatus.COMPLETED, days), OFFICE, date(2027, 5, 3))
    assert kinds(timeline, "done") == days
    assert kinds(timeline, "planned") == []
    assert len(kinds(timeline, "results")) == 4
    assert kinds(timeline, "full") == [date(2028, 3, 1)]
    assert kinds(timeline, "today") == [date(2027, 5, 3)]
    assert timeline.status_text().startswith("Completed")


@pytest.mark.parametrize(
    ("status", "said"),
    [
        (SeriesStatus.PAUSED, "Paused after 1 of 4"),
        (SeriesStatus.ENDED, "Ended early after 1 of 4"),
    ],
)
def test_paused_or_ended_series_draws_no_planned_sessions(timeline, status, said) -> None:
    timeline.show_series(series(status, [JUNE], reason="Travelling until spring"), OFFICE, TODAY)
    assert kinds(timeline, "done") == [JUNE]
    assert kinds(timeline, "planned") == []
    assert timeline.status_text() == f"{said}: Travelling until spring"
    assert not timeline.grab().isNull()


def test_a_series_not_started_plans_from_the_first_open_day(timeline) -> None:
    fresh = Series(1, 7, 3, SeriesStatus.ACTIVE, date(2026, 11, 26), "", 1)  # Thanksgiving
    timeline.show_series(fresh, OFFICE, TODAY)
    assert kinds(timeline, "done") == []
    assert kinds(timeline, "planned")[0] == date(2026, 11, 30)  # closed Thu, Fri, weekend
    assert timeline.status_text() == "Not started: 3 sessions planned"


def test_no_series_shows_a_hint_and_draws_nothing(timeline) -> None:
    timeline.show_series(None, OFFICE, TODAY)
    assert timeline.items() == []
    assert timeline.accessibleDescription() == "No CO2 series yet."
    assert not timeline.grab().isNull()


def test_today_far_after_the_series_is_not_drawn(timeline) -> None:
    days = [JUNE, SEPTEMBER, date(2026, 12, 1)]
    timeline.show_series(series(SeriesStatus.COMPLETED, days, planned=3), OFFICE, date(2031, 1, 5))
    assert kinds(timeline, "today") == []


def test_tooltips_name_the_session_its_day_and_state(timeline) -> None:
    timeline.show_series(series(SeriesStatus.ACTIVE, [JUNE, SEPTEMBER]), OFFICE, TODAY)
    done = timeline.point_for("done", SEPTEMBER)
    assert timeline.tip_at(done) == "Session 2 - Tue, Sep 1, 2026 - done"
    planned = timeline.point_for("planned", date(2027, 3, 1))
    assert timeline.tip_at(planned) == "Session 4 - Mon, Mar 1, 2027 - planned (due)"
    band = timeline.point_for("results", date(2026, 9, 1))
    assert timeline.tip_at(band).startswith("Results of session 1 show from Tue, Sep 1, 2026")
    assert timeline.tip_at(timeline.point_for("full", date(2028, 3, 1))).startswith(
        "Full results about March 2028"
    )


def test_size_leaves_room_for_every_line(timeline) -> None:
    assert timeline.sizeHint().width() == 700
    assert timeline.sizeHint().height() >= 120
    assert timeline.minimumSizeHint().height() >= 110
    assert timeline.objectName() == "seriesTimeline"
    assert timeline.accessibleName() == "CO2 series timeline"
