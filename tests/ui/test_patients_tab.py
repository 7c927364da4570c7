"""The Patients tab driven as the receptionist would: keyboard first."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication

from frontdesk.ui.models.patients_model import COL_DOB


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
    window.notifier.announce("patient", patient.id)
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
