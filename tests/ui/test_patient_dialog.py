"""The registration dialog: messages beside fields, duplicate warning, nothing half-saved."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from frontdesk.services.changes import Changes, Entity
from frontdesk.ui.dialogs.patient_dialog import PatientDialog
from frontdesk.ui.operations import Operations
from tests.conftest import NOW, draft
from tests.ui.operations_for_tests import ops_for


@pytest.fixture
def heard() -> list[Changes]:
    """What the dialog's writes announced to every view."""
    return []


@pytest.fixture
def ops(clinic, heard) -> Operations:
    return ops_for(clinic, heard)


@pytest.fixture
def dialog(qtbot, clinic, desk, ops):
    made = PatientDialog(clinic.patients, lambda: desk, lambda: NOW.date(), ops=ops)
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


def test_a_message_under_a_field_has_the_room_its_lines_need(qtbot, dialog) -> None:
    """'Last name is required.' was squeezed to 77 px and cut through its two lines."""
    qtbot.keyClicks(dialog.first_name, "Jose")
    dialog.save()
    qtbot.wait(10)
    label = dialog._errors["last_name"]
    assert label.isVisible()
    assert label.width() >= dialog.last_name.width() - 1
    assert label.height() >= label.heightForWidth(label.width())


def test_age_hint_follows_the_date(qtbot, dialog) -> None:
    qtbot.keyClicks(dialog.dob, "3/14/1985")
    assert dialog.age_hint.text() == "March 14, 1985: age 41"
    dialog.dob.setText("13/1/1985")
    assert not dialog.age_hint.isVisibleTo(dialog)


def test_phone_is_tidied_when_leaving_the_field(qtbot, dialog) -> None:
    qtbot.keyClicks(dialog.phone, "818.555.0134")
    dialog.phone.editingFinished.emit()
    assert dialog.phone.text() == "(818) 555-0134"


def test_saving_registers_and_keeps_unicode_verbatim(qtbot, dialog, clinic, heard) -> None:
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
    assert [c.ids(Entity.PATIENT) for c in heard] == [{stored.id}]  # announced once, by ops


def test_possible_duplicate_is_said_in_the_form_and_saves_nothing(
    qtbot, dialog, clinic, desk, heard, prompts
):
    existing = clinic.patients.register(desk, draft())
    fill(dialog, first_name="Maria", last_name="Garcia", dob="03/14/1985")
    dialog.save()
    assert dialog.isVisible() and clinic.patients.count() == 1
    assert heard == [] and prompts.warnings == []  # said in the form, nothing announced
    assert dialog.duplicate_box.isVisibleTo(dialog)
    said = dialog.duplicate_text.text()
    assert f"(#{existing.id})" in said and "Thu, Mar 14, 1985" in said
    assert "the same name and date of birth" in said
    dialog.save_anyway()
    assert not dialog.isVisible() and clinic.patients.count() == 2


def test_typing_after_the_warning_hides_it(qtbot, dialog, clinic, desk) -> None:
    clinic.patients.register(desk, draft())
    fill(dialog, first_name="Maria", last_name="Garcia", dob="03/14/1985")
    dialog.save()
    assert dialog.duplicate_box.isVisibleTo(dialog)
    dialog.first_name.setText("Mariana")
    assert not dialog.duplicate_box.isVisibleTo(dialog)


def test_open_the_existing_record_replaces_the_form(qtbot, dialog, clinic, desk) -> None:
    existing = clinic.patients.register(desk, draft())
    fill(dialog, first_name="Maria", last_name="Garcia", dob="03/14/1985", phone="7475550112")
    dialog.save()
    with qtbot.waitSignal(dialog.existing_opened) as opened:
        qtbot.mouseClick(dialog.open_existing_button, Qt.MouseButton.LeftButton)
    assert opened.args[0].id == existing.id
    assert dialog.windowTitle() == "Edit María García"
    assert (dialog.first_name.text(), dialog.phone.text()) == ("María", "(818) 555-0134")
    note = dialog.opened_note.text()
    assert f"#{existing.id}" in note and "phone 7475550112" in note
    with qtbot.waitSignal(dialog.saved) as saved:  # Save with nothing changed: that record
        dialog.save()
    assert saved.args[0].id == existing.id and clinic.patients.count() == 1


def test_editing_shows_the_stored_values_and_saves_changes(qtbot, clinic, desk, ops, heard):
    patient = clinic.patients.register(desk, draft())
    dialog = PatientDialog(clinic.patients, lambda: desk, lambda: NOW.date(), patient, ops=ops)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.windowTitle() == "Edit María García"
    assert (dialog.dob.text(), dialog.phone.text()) == ("03/14/1985", "(818) 555-0134")
    dialog.email.clear()
    qtbot.keyClicks(dialog.email, "mgarcia@example.org")
    dialog.save()
    assert clinic.patients.get(patient.id).email == "mgarcia@example.org"
    assert [c.ids(Entity.PATIENT) for c in heard] == [{patient.id}]


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


