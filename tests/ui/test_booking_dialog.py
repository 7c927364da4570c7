"""The booking dialog's day: typed key by key, the day kept is the day typed (issue 13)."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PySide6.QtCore import Qt

from frontdesk.domain.appointments import CONSULTATION
from frontdesk.domain.dates import format_clock, format_day
from frontdesk.domain.staff import Role
from frontdesk.ui.dialogs.booking_dialog import BookingDialog
from frontdesk.ui.notifier import ChangeNotifier
from frontdesk.ui.operations import Operations
from tests.conftest import NOW, member_with_role
from tests.ui.typed_days import ON_ONE_WIDGET, forms, typed


@pytest.fixture
def maria(demo):
    return demo.patients.get(demo.patients.search("garcia maria").rows[0].id)


@pytest.fixture
def said() -> list[str]:
    """The status-bar lines the operations helper put."""
    return []


@pytest.fixture
def ops(demo, said) -> Operations:
    return Operations(demo, ChangeNotifier(), said.append)


@pytest.fixture
def dialog(qtbot, demo, maria, ops) -> BookingDialog:
    desk = member_with_role(demo, Role.FRONT_DESK)
    made = BookingDialog(
        demo.calendar,
        demo.patients,
        lambda: desk,
        lambda: NOW.date(),
        ops=ops,
        patient=maria,
        starts=datetime(2026, 11, 30, 10, 0),
        type_code=CONSULTATION,
    )
    qtbot.addWidget(made)
    made.show()
    qtbot.waitExposed(made)
    return made


def type_day(qtbot, dialog: BookingDialog, text: str) -> None:
    dialog.day.setFocus()
    dialog.day.edit.selectAll()
    qtbot.keyClick(dialog.day.edit, Qt.Key.Key_Backspace)
    qtbot.keyClicks(dialog.day.edit, text)


def test_typed_01_15_2027_books_january_15_not_december(qtbot, dialog, demo, maria) -> None:
    """The bug: the QDateEdit kept 01/15/2027 typed from the wrong section as another month."""
    type_day(qtbot, dialog, "01/15/2027")
    assert dialog.day.date().toString("yyyy-MM-dd") == "2027-01-15"
    assert dialog.day.said_text() == "Fri, Jan 15, 2027"
    assert dialog.chosen_start().date() == date(2027, 1, 15)
    dialog.set_start(datetime(2027, 1, 15, 11, 0))
    assert dialog.ok.isEnabled(), dialog.verdict.text()
    dialog.ok.click()
    assert dialog.result_listed is not None
    assert dialog.result_listed.appointment.starts == datetime(2027, 1, 15, 11, 0)
    booked = [a.appointment.starts for a in demo.calendar.upcoming(maria.id)]
    assert datetime(2027, 1, 15, 11, 0) in booked


@pytest.mark.parametrize("text", ["03/10/2027", "3/10/27", "2027-03-10"])
def test_march_10_typed_any_way_is_march_10(qtbot, dialog, text) -> None:
    type_day(qtbot, dialog, text)
    assert dialog.chosen_start().date() == date(2027, 3, 10)
    assert dialog.day.said_text() == "Wed, Mar 10, 2027"
    # The times offered are that day's.
    assert dialog.at.count() > 0 and dialog.at.itemText(0).endswith("am")


@pytest.mark.parametrize(
    ("text", "sentence"),
    [
        ("15/01/2027", "The month comes first: did you mean 01/15/2027?"),
        ("2/30/2027", "2/30/2027 is not a date on the calendar."),
        ("next week", "Enter the date as month/day/year, e.g. 11/26/2026."),
    ],
)
def test_an_unreadable_day_is_said_and_book_is_disabled(qtbot, dialog, text, sentence) -> None:
    type_day(qtbot, dialog, text)
    assert dialog.day.said_text() == sentence
    assert not dialog.ok.isEnabled()
    assert dialog.verdict.text() == f"Correct the day first: {sentence}"
    dialog._accept()  # Enter or a click that raced the typing: nothing is booked
    assert dialog.result_listed is None and dialog.isVisible()
    type_day(qtbot, dialog, "1/15/27")
    assert dialog.ok.isEnabled(), dialog.verdict.text()


def test_free_times_are_written_by_the_one_formatter(dialog) -> None:
    first = dialog.free.item(0)
    moment = first.data(Qt.ItemDataRole.UserRole)
    assert first.text().startswith(format_day(moment.date()))
    assert dialog.at.currentText() == "10:00 am"


@ON_ONE_WIDGET
@given(
    day=st.dates(min_value=date(2026, 11, 27), max_value=date(2028, 11, 1)),
    form=forms("us", "us padded", "us two-digit year", "iso"),
)
def test_any_day_typed_into_the_booking_dialog_is_the_day_kept(qtbot, dialog, day, form) -> None:
    dialog.set_start(datetime(2026, 11, 30, 10, 0), list_free=False)  # the same start each time
    type_day(qtbot, dialog, typed(day, form))
    assert dialog.day.isValid()
    assert dialog.chosen_start().date() == day
    assert dialog.day.said_text() == format_day(day)
    assert dialog.chosen_start().time() >= time(0)


def test_the_appointment_dialog_writes_its_day_and_history_the_one_way(
    qtbot, demo, maria, ops
) -> None:
    from frontdesk.ui.dialogs.appointment_dialog import AppointmentDialog

    desk = member_with_role(demo, Role.FRONT_DESK)
    [slot] = demo.calendar.next_free(CONSULTATION, datetime(2026, 11, 30), 1)
    listed = demo.calendar.book(desk, maria.id, CONSULTATION, slot)
    opened = AppointmentDialog(
        demo.calendar, lambda: desk, listed, lambda *_a: None, lambda *_a: None, ops=ops
    )
    qtbot.addWidget(opened)
    ends = listed.appointment.ends
    span = f"{format_clock(slot.time())}-{format_clock(ends.time())}"
    assert f"{format_day(slot.date())}, {span}" in opened.title.text()
    assert opened.history.item(0).text().startswith("Thu, Nov 26, 2026, 10:30 am  ")


def listed_free(dialog: BookingDialog) -> list[datetime]:
    items = (dialog.free.item(row) for row in range(dialog.free.count()))
    return [i.data(Qt.ItemDataRole.UserRole) for i in items if i.data(Qt.ItemDataRole.UserRole)]


def book_elsewhere(demo, starts: datetime) -> None:
    """Another window's booking, straight into the file."""
    other = demo.twin()
    try:
        someone = other.patients.search("", limit=5).rows[-1].id
        desk = member_with_role(other, Role.FRONT_DESK)
        other.calendar.book(desk, someone, CONSULTATION, starts)
    finally:
        other.close()


