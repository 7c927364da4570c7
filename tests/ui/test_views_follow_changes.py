"""The window's own views run their calls through Operations and refresh from the changes it
announces (issue 14, point 4): one announcement per write, another window's writes shown
once announced, refusals said as before, and no write freezing the window."""

from __future__ import annotations

import pytest

from frontdesk.domain.intake import Intake, Look, Region, RegionFinding
from frontdesk.domain.staff import Role
from frontdesk.services.changes import Change, Changes, Entity
from frontdesk.ui.dialogs.accounts_dialog import AccountsDialog
from frontdesk.ui.patient_in_front import describe
from tests.conftest import NOW, draft, member_with_role
from tests.ui.another_writer import while_another_window_writes
from tests.ui.operations_for_tests import ops_for
from tests.ui.test_intake_tab import at_the_desk


def nare(**overrides: str):
    values = {"first_name": "Nare", "last_name": "Vardanyan", "dob": "7/4/1996"}
    return draft(**{"phone": "", "email": "", **values, **overrides})


# What the window announces when it is used again after another window saved.
ACTIVATED = Changes.of_all()


@pytest.fixture
def heard(window) -> list[Changes]:
    """What the window's writes announced (its activations left out)."""
    said: list[Changes] = []
    window.notifier.changes.connect(
        lambda changes: said.append(changes) if changes != ACTIVATED else None
    )
    return said


@pytest.fixture
def patient(window, demo, desk):
    """A patient of our own, put in front as a click on their row would."""
    patient = demo.patients.register(desk, nare())
    window.ops.heard_from_elsewhere(Changes.of(Change(Entity.PATIENT, patient.id, patient.id)))
    assert window.front.choose(patient)
    return patient


@pytest.fixture
def other_window(demo):
    """Another Frontdesk window on the same file: a connection of its own."""
    twin = demo.twin()
    yield twin
    twin.close()


def test_archiving_is_one_write_announced_once_and_the_tab_follows_it(
    window, patient, heard, prompts
) -> None:
    window.patients_tab.archive_patient(patient.id)
    assert heard == [Changes.of(Change(Entity.PATIENT, patient.id, patient.id))]
    assert window.front.patient is not None and window.front.patient.archived
    assert window.front_label.text() == describe(window.front.patient)
    assert window.patients_tab.restore_action.isEnabled()
    assert window.patients_tab.model.row_of(patient.id) is None  # hidden from the list


def test_a_save_in_another_window_shows_here_once_announced(
    window, patient, other_window, desk
) -> None:
    other_window.patients.update(
        desk, patient.id, nare(first_name="Narine"), expected_version=patient.version
    )
    assert "Nare Vardanyan" in window.front_label.text()  # nothing heard yet
    window.ops.heard_from_elsewhere(Changes.of(Change(Entity.PATIENT, patient.id, patient.id)))
    assert "Narine Vardanyan" in window.front_label.text()
    assert window.patients_tab.detail.patient.first_name == "Narine"


def test_another_windows_intake_appears_in_the_intake_tab_once_announced(
    window, patient, other_window, doctor
) -> None:
    tab = window.show_intake()
    at_the_desk(window, Role.FRONT_DESK)  # reading, not typing an intake
    assert tab.history.count() == 0
    pih = Intake((RegionFinding(Region.CHIN, frozenset({Look.FLAT_BROWN})),), fitzpatrick=4)
    stored = other_window.intakes.record(doctor, patient.id, pih)
    someone_else = Changes.of(Change(Entity.INTAKE, stored.id + 1000, patient.id + 1))
    window.ops.heard_from_elsewhere(someone_else)
    assert tab.history.count() == 0  # another patient's intake: not read again
    window.ops.heard_from_elsewhere(Changes.of(Change(Entity.INTAKE, stored.id, patient.id)))
    assert tab.history.count() == 1 and tab.viewing is not None
    assert tab.viewing.id == stored.id and "Not yet" in tab.eligibility.text()


def test_a_record_changed_elsewhere_is_not_overwritten_and_said(
    qtbot, window, patient, other_window, desk, heard, prompts
) -> None:
    dialog = window.patients_tab.open_patient(patient.id)
    assert dialog is not None
    other_window.patients.update(
        desk, patient.id, nare(phone="(818) 555-0199"), expected_version=patient.version
    )
    dialog.first_name.setText("Narek")
    dialog.save()
    assert dialog.isVisible() and heard == []
    title, text = prompts.warnings[0]
    assert title == "Not saved" and "changed elsewhere" in text and "Nothing was saved" in text
    assert other_window.patients.get(patient.id).first_name == "Nare"


