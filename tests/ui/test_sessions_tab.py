"""The CO2 sessions tab driven as Dr. Alex and the desk use it."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt

from frontdesk.domain.appointments import CO2_SESSION, RESULTS_REVIEW
from frontdesk.domain.co2 import SeriesStatus
from frontdesk.domain.dates import format_day, format_stamp
from frontdesk.domain.intake import Region
from frontdesk.domain.staff import Role
from frontdesk.domain.text import counted
from frontdesk.services.changes import Change, Changes, Entity
from frontdesk.ui.dialogs.booking_dialog import BookingDialog
from frontdesk.ui.dialogs.series_dialog import SeriesDialog
from frontdesk.ui.dialogs.session_dialog import SessionDialog
from frontdesk.ui.dialogs.text_dialog import TextDialog
from frontdesk.ui.models.recall_model import RecallModel
from tests.ui.test_intake_tab import at_the_desk


def click(qtbot, button) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton, pos=button.rect().center())


def click_row(qtbot, view, row: int) -> None:
    rect = view.visualRect(view.model().index(row, 0))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


@pytest.fixture
def tab(window):
    at_the_desk(window, Role.DOCTOR)
    return window.show_sessions()


def open_series(qtbot, tab, demo, patient) -> None:
    assert tab.choose_patient(patient.id)
    assert tab.glance.text() == "No CO2 series yet."
    click(qtbot, tab.open_button)
    dialog = tab.dialog
    assert isinstance(dialog, SeriesDialog)
    planned, why = demo.sessions.suggestion(patient.id)
    assert (
        dialog.sessions.value() == planned
        and why in dialog.findChild(type(dialog.error), "seriesWhy").text()
    )
    click(qtbot, dialog.ok)


def fill_session(form: SessionDialog) -> None:
    """What the doctor types for a session the rules allow."""
    form.device.setText("Fractional CO2 laser")
    form.energy.setValue(40)
    form.density.setValue(10)
    form.passes.setValue(2)
    form.spot.setText("120 um")
    form.mode.setText("deep")
    form.area_boxes[Region.LEFT_CHEEK].setChecked(True)
    form.anaesthesia.setText("Topical cream, 45 min")
    form.antiviral.setChecked(True)
    form.response.setPlainText("Expected redness")


def sign_first_session(qtbot, tab, keep_offer: bool = True) -> SessionDialog:
    click(qtbot, tab.log_button)
    form = tab.dialog
    assert isinstance(form, SessionDialog)
    fill_session(form)
    click(qtbot, form.sign_button)
    if not keep_offer:
        tab.dialog.reject()  # the offered booking of the next session: not now
    return form


def test_open_a_series_log_and_sign_then_book_the_proposed_next(
    qtbot, window, tab, demo, desk, fresh
):
    open_series(qtbot, tab, demo, fresh)
    series = demo.sessions.current(fresh.id)
    assert series.status is SeriesStatus.ACTIVE and series.done == 0
    assert tab.glance.text().startswith(f"<b>Series of {series.planned}, not started")
    assert "CO2 series" in window.statusBar().currentMessage()

    sign_first_session(qtbot, tab)
    series = demo.sessions.current(fresh.id)
    assert series.done == 1 and series.sessions[0].signed_by == "Dr. Alex"
    assert "Session 1" in tab.log.toPlainText() and "Signed" in tab.log.toPlainText()
    assert ("done", series.sessions[0].day) in tab.timeline.items()
    assert tab.glance.text().startswith(f"<b>Session 1 of {series.planned} - next due")

    # Signed: the next session comes up already placed; nothing is booked until Book is clicked.
    offer = tab.next_offer
    assert offer is not None and offer.starts is not None and "Offered" in tab.next_label.text()
    assert demo.sessions.next_session_proposal(series).booked is None
    booking = tab.dialog
    assert isinstance(booking, BookingDialog)
    assert booking.chosen_start() == offer.starts and booking._type().code == CO2_SESSION
    assert booking.patient.id == fresh.id
    click(qtbot, booking.ok)
    booked = demo.sessions.next_session_proposal(demo.sessions.current(fresh.id)).booked
    assert booked is not None and booked.appointment.starts == offer.starts
    assert "Booked:" in tab.next_label.text() and not tab.book_next_button.isEnabled()


def test_an_addendum_keeps_the_signed_entry(qtbot, tab, demo, fresh) -> None:
    open_series(qtbot, tab, demo, fresh)
    sign_first_session(qtbot, tab, keep_offer=False)
    click(qtbot, tab.addendum_button)
    dialog = tab.dialog
    assert isinstance(dialog, TextDialog) and dialog.choice.count() == 1
    click(qtbot, dialog.ok)
    assert not dialog.error.isHidden()  # an empty addendum is refused in words
    dialog.text.setPlainText("Energy on the chin was 35 mJ.")
    click(qtbot, dialog.ok)
    session = demo.sessions.current(fresh.id).sessions[0]
    assert [a.text for a in session.addenda] == ["Energy on the chin was 35 mJ."]
    assert session.draft.settings.energy_mj == 40
    assert "Addendum" in tab.log.toPlainText()
    # said like every other moment in the app (a trial saw "2026-12-06 09:14" here)
    assert f"Addendum {format_stamp(session.addenda[0].at)} by" in tab.log.toPlainText()


def test_the_front_desk_sees_progress_but_cannot_log(qtbot, window, demo) -> None:
    tab = window.show_sessions()  # the front desk is at the desk
    running = next(
        s
        for p in demo.patients.search("", limit=100).rows
        for s in demo.sessions.history(p.id)
        if s.status is SeriesStatus.ACTIVE and s.done
    )
    assert tab.choose_patient(running.patient_id)
    assert tab.glance.text().startswith(f"<b>Session {running.done} of {running.planned}")
    for button in (tab.open_button, tab.log_button, tab.addendum_button, tab.pause_button):
        assert not button.isEnabled()
    assert not tab.doctor_note.isHidden()
    at_the_desk(window, Role.DOCTOR)
    assert tab.log_button.isEnabled() and tab.doctor_note.isHidden()


def test_pause_and_resume_with_a_reason(qtbot, tab, demo, fresh) -> None:
    open_series(qtbot, tab, demo, fresh)
    click(qtbot, tab.pause_button)
    dialog = tab.dialog
    dialog.text.setPlainText("Sunburn after a beach holiday in Cabo.")
    click(qtbot, dialog.ok)
    assert demo.sessions.current(fresh.id).status is SeriesStatus.PAUSED
    assert "paused: Sunburn" in tab.glance.text()
    click(qtbot, tab.resume_button)
    assert demo.sessions.current(fresh.id).status is SeriesStatus.ACTIVE


def recall_shown(qtbot, tab) -> None:
    """Asks for the recall lists and waits for them to arrive (they are worked out in the
    background)."""
    tab.recall = None
    tab.show_recall()
    assert tab.recall_call is not None and tab.recall_call.wait(10)
    qtbot.waitUntil(lambda: tab.recall is not None, timeout=5000)


def test_recall_lists_open_the_patient_and_book(qtbot, window, tab, demo) -> None:
    recall_shown(qtbot, tab)
    sessions = tab.recall_models["sessions"]
    reviews = tab.recall_models["reviews"]
    assert sessions.rowCount() >= 1 and reviews.rowCount() >= 1
    overdue = sessions.row_at(0)
    assert overdue.overdue and "(overdue)" in sessions.index(0, 3).data()
    assert sessions.index(0, 3).data() == f"{format_day(overdue.due)} (overdue)"
    view = tab.recall_views["sessions"]
    click_row(qtbot, view, 0)
    click(qtbot, tab.recall_book)
    booking = tab.dialog
    assert isinstance(booking, BookingDialog) and booking.patient.id == overdue.patient_id
    assert booking._type().code == CO2_SESSION and booking.ok.isEnabled()
    booking.reject()
    # A row of another list, clicked after: that one is booked (the first loses its selection).
    review_view = tab.recall_views["reviews"]
    click_row(qtbot, review_view, 0)
    assert not view.currentIndex().isValid()
    click(qtbot, tab.recall_book)
    assert tab.dialog._type().code == RESULTS_REVIEW
    assert tab.dialog.patient.id == reviews.row_at(0).patient_id
    tab.dialog.reject()
    rect = view.visualRect(sessions.index(0, 0))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert tab.pages.currentIndex() == 0 and tab.patient.id == overdue.patient_id


def test_the_recall_model_passes_the_model_tester(qtmodeltester, demo) -> None:
    model = RecallModel()
    recall = demo.sessions.recall(weeks=8)
    model.set_rows(recall.sessions_due + recall.reviews_due + recall.completed)
    assert model.rowCount() >= 3
    qtmodeltester.check(model, force_py=True)


def test_the_patients_tab_shows_series_progress(qtbot, window, demo) -> None:
    running = next(
        s
        for p in demo.patients.search("", limit=100).rows
        for s in demo.sessions.history(p.id)
        if s.status is SeriesStatus.ACTIVE and s.done
    )
    patients = window.patients_tab
    patient = demo.patients.get(running.patient_id)
    patients.search.setText(f"{patient.first_name} {patient.last_name}")
    patients.select_patient(patient.id)
    shown = patients.detail.values["series"]
    qtbot.waitUntil(lambda: shown.text().startswith("Session"), timeout=2000)
    assert shown.text() == demo.sessions.progress(patient.id)


def test_extend_the_series_within_six(qtbot, tab, demo, fresh) -> None:
    open_series(qtbot, tab, demo, fresh)
    planned = demo.sessions.current(fresh.id).planned
    click(qtbot, tab.extend_button)
    dialog = tab.dialog
    assert dialog.sessions.minimum() == planned + 1 and dialog.sessions.maximum() == 6
    dialog.sessions.setValue(6)
    click(qtbot, dialog.ok)
    assert demo.sessions.current(fresh.id).planned == 6
    assert not tab.extend_button.isEnabled()


def test_a_change_from_another_window_is_shown_then_the_retry_works(
    qtbot, window, tab, demo, doctor, fresh
) -> None:
    open_series(qtbot, tab, demo, fresh)
    click(qtbot, tab.pause_button)
    dialog = tab.dialog
    series = demo.sessions.current(fresh.id)
    demo.sessions.extend(doctor, series.id, series.planned + 1, series.version)  # elsewhere
    dialog.text.setPlainText("Travelling for work until February.")
    click(qtbot, dialog.ok)
    assert "another window" in dialog.error.text()
    assert tab.series.planned == series.planned + 1  # the tab shows the latest already
    click(qtbot, dialog.ok)  # the same words, saved on the latest version
    assert demo.sessions.current(fresh.id).status is SeriesStatus.PAUSED


def test_open_and_log_wait_for_a_laser_yes(qtbot, tab, demo) -> None:
    marks = next(
        p
        for p in demo.patients.search("", limit=100).rows
        if p.finding == "PIH" and not demo.sessions.history(p.id)
    )
    assert tab.choose_patient(marks.id)
    assert tab.eligibility.text().startswith("Laser today: no")
    assert not tab.open_button.isEnabled()
    assert tab.open_button.toolTip().startswith("Laser is not allowed today:")


def test_an_addendum_can_go_on_an_earlier_session(qtbot, tab, demo) -> None:
    running = next(
        s
        for p in demo.patients.search("", limit=100).rows
        for s in demo.sessions.history(p.id)
        if s.done >= 2
    )
    assert tab.choose_patient(running.patient_id)
    click(qtbot, tab.addendum_button)
    dialog = tab.dialog
    dialog.choice.setCurrentIndex(dialog.choice.count() - 1)  # the first session
    dialog.text.setPlainText("The chin was not treated at this session.")
    click(qtbot, dialog.ok)
    first = demo.sessions.get(running.id).sessions[0]
    assert [a.text for a in first.addenda] == ["The chin was not treated at this session."]


def test_the_co2_menu_acts_on_the_patient_chosen_in_the_registry(qtbot, window, demo, fresh):
    at_the_desk(window, Role.DOCTOR)
    _ = window.sessions_tab  # the menu is filled
    window.patients_tab.search.setText(f"{fresh.first_name} {fresh.last_name}")
    window.patients_tab.select_patient(fresh.id)
    opening = next(a for a in window.sessions_menu.actions() if a.text() == "&Open a series…")
    opening.trigger()
    tab = window.sessions_tab
    assert window.tabs.currentWidget() is window.sessions_page
    assert tab.patient.id == fresh.id and isinstance(tab.dialog, SeriesDialog)
    assert fresh.full_name in tab.dialog.windowTitle()


def test_a_search_that_hides_the_patient_keeps_them_in_front(qtbot, tab, demo, fresh) -> None:
    """A search is not a choice: the patient in front stays, no other row highlighted."""
    assert tab.choose_patient(fresh.id)
    tab.search.setText("zzzz nobody")
    assert tab.patient.id == fresh.id and tab.open_button.isEnabled()
    assert tab.heading.text() == fresh.full_name
    assert not tab.patients.selectionModel().hasSelection()
    tab.search.setText("")
    assert tab.picker.patient.id == fresh.id  # listed again: highlighted again


def test_logging_from_the_tab_asks_before_a_day_the_office_was_closed(
    qtbot, window, tab, demo, fresh, prompts
) -> None:
    """The tab gives the log form the calendar: a session on Thanksgiving is asked about."""
    open_series(qtbot, tab, demo, fresh)
    click(qtbot, tab.log_button)
    form = tab.dialog
    assert isinstance(form, SessionDialog)
    fill_session(form)
    form.day.setDate(date(2026, 11, 26))  # today in the tests: Thanksgiving
    prompts.answer = False
    click(qtbot, form.sign_button)
    assert prompts.asked, form.error.text()
    assert prompts.asked[-1][0] == "Log it when the office was closed?"
    assert "Thanksgiving Day" in prompts.asked[-1][1]
    assert demo.sessions.current(fresh.id).done == 0


def test_the_recall_lists_are_worked_out_off_the_gui_thread(qtbot, window, tab) -> None:
    """Asked for, the lists come later: the tab is in use meanwhile, the status bar says why."""
    busy: list[str] = []
    window.ops.busy_changed.connect(busy.append)
    tab.recall = None
    tab.show_recall()
    assert tab.recall is None  # not answered inside the click: the answer is on its way
    assert window.statusBar().currentMessage() == "Working out the recall lists…"
    tab.weeks.setValue(8)  # the tab takes input meanwhile; a newer question replaces it
    assert tab.recall_call is not None and tab.recall_call.wait(10)
    qtbot.waitUntil(lambda: tab.recall is not None and not window.ops.running(), timeout=5000)
    assert busy[0] == "Working out the recall lists…" and busy[-1] == ""
    assert window.statusBar().currentMessage() == (
        f"Recall lists: {counted(len(tab.recall.sessions_due), 'session')} and"
        f" {counted(len(tab.recall.reviews_due), 'review')} to book."
    )
    assert tab.recall_models["sessions"].rowCount() == len(tab.recall.sessions_due)
    assert tab.recall == window.ops.clinic.sessions.recall(8)


def test_the_recall_lists_follow_announced_changes_only(qtbot, window, tab, demo, desk):
    recall_shown(qtbot, tab)
    overdue = tab.recall_models["sessions"].row_at(0)
    assert overdue is not None and overdue.overdue
    offer = demo.sessions.next_session_proposal(demo.sessions.get(overdue.series_id))
    booked = demo.calendar.book(desk, overdue.patient_id, CO2_SESSION, offer.starts)
    assert tab.recall_models["sessions"].row_at(0) == overdue  # nobody said anything yet
    tab.recall = None
    window.ops.notifier.announce(
        Changes.of(Change(Entity.APPOINTMENT, booked.appointment.id, overdue.patient_id))
    )
    qtbot.waitUntil(lambda: tab.recall is not None, timeout=5000)
    assert overdue.series_id not in [r.series_id for r in tab.recall.sessions_due]
    # Refreshed for someone else's change: the tab does not put its counts over that line.
    assert not window.statusBar().currentMessage().startswith("Recall lists")
