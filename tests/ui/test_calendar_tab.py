"""The Calendar tab driven like the desk uses it: click to book, drag to move, menus, keys."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from PySide6.QtCore import QPoint, Qt

from frontdesk.domain.appointments import CO2_SESSION, CONSULTATION, Status
from frontdesk.domain.dates import format_moment
from frontdesk.domain.hours import DayHours, WeeklyHours, default_hours
from frontdesk.domain.staff import Role
from frontdesk.ui.dialogs.appointment_dialog import AppointmentDialog
from frontdesk.ui.dialogs.booking_dialog import BookingDialog
from frontdesk.ui.models.day_model import COL_STATUS, DayModel
from tests.conftest import NOW, announced, member_with_role

NEXT_MONDAY = date(2026, 11, 30)  # the test clock is Thanksgiving, Thursday 26 Nov 2026


@pytest.fixture
def tab(window):
    return window.show_calendar()


@pytest.fixture
def maria(demo) -> int:
    return demo.patients.search("garcia maria").rows[0].id


def next_week(tab) -> None:
    tab.go_to(NEXT_MONDAY)


def booked_next_monday(window, tab, demo, desk, patient_id, **extra):
    """A consultation at Monday's first free time, with next week on screen."""
    next_week(tab)
    slot = free_start(demo, NEXT_MONDAY)
    listed = demo.calendar.book(desk, patient_id, CONSULTATION, slot, **extra)
    window.notifier.announce(announced("appointment", listed.appointment.id))
    return slot, listed


def click(qtbot, widget, pos: QPoint, button=Qt.MouseButton.LeftButton) -> None:
    qtbot.mouseClick(widget, button, pos=pos)


def free_start(demo, day: date, minutes: int = 30) -> datetime:
    return demo.calendar.next_free(CONSULTATION, datetime.combine(day, time(0)), 1, minutes)[0]


def test_the_week_is_drawn_from_the_office_hours(qtbot, window, tab, demo) -> None:
    assert [d.weekday() for d in tab.visible_days()] == [0, 1, 2, 3, 4]  # weekends closed
    assert tab.title.text() == "November 23 - November 27, 2026"
    view = tab.view
    assert (view.first_hour, view.last_hour) == (10, 17)
    assert view.office.hours_on(NOW.date()) is None  # Thanksgiving is shaded as closed
    assert view.office.closure_on(NOW.date()).reason == "Thanksgiving Day"
    assert view.today == NOW.date()
    holding = [a for a in tab.shown if a.appointment.status.holds_slot]
    # Cancelled and missed ones are drawn too (faded, struck through) unless switched off.
    assert holding and len(view._blocks) == len(tab.shown) > len(holding)
    image = view.grab().toImage()
    assert image.width() > 500 and image.height() > 300
    # The day list shows today, cancelled ones included (greyed).
    assert "Thu, Nov 26, 2026" in tab.day_label.text()


def test_click_a_free_time_then_find_the_patient_and_book(qtbot, window, tab, demo) -> None:
    next_week(tab)
    slot = free_start(demo, NEXT_MONDAY)
    click(qtbot, tab.view, tab.view.point_for(slot))
    dialog = tab.dialog
    assert isinstance(dialog, BookingDialog) and dialog.chosen_start() == slot
    assert dialog.verdict.text() == "Choose the patient first." and not dialog.ok.isEnabled()
    qtbot.keyClicks(dialog.search, "garcia mar")
    qtbot.keyClick(dialog.search, Qt.Key.Key_Down)
    assert dialog.patient is not None and dialog.patient.full_name == "María García"
    assert dialog.attendance.text().startswith("History: ")
    assert dialog.verdict.text().startswith("Free: Mon, Nov 30, 2026")
    click(qtbot, dialog.ok, dialog.ok.rect().center())
    booked = [
        a for a in demo.calendar.between(NEXT_MONDAY, NEXT_MONDAY) if a.appointment.starts == slot
    ]
    assert [b.patient_name for b in booked] == ["María García"]
    assert window.statusBar().currentMessage().startswith("Booked: María García")
    assert tab.view.selected_id == booked[0].appointment.id


