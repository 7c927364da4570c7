"""One patient in front, never switched silently (issue 13 point 2).

The patient a person chose stays chosen across the Patients, Intake and CO2 sessions tabs and
the booking dialog, through every save, refresh, lock and sign-in, until a person picks
another; the bar above the tabs names them. Each action of each tab is tried here, followed by
the refreshes the window makes when it comes back to the front.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from frontdesk.domain.dates import format_day
from frontdesk.domain.intake import AcneStatus, Look, Region, Subtype
from frontdesk.domain.staff import Role
from frontdesk.ui.dialogs.booking_dialog import BookingDialog
from frontdesk.ui.lock import LockGuard
from frontdesk.ui.patient_in_front import describe
from tests.conftest import announced, draft, member_with_role
from tests.ui.test_intake_tab import at_the_desk, click_region, tick
from tests.ui.test_lock import PASSWORD, cover_of, unlock
from tests.ui.test_sessions_tab import click, open_series, sign_first_session

ENTITIES = ("patient", "appointment", "co2_series", "intake", "handout", "office_hours", "staff")


def everywhere(window) -> set[int | None]:
    """The patient each place of the window is about (the tabs built so far)."""
    detail = window.patients_tab.detail.patient
    shown = {window.front.id, detail and detail.id}
    if window._intake_tab is not None:
        shown.add(window.intake_tab.patient and window.intake_tab.patient.id)
    if window._sessions_tab is not None:
        shown.add(window.sessions_tab.patient and window.sessions_tab.patient.id)
    return shown


def assert_in_front(window, patient) -> None:
    assert everywhere(window) == {patient.id}
    fresh = window._clinic.patients.get(patient.id)
    assert window.front_label.text() == describe(fresh)
    assert fresh.full_name in window.front_label.text()
    assert window.front_label.isVisible()


def refreshes(window) -> None:
    """What the window hears after a dialog closes or it comes back to the front."""
    for entity in ENTITIES:
        window.notifier.announce(announced(entity, 0))


@pytest.fixture
def maria(window):
    """María García (the demo's first patient), chosen in the registry by a click."""
    tab = window.patients_tab
    tab.search.setText("garcia")
    patient = next(
        tab.model.patient_at(r)
        for r in range(tab.model.rowCount())
        if tab.model.patient_at(r).full_name == "María García"
    )
    rect = tab.table.visualRect(tab.model.index(tab.model.row_of(patient.id), 0))
    tab.table.scrollTo(tab.model.index(tab.model.row_of(patient.id), 0))
    rect = tab.table.visualRect(tab.model.index(tab.model.row_of(patient.id), 0))
    from PySide6.QtTest import QTest

    QTest.mouseClick(tab.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.front.id == patient.id
    return patient


def choose_in_registry(window, patient) -> None:
    tab = window.patients_tab
    tab.search.setText(patient.last_name)
    assert tab.select_patient(patient.id)


def test_the_bar_names_the_patient_with_birthday_and_number(window, maria) -> None:
    assert window.front_label.text() == (
        f"Patient: María García, born {format_day(maria.dob)} (#{maria.id})"
    )
    assert window.front_label.objectName() == "patientInFront"


def test_nobody_in_front_at_first_the_bar_says_so(window) -> None:
    assert window.front.patient is None and window.front_label.text() == "No patient chosen"


def test_the_patient_chosen_in_one_tab_is_the_one_in_every_tab(qtbot, window, maria) -> None:
    window.show_intake()
    window.show_sessions()
    assert_in_front(window, maria)
    assert window.intake_tab.picker.patient.id == maria.id  # highlighted in its list too
    assert window.sessions_tab.picker.patient.id == maria.id
    assert maria.full_name in window.intake_tab.heading.text()
    assert window.sessions_tab.heading.text() == maria.full_name


def test_a_patient_picked_in_the_co2_list_is_in_front_in_the_registry(qtbot, window, maria):
    tab = window.show_sessions()
    other = next(
        tab.model.patient_at(r) for r in range(tab.model.rowCount())
        if tab.model.patient_at(r).id != maria.id
    )  # fmt: skip
    assert tab.choose_patient(other.id)
    assert_in_front(window, other)
    window.tabs.setCurrentWidget(window.patients_tab)
    assert window.patients_tab.detail.name.text() == other.full_name


def test_searching_is_not_choosing(qtbot, window, maria) -> None:
    """A search that hides the patient, or lists others, leaves them in front."""
    tab = window.patients_tab
    tab.search.setText("zzzz nobody")
    assert_in_front(window, maria)
    tab.search.setText("a")  # many others listed, none highlighted in María's place
    assert_in_front(window, maria)
    index = tab.table.currentIndex()
    assert not index.isValid() or tab.model.patient_at(index.row()).id == maria.id
    window.show_intake().search.setText("zzzz")
    window.show_sessions().search.setText("zzzz")
    assert_in_front(window, maria)


@pytest.mark.parametrize("entity", ENTITIES)
def test_refresh_announcements_keep_the_patient(window, maria, entity) -> None:
    window.show_intake()
    window.show_sessions()
    window.notifier.announce(announced(entity, 0))
    window.notifier.announce(announced(entity, maria.id + 1))  # someone else's record changed
    assert_in_front(window, maria)


def test_open_series_keeps_the_patient_on_the_co2_tab(qtbot, window, demo, fresh) -> None:
    """It used to show "Choose a patient on the left" after the series was opened."""
    at_the_desk(window, Role.DOCTOR)
    tab = window.show_sessions()
    open_series(qtbot, tab, demo, fresh)
    refreshes(window)
    assert_in_front(window, fresh)
    assert tab.heading.text() == fresh.full_name
    assert tab.log_button.isEnabled()


def test_log_and_sign_then_book_keeps_the_patient(qtbot, window, demo, fresh) -> None:
    """After "Sign and save" then Book, the booking was for the first row."""
    at_the_desk(window, Role.DOCTOR)
    tab = window.show_sessions()
    open_series(qtbot, tab, demo, fresh)
    refreshes(window)
    sign_first_session(qtbot, tab, keep_offer=False)
    refreshes(window)
    assert_in_front(window, fresh)
    booking = window.book_for_selected()  # Ctrl+B
    assert isinstance(booking, BookingDialog) and booking.patient.id == fresh.id
    booking.reject()
    refreshes(window)
    assert_in_front(window, fresh)


def test_the_doctors_other_steps_keep_the_patient(qtbot, window, demo, fresh) -> None:
    """Addendum, extend, pause, resume, end early: each saved, then the window refreshes."""
    at_the_desk(window, Role.DOCTOR)
    tab = window.show_sessions()
    open_series(qtbot, tab, demo, fresh)
    sign_first_session(qtbot, tab, keep_offer=False)
    steps = (
        (tab.addendum_button, "Energy on the chin was 35 mJ."),
        (tab.extend_button, None),
        (tab.pause_button, "Sunburn after a beach holiday."),
        (tab.resume_button, None),
        (tab.end_button, "Moving to another state."),
    )
    for button, text in steps:
        assert button.isEnabled(), button.text()
        click(qtbot, button)
        if button is not tab.resume_button:
            if text is not None:
                tab.dialog.text.setPlainText(text)
            click(qtbot, tab.dialog.ok)
        refreshes(window)
        assert_in_front(window, fresh)
        assert tab.heading.text() == fresh.full_name
    assert "ended" in tab.glance.text().lower()


def test_the_offered_booking_after_signing_is_for_the_patient(qtbot, window, demo, fresh):
    at_the_desk(window, Role.DOCTOR)
    tab = window.show_sessions()
    open_series(qtbot, tab, demo, fresh)
    sign_first_session(qtbot, tab)
    booking = tab.dialog
    assert isinstance(booking, BookingDialog) and booking.patient.id == fresh.id
    click(qtbot, booking.ok)
    refreshes(window)
    assert_in_front(window, fresh)
    assert tab.patient.id == fresh.id and "Booked:" in tab.next_label.text()


def test_book_from_every_tab_is_for_the_patient_in_front(qtbot, window, maria) -> None:
    for show in (lambda: None, window.show_intake, window.show_sessions):
        if show() is None:
            window.tabs.setCurrentWidget(window.patients_tab)
        booking = window.book_for_selected()
        assert booking.patient.id == maria.id
        booking.reject()
        assert_in_front(window, maria)


@pytest.fixture
def newcomer(demo, desk, window):
    patient = demo.patients.register(
        desk, draft(first_name="Nare", last_name="Vardanyan", dob="7/4/1996", phone="", email="")
    )
    window.notifier.announce(announced("patient", patient.id))
    choose_in_registry(window, patient)
    return patient


def fill_rolling(qtbot, tab) -> None:
    click_region(qtbot, tab, Region.LEFT_CHEEK)
    tick(qtbot, tab.form.looks[Look.INDENTED])
    tick(qtbot, tab.form.subtypes[Subtype.ROLLING])
    tab.form.acne.setCurrentIndex(tab.form.acne.findData(AcneStatus.CONTROLLED))
    tab.form.fitzpatrick.setCurrentIndex(3)
    tick(qtbot, tab.form.screening["asked"])


def test_save_and_correct_an_intake_keep_the_patient(qtbot, window, newcomer) -> None:
    at_the_desk(window, Role.DOCTOR)
    tab = window.show_intake()
    assert tab.patient.id == newcomer.id and tab.editing == "new"
    fill_rolling(qtbot, tab)
    assert tab.save() is not None
    refreshes(window)
    assert_in_front(window, newcomer)
    tab.start_correction()
    tab.form.acne.setCurrentIndex(tab.form.acne.findData(AcneStatus.ACTIVE))
    assert tab.save().version == 2
    refreshes(window)
    assert_in_front(window, newcomer)
    assert "version 2" in tab.history.item(0).text()
    window.tabs.setCurrentWidget(window.patients_tab)
    assert window.patients_tab.detail.name.text() == "Nare Vardanyan"


def test_unsaved_intake_answers_keep_the_patient_unless_discarded(
    qtbot, window, newcomer, maria, prompts
) -> None:
    """maria was chosen last: go back to the newcomer, start answering, then pick María."""
    at_the_desk(window, Role.DOCTOR)
    choose_in_registry(window, newcomer)
    tab = window.show_intake()
    fill_rolling(qtbot, tab)
    assert tab.has_unsaved_answers()
    prompts.answer = False  # "Discard this intake?" - no
    window.tabs.setCurrentWidget(window.patients_tab)
    window.patients_tab.search.setText("garcia")
    window.patients_tab.select_patient(maria.id)
    assert_in_front(window, newcomer)
    assert tab.has_unsaved_answers()
    prompts.answer = True
    assert window.patients_tab.select_patient(maria.id)
    assert_in_front(window, maria)


def test_register_puts_the_newcomer_in_front_and_keeps_them(qtbot, window, maria) -> None:
    tab = window.patients_tab
    dialog = tab.new_patient()
    dialog.first_name.setText("Omid")
    dialog.last_name.setText("Sadeghi")
    dialog.dob.setText("2/2/1988")
    dialog.save()
    omid = tab.detail.patient
    assert omid.full_name == "Omid Sadeghi"
    refreshes(window)
    assert_in_front(window, omid)


def test_edit_keeps_the_patient_and_the_bar_shows_the_new_name(qtbot, window, maria) -> None:
    tab = window.patients_tab
    dialog = tab.open_selected()
    dialog.first_name.setText("Mariana")
    dialog.save()
    refreshes(window)
    assert_in_front(window, maria)
    assert "Mariana García" in window.front_label.text()
    assert tab.detail.name.text() == "Mariana García"


def test_archive_and_restore_keep_the_patient(qtbot, window, maria, prompts) -> None:
    tab = window.patients_tab
    prompts.answer = True
    tab.archive_patient(maria.id)
    refreshes(window)
    assert_in_front(window, maria)
    assert window.front.patient.archived and "archived" in window.front_label.text()
    assert not tab.table.selectionModel().hasSelection()  # no other row in its place
    tab.restore_patient(maria.id)
    refreshes(window)
    assert_in_front(window, maria)


def test_sign_in_as_someone_else_keeps_the_patient(qtbot, window, demo, maria) -> None:
    window.show_intake()
    window.show_sessions()
    window.session.switch_to(member_with_role(demo, Role.DOCTOR))
    refreshes(window)
    assert_in_front(window, maria)
    window.session.switch_to(member_with_role(demo, Role.FRONT_DESK))
    assert_in_front(window, maria)


def test_lock_unlock_and_someone_else_on_the_lock_screen_keep_the_patient(
    qtbot, window, demo, maria
) -> None:
    window.show_sessions()
    guard = LockGuard(window, demo.login, window.session, 10, window.lock_action)
    try:
        guard.lock()
        unlock(qtbot, cover_of(window), PASSWORD[Role.FRONT_DESK])
        assert not guard.locked
        refreshes(window)
        assert_in_front(window, maria)
        guard.lock()
        cover = cover_of(window)
        qtbot.mouseClick(cover.someone_else, Qt.MouseButton.LeftButton)
        qtbot.keyClicks(cover.form.username, "alex")
        unlock(qtbot, cover, PASSWORD[Role.DOCTOR])
        assert window.session.current.role is Role.DOCTOR
        refreshes(window)
        assert_in_front(window, maria)
    finally:
        guard.stop()


def view_lines(demo) -> list:
    return [
        dict(r) for r in demo._db.query("select * from audit where action = 'view' order by id")
    ]


def test_putting_a_patient_in_front_is_recorded_once_not_per_refresh(
    qtbot, window, demo, maria
) -> None:
    [line] = view_lines(demo)
    assert (line["entity_id"], line["staff_id"]) == (maria.id, window.session.current.id)
    window.show_intake()
    window.show_sessions()
    refreshes(window)
    window.tabs.setCurrentWidget(window.patients_tab)
    refreshes(window)
    assert len(view_lines(demo)) == 1
    doctor = member_with_role(demo, Role.DOCTOR)
    window.session.switch_to(doctor)  # the doctor now sees María's record: their own line
    assert [(r["entity_id"], r["staff_id"]) for r in view_lines(demo)][-1] == (maria.id, doctor.id)
