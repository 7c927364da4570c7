"""The Calendar tab and its dialogs run every call through Operations (issue 14 point 4):
refusals said where the desk is looking, changes announced by the helper, the tab redrawn
from the announced changes only, and no write freezing the window."""

from __future__ import annotations

from datetime import date, datetime
from datetime import time as clock

import pytest
from PySide6.QtCore import Qt

from frontdesk.domain.appointments import CONSULTATION, Status
from frontdesk.domain.hours import DayHours, WeeklyHours, default_hours
from frontdesk.domain.staff import Role
from frontdesk.services.changes import Change, Changes, Entity
from frontdesk.ui.dialogs.booking_dialog import BookingDialog
from tests.conftest import announced, member_with_role
from tests.ui.another_writer import while_another_window_writes

NEXT_MONDAY = date(2026, 11, 30)
FRIDAY = date(2026, 12, 4)


@pytest.fixture
def tab(window, monkeypatch):
    # What other windows may have saved (announced when this one is activated again) is
    # not under test here: only what this window's own calls announce.
    monkeypatch.setattr(window.ops, "heard_from_elsewhere", lambda _changes: None)
    tab = window.show_calendar()
    tab.go_to(NEXT_MONDAY)
    return tab


@pytest.fixture
def maria(demo):
    return demo.patients.get(demo.patients.search("garcia maria").rows[0].id)


@pytest.fixture
def heard(window) -> list[Changes]:
    """Every announcement the views hear."""
    got: list[Changes] = []
    window.notifier.changes.connect(got.append)
    return got


@pytest.fixture
def refreshes(tab, monkeypatch) -> list[int]:
    """One entry each time the tab re-reads its week."""
    counted: list[int] = []
    reread = tab.refresh

    def counting() -> None:
        counted.append(1)
        reread()

    monkeypatch.setattr(tab, "refresh", counting)
    return counted


def free_start(demo, day: date, minutes: int = 30) -> datetime:
    return demo.calendar.next_free(CONSULTATION, datetime.combine(day, clock(0)), 1, minutes)[0]


def test_a_booking_is_announced_by_the_helper_and_redraws_the_tab_once(
    qtbot, window, tab, demo, maria, heard, refreshes
) -> None:
    slot = free_start(demo, NEXT_MONDAY)
    dialog = tab.book(starts=slot, patient=maria)
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    listed = dialog.result_listed
    assert listed is not None and listed.appointment.starts == slot
    a = listed.appointment
    assert heard == [Changes.of(Change(Entity.APPOINTMENT, a.id, maria.id))]
    assert len(refreshes) == 1  # from the announcement; the week shown is not read again
    assert any(b.listed.appointment.id == a.id for b in tab.view._blocks)
    assert tab.view.selected_id == a.id and tab.model.row_of(a.id) is not None
    assert window.statusBar().currentMessage() == (
        "Booked: María García, free consultation, Mon, Nov 30, 2026"
        f" {tab.model.index(tab.model.row_of(a.id), 0).data()}."
    )


def test_the_tab_redraws_for_what_it_draws_and_nothing_else(
    window, tab, demo, maria, refreshes
) -> None:
    shown = {r.appointment.patient_id for r in tab.shown}
    elsewhere = next(p.id for p in demo.patients.search("", limit=100).rows if p.id not in shown)
    listed_patient = next(iter(shown))
    notifier = window.notifier
    notifier.announce(Changes.of(Change(Entity.INTAKE, 1, listed_patient)))
    notifier.announce(Changes.of(Change(Entity.PATIENT, elsewhere, elsewhere)))
    assert refreshes == []
    notifier.announce(Changes.of(Change(Entity.PATIENT, listed_patient, listed_patient)))
    assert len(refreshes) == 1  # a name or phone in the list may have changed
    for entity in (Entity.APPOINTMENT, Entity.OFFICE_HOURS, Entity.CLOSURE):
        notifier.announce(announced(entity.value, 1))
    assert len(refreshes) == 4
    notifier.announce(Changes.of_all())  # a restore: everything is read again
    assert len(refreshes) == 5


def test_a_renamed_type_is_redrawn_in_the_legend(window, tab, demo, admin) -> None:
    demo.calendar.update_types(admin, [(CONSULTATION, "Primera consulta", 45)])
    window.notifier.announce(announced("appointment_type"))
    legend = [label.text() for label in tab.legend.findChildren(type(tab.day_label))]
    assert "Primera consulta (45 min)" in legend


def test_a_move_refused_in_the_write_is_said_under_the_time_not_in_a_box(
    qtbot, window, tab, demo, desk, maria, heard, prompts
) -> None:
    """Another desk changed the appointment after the move dialog opened: the write refuses
    (the time itself is still free, so the live check could not know)."""
    listed = demo.calendar.book(desk, maria.id, CONSULTATION, free_start(demo, NEXT_MONDAY))
    mover = tab.move_appointment(listed)
    target = mover.free.item(1).data(Qt.ItemDataRole.UserRole)
    mover.set_start(target)
    assert mover.ok.isEnabled(), mover.verdict.text()
    a = listed.appointment
    demo.calendar.set_note(desk, a.id, "Called: running late", a.version)
    heard.clear()
    qtbot.mouseClick(mover.ok, Qt.MouseButton.LeftButton)
    assert mover.isVisible() and mover.result_listed is None
    assert "changed" in mover.verdict.text().lower()
    assert prompts.warnings == [] and heard == []
    assert demo.calendar.get(a.id).appointment.starts == a.starts  # nothing moved