def test_a_time_outside_the_hours_is_explained_and_cannot_be_booked(
    qtbot, window, tab, demo, maria
) -> None:
    friday = date(2026, 12, 4)
    dialog = tab.book(starts=datetime.combine(friday, time(15, 45)))
    dialog.search.setText("García María")
    assert dialog.choose_patient(maria)
    assert dialog.verdict.text().startswith("Friday hours end at 4:00 pm: a 30-minute free")
    assert not dialog.ok.isEnabled()
    first_free = dialog.free.item(0)
    click(qtbot, dialog.free.viewport(), dialog.free.visualItemRect(first_free).center())
    assert dialog.ok.isEnabled() and dialog.verdict.text().startswith("Free:")
    dialog.reject()


def test_drag_a_block_to_move_it_after_confirmation(qtbot, window, tab, demo, desk, maria, prompts):
    slot, listed = booked_next_monday(window, tab, demo, desk, maria)
    target = demo.calendar.next_free(
        CONSULTATION, slot + timedelta(hours=2), 1, moving=listed.appointment.id
    )[0]

    def drag(to: datetime) -> None:
        start = tab.view.point_for(slot)
        qtbot.mousePress(tab.view, Qt.MouseButton.LeftButton, pos=start)
        qtbot.mouseMove(tab.view, start + QPoint(0, 12))
        qtbot.mouseMove(tab.view, tab.view.point_for(to))
        qtbot.mouseRelease(tab.view, Qt.MouseButton.LeftButton, pos=tab.view.point_for(to))

    prompts.answer = False
    drag(target)
    assert prompts.asked[-1][0] == "Move the appointment?"
    assert demo.calendar.get(listed.appointment.id).appointment.starts == slot  # said no
    prompts.answer = True
    drag(target)
    moved = demo.calendar.get(listed.appointment.id)
    assert moved.appointment.starts == target
    assert "Moved from" in demo.calendar.history(listed.appointment.id)[-1][2]
    assert window.statusBar().currentMessage().startswith("Moved: María García")


def test_context_menu_changes_the_status_and_cancelling_asks(
    qtbot, window, tab, demo, desk, maria, prompts
) -> None:
    _slot, listed = booked_next_monday(window, tab, demo, desk, maria)
    shown = next(a for a in tab.shown if a.appointment.id == listed.appointment.id)
    menu = tab.status_menu(shown)
    actions = {a.text(): a for a in menu.actions() if a.text()}
    assert not actions["A&rrived"].isEnabled()  # not before the day
    actions["Con&firmed"].trigger()
    assert demo.calendar.get(listed.appointment.id).appointment.status is Status.CONFIRMED
    shown = next(a for a in tab.shown if a.appointment.id == listed.appointment.id)
    prompts.answer = False
    {a.text(): a for a in tab.status_menu(shown).actions()}["Cancel (&patient asked)"].trigger()
    assert prompts.asked[-1][0] == "Cancel the appointment?"
    assert demo.calendar.get(listed.appointment.id).appointment.status is Status.CONFIRMED
    prompts.answer = True
    {a.text(): a for a in tab.status_menu(shown).actions()}["Cancel (&patient asked)"].trigger()
    assert demo.calendar.get(listed.appointment.id).appointment.status is (
        Status.CANCELLED_BY_PATIENT
    )
    # It stays in the grid, faded and struck through, in a lane that leaves the time free.
    block = next(b for b in tab.view._blocks if b.listed.appointment.id == listed.appointment.id)
    assert block.listed.appointment.status is Status.CANCELLED_BY_PATIENT
    assert tab.view._at_cursor() is None or tab.view._at_cursor().appointment.status.holds_slot
    row = tab.model.row_of(listed.appointment.id)  # still listed for the day, as cancelled
    assert row is not None
    status = tab.model.index(row, COL_STATUS).data()
    assert status == "Cancelled by patient"


def test_right_click_on_a_block_opens_its_menu(qtbot, window, tab, demo, desk, maria, monkeypatch):
    next_week(tab)
    listed = demo.calendar.book(desk, maria, CO2_SESSION, free_start(demo, NEXT_MONDAY, 90))
    window.notifier.announce(announced("appointment", listed.appointment.id))
    shown = []
    monkeypatch.setattr("PySide6.QtWidgets.QMenu.popup", lambda menu, _pos: shown.append(menu))
    rect = tab.view.block_rect(listed.appointment.id)
    tab.view.contextMenuEvent(
        __import__("PySide6.QtGui", fromlist=["QContextMenuEvent"]).QContextMenuEvent(
            __import__(
                "PySide6.QtGui", fromlist=["QContextMenuEvent"]
            ).QContextMenuEvent.Reason.Mouse,
            rect.center(),
            tab.view.mapToGlobal(rect.center()),
        )
    )
    assert shown and shown[0].objectName() == "appointmentMenu"
    assert tab.view.selected_id == listed.appointment.id