def test_a_change_saved_elsewhere_is_not_overwritten(
    qtbot, clinic, desk, doctor, prompts, ops, heard
):
    patient = clinic.patients.register(desk, draft())
    dialog = PatientDialog(clinic.patients, lambda: desk, lambda: NOW.date(), patient, ops=ops)
    qtbot.addWidget(dialog)
    dialog.show()
    clinic.patients.update(doctor, patient.id, draft(notes="Saved in the other window."))
    dialog.phone.setText("(747) 555-0112")
    dialog.save()
    assert dialog.isVisible()
    assert "changed elsewhere" in prompts.warnings[-1][1]
    stored = clinic.patients.get(patient.id)
    assert (stored.notes, stored.phone_e164) == ("Saved in the other window.", "+18185550134")
    assert heard == []  # refused: nothing announced


def test_registration_details_are_saved_and_shown_again(qtbot, dialog, clinic, desk, ops):
    fill(
        dialog,
        first_name="Lucía",
        last_name="Ortega",
        dob="5/6/1991",
        address="5300 Balboa Blvd, Encino, CA 91316",
        emergency_name="Rosa Ortega (mother)",
        emergency_phone="818.555.0199",
    )
    dialog.language.setCurrentIndex(dialog.language.findData("es"))
    assert not dialog.heard_from_other.isVisibleTo(dialog)
    dialog.heard_from.setCurrentIndex(dialog.heard_from.findData("other"))
    assert dialog.heard_from_other.isVisibleTo(dialog)
    dialog.heard_from_other.setText("Radio ad")
    qtbot.mouseClick(dialog.consent_sms, Qt.MouseButton.LeftButton)
    assert not dialog.consent_email.isChecked()  # both start unticked
    with qtbot.waitSignal(dialog.saved) as saved:
        dialog.save()
    stored = clinic.patients.get(saved.args[0].id)
    assert stored.language == "es" and stored.address == "5300 Balboa Blvd, Encino, CA 91316"
    assert (stored.emergency_name, stored.emergency_phone_e164) == (
        "Rosa Ortega (mother)",
        "+18185550199",
    )
    assert (stored.heard_from, stored.heard_from_other) == ("other", "Radio ad")
    assert (stored.consent_sms, stored.consent_email) == (True, False)
    again = PatientDialog(clinic.patients, lambda: desk, lambda: NOW.date(), stored, ops=ops)
    qtbot.addWidget(again)
    assert again.language.currentData() == "es" and again.heard_from_other.text() == "Radio ad"
    assert again.emergency_phone.text() == "(818) 555-0199" and again.consent_sms.isChecked()


def test_a_bad_detail_is_said_next_to_its_field(qtbot, dialog, clinic) -> None:
    fill(dialog, first_name="Ana", last_name="Cruz", dob="1/2/1990", emergency_phone="555-01")
    dialog.address.setText("1 Main St\x00")
    dialog.save()
    assert "Emergency contact:" in dialog.error_text("emergency_phone")
    assert "NUL" in dialog.error_text("address")
    assert dialog.isVisible() and clinic.patients.count() == 0


def test_the_form_fits_a_1366x768_screen(qtbot, dialog) -> None:
    dialog.adjustSize()
    hint = dialog.sizeHint()
    assert hint.width() <= 1366 - 40 and hint.height() <= 768 - 80, hint


def test_a_possible_duplicate_by_phone_or_email_is_said_with_why(qtbot, dialog, clinic, desk):
    existing = clinic.patients.register(desk, draft())
    fill(dialog, first_name="Rosa", last_name="Garcia", dob="1/2/1990", phone="818-555-0134")
    dialog.save()
    assert dialog.duplicate_box.isVisibleTo(dialog) and clinic.patients.count() == 1
    assert "the same phone number" in dialog.duplicate_text.text()
    dialog.phone.setText("")
    dialog.email.setText("Maria.Garcia@example.com")
    dialog.save()
    assert "the same email address" in dialog.duplicate_text.text()
    assert f"(#{existing.id})" in dialog.duplicate_text.text()
    with qtbot.waitSignal(dialog.saved):
        dialog.save_anyway()  # a sister sharing the address
    assert clinic.patients.count() == 2


def test_a_new_caller_is_registered_from_the_booking_dialog_through_its_ops(
    qtbot, clinic, desk, ops, heard
) -> None:
    """Saved through the booking dialog's `ops` and announced: every view hears of them."""
    from frontdesk.ui.dialogs.booking_dialog import BookingDialog

    booking = BookingDialog(
        clinic.calendar, clinic.patients, lambda: desk, lambda: NOW.date(), ops=ops
    )
    qtbot.addWidget(booking)
    booking.show()
    booking.note.setText("Prefers mornings")
    kept = (booking.kind.currentIndex(), booking.day.day(), booking.at.currentData())
    qtbot.mouseClick(booking.new_patient_button, Qt.MouseButton.LeftButton)
    form = booking.patient_dialog
    assert isinstance(form, PatientDialog) and form.isVisible()
    fill(form, first_name="Lucia", last_name="Ortega", dob="5/6/1991", phone="", email="")
    with qtbot.waitSignal(form.saved) as saved:
        form.save()
    new_id = saved.args[0].id
    assert [c.ids(Entity.PATIENT) for c in heard] == [{new_id}]
    assert heard[0].touches_patient(new_id)
    qtbot.waitUntil(lambda: booking.picker.patient is not None, timeout=2000)
    chosen = booking.picker.patient
    assert chosen is not None and (chosen.id, chosen.full_name) == (new_id, "Lucia Ortega")
    assert booking.isVisible() and booking.note.text() == "Prefers mornings"
    assert (booking.kind.currentIndex(), booking.day.day(), booking.at.currentData()) == kept