def test_the_duplicate_question_still_comes_before_saving(
    qtbot, window, patient, heard, prompts
) -> None:
    dialog = window.patients_tab.new_patient()
    for key, value in (("first_name", "nare"), ("last_name", "VARDANYAN"), ("dob", "07/04/1996")):
        getattr(dialog, key).setText(value)
    dialog.save()
    assert dialog.duplicate_box.isVisible() and prompts.warnings == [] and heard == []
    dialog.save_anyway()
    assert not dialog.isVisible()
    [registered] = heard
    newcomer = window.front.patient
    assert newcomer is not None and newcomer.id != patient.id
    assert registered == Changes.of(Change(Entity.PATIENT, newcomer.id, newcomer.id))


def test_saving_waits_for_another_windows_lock_without_freezing(
    qtbot, window, patient, db_path
) -> None:
    """The other window holds the write lock for 0.6 s: this one keeps painting."""
    dialog = window.patients_tab.open_patient(patient.id)
    assert dialog is not None
    dialog.first_name.setText("Narine")
    waited = while_another_window_writes(db_path, dialog.save)
    assert waited.seconds >= 0.5 and not dialog.isVisible()
    assert "Narine Vardanyan" in window.front_label.text()
    assert len(waited.ticks) >= 10 and waited.longest_stall() < 0.25


def test_the_accounts_list_follows_announced_staff_changes(qtbot, demo, admin) -> None:
    heard: list[Changes] = []
    ops = ops_for(demo, heard)
    dialog = AccountsDialog(ops, lambda: admin, now=lambda: NOW)
    qtbot.addWidget(dialog)
    before = dialog.model.rowCount()
    added = demo.twin().staff.add(admin, "Lucía Ortega", Role.FRONT_DESK, "", "")
    assert dialog.model.rowCount() == before  # not heard of yet
    ops.heard_from_elsewhere(Changes.of(Change(Entity.STAFF, added.id)))
    assert dialog.model.rowCount() == before + 1
    desk = member_with_role(demo, Role.FRONT_DESK)
    dialog.select(desk.id)
    dialog.switch()  # switched off: one write, announced, and the list follows it
    # (the other window's save, not yet caught up with, also has every view read again)
    assert [c.ids(Entity.STAFF) for c in heard if not c.everything] == [{added.id}, {desk.id}]
    assert [c for c in heard if c.everything] == [Changes.of_all()]
    assert "switched off" in dialog.status.text()


def test_coming_back_after_another_window_cancelled_shows_it_in_the_record(
    window, demo, patient, other_window
) -> None:
    """A trial: an appointment cancelled in another window still said "Booked" in the record
    after clicking into this one (only a patient change was announced, not the record's)."""
    from frontdesk.domain.appointments import CONSULTATION, Status
    from tests.ui.test_calendar_operations import free_start

    desk = member_with_role(demo, Role.FRONT_DESK)
    listed = demo.calendar.book(desk, patient.id, CONSULTATION, free_start(demo, NOW.date()))
    window.ops.heard_from_elsewhere(Changes.of(Change(Entity.APPOINTMENT, None, patient.id)))
    window.patients_tab.detail.show_record_now()
    assert "Booked" in record_lines(window)
    elsewhere = member_with_role(other_window, Role.FRONT_DESK)
    other_window.calendar.set_status(
        elsewhere, listed.appointment.id, Status.CANCELLED_BY_PATIENT, listed.appointment.version
    )
    heard: list[Changes] = []
    window.notifier.changes.connect(heard.append)
    window.ops.catch_up()  # what coming back to the window does
    assert heard == [Changes.of_all()]
    window.patients_tab.detail.show_record_now()
    assert "Booked" not in record_lines(window)
    window.ops.catch_up()  # nothing saved elsewhere since: nothing announced
    assert heard == [Changes.of_all()]


def test_this_windows_own_writes_are_not_heard_again_when_it_is_used_again(window, patient) -> None:
    heard: list[Changes] = []
    window.notifier.changes.connect(heard.append)
    desk = member_with_role(window.ops.clinic, Role.FRONT_DESK)
    window.ops.write(window, lambda c: c.patients.archive(desk, patient.id), title="Not archived")
    window.ops.catch_up()
    assert len(heard) == 1 and not heard[0].everything


def record_lines(window) -> str:
    shown = window.patients_tab.detail.appointments
    return "\n".join(shown.item(row).text() for row in range(shown.count()))