def test_double_click_opens_it_and_move_through_the_dialog(
    qtbot, window, tab, demo, desk, maria
) -> None:
    next_week(tab)
    slot = free_start(demo, NEXT_MONDAY)
    listed = demo.calendar.book(desk, maria, CONSULTATION, slot, note="Prefers Spanish")
    window.notifier.announce(announced("appointment", listed.appointment.id))
    qtbot.mouseDClick(tab.view, Qt.MouseButton.LeftButton, pos=tab.view.point_for(slot))
    opened = tab.dialog
    assert isinstance(opened, AppointmentDialog)
    assert "María García" in opened.title.text() and opened.note.text() == "Prefers Spanish"
    assert "Booked for Mon, Nov 30, 2026" in opened.history.item(0).text()
    click(qtbot, opened.move_button, opened.move_button.rect().center())
    mover = tab.dialog
    assert isinstance(mover, BookingDialog) and mover.moving is not None
    assert not mover.kind.isEnabled()
    item = mover.free.item(1)
    target = item.data(Qt.ItemDataRole.UserRole)
    click(qtbot, mover.free.viewport(), mover.free.visualItemRect(item).center())
    click(qtbot, mover.ok, mover.ok.rect().center())
    assert demo.calendar.get(listed.appointment.id).appointment.starts == target


def test_keyboard_moves_the_cursor_books_and_opens(qtbot, window, tab, demo) -> None:
    next_week(tab)
    tab.view.setFocus()
    tab.view.place_cursor(datetime.combine(NEXT_MONDAY, time(10)))
    qtbot.keyClick(tab.view, Qt.Key.Key_Right)
    qtbot.keyClick(tab.view, Qt.Key.Key_Down)
    assert tab.view.keyboard_cursor == datetime(2026, 12, 1, 10, 15)
    assert tab.day == date(2026, 12, 1)  # the day list follows the cursor
    qtbot.keyClick(tab.view, Qt.Key.Key_PageDown)
    assert tab.visible_days()[0] == date(2026, 12, 7)
    qtbot.keyClick(tab.view, Qt.Key.Key_PageUp)
    free = free_start(demo, date(2026, 12, 1))
    tab.view.place_cursor(free)
    qtbot.keyClick(tab.view, Qt.Key.Key_Return)
    assert isinstance(tab.dialog, BookingDialog) and tab.dialog.chosen_start() == free
    tab.dialog.reject()
    taken = next(a for a in tab.shown if a.appointment.status.holds_slot)
    tab.view.place_cursor(taken.appointment.starts)
    assert tab.view.selected_id == taken.appointment.id
    qtbot.keyClick(tab.view, Qt.Key.Key_Return)
    assert isinstance(tab.dialog, AppointmentDialog)
    assert tab.dialog.listed.appointment.id == taken.appointment.id


def test_day_and_week_views_and_the_month_navigator(qtbot, window, tab) -> None:
    click(qtbot, tab.day_button, tab.day_button.rect().center())
    assert tab.visible_days() == [NOW.date()] and tab.title.text() == "Thu, Nov 26, 2026"
    click(qtbot, tab.next_button, tab.next_button.rect().center())
    assert tab.visible_days() == [date(2026, 11, 27)]
    tab.month.setSelectedDate(tab.month.selectedDate().addDays(14))
    tab.month.clicked.emit(tab.month.selectedDate())
    assert tab.visible_days() == [date(2026, 12, 11)]
    click(qtbot, tab.week_button, tab.week_button.rect().center())
    assert tab.visible_days()[0] == date(2026, 12, 7)
    click(qtbot, tab.today_button, tab.today_button.rect().center())
    assert NOW.date() in tab.visible_days()


