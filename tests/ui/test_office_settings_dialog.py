"""Office hours, closures and types: saved through the service, refusals in plain words."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from PySide6.QtCore import QDate, Qt, QTime
from PySide6.QtWidgets import QAbstractSpinBox, QDateTimeEdit

from frontdesk.domain.appointments import Status
from frontdesk.domain.hours import Closure
from frontdesk.ui.dialogs.office_settings_dialog import OfficeSettingsDialog
from frontdesk.ui.notifier import ChangeNotifier
from frontdesk.ui.operations import Operations
from tests.conftest import draft

WEDNESDAY, FRIDAY = 2, 4
CLOSING_FRIDAY = "Fri, Dec 4, 2026, 3:30 pm - María García - Free consultation - (818) 555-0134"


@pytest.fixture
def said() -> list[str]:
    """The status-bar lines the operations helper put."""
    return []


@pytest.fixture
def ops(clinic, said) -> Operations:
    return Operations(clinic, ChangeNotifier(), said.append)


@pytest.fixture
def announced(ops):
    """The changes announced to every view; a save is seen by the calendar through these."""
    return ops.notifier.changes


@pytest.fixture
def dialog(qtbot, ops, admin):
    """The office settings are the admin's."""
    made = OfficeSettingsDialog(ops, lambda: admin)
    qtbot.addWidget(made)
    made.show()
    qtbot.waitExposed(made)
    return made


@pytest.fixture
def booked(clinic, desk):
    """María's consultation, Friday December 4 at 3:30 pm (Fridays close at 4:00 pm)."""
    patient = clinic.patients.register(desk, draft())
    return clinic.calendar.book(desk, patient.id, "consultation", datetime(2026, 12, 4, 15, 30))


def step(qtbot, edit: QAbstractSpinBox, section, key, times: int = 1) -> None:
    edit.setFocus()
    edit.setCurrentSection(section)
    for _ in range(times):
        qtbot.keyClick(edit, key)


def click(qtbot, button) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


# -- weekly hours ---------------------------------------------------------------------------
def test_shows_the_hours_on_a_12_hour_clock(dialog) -> None:
    assert dialog.windowTitle() == "Office hours and closures"
    assert dialog.objectName() == "officeSettingsDialog"
    assert dialog.opens[0].text() == "10:00 am"
    assert dialog.closes[FRIDAY].text() == "4:00 pm"
    assert dialog.open_boxes[0].isChecked()
    assert not dialog.open_boxes[6].isChecked()  # Sunday
    assert not dialog.opens[6].isEnabled() and not dialog.closes[6].isEnabled()
    assert dialog.opens[0].accessibleName() == "Monday opens at"


def test_minute_arrows_move_by_a_quarter_hour(qtbot, dialog) -> None:
    edit = dialog.opens[0]
    step(qtbot, edit, QDateTimeEdit.Section.MinuteSection, Qt.Key.Key_Up)
    assert edit.time() == QTime(10, 15)
    step(qtbot, edit, QDateTimeEdit.Section.MinuteSection, Qt.Key.Key_Down, 2)
    assert edit.time() == QTime(9, 45)
    edit.setTime(QTime(9, 50))  # typed off the grid: the next step lands back on it
    step(qtbot, edit, QDateTimeEdit.Section.MinuteSection, Qt.Key.Key_Up)
    assert edit.time() == QTime(10, 0)
    step(qtbot, edit, QDateTimeEdit.Section.HourSection, Qt.Key.Key_Up)
    assert edit.time() == QTime(11, 0)  # the hour still moves by an hour


def test_closing_a_day_and_shortening_friday_saves(qtbot, dialog, clinic, announced) -> None:
    click(qtbot, dialog.open_boxes[WEDNESDAY])
    assert not dialog.opens[WEDNESDAY].isEnabled()
    step(qtbot, dialog.closes[FRIDAY], QDateTimeEdit.Section.HourSection, Qt.Key.Key_Down)
    assert dialog.closes[FRIDAY].text() == "3:00 pm"
    with qtbot.waitSignal(announced, timeout=1000):
        click(qtbot, dialog.save_hours_button)
    hours = clinic.calendar.hours()
    assert hours.on(WEDNESDAY) is None
    assert hours.on(FRIDAY).closes == time(15)
    assert hours.on(0).opens == time(10) and hours.on(0).closes == time(17)
    assert dialog.status.text() == "Office hours saved."
    assert dialog.outside_texts() == []  # nothing booked: nothing to call about