def test_a_note_refused_at_save_is_said_under_the_note(
    window, tab, demo, desk, maria, heard, prompts
) -> None:
    listed = demo.calendar.book(desk, maria.id, CONSULTATION, free_start(demo, NEXT_MONDAY))
    window.notifier.announce(announced("appointment", listed.appointment.id))
    dialog = tab.open_appointment(listed.appointment.id)
    a = listed.appointment
    demo.calendar.set_note(desk, a.id, "From the other desk", a.version)
    heard.clear()
    dialog.note.setText("From this desk")
    dialog.save_note.click()
    assert dialog.error.isVisibleTo(dialog) and dialog.error.text()
    assert prompts.warnings == [] and heard == []
    assert demo.calendar.get(a.id).appointment.note == "From the other desk"


def test_a_note_saved_is_announced_and_redraws_the_list(
    window, tab, demo, desk, maria, heard
) -> None:
    listed = demo.calendar.book(desk, maria.id, CONSULTATION, free_start(demo, NEXT_MONDAY))
    window.notifier.announce(announced("appointment", listed.appointment.id))
    tab.day = NEXT_MONDAY
    dialog = tab.open_appointment(listed.appointment.id)
    heard.clear()
    dialog.note.setText("Prefers Spanish")
    dialog.save_note.click()
    a = listed.appointment
    assert heard == [Changes.of(Change(Entity.APPOINTMENT, a.id, maria.id))]
    assert tab.model.listed_at(tab.model.row_of(a.id)).appointment.note == "Prefers Spanish"
    assert window.statusBar().currentMessage() == "Note saved."


def test_a_status_change_refused_is_said_and_the_list_is_left_to_the_announcements(
    window, tab, demo, desk, maria, heard, prompts
) -> None:
    listed = demo.calendar.book(desk, maria.id, CONSULTATION, free_start(demo, NEXT_MONDAY))
    a = listed.appointment
    demo.calendar.set_note(desk, a.id, "Changed at the other desk", a.version)
    heard.clear()
    assert tab.change_status(listed, Status.CONFIRMED) is None  # the version it had is stale
    assert prompts.warnings and prompts.warnings[0][0] == "Not changed"
    assert heard == []


def test_a_booking_waiting_for_another_windows_lock_keeps_the_window_painting(
    qtbot, window, tab, demo, maria, db_path
) -> None:
    slot = free_start(demo, NEXT_MONDAY)
    dialog = tab.book(starts=slot, patient=maria)
    waited = while_another_window_writes(db_path, dialog.ok.click)
    assert dialog.result_listed is not None and waited.seconds >= 0.5
    assert len(waited.ticks) >= 10 and waited.longest_stall() < 0.25
    assert window.statusBar().currentMessage().startswith("Booked: María García")


def test_a_caller_registered_from_the_booking_dialog_is_announced_then_booked(
    qtbot, window, tab, demo, heard
) -> None:
    """The registration form over the booking dialog saves through the window's `ops`: every
    view hears of the new patient (it was once saved on the window's connection, unheard)."""
    dialog = tab.book(starts=free_start(demo, NEXT_MONDAY))
    assert isinstance(dialog, BookingDialog)
    dialog.new_patient_button.click()
    form = dialog.patient_dialog
    for field, text in (("first_name", "Lucia"), ("last_name", "Ortega"), ("dob", "5/6/1991")):
        getattr(form, field).setText(text)
    with qtbot.waitSignal(form.saved) as saved:
        form.save()
    new_id = saved.args[0].id
    assert [c.ids(Entity.PATIENT) for c in heard] == [{new_id}]
    qtbot.waitUntil(lambda: dialog.patient is not None, timeout=2000)
    assert dialog.patient is not None and dialog.patient.id == new_id
    dialog.ok.click()
    assert (
        dialog.result_listed is not None and dialog.result_listed.appointment.patient_id == new_id
    )
    assert heard[-1].ids(Entity.APPOINTMENT) == {dialog.result_listed.appointment.id}


def test_hours_and_closures_saved_in_the_dialog_reach_the_calendar(
    qtbot, window, tab, demo, maria
) -> None:
    from PySide6.QtCore import QDate

    from frontdesk.ui.dialogs.office_settings_dialog import OfficeSettingsDialog

    admin = member_with_role(demo, Role.ADMIN)
    desk = member_with_role(demo, Role.FRONT_DESK)
    demo.calendar.book(desk, maria.id, CONSULTATION, datetime.combine(FRIDAY, clock(15, 30)))
    window.notifier.announce(announced("appointment"))
    assert tab.outside.isHidden()
    dialog = OfficeSettingsDialog(window.ops, lambda: admin, parent=tab)
    qtbot.addWidget(dialog)
    shorter = WeeklyHours(dict(default_hours().days) | {4: DayHours(clock(10), clock(15))})
    dialog.closes[4].setTime(dialog.closes[4].time().addSecs(-3600))
    assert dialog.entered_hours()[0] == shorter
    dialog.save_hours()
    assert window.statusBar().currentMessage() == "Office hours saved."
    assert not tab.outside.isHidden() and tab.outside_list.count() == 1  # the Friday 3:30 pm
    dialog.tabs.setCurrentIndex(1)
    dialog.first_day.setDate(date(2026, 12, 8))
    dialog.last_day.setDate(date(2026, 12, 8))
    dialog.reason.setText("Staff training")
    dialog.add_closure()
    assert window.statusBar().currentMessage() == "Closure added: Tue, Dec 8, 2026: Staff training"
    tab.month.setCurrentPage(2026, 12)
    marked = tab.month.dateTextFormat(QDate(2026, 12, 8))
    assert marked.toolTip() == "Closed: Staff training" and marked.fontStrikeOut()
    assert dialog.closure_list.currentItem().text() == "Tue, Dec 8, 2026: Staff training"
