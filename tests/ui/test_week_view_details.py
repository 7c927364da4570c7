"""The week view on its own: the break shaded as closed, cancelled blocks in their lane."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor

from frontdesk.domain.appointments import Appointment, ListedAppointment, Status
from frontdesk.domain.hours import DayHours, OfficeCalendar, WeeklyHours, default_hours
from frontdesk.ui.widgets.week_view import WeekView

MONDAY = date(2026, 11, 30)
TUESDAY = MONDAY + timedelta(days=1)
SPLIT = DayHours(time(10), time(17), time(13), time(14))
OFFICE = OfficeCalendar(WeeklyHours(dict(default_hours().days) | {1: SPLIT}))


def listed(id_: int, starts: datetime, status: Status = Status.BOOKED) -> ListedAppointment:
    a = Appointment(
        id_, 1, "consultation", starts, starts + timedelta(minutes=30), status, False, "", 1
    )
    return ListedAppointment(a, f"Patient {id_}", "", "Free consultation", "#2f7fc1")


@pytest.fixture
def view(qtbot):
    made = WeekView()
    qtbot.addWidget(made)
    made.resize(1000, 600)
    return made


def show(view: WeekView, rows: list[ListedAppointment]) -> None:
    days = [MONDAY + timedelta(days=i) for i in range(5)]
    view.show_days(days, OFFICE, rows, MONDAY, datetime.combine(MONDAY, time(9)))
    view.show()


def colour_at(view: WeekView, moment: datetime) -> QColor:
    point = view.point_for(moment)
    return view.grab().toImage().pixelColor(point.x() + 30, point.y())


def test_the_break_is_shaded_as_closed_and_a_block_in_it_is_outside_the_hours(view) -> None:
    in_break = listed(1, datetime.combine(TUESDAY, time(13, 15)))
    before = listed(2, datetime.combine(TUESDAY, time(12, 30)))
    show(view, [in_break, before])
    closed = colour_at(view, datetime.combine(TUESDAY, time(13, 45)))
    opened = colour_at(view, datetime.combine(TUESDAY, time(14, 30)))
    morning_shade = colour_at(view, datetime.combine(MONDAY, time(13, 45)))
    assert closed != opened  # the break is drawn closed
    assert closed != morning_shade  # Monday has no break: open at 1:45 pm
    assert view.fits(before) and not view.fits(in_break)


def test_a_cancelled_block_keeps_to_a_lane_and_leaves_the_time_to_book(view, qtbot) -> None:
    starts = datetime.combine(MONDAY, time(11))
    missed = listed(3, starts, Status.NO_SHOW)
    show(view, [missed])
    [block] = view._blocks
    column = view.rect_for(starts, starts + timedelta(minutes=30))
    assert block.rect.right() == pytest.approx(column.right())
    assert block.rect.width() < column.width() / 2
    view.place_cursor(starts)
    assert view._at_cursor() is None
    with qtbot.waitSignal(view.free_time_chosen, timeout=1000) as chosen:
        click_at = column.toRect().topLeft() + QPoint(10, 8)
        qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=click_at)
    assert chosen.args == [starts]
    # Beside a booked one at the same time, the booked one gives it room.
    booked = listed(4, starts)
    show(view, [missed, booked])
    lane, taken = view._blocks
    assert lane.listed is missed and taken.rect.right() < lane.rect.left()
    view.show_inactive = False
    show(view, [missed, booked])
    assert [b.listed for b in view._blocks] == [booked]
    assert view._blocks[0].rect.width() == pytest.approx(column.width())