def test_a_time_taken_elsewhere_leaves_the_list_once_announced(dialog, demo, ops) -> None:
    taken = listed_free(dialog)[1]
    book_elsewhere(demo, taken)
    ops.heard_from_elsewhere(demo_changes())
    assert taken not in listed_free(dialog)


def test_a_time_refused_at_book_takes_it_out_of_the_list(qtbot, dialog, demo) -> None:
    """A trial: the move was refused ("already taken") but the list still offered the time."""
    taken = listed_free(dialog)[1]
    dialog.free.setCurrentRow(1)
    assert dialog.chosen_start() == taken
    book_elsewhere(demo, taken)  # nothing announced: this window has not been used since
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and "taken" in dialog.verdict.text()
    assert taken not in listed_free(dialog)


def test_the_time_chosen_in_the_box_is_the_one_marked_in_the_list(dialog) -> None:
    """A trial: 1:45 pm chosen in the box while the list still marked 10:00 am."""
    dialog.free.setCurrentRow(0)
    first = dialog.chosen_start()
    second = next(m for m in listed_free(dialog) if m.date() == first.date() and m != first)
    dialog.at.setCurrentIndex(dialog.at.findData(second.hour * 60 + second.minute))
    marked = dialog.free.currentItem()
    assert marked is not None and marked.data(Qt.ItemDataRole.UserRole) == second
    listed = {m.hour * 60 + m.minute for m in listed_free(dialog) if m.date() == first.date()}
    unlisted = next(i for i in range(dialog.at.count()) if dialog.at.itemData(i) not in listed)
    dialog.at.setCurrentIndex(unlisted)
    assert dialog.free.currentItem() is None  # a time not listed: nothing marked


def demo_changes():
    from frontdesk.services.changes import Change, Changes, Entity

    return Changes.of(Change(Entity.APPOINTMENT, None))