def test_enter_saves_the_hours_and_does_not_close(qtbot, dialog, clinic) -> None:
    dialog.opens[0].setTime(QTime(9, 0))
    dialog.opens[0].setFocus()
    qtbot.keyClick(dialog.opens[0], Qt.Key.Key_Return)
    assert dialog.isVisible()
    assert clinic.calendar.hours().on(0).opens == time(9)


def test_closing_before_opening_is_refused_and_saves_nothing(
    qtbot, dialog, clinic, announced
) -> None:
    before = clinic.calendar.hours()
    dialog.closes[FRIDAY].setTime(QTime(16, 0))
    dialog.opens[FRIDAY].setTime(QTime(16, 30))
    click(qtbot, dialog.open_boxes[WEDNESDAY])  # a valid change alongside is not saved either
    with qtbot.assertNotEmitted(announced):
        click(qtbot, dialog.save_hours_button)
    assert dialog.hours_error_text(FRIDAY) == "Closing time must be after opening time."
    assert dialog.hours_error_text(0) == ""
    assert dialog.closes[FRIDAY].hasFocus()
    assert clinic.calendar.hours() == before
    step(qtbot, dialog.closes[FRIDAY], QDateTimeEdit.Section.HourSection, Qt.Key.Key_Up)
    assert dialog.hours_error_text(FRIDAY) == ""  # changing the time clears its message


def test_booked_appointment_outside_the_new_hours_is_listed(qtbot, dialog, clinic, booked) -> None:
    dialog.closes[FRIDAY].setTime(QTime(15, 0))
    click(qtbot, dialog.save_hours_button)
    assert dialog.outside_texts() == [CLOSING_FRIDAY]
    assert dialog.outside_title.text().startswith("These booked appointments are now outside")
    # Listed, not cancelled: the receptionist decides.
    assert clinic.calendar.get(booked.appointment.id).appointment.status is Status.BOOKED


# -- closures -------------------------------------------------------------------------------
def test_lists_closures_from_today_in_order(dialog, clinic) -> None:
    texts = [dialog.closure_list.item(i).text() for i in range(dialog.closure_list.count())]
    assert texts[0] == "Thu, Nov 26, 2026: Thanksgiving Day"
    assert texts[1] == "Fri, Nov 27, 2026: Day After Thanksgiving"
    ahead = clinic.calendar.closures(first=date(2026, 11, 26))
    assert dialog.closure_ids() == [c.id for c in ahead]
    assert not any("Independence Day" in t and "2026" in t for t in texts)  # past: not shown


def test_adding_a_closure_with_a_reason(qtbot, dialog, clinic, announced) -> None:
    dialog.tabs.setCurrentIndex(1)
    dialog.first_day.setDate(QDate(2026, 12, 14))
    dialog.last_day.setDate(QDate(2026, 12, 15))
    assert dialog.first_day.text() == "12/14/2026"
    qtbot.keyClicks(dialog.reason, "Staff training")
    with qtbot.waitSignal(announced, timeout=1000):
        click(qtbot, dialog.add_closure_button)
    added = clinic.calendar.closures(date(2026, 12, 14), date(2026, 12, 15))
    assert [(c.first, c.last, c.reason) for c in added] == [
        (date(2026, 12, 14), date(2026, 12, 15), "Staff training")
    ]
    assert dialog.selected_closure() == added[0].id
    assert dialog.closure_list.currentItem().text() == (
        "Mon, Dec 14, 2026 – Tue, Dec 15, 2026 (2 days): Staff training"
    )
    assert dialog.reason.text() == ""
    assert dialog.closure_error.isHidden()


def test_moving_the_first_day_past_the_last_moves_the_last(dialog) -> None:
    dialog.first_day.setDate(QDate(2026, 12, 20))
    assert dialog.last_day.date() == QDate(2026, 12, 20)


