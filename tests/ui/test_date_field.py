"""The date field: a typed day is the day kept, said in full beside it, refused in words."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QTableView

from frontdesk.domain.dates import format_day
from frontdesk.ui.error_label import ERROR_COLOUR
from frontdesk.ui.widgets.date_field import DateField
from tests.ui.typed_days import ON_ONE_WIDGET, forms, typed

TODAY = date(2026, 11, 26)
START = date(2026, 12, 7)

# The forms the desk types: US with four or two digits (zero-padded or not) and ISO.


@pytest.fixture
def field(qtbot) -> DateField:
    widget = DateField(START, today=lambda: TODAY)
    widget.setAccessibleName("Day")
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def type_into(qtbot, field: DateField, text: str) -> None:
    """Select all, then type key by key, as a person replacing the day would."""
    field.setFocus()
    field.edit.selectAll()
    qtbot.keyClick(field.edit, Qt.Key.Key_Backspace)
    qtbot.keyClicks(field.edit, text)


def test_typed_us_date_is_the_date_kept_not_december(qtbot, field) -> None:
    """The bug: QDateEdit kept 01/15/2027 typed from the wrong section as another month."""
    seen: list[QDate] = []
    field.dateChanged.connect(seen.append)
    type_into(qtbot, field, "01/15/2027")
    assert field.date() == QDate(2027, 1, 15)
    assert field.day() == date(2027, 1, 15)
    assert field.isValid() and field.error() == ""
    assert field.said_text() == "Fri, Jan 15, 2027"
    assert seen[-1] == QDate(2027, 1, 15)


@pytest.mark.parametrize(
    "text",
    ["1/15/2027", "01/15/27", "1/15/27", "2027-01-15", "1-15-2027", " 01/15/2027 "],
)
def test_every_accepted_form_keeps_january_15(qtbot, field, text) -> None:
    type_into(qtbot, field, text)
    assert field.day() == date(2027, 1, 15)
    assert field.said_text() == "Fri, Jan 15, 2027"


def test_leaving_the_field_writes_the_day_the_one_way(qtbot, field) -> None:
    type_into(qtbot, field, "1/15/27")
    qtbot.keyClick(field.edit, Qt.Key.Key_Tab)
    field.edit.editingFinished.emit()
    assert field.text() == "01/15/2027"


@pytest.mark.parametrize(
    ("text", "sentence"),
    [
        ("15/01/2027", "The month comes first: did you mean 01/15/2027?"),
        ("2/30/2027", "2/30/2027 is not a date on the calendar."),
        ("13/13/2027", "There is no month 13: months go from 1 to 12."),
        ("1/15/202", "Write the year with four digits or two"),
        ("next friday", "Enter the date as month/day/year, e.g. 11/26/2026."),
        ("", "Enter a date, e.g. 11/26/2026."),
    ],
)
def test_unreadable_text_is_refused_in_words_in_red(qtbot, field, text, sentence) -> None:
    validity: list[bool] = []
    field.validityChanged.connect(validity.append)
    errors: list[str] = []
    field.errorChanged.connect(errors.append)
    type_into(qtbot, field, text[:-1])
    kept = field.day()  # "1/15/20" on the way to "1/15/202" is a readable day: 2020
    type_into(qtbot, field, text)
    assert not field.isValid()
    assert sentence in field.error()
    assert field.said_text() == field.error() == field.refusal.text()
    assert field.refusal.isVisible() and ERROR_COLOUR in field.refusal.styleSheet()
    assert field.said.text() == ""  # no day is said while none can be read
    assert field.day() == kept  # the last readable day is kept, never a guess
    assert validity[-1] is False
    assert errors[-1] == field.error()
    type_into(qtbot, field, "12/24/2026")
    assert field.isValid() and validity[-1] is True and errors[-1] == ""
    assert not field.refusal.isVisible() and field.said.text() == "Thu, Dec 24, 2026"


def test_minimum_and_maximum_are_said_in_a_sentence(qtbot, field) -> None:
    field.setDateRange(date(2026, 11, 26), date(2028, 11, 26))
    type_into(qtbot, field, "11/25/2026")
    assert not field.isValid()
    assert field.error() == "Choose Thu, Nov 26, 2026 or later."
    type_into(qtbot, field, "1/1/2029")
    assert field.error() == "Choose Sun, Nov 26, 2028 or earlier."
    type_into(qtbot, field, "11/26/2026")
    assert field.isValid()
    assert field.minimumDate() == QDate(2026, 11, 26)
    assert field.maximumDate() == QDate(2028, 11, 26)


def test_set_date_shows_it_and_signals_like_qdateedit(qtbot, field) -> None:
    seen: list[QDate] = []
    field.dateChanged.connect(seen.append)
    field.setDate(QDate(2027, 3, 10))
    assert field.text() == "03/10/2027" and field.said_text() == "Wed, Mar 10, 2027"
    field.setDate(date(2027, 3, 10))  # the same day again: no signal, as QDateEdit
    assert seen == [QDate(2027, 3, 10)]


def test_the_calendar_pop_up_picks_a_day(qtbot, field) -> None:
    qtbot.mouseClick(field.calendar_button, Qt.MouseButton.LeftButton)
    assert field.popup.isVisible()
    assert field.calendar.selectedDate() == QDate(2026, 12, 7)
    field.calendar.clicked.emit(QDate(2027, 2, 1))
    assert field.day() == date(2027, 2, 1) and not field.popup.isVisible()
    assert field.text() == "02/01/2027" and field.said_text() == "Mon, Feb 1, 2027"


def test_the_calendar_pop_up_works_from_the_keyboard(qtbot, field) -> None:
    field.open_calendar()
    qtbot.waitUntil(field.popup.isVisible)
    days = field.calendar.findChild(QTableView)  # the grid inside, which has the focus
    qtbot.keyClick(days, Qt.Key.Key_Down)  # a week on
    qtbot.keyClick(days, Qt.Key.Key_Right)  # and a day
    qtbot.keyClick(days, Qt.Key.Key_Return)
    assert field.day() == date(2026, 12, 15) and not field.popup.isVisible()
    field.open_calendar()
    qtbot.keyClick(field.popup, Qt.Key.Key_Escape)
    assert not field.popup.isVisible() and field.day() == date(2026, 12, 15)


def test_the_calendar_keeps_the_range(qtbot, field) -> None:
    field.setDateRange(date(2026, 12, 1), date(2026, 12, 31))
    field.open_calendar()
    assert field.calendar.minimumDate() == QDate(2026, 12, 1)
    assert field.calendar.maximumDate() == QDate(2026, 12, 31)


def test_focus_and_accessible_name_reach_the_line_edit(qtbot, field) -> None:
    field.setFocus()
    assert field.edit.hasFocus()
    assert field.edit.accessibleName() == "Day"


@ON_ONE_WIDGET
@given(
    day=st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)),
    form=forms(),
)
def test_any_day_in_any_form_typed_key_by_key_is_kept(qtbot, field, day, form) -> None:
    field.setDate(START)  # the widget is shared by the examples: start each from the same day
    text = typed(day, form)
    type_into(qtbot, field, text)
    assert field.isValid(), (text, field.error())
    assert field.day() == day
    assert field.date() == QDate(day.year, day.month, day.day)
    assert field.said_text() == format_day(day)


def test_a_refusal_is_never_cut_off(qtbot, field) -> None:
    type_into(qtbot, field, "next friday")
    sentence = field.said_text()
    whole = field.refusal.fontMetrics().horizontalAdvance(sentence)
    assert field.refusal.minimumSizeHint().width() >= whole  # not wrapped, not elided
    assert field.minimumSizeHint().width() >= whole
