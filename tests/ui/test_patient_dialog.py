"""The registration dialog: messages beside fields, duplicate warning, nothing half-saved."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from frontdesk.ui.dialogs.patient_dialog import PatientDialog
from tests.conftest import NOW, draft


@pytest.fixture
def dialog(qtbot, clinic, desk):
    made = PatientDialog(clinic.patients, lambda: desk, lambda: NOW.date())
    qtbot.addWidget(made)
    made.show()
    return made


def fill(dialog, **values) -> None:
    for key, text in values.items():
        widget = getattr(dialog, key)
        (widget.setPlainText if key == "notes" else widget.setText)(text)


def test_problems_show_next_to_their_fields(qtbot, dialog, clinic) -> None:
    qtbot.keyClicks(dialog.first_name, "Jose")
    qtbot.keyClicks(dialog.dob, "3/14/85")
    qtbot.keyClicks(dialog.phone, "555-0134")
    qtbot.keyClicks(dialog.email, "jose@")
    dialog.save()
    assert dialog.isVisible()
    assert dialog.error_text("first_name") == ""
    assert dialog.error_text("last_name") == "Last name is required."
    assert "four digits" in dialog.error_text("dob")
    assert "area code" in dialog.error_text("phone")
    assert "name@example.com" in dialog.error_text("email")
    assert clinic.patients.count(include_archived=True) == 0
    qtbot.keyClicks(dialog.last_name, "P")  # typing in a field clears its message
    assert dialog.error_text("last_name") == ""


def test_age_hint_follows_the_date(qtbot, dialog) -> None:
    qtbot.keyClicks(dialog.dob, "3/14/1985")
    assert dialog.age_hint.text() == "March 14, 1985: age 41"
    dialog.dob.setText("13/1/1985")
    assert not dialog.age_hint.isVisibleTo(dialog)


def test_phone_is_tidied_when_leaving_the_field(qtbot, dialog) -> None:
    qtbot.keyClicks(dialog.phone, "818.555.0134")
    dialog.phone.editingFinished.emit()
    assert dialog.phone.text() == "(818) 555-0134"


def test_saving_registers_and_keeps_unicode_verbatim(qtbot, dialog, clinic) -> None:
    fill(
        dialog,
        first_name="Ժիրայր",
        last_name="Հակոբյան",
        dob="1979-11-02",
        email="jirayr@example.net",
        notes="Speaks Armenian.\nPrefers mornings.",
    )
    with qtbot.waitSignal(dialog.saved) as saved:
        qtbot.mouseClick(
            dialog.buttons.button(dialog.buttons.StandardButton.Save), Qt.MouseButton.LeftButton
        )
    stored = clinic.patients.get(saved.args[0].id)
    assert (stored.first_name, stored.last_name) == ("Ժիրայր", "Հակոբյան")
    assert stored.notes == "Speaks Armenian.\nPrefers mornings."
    assert not dialog.isVisible()


def test_possible_duplicate_asks_and_a_no_saves_nothing(qtbot, dialog, clinic, desk, prompts):
    clinic.patients.register(desk, draft())
    fill(dialog, first_name="Maria", last_name="Garcia", dob="03/14/1985")
    prompts.answer = False
    dialog.save()
    assert prompts.asked[0][0] == "Possible duplicate"
    assert "already registered" in prompts.asked[0][1]
    assert dialog.isVisible() and clinic.patients.count() == 1
    prompts.answer = True
    dialog.save()
    assert not dialog.isVisible() and clinic.patients.count() == 2


def test_editing_shows_the_stored_values_and_saves_changes(qtbot, clinic, desk) -> None:
    patient = clinic.patients.register(desk, draft())
    dialog = PatientDialog(clinic.patients, lambda: desk, lambda: NOW.date(), patient)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.windowTitle() == "Edit María García"
    assert (dialog.dob.text(), dialog.phone.text()) == ("03/14/1985", "(818) 555-0134")
    dialog.email.clear()
    qtbot.keyClicks(dialog.email, "mgarcia@example.org")
    dialog.save()
    assert clinic.patients.get(patient.id).email == "mgarcia@example.org"


def test_enter_in_notes_is_a_new_line_not_save(qtbot, dialog, clinic) -> None:
    fill(dialog, first_name="Ani", last_name="Petrosyan", dob="1/2/1990")
    dialog.notes.setFocus()
    qtbot.keyClick(dialog.notes, Qt.Key.Key_Return)
    assert dialog.isVisible() and clinic.patients.count() == 0


def test_escape_with_typed_work_asks_before_discarding(qtbot, dialog, prompts) -> None:
    qtbot.keyClicks(dialog.first_name, "Ani")
    prompts.answer = False
    qtbot.keyClick(dialog.first_name, Qt.Key.Key_Escape)
    assert dialog.isVisible() and prompts.asked[-1][0] == "Discard changes?"
    prompts.answer = True
    dialog.reject()
    assert not dialog.isVisible()


def test_escape_on_an_untouched_form_just_closes(qtbot, dialog, prompts) -> None:
    qtbot.keyClick(dialog.first_name, Qt.Key.Key_Escape)
    assert not dialog.isVisible() and not prompts.asked


def test_a_change_saved_elsewhere_is_not_overwritten(qtbot, clinic, desk, doctor, prompts):
    patient = clinic.patients.register(desk, draft())
    dialog = PatientDialog(clinic.patients, lambda: desk, lambda: NOW.date(), patient)
    qtbot.addWidget(dialog)
    dialog.show()
    clinic.patients.update(doctor, patient.id, draft(notes="Saved in the other window."))
    dialog.phone.setText("(747) 555-0112")
    dialog.save()
    assert dialog.isVisible()
    assert "changed elsewhere" in prompts.warnings[-1][1]
    stored = clinic.patients.get(patient.id)
    assert (stored.notes, stored.phone_e164) == ("Saved in the other window.", "+18185550134")