def test_an_empty_reason_is_refused(qtbot, dialog, clinic, announced) -> None:
    dialog.tabs.setCurrentIndex(1)
    dialog.first_day.setDate(QDate(2026, 12, 14))
    count = len(clinic.calendar.closures())
    qtbot.keyClicks(dialog.reason, "   ")
    with qtbot.assertNotEmitted(announced):
        click(qtbot, dialog.add_closure_button)
    assert dialog.closure_error.text() == "Say why the office is closed (e.g. Staff training)."
    assert not dialog.closure_error.isHidden()
    assert len(clinic.calendar.closures()) == count
    qtbot.keyClicks(dialog.reason, "x")  # typing clears the message
    assert dialog.closure_error.isHidden()


def test_enter_in_the_reason_adds_the_closure(qtbot, dialog, clinic) -> None:
    dialog.tabs.setCurrentIndex(1)
    dialog.first_day.setDate(QDate(2026, 12, 18))
    dialog.reason.setText("Inventario anual, sin pacientes")
    dialog.reason.setFocus()
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)
    assert dialog.isVisible()
    [added] = clinic.calendar.closures(date(2026, 12, 18), date(2026, 12, 18))
    assert added.reason == "Inventario anual, sin pacientes"


def test_a_closure_over_a_booking_lists_it(qtbot, dialog, booked) -> None:
    dialog.first_day.setDate(QDate(2026, 12, 4))
    dialog.reason.setText("Água no consultório")
    click(qtbot, dialog.add_closure_button)
    assert dialog.outside_texts() == [CLOSING_FRIDAY]


def test_removing_asks_first_and_no_keeps_it(qtbot, dialog, clinic, prompts, announced) -> None:
    dialog.tabs.setCurrentIndex(1)
    thanksgiving = dialog.closure_ids()[0]
    assert not dialog.remove_closure_button.isEnabled()  # nothing selected yet
    dialog.closure_list.setCurrentRow(0)
    assert dialog.remove_closure_button.isEnabled()

    prompts.answer = False
    with qtbot.assertNotEmitted(announced):
        click(qtbot, dialog.remove_closure_button)
    assert len(prompts.asked) == 1
    title, text = prompts.asked[0]
    assert title == "Remove closure" and "Thanksgiving Day" in text
    assert thanksgiving in [c.id for c in clinic.calendar.closures()]

    prompts.answer = True
    with qtbot.waitSignal(announced, timeout=1000):
        click(qtbot, dialog.remove_closure_button)
    assert thanksgiving not in [c.id for c in clinic.calendar.closures()]
    assert thanksgiving not in dialog.closure_ids()
    assert dialog.status.text() == "Closure removed: Thu, Nov 26, 2026: Thanksgiving Day"


def test_a_closure_removed_elsewhere_is_said_plainly(qtbot, dialog, clinic, admin) -> None:
    dialog.closure_list.setCurrentRow(0)
    clinic.calendar.remove_closure(admin, dialog.selected_closure())
    click(qtbot, dialog.remove_closure_button)
    assert dialog.closure_error.text() == "That closure was already removed."
    assert dialog.closure_ids()[0] == clinic.calendar.closures(first=date(2026, 11, 26))[0].id


def test_removing_a_closure_refreshes_the_outside_list(qtbot, dialog, clinic, desk, admin) -> None:
    patient = clinic.patients.register(desk, draft())
    clinic.calendar.book(desk, patient.id, "consultation", datetime(2026, 12, 4, 15, 30))
    clinic.calendar.add_closure(admin, Closure(date(2026, 12, 4), date(2026, 12, 4), "Flood"))
    dialog.reason.setText("Painting")
    dialog.first_day.setDate(QDate(2026, 12, 10))
    click(qtbot, dialog.add_closure_button)
    assert dialog.outside_texts() == [CLOSING_FRIDAY]
    flood = next(c.id for c in clinic.calendar.closures() if c.reason == "Flood")
    dialog.closure_list.setCurrentRow(dialog.closure_ids().index(flood))
    click(qtbot, dialog.remove_closure_button)
    assert dialog.outside_texts() == []


# -- appointment types ----------------------------------------------------------------------
def test_editing_a_type_length_saves(qtbot, dialog, clinic, announced) -> None:
    dialog.tabs.setCurrentIndex(2)
    minutes = dialog.type_minutes["consultation"]
    assert minutes.value() == 30
    minutes.setFocus()
    for _ in range(3):
        qtbot.keyClick(minutes, Qt.Key.Key_Up)
    assert minutes.value() == 45
    with qtbot.waitSignal(announced, timeout=1000):
        click(qtbot, dialog.save_types_button)
    assert clinic.calendar.type_of("consultation").minutes == 45
    assert clinic.calendar.type_of("co2_session").minutes == 90
    assert dialog.status.text() == "Appointment types saved."