def test_new_hours_flag_the_appointments_left_outside(qtbot, window, tab, demo, desk, admin, maria):
    friday = date(2026, 12, 4)
    listed = demo.calendar.book(desk, maria, CONSULTATION, free_start(demo, friday))
    assert tab.outside.isHidden() and tab.outside_list.isHidden()
    shorter = WeeklyHours(dict(default_hours().days) | {4: DayHours(time(12), time(15))})
    demo.calendar.set_hours(admin, shorter)
    window.notifier.announce(announced("office_hours", 0))
    assert not tab.outside.isHidden()
    assert "outside the office hours" in tab.outside.text()
    a = listed.appointment
    items = [tab.outside_list.item(i) for i in range(tab.outside_list.count())]
    mine = next(i for i in items if i.data(Qt.ItemDataRole.UserRole) == a.id)
    assert mine.text() == f"{format_moment(a.starts)} - María García"
    assert mine.text().startswith("Fri, Dec 4, 2026, ")
    # The block is outlined as outside the hours; opening it from the list allows a move.
    tab.go_to(friday)
    assert not tab.view.fits(next(x for x in tab.shown if x.appointment.id == a.id))
    tab.outside_list.itemActivated.emit(mine)
    assert isinstance(tab.dialog, AppointmentDialog) and tab.dialog.listed.appointment.id == a.id
    assert tab.view.selected_id == a.id


