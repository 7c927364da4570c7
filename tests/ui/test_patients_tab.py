"""The Patients tab driven as the receptionist would: keyboard first."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication

from frontdesk.ui.models.patients_model import COL_DOB
from frontdesk.ui.widgets.patient_detail import PAST
from tests.conftest import announced


def tab_of(window):
    return window.patients_tab


def test_search_filters_as_you_type(qtbot, window) -> None:
    tab = tab_of(window)
    everyone = tab.model.rowCount()
    qtbot.keyClicks(tab.search, "gar mar")
    assert 0 < tab.model.rowCount() < everyone
    assert tab.model.patient_at(0).full_name == "María García"
    assert "matching" in tab.count_label.text()


def test_accents_phone_and_birthday_forms(qtbot, window) -> None:
    tab = tab_of(window)
    for typed in ("garcia", "8185550134", "(818) 555-0134", "3/14/1985", "1985-03-14"):
        tab.search.clear()
        qtbot.keyClicks(tab.search, typed)
        shown = [tab.model.patient_at(r).full_name for r in range(tab.model.rowCount())]
        assert "María García" in shown, typed
    tab.search.setText("García")  # non-ASCII goes in with setText
    assert tab.model.patient_at(0).full_name == "María García"


def test_nothing_found_says_what_to_try(qtbot, window) -> None:
    tab = tab_of(window)
    qtbot.keyClicks(tab.search, "zzyzx")
    assert tab.model.rowCount() == 0
    assert "Ctrl+N" in tab.count_label.text()
    assert "Show archived" in tab.count_label.text()  # they may have been archived
    tab.show_archived.setChecked(True)
    assert "Show archived" not in tab.count_label.text()


def test_ctrl_f_focuses_search_and_down_walks_into_the_list(qtbot, window) -> None:
    tab = tab_of(window)
    tab.table.setFocus()
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is tab.search
    qtbot.keyClicks(tab.search, "hak")
    qtbot.keyClick(tab.search, Qt.Key.Key_Down)
    assert QApplication.focusWidget() is tab.table
    assert tab.selected_patient() is not None
    assert tab.detail.name.text() == tab.selected_patient().full_name


def test_enter_opens_the_selected_patient(qtbot, window) -> None:
    tab = tab_of(window)
    qtbot.keyClicks(tab.search, "3/14/1985")  # a single match is selected at once
    assert tab.detail.patient.full_name == "María García"
    tab.table.setFocus()
    qtbot.keyClick(tab.table, Qt.Key.Key_Return)
    assert tab.dialog is not None and tab.dialog.isVisible()
    assert tab.dialog.last_name.text() == "García"
    tab.dialog.reject()


def test_ctrl_n_registers_a_new_patient_who_then_shows(qtbot, window, demo) -> None:
    tab = tab_of(window)
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    dialog = tab.dialog
    assert dialog is not None and dialog.windowTitle() == "New patient"
    qtbot.keyClicks(dialog.first_name, "Nare")
    dialog.last_name.setText("Vardanyan-Núñez")
    qtbot.keyClicks(dialog.dob, "7/4/1996")
    qtbot.keyClicks(dialog.phone, "8185550199")
    qtbot.keyClick(dialog.dob, Qt.Key.Key_Return)  # Enter saves
    assert not dialog.isVisible()
    assert tab.detail.patient.full_name == "Nare Vardanyan-Núñez"
    assert "registered" in window.statusBar().currentMessage()
    tab.search.setText("vardanyan nu")
    assert tab.model.patient_at(0).last_name == "Vardanyan-Núñez"


def test_archive_asks_first_and_a_no_changes_nothing(qtbot, window, demo, prompts) -> None:
    tab = tab_of(window)
    qtbot.keyClicks(tab.search, "3/14/1985")
    prompts.answer = False
    qtbot.mouseClick(tab.detail.archive_button, Qt.MouseButton.LeftButton)
    assert prompts.asked and "Archive María García" in prompts.asked[0][1]
    assert not demo.patients.get(tab.detail.patient.id).archived

    prompts.answer = True
    patient_id = tab.detail.patient.id
    qtbot.mouseClick(tab.detail.archive_button, Qt.MouseButton.LeftButton)
    assert demo.patients.get(patient_id).archived
    assert tab.model.rowCount() == 0  # hidden from the search now
    assert "archived" in window.statusBar().currentMessage()

    tab.show_archived.setChecked(True)
    assert tab.model.patient_at(0).id == patient_id
    tab.select_patient(patient_id)
    assert tab.detail.restore_button.isVisibleTo(tab.detail)
    qtbot.mouseClick(tab.detail.restore_button, Qt.MouseButton.LeftButton)
    assert not demo.patients.get(patient_id).archived
    actions = [e.action for e in demo.audit.history("patient", patient_id)]
    assert actions[-2:] == ["archive", "restore"]


def test_other_writers_refresh_the_list(qtbot, window, demo, desk) -> None:
    tab = tab_of(window)
    qtbot.keyClicks(tab.search, "3/14/1985")
    patient = tab.detail.patient
    demo.patients.update(
        desk,
        patient.id,
        patient.as_draft().__class__(
            **{**patient.as_draft().__dict__, "notes": "Called to confirm."}
        ),
    )
    window.notifier.announce(announced("patient", patient.id))
    assert tab.detail.values["notes"].text() == "Called to confirm."


def test_selection_actions_follow_the_selection(qtbot, window, demo, desk) -> None:
    tab = tab_of(window)
    assert not tab.open_action.isEnabled() and not tab.archive_action.isEnabled()
    qtbot.keyClicks(tab.search, "3/14/1985")
    assert tab.open_action.isEnabled() and tab.archive_action.isEnabled()
    assert not tab.restore_action.isEnabled()
    tab.archive_action.trigger()
    tab.show_archived.setChecked(True)
    tab.select_patient(tab.model.patient_at(0).id)
    assert tab.restore_action.isEnabled() and not tab.archive_action.isEnabled()
    tab.restore_action.trigger()
    assert not demo.patients.get(tab.model.patient_at(0).id).archived


def test_search_box_keys_enter_escape_and_up(qtbot, window) -> None:
    tab = tab_of(window)
    qtbot.keyClicks(tab.search, "hakob")
    qtbot.keyClick(tab.search, Qt.Key.Key_Return)  # Enter opens the first match
    assert tab.dialog is not None and tab.dialog.last_name.text() == "Hakobyan"
    tab.dialog.reject()
    qtbot.keyClick(tab.search, Qt.Key.Key_Escape)  # Escape clears the search
    assert tab.search.text() == "" and tab.model.rowCount() > 1
    qtbot.keyClick(tab.search, Qt.Key.Key_Down)
    assert QApplication.focusWidget() is tab.table
    # Hakobyan stays in front (and highlighted) once the search is cleared: to the top first
    qtbot.keyClick(tab.table, Qt.Key.Key_Home, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(tab.table, Qt.Key.Key_Up)  # Up from the first row: back to the search
    assert QApplication.focusWidget() is tab.search


def test_email_search_through_the_tab(qtbot, window) -> None:
    tab = tab_of(window)
    qtbot.keyClicks(tab.search, "maria.garcia@")
    assert tab.detail.patient.full_name == "María García"


def test_impossible_date_says_why(qtbot, window) -> None:
    tab = tab_of(window)
    qtbot.keyClicks(tab.search, "1/2/90")
    assert "four digits" in tab.count_label.text()


def test_clicking_a_header_sorts_by_that_column(qtbot, window) -> None:
    tab = tab_of(window)
    header = tab.table.horizontalHeader()
    section = COL_DOB
    x = header.sectionViewportPosition(section) + header.sectionSize(section) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
    dobs = [tab.model.patient_at(r).dob for r in range(tab.model.rowCount())]
    assert dobs == sorted(dobs) or dobs == sorted(dobs, reverse=True)
    assert header.sortIndicatorSection() == COL_DOB


def test_edit_and_restore_are_confirmed_in_the_status_bar(qtbot, window, demo) -> None:
    tab = tab_of(window)
    qtbot.keyClicks(tab.search, "3/14/1985")
    dialog = tab.open_selected()
    dialog.notes.setPlainText("Prefers mornings.")
    dialog.save()
    assert window.statusBar().currentMessage() == "María García saved."
    tab.archive_selected()
    tab.show_archived.setChecked(True)
    tab.select_patient(tab.model.patient_at(0).id)
    tab.restore_selected()
    assert window.statusBar().currentMessage() == "María García restored."


def test_a_database_failure_is_said_in_words(qtbot, window, demo) -> None:
    tab = tab_of(window)
    demo.close()  # the file is gone from under the window
    qtbot.keyClicks(tab.search, "gar")
    assert tab.model.rowCount() == 0
    assert tab.count_label.text().startswith("Could not search the registry")


def test_ctrl_1_goes_to_the_patients_tab(qtbot, window) -> None:
    qtbot.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentWidget() is window.patients_tab


def test_toggling_show_archived_keeps_the_selected_patient(qtbot, window) -> None:
    tab = tab_of(window)
    qtbot.keyClicks(tab.search, "3/14/1985")
    chosen = tab.detail.patient
    tab.show_archived.setChecked(True)
    assert tab.detail.patient is not None and tab.detail.patient.id == chosen.id
    tab.show_archived.setChecked(False)
    assert tab.detail.patient.id == chosen.id


def test_disabled_controls_look_disabled(qapp) -> None:
    from PySide6.QtGui import QPalette

    from frontdesk.ui.style import apply_style

    apply_style(qapp)
    palette = qapp.palette()
    for role in (QPalette.ColorRole.ButtonText, QPalette.ColorRole.WindowText):
        enabled = palette.color(QPalette.ColorGroup.Active, role)
        disabled = palette.color(QPalette.ColorGroup.Disabled, role)
        assert enabled != disabled


def test_a_column_it_cannot_sort_by_keeps_the_arrow_where_the_order_is(window) -> None:
    from frontdesk.ui.models.patients_model import COL_FINDING, COL_NAME

    header = window.patients_tab.table.horizontalHeader()
    header.setSortIndicator(COL_FINDING, Qt.SortOrder.AscendingOrder)
    assert header.sortIndicatorSection() == COL_NAME


def test_after_archiving_no_other_row_looks_like_the_one_shown(qtbot, window, demo) -> None:
    tab = tab_of(window)
    qtbot.keyClicks(tab.search, "gar")  # García, García López, Garrett, Garza...
    first = tab.model.patient_at(0)
    tab.select_patient(first.id)
    tab.archive_patient(first.id)
    assert tab.model.row_of(first.id) is None and tab.model.rowCount() > 0
    assert tab.detail.patient.id == first.id and tab.detail.patient.archived
    # the next row is not highlighted in its place; the archived patient stays in front
    assert not tab.table.selectionModel().hasSelection()
    assert tab.selected_patient().id == first.id and window.front.id == first.id
    assert not tab.table.selectionModel().hasSelection()


# -- the patient's whole record (issue 13 point 3) ------------------------------------------


def _booked_patient(demo):
    """A demo patient with an appointment still to come and past ones, and a CO2 series."""
    for p in demo.patients.search("", limit=100).rows:
        coming = [a for a in demo.calendar.upcoming(p.id) if a.appointment.status.movable]
        past = [a for a in demo.calendar.of_patient(p.id) if a not in demo.calendar.upcoming(p.id)]
        if coming and past and demo.sessions.history(p.id):
            return p
    raise AssertionError("the demo has a patient with appointments to come and past")


def _in_front(qtbot, window, patient):
    tab = tab_of(window)
    tab.search.setText(f"{patient.first_name} {patient.last_name}")
    assert tab.select_patient(patient.id)
    tab.detail.show_record_now()
    return tab.detail


def test_the_record_lists_appointments_to_come_and_past(qtbot, window, demo) -> None:
    from frontdesk.domain.dates import format_moment

    patient = _booked_patient(demo)
    pane = _in_front(qtbot, window, patient)
    lines = pane.appointment_lines()
    coming = demo.calendar.upcoming(patient.id)
    everything = demo.calendar.of_patient(patient.id)
    assert lines[0] == "To come" and PAST in lines
    split = lines.index(PAST)
    assert len(lines[1:split]) == len(coming) and len(lines[split + 1 :]) == len(everything) - len(
        coming
    )
    first = coming[0]
    assert lines[1] == (
        f"{format_moment(first.appointment.starts)} - {first.type_name}"
        f" - {first.appointment.status.label}"
    )
    past = [pane.appointments.item(split + 1 + i).data(Qt.ItemDataRole.UserRole) for i in range(
        len(lines) - split - 1)]  # fmt: skip
    assert [a.appointment.starts for a in past] == sorted(
        (a.appointment.starts for a in past), reverse=True
    )  # newest first
    assert pane.appointments_title.text().startswith("<b>Appointments</b>: ")
    assert pane.values["series"].text() == demo.sessions.progress(patient.id)
    latest = demo.intakes.latest(patient.id)
    assert latest is not None and pane.values["intake"].text().startswith(latest.summary)


def test_a_patient_without_anything_says_so(qtbot, window, demo, desk) -> None:
    from tests.conftest import announced, draft

    new = demo.patients.register(desk, draft(first_name="Nare", last_name="Vardanyan",
                                             phone="", email=""))  # fmt: skip
    window.notifier.announce(announced("patient", new.id))
    pane = _in_front(qtbot, window, new)
    assert pane.appointment_lines() == ["No appointments yet: Book… makes one."]
    assert pane.values["intake"].text() == "none yet"
    assert pane.values["series"].text() == "none"
    assert pane.values["handouts"].text() == "none given"
    assert not pane.move_button.isEnabled() and not pane.cancel_button.isEnabled()


def test_handouts_given_are_in_the_record(qtbot, window, demo, desk) -> None:
    from frontdesk.domain.dates import format_day
    from frontdesk.domain.handouts import Kind, Language

    patient = _booked_patient(demo)
    demo.handouts.record(desk, patient.id, Kind.CO2_PLAN, Language.SPANISH, "printed")
    pane = _in_front(qtbot, window, patient)
    first = pane.values["handouts"].text().splitlines()[0]
    assert Kind.CO2_PLAN.label in first and "(es)" in first
    assert format_day(window._clinic.calendar.now().date()) in first


def test_book_from_the_record_is_for_the_patient(qtbot, window, demo) -> None:
    from frontdesk.ui.dialogs.booking_dialog import BookingDialog

    patient = _booked_patient(demo)
    pane = _in_front(qtbot, window, patient)
    qtbot.mouseClick(pane.book_button, Qt.MouseButton.LeftButton)
    dialog = window.calendar_tab.dialog
    assert isinstance(dialog, BookingDialog) and dialog.patient.id == patient.id
    dialog.reject()
    assert window.front.id == patient.id


def test_move_from_the_record_opens_the_move_of_that_appointment(qtbot, window, demo) -> None:
    from frontdesk.ui.dialogs.booking_dialog import BookingDialog

    patient = _booked_patient(demo)
    pane = _in_front(qtbot, window, patient)
    assert not pane.move_button.isEnabled()  # nothing selected yet
    coming = next(a for a in demo.calendar.upcoming(patient.id) if a.appointment.status.movable)
    assert pane.select_appointment(coming.appointment.id)
    assert pane.move_button.isEnabled() and pane.cancel_button.isEnabled()
    qtbot.mouseClick(pane.move_button, Qt.MouseButton.LeftButton)
    dialog = window.calendar_tab.dialog
    assert isinstance(dialog, BookingDialog)
    assert dialog.moving.appointment.id == coming.appointment.id
    dialog.reject()


def test_a_past_appointment_cannot_be_moved_or_cancelled_from_the_record(qtbot, window, demo):
    patient = _booked_patient(demo)
    pane = _in_front(qtbot, window, patient)
    lines = pane.appointment_lines()
    pane.appointments.setCurrentRow(lines.index(PAST) + 1)
    assert not pane.move_button.isEnabled() and not pane.cancel_button.isEnabled()


def test_cancel_from_the_record_asks_then_cancels_and_the_record_shows_it(
    qtbot, window, demo, prompts
) -> None:
    from frontdesk.domain.appointments import Status

    patient = _booked_patient(demo)
    pane = _in_front(qtbot, window, patient)
    coming = next(a for a in demo.calendar.upcoming(patient.id) if a.appointment.status.movable)
    pane.select_appointment(coming.appointment.id)
    qtbot.mouseClick(pane.cancel_button, Qt.MouseButton.LeftButton)
    menu = window.cancel_menu
    labels = [a.text() for a in menu.actions()]
    assert labels == [Status.CANCELLED_BY_PATIENT.label, Status.CANCELLED_BY_CLINIC.label]
    menu.close()
    prompts.answer = True
    menu.actions()[0].trigger()
    assert prompts.asked and prompts.asked[-1][0] == "Cancel the appointment?"
    stored = demo.calendar.get(coming.appointment.id)
    assert stored.appointment.status is Status.CANCELLED_BY_PATIENT
    pane.show_record_now()
    assert any(
        line.endswith(Status.CANCELLED_BY_PATIENT.label) for line in pane.appointment_lines()
    )
    assert window.front.id == patient.id


def test_handout_intake_and_series_buttons_open_them_for_the_patient(qtbot, window, demo):
    from frontdesk.ui.dialogs.handout_dialog import HandoutDialog

    patient = _booked_patient(demo)
    pane = _in_front(qtbot, window, patient)
    qtbot.mouseClick(pane.handout_button, Qt.MouseButton.LeftButton)
    assert isinstance(window.handout_dialog, HandoutDialog)
    assert window.handout_dialog.patient.id == patient.id
    window.handout_dialog.reject()
    qtbot.mouseClick(pane.intake_button, Qt.MouseButton.LeftButton)
    assert window.tabs.currentWidget() is window.intake_page
    assert window.intake_tab.patient.id == patient.id
    window.tabs.setCurrentWidget(window.patients_tab)
    qtbot.mouseClick(pane.series_button, Qt.MouseButton.LeftButton)
    assert window.tabs.currentWidget() is window.sessions_page
    assert window.sessions_tab.patient.id == patient.id
    assert window.sessions_tab.pages.currentIndex() == 0


def test_an_archived_patient_is_not_booked_from_the_record(qtbot, window, demo, prompts):
    patient = _booked_patient(demo)
    pane = _in_front(qtbot, window, patient)
    tab_of(window).archive_patient(patient.id)
    assert pane.patient.archived and not pane.book_button.isEnabled()
    assert pane.restore_button.isVisible() and not pane.archive_button.isVisible()


def test_showing_a_record_is_in_the_audit_trail_once(qtbot, window, demo) -> None:
    patient = _booked_patient(demo)
    _in_front(qtbot, window, patient)
    for entity in ("patient", "appointment", "handout"):
        window.notifier.announce(announced(entity, patient.id))
    views = [e for e in demo.audit.history("patient", patient.id) if e.action == "view"]
    assert len(views) == 1 and views[0].staff_id == window.session.current.id