def test_renaming_a_type_keeps_unicode(qtbot, dialog, clinic) -> None:
    dialog.type_names["results_review"].setText("Revisión de resultados")
    click(qtbot, dialog.save_types_button)
    assert clinic.calendar.type_of("results_review").name == "Revisión de resultados"


def test_an_empty_type_name_is_refused_and_nothing_saved(qtbot, dialog, clinic, announced) -> None:
    dialog.type_minutes["consultation"].setValue(60)
    dialog.type_names["co2_session"].clear()
    with qtbot.assertNotEmitted(announced):
        click(qtbot, dialog.save_types_button)
    assert dialog.type_error_text("co2_session") == "Give the appointment type a name."
    assert clinic.calendar.type_of("consultation").minutes == 30  # no half-save


def test_types_show_their_colour(dialog) -> None:
    swatch = dialog.findChild(type(dialog.status), "swatch_consultation")
    assert "#2f7fc1" in swatch.styleSheet()


# -- closing --------------------------------------------------------------------------------
def test_escape_closes_when_nothing_is_pending(qtbot, dialog, prompts) -> None:
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
    assert prompts.asked == []


def test_closing_with_unsaved_hours_asks_first(qtbot, dialog, prompts) -> None:
    dialog.closes[FRIDAY].setTime(QTime(15, 0))
    prompts.answer = False
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.isVisible()
    assert "weekly hours" in prompts.asked[0][1]
    prompts.answer = True
    click(qtbot, dialog.buttons.buttons()[0])
    assert not dialog.isVisible()


# -- issue 13 point 7: a break in the day, typed closure days, asking before closing booked days
def test_a_day_gets_a_break_as_a_second_span(qtbot, dialog, clinic, announced) -> None:
    from frontdesk.domain.hours import DayHours

    THURSDAY = 3
    assert not dialog.second_boxes[THURSDAY].isChecked()
    assert not dialog.second_opens[THURSDAY].isEnabled()
    click(qtbot, dialog.second_boxes[THURSDAY])
    assert dialog.second_opens[THURSDAY].isEnabled()
    dialog.closes[THURSDAY].setTime(QTime(13, 0))
    dialog.second_opens[THURSDAY].setTime(QTime(14, 0))
    dialog.second_closes[THURSDAY].setTime(QTime(17, 0))
    with qtbot.waitSignal(announced, timeout=1000):
        click(qtbot, dialog.save_hours_button)
    assert clinic.calendar.hours().on(THURSDAY) == DayHours(time(10), time(17), time(13), time(14))
    assert clinic.calendar.hours().on(0) == DayHours(time(10), time(17))  # others as they were
    reopened = OfficeSettingsDialog(dialog._ops, dialog._actor)
    qtbot.addWidget(reopened)
    assert reopened.second_boxes[THURSDAY].isChecked()
    assert [reopened.closes[THURSDAY].text(), reopened.second_opens[THURSDAY].text()] == [
        "1:00 pm",
        "2:00 pm",
    ]
    # Back to one span: unticked, the day is 10:00 am to the first span's close.
    click(qtbot, reopened.second_boxes[THURSDAY])
    reopened.closes[THURSDAY].setTime(QTime(17, 0))
    click(qtbot, reopened.save_hours_button)
    assert clinic.calendar.hours().on(THURSDAY) == DayHours(time(10), time(17))


def test_a_second_span_overlapping_the_first_is_refused_in_words(
    qtbot, dialog, clinic, announced
) -> None:
    before = clinic.calendar.hours()
    click(qtbot, dialog.second_boxes[FRIDAY])
    dialog.closes[FRIDAY].setTime(QTime(13, 0))
    dialog.second_opens[FRIDAY].setTime(QTime(12, 0))
    dialog.second_closes[FRIDAY].setTime(QTime(16, 0))
    with qtbot.assertNotEmitted(announced):
        click(qtbot, dialog.save_hours_button)
    assert dialog.hours_error_text(FRIDAY) == (
        "After the break it opens again at 12:00 pm: that is not after 1:00 pm, when the first"
        " span closes."
    )
    assert clinic.calendar.hours() == before