def test_ctrl_b_books_the_patient_selected_in_the_registry(qtbot, window, demo, maria) -> None:
    window.patients_tab.search.setText("García María")
    qtbot.keyClick(window.patients_tab.search, Qt.Key.Key_Down)
    qtbot.keyClick(window, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    dialog = window.calendar_tab.dialog
    assert isinstance(dialog, BookingDialog)
    assert dialog.patient is not None and dialog.patient.id == maria
    assert window.tabs.currentWidget() is window.calendar_page


def test_the_day_model_passes_the_model_tester(qtmodeltester, demo) -> None:
    model = DayModel()
    day = demo.calendar.today() - timedelta(days=5)
    model.set_rows(demo.calendar.between(day - timedelta(days=7), day))
    assert model.rowCount() > 0
    qtmodeltester.check(model, force_py=True)


def test_day_sheet_preview_and_pdf_hold_the_days_names_and_times(
    qtbot, window, tab, demo, desk, maria, prompts, tmp_path
) -> None:
    from pypdf import PdfReader

    next_week(tab)
    slot = free_start(demo, NEXT_MONDAY)
    demo.calendar.book(desk, maria, CONSULTATION, slot)
    window.notifier.announce(announced("appointment", 0))
    tab.day = NEXT_MONDAY
    tab.view.setFocus()
    qtbot.keyClick(tab.view, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    assert prompts.dialogs == ["Print preview - Day sheet - Monday, November 30, 2026"]
    prompts.save_as = str(tmp_path / "sheet.pdf")
    tab.pdf_action.trigger()
    pages = PdfReader(tmp_path / "sheet.pdf").pages
    text = " ".join(" ".join(page.extract_text().split()) for page in pages)  # wraps undone
    day = demo.calendar.between(NEXT_MONDAY, NEXT_MONDAY)
    assert day
    for listed in day:
        a = listed.appointment
        assert listed.patient_name in text
        assert f"{a.starts:%-I:%M} " in text
    assert "María García" in text and "(818) 555-0134" in text
    assert window.statusBar().currentMessage().startswith("Day sheet saved as")
    # The saved sheet names every patient of the day: the export is in the audit trail.
    from frontdesk.services.audit import AuditFilter

    admin = member_with_role(demo, Role.ADMIN)
    [line, *_] = demo.audit.search(admin, AuditFilter(staff_id=desk.id)).entries
    assert (line.action, line.entity) == ("export", "day_sheet")
    assert line.after == {"day": "2026-11-30", "how": "pdf"}


def test_closed_days_are_marked_in_the_month_navigator(qtbot, window, tab) -> None:
    from PySide6.QtCore import QDate

    thanksgiving = tab.month.dateTextFormat(QDate(2026, 11, 26))
    assert thanksgiving.toolTip() == "Closed: Thanksgiving Day" and thanksgiving.fontStrikeOut()
    assert not tab.month.dateTextFormat(QDate(2026, 11, 30)).fontStrikeOut()
    tab.month.setCurrentPage(2026, 12)
    assert tab.month.dateTextFormat(QDate(2026, 12, 25)).toolTip() == "Closed: Christmas Day"


def test_a_block_tells_its_details_on_hover(tab, demo) -> None:
    from frontdesk.ui.widgets.week_view import describe

    held = next(a for a in tab.shown if a.appointment.status.holds_slot)
    text = describe(held)
    assert held.patient_name in text and held.type_name in text
    assert held.appointment.status.label in text


def test_ctrl_b_in_the_calendar_books_at_the_cursor(qtbot, window, tab, demo) -> None:
    next_week(tab)
    free = free_start(demo, date(2026, 12, 2))
    tab.view.place_cursor(free)
    tab.view.setFocus()
    qtbot.keyClick(tab.view, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    assert isinstance(tab.dialog, BookingDialog) and tab.dialog.chosen_start() == free


def test_arrows_past_the_week_keep_the_time_and_the_day_list_follows(qtbot, window, tab):
    next_week(tab)
    tab.view.setFocus()
    tab.view.place_cursor(datetime(2026, 12, 4, 14, 0))  # Friday 2 pm
    qtbot.keyClick(tab.view, Qt.Key.Key_Right)
    assert tab.view.keyboard_cursor == datetime(2026, 12, 7, 14, 0)  # next Monday, same time
    assert tab.day == date(2026, 12, 7) and "Mon, Dec 7, 2026" in tab.day_label.text()
    qtbot.keyClick(tab.view, Qt.Key.Key_Left)
    assert tab.view.keyboard_cursor == datetime(2026, 12, 4, 14, 0)
    qtbot.keyClick(tab.view, Qt.Key.Key_PageDown)  # the same weekday and time a week on
    assert tab.view.keyboard_cursor == datetime(2026, 12, 11, 14, 0)
    assert tab.day == date(2026, 12, 11)
    qtbot.keyClick(tab.view, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)  # next week
    assert tab.visible_days()[0] == date(2026, 12, 14)
    assert tab.view.keyboard_cursor == datetime(2026, 12, 18, 14, 0)


def test_menu_key_then_choose_a_status_from_the_menu(qtbot, window, tab, demo, desk, maria):
    from PySide6.QtWidgets import QApplication, QMenu

    slot, listed = booked_next_monday(window, tab, demo, desk, maria)
    tab.view.setFocus()
    tab.view.place_cursor(slot)
    qtbot.keyClick(tab.view, Qt.Key.Key_Menu)  # the context-menu key; a right click does the same
    menu = next(w for w in QApplication.topLevelWidgets() if isinstance(w, QMenu) and w.isVisible())
    confirm = next(a for a in menu.actions() if a.text() == "Con&firmed")
    qtbot.mouseClick(menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(confirm).center())
    assert demo.calendar.get(listed.appointment.id).appointment.status is Status.CONFIRMED
    assert "confirmed" in window.statusBar().currentMessage()


def test_status_buttons_in_the_dialog_keep_a_typed_note(qtbot, window, tab, demo, desk, maria):
    next_week(tab)
    listed = demo.calendar.book(desk, maria, CONSULTATION, free_start(demo, NEXT_MONDAY))
    window.notifier.announce(announced("appointment", listed.appointment.id))
    dialog = tab.open_appointment(listed.appointment.id)
    assert not dialog.status_buttons[Status.ARRIVED].isEnabled()  # not before the day
    assert "on the day" in dialog.status_buttons[Status.ARRIVED].toolTip()
    dialog.note.setText("Called: will bring her sister")
    button = dialog.status_buttons[Status.CONFIRMED]
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton, pos=button.rect().center())
    assert dialog.status.text() == "Confirmed"
    assert dialog.note.text() == "Called: will bring her sister"
    qtbot.mouseClick(dialog.save_note, Qt.MouseButton.LeftButton)
    assert demo.calendar.get(listed.appointment.id).appointment.note == (
        "Called: will bring her sister"
    )
    assert dialog.history.item(dialog.history.count() - 1).text().endswith("Front desk: Confirmed")


def test_booking_shows_no_shows_late_cancels_and_what_is_already_booked(
    qtbot, window, tab, demo, desk
) -> None:
    patient = demo.patients.search("hakobyan").rows[0]
    past = datetime(2026, 11, 17, 11, 0)
    for when, status, after in (
        (past, Status.NO_SHOW, timedelta(minutes=30)),  # did not come
        (past + timedelta(days=1), Status.CANCELLED_BY_PATIENT, -timedelta(hours=20)),  # late
    ):
        then = demo.calendar_as_of(when - timedelta(days=7))
        free = then.next_free(CONSULTATION, when, 1)[0]
        a = then.book(desk, patient.id, CONSULTATION, free)
        demo.calendar_as_of(free + after).set_status(desk, a.appointment.id, status, 1)
    ahead = demo.calendar.book(desk, patient.id, CO2_SESSION, free_start(demo, NEXT_MONDAY, 90))
    dialog = tab.book(patient=patient)
    seen = demo.calendar.attendance(patient.id)
    assert seen.no_shows >= 1 and seen.late_cancels >= 1
    text = dialog.attendance.text()
    assert text.startswith(f"History: {seen.summary}")
    assert f"Already booked: {format_moment(ahead.appointment.starts)}, " in text
    assert "8a5300" in dialog.attendance.styleSheet()  # shown as a warning


def test_a_drag_onto_a_taken_time_is_refused_without_asking(
    qtbot, window, tab, demo, desk, maria, prompts
) -> None:
    slot, listed = booked_next_monday(window, tab, demo, desk, maria)
    taken = next(
        a.appointment.starts
        for a in tab.shown
        if a.appointment.status.holds_slot
        and a.appointment.id != listed.appointment.id
        and a.appointment.starts.date() >= NEXT_MONDAY
    )
    start = tab.view.point_for(slot)
    qtbot.mousePress(tab.view, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(tab.view, start + QPoint(0, 12))
    qtbot.mouseMove(tab.view, tab.view.point_for(taken))
    qtbot.mouseRelease(tab.view, Qt.MouseButton.LeftButton, pos=tab.view.point_for(taken))
    assert prompts.asked == []
    assert window.statusBar().currentMessage().startswith("Not moved: ")
    assert demo.calendar.get(listed.appointment.id).appointment.starts == slot


def test_the_free_times_start_at_the_chosen_time_a_few_per_day(qtbot, window, tab, demo):
    friday = datetime(2026, 12, 4, 15, 45)
    dialog = tab.book(starts=friday)
    moments = [
        dialog.free.item(i).data(Qt.ItemDataRole.UserRole) for i in range(dialog.free.count())
    ]
    assert moments and all(m >= friday for m in moments)
    per_day = {}
    for m in moments:
        per_day[m.date()] = per_day.get(m.date(), 0) + 1
    assert max(per_day.values()) <= 3 and len(per_day) >= 3
    times = [dialog.at.itemText(i) for i in range(dialog.at.count())]
    assert times[-1] == "3:45 pm" and len(times) == len(set(times))  # Friday ends at 4:00 pm
    dialog.free.setCurrentRow(1)
    dialog.free.setCurrentRow(2)
    assert dialog.chosen_start() == moments[2] and dialog.free.count() == len(moments)
    dialog.reject()


def test_the_current_time_line_moves_on_and_a_new_day_refreshes(tab, demo, monkeypatch) -> None:
    later = datetime(2026, 11, 26, 15, 5)
    monkeypatch.setattr(tab._calendar, "now", lambda: later)
    tab._tick()
    assert tab.view.now == later
    monkeypatch.setattr(tab, "_today", lambda: date(2026, 11, 27))
    tab._tick()
    assert tab.view.today == date(2026, 11, 27)


# -- issue 13 point 7: cancelled ones visible, Today at weekends, the time on a dragged block ----
def _calendar_tab(demo, settings, today: date, actor):
    from frontdesk.ui.notifier import ChangeNotifier
    from frontdesk.ui.operations import Operations
    from frontdesk.ui.tabs.calendar_tab import CalendarTab

    notifier = ChangeNotifier()
    return CalendarTab(
        demo.calendar, demo.patients, lambda: actor, notifier, lambda: today,
        settings=settings, ops=Operations(demo, notifier, lambda _line: None),
    )  # fmt: skip


def test_no_shows_and_cancellations_stay_in_the_grid_and_a_remembered_switch_hides_them(
    qtbot, window, tab, demo, desk, maria, settings
) -> None:
    slot, listed = booked_next_monday(window, tab, demo, desk, maria)
    a = listed.appointment
    demo.calendar.set_status(desk, a.id, Status.CANCELLED_BY_PATIENT, a.version)
    window.notifier.announce(announced("appointment", a.id))
    block = next(b for b in tab.view._blocks if b.listed.appointment.id == a.id)
    column = tab.view.rect_for(slot, slot + timedelta(minutes=30))
    # Drawn faded and struck through in a lane at the right: the time itself stays free.
    assert block.rect.left() > column.center().x()
    tab.view.grab()
    assert tab.view._struck_fonts[0].strikeOut()
    tab.view.place_cursor(slot)
    assert tab.view._at_cursor() is None  # Enter there books the free time
    click(qtbot, tab.view, QPoint(int(column.left()) + 10, int(column.center().y())))
    assert isinstance(tab.dialog, BookingDialog) and tab.dialog.chosen_start() == slot
    tab.dialog.reject()
    # A no-show from the demo's past week is there too.
    tab.go_to(NOW.date() - timedelta(days=7))
    assert any(b.listed.appointment.status is Status.NO_SHOW for b in tab.view._blocks)
    # The switch hides them (still in the day's list).
    assert tab.inactive_action.isChecked() and tab.inactive_button.isVisible()
    tab.inactive_action.trigger()
    assert all(b.listed.appointment.status.holds_slot for b in tab.view._blocks)
    assert "hidden" in window.statusBar().currentMessage()
    assert tab.model.rowCount() > sum(
        r.appointment.status.holds_slot for r in tab.shown if r.appointment.starts.date() == tab.day
    )


def test_the_switch_for_cancelled_ones_is_remembered(qtbot, demo, desk, settings) -> None:
    week_ago = NOW.date() - timedelta(days=7)
    first = _calendar_tab(demo, settings, NOW.date(), desk)
    qtbot.addWidget(first)
    assert first.inactive_action.isChecked()  # shown unless switched off
    first.go_to(week_ago)
    assert any(not b.listed.appointment.status.holds_slot for b in first.view._blocks)
    first.inactive_action.trigger()
    remembered = _calendar_tab(demo, settings, NOW.date(), desk)
    qtbot.addWidget(remembered)
    assert not remembered.inactive_action.isChecked() and not remembered.view.show_inactive
    remembered.go_to(week_ago)
    assert all(b.listed.appointment.status.holds_slot for b in remembered.view._blocks)
    remembered.inactive_action.trigger()
    assert any(not b.listed.appointment.status.holds_slot for b in remembered.view._blocks)
    again = _calendar_tab(demo, settings, NOW.date(), desk)
    qtbot.addWidget(again)
    assert again.inactive_action.isChecked()


@pytest.mark.parametrize(
    ("today", "monday"),
    [
        (date(2026, 12, 5), date(2026, 12, 7)),  # Saturday
        (date(2026, 12, 6), date(2026, 12, 7)),  # Sunday
        (date(2026, 12, 4), date(2026, 11, 30)),  # Friday: its own week
    ],
)
def test_today_on_a_weekend_shows_the_coming_week(
    qtbot, window, tab, demo, desk, settings, monkeypatch, today, monday
) -> None:
    monkeypatch.setattr(tab, "_today", lambda: today)
    tab.go_to(date(2026, 10, 1))
    tab.view.setFocus()
    qtbot.keyClick(tab.view, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    assert tab.visible_days()[0] == monday
    assert tab.view.days[0] == monday
    opened = _calendar_tab(demo, settings, today, desk)  # and when the tab first opens
    qtbot.addWidget(opened)
    assert opened.view.days[0] == monday


def test_a_weekend_the_clinic_opens_is_shown_as_today(qtbot, demo, desk, admin, settings) -> None:
    saturdays = WeeklyHours(dict(default_hours().days) | {5: DayHours(time(10), time(13))})
    demo.calendar.set_hours(admin, saturdays)
    opened = _calendar_tab(demo, settings, date(2026, 12, 5), desk)
    qtbot.addWidget(opened)
    assert date(2026, 12, 5) in opened.view.days and opened.day == date(2026, 12, 5)


def test_a_dragged_block_shows_its_new_time(qtbot, window, tab, demo, desk, maria) -> None:
    from frontdesk.domain.dates import format_clock

    slot, listed = booked_next_monday(window, tab, demo, desk, maria)
    target = demo.calendar.next_free(
        CONSULTATION, slot + timedelta(hours=2), 1, moving=listed.appointment.id
    )[0]
    start = tab.view.point_for(slot)
    qtbot.mousePress(tab.view, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(tab.view, start + QPoint(0, 12))
    qtbot.mouseMove(tab.view, tab.view.point_for(target))
    tab.view.grab()  # painted as on screen
    ends = target + timedelta(minutes=listed.appointment.minutes)
    assert tab.view.ghost_text == (
        f"María García to {format_clock(target.time())}-{format_clock(ends.time())}"
    )
    qtbot.mouseRelease(tab.view, Qt.MouseButton.RightButton, pos=tab.view.point_for(target))
    tab.view.grab()
    assert tab.view.ghost_text == ""