def test_a_booking_in_a_new_break_is_listed_as_outside(qtbot, dialog, clinic, desk) -> None:
    patient = clinic.patients.register(desk, draft())
    clinic.calendar.book(desk, patient.id, "consultation", datetime(2026, 12, 4, 13, 0))
    click(qtbot, dialog.second_boxes[FRIDAY])
    dialog.closes[FRIDAY].setTime(QTime(13, 0))
    dialog.second_opens[FRIDAY].setTime(QTime(14, 0))
    click(qtbot, dialog.save_hours_button)
    assert dialog.outside_texts() == [
        "Fri, Dec 4, 2026, 1:00 pm - María García - Free consultation - (818) 555-0134"
    ]


def _type_day(qtbot, field, text: str) -> None:
    field.edit.setFocus()
    field.edit.selectAll()
    qtbot.keyClick(field.edit, Qt.Key.Key_Backspace)
    for key in text:  # key by key, as the desk types
        qtbot.keyClicks(field.edit, key)


def test_a_closure_typed_key_by_key_is_the_day_kept(qtbot, dialog, clinic) -> None:
    dialog.tabs.setCurrentIndex(1)
    _type_day(qtbot, dialog.first_day, "01/14/2027")
    assert dialog.first_day.date() == QDate(2027, 1, 14)  # QDateEdit kept Dec 14
    assert dialog.first_day.said_text() == "Thu, Jan 14, 2027"
    assert dialog.last_day.date() == QDate(2027, 1, 14)  # the last day follows the first
    _type_day(qtbot, dialog.last_day, "1/15/27")
    dialog.reason.setText("Inventory")
    click(qtbot, dialog.add_closure_button)
    [added] = clinic.calendar.closures(date(2027, 1, 14), date(2027, 1, 15))
    assert (added.first, added.last, added.reason) == (
        date(2027, 1, 14),
        date(2027, 1, 15),
        "Inventory",
    )


def test_a_closure_day_that_cannot_be_read_is_refused_in_words(
    qtbot, dialog, clinic, announced
) -> None:
    count = len(clinic.calendar.closures())
    _type_day(qtbot, dialog.first_day, "13/45/2027")
    dialog.reason.setText("Inventory")
    with qtbot.assertNotEmitted(announced):
        click(qtbot, dialog.add_closure_button)
    assert not dialog.closure_error.isHidden() and dialog.closure_error.text()
    assert dialog.closure_error.text() == dialog.first_day.error()
    assert len(clinic.calendar.closures()) == count


def test_closing_booked_days_names_the_patients_and_asks_first(
    qtbot, dialog, clinic, booked, prompts, announced
) -> None:
    dialog.tabs.setCurrentIndex(1)
    _type_day(qtbot, dialog.first_day, "12/03/2026")
    _type_day(qtbot, dialog.last_day, "12/04/2026")
    dialog.reason.setText("Flood")
    prompts.answer = False
    with qtbot.assertNotEmitted(announced):
        click(qtbot, dialog.add_closure_button)
    title, text = prompts.asked[-1]
    assert title == "Close the office on booked days?"
    assert "1 booked appointment falls on those days:" in text
    assert "Fri, Dec 4, 2026:\n   3:30 pm  María García, (818) 555-0134" in text
    assert clinic.calendar.closures(date(2026, 12, 3), date(2026, 12, 4)) == []
    assert dialog.reason.text() == "Flood"  # kept for a second try
    prompts.answer = True
    click(qtbot, dialog.add_closure_button)
    assert [c.reason for c in clinic.calendar.closures(date(2026, 12, 3), date(2026, 12, 4))] == [
        "Flood"
    ]
    assert dialog.outside_texts() == [CLOSING_FRIDAY]


def test_closing_days_without_bookings_asks_nothing(qtbot, dialog, clinic, booked, prompts):
    _type_day(qtbot, dialog.first_day, "12/07/2026")
    dialog.reason.setText("Painting")
    click(qtbot, dialog.add_closure_button)
    assert prompts.asked == []
    assert [c.reason for c in clinic.calendar.closures(date(2026, 12, 7), date(2026, 12, 7))] == [
        "Painting"
    ]
