"""Staff accounts: every change goes through StaffService; refusals are said in plain words."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import Qt

from frontdesk.domain.staff import Role
from frontdesk.services.login import LoginRefused
from frontdesk.services.staff import Account
from frontdesk.ui.dialogs.accounts_dialog import PASSWORDS_DIFFER, AccountsDialog, AddStaffDialog
from frontdesk.ui.models.accounts_model import (
    COL_NAME,
    COL_ROLE,
    COL_STATUS,
    COL_USERNAME,
    STAFF_ID_ROLE,
    AccountsModel,
    status_of,
)
from tests.conftest import NOW, signed_in
from tests.ui.operations_for_tests import ops_for

PASSWORD = "sunny-clinic-mornings"
LAST_ADMIN = "The clinic needs at least one active admin who can sign in."


@pytest.fixture
def dialog(qtbot, clinic, admin):
    made = AccountsDialog(ops_for(clinic), lambda: admin, now=lambda: NOW)
    qtbot.addWidget(made)
    made.show()
    qtbot.waitExposed(made)
    return made


def click(qtbot, button) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def row_texts(dialog, staff_id: int) -> tuple[str, ...]:
    row = dialog.model.row_of(staff_id)
    return tuple(dialog.model.index(row, c).data() for c in range(dialog.model.columnCount()))


def fill_login(qtbot, step, username: str, password: str, repeat: str | None = None) -> None:
    step.username.clear()
    qtbot.keyClicks(step.username, username)
    qtbot.keyClicks(step.password, password)
    qtbot.keyClicks(step.repeat, password if repeat is None else repeat)


# -- the list -------------------------------------------------------------------------------
def test_model_passes_qt_model_tester(qtmodeltester, clinic, admin) -> None:
    model = AccountsModel(lambda: NOW)
    model.set_rows(clinic.staff.accounts())
    assert model.rowCount() == 3
    qtmodeltester.check(model, force_py=True)


def test_lists_every_account_with_role_login_and_status(dialog, admin, desk) -> None:
    assert dialog.windowTitle() == "Staff accounts"
    assert row_texts(dialog, admin.id) == ("Office admin", "Admin", "office", "active")
    assert row_texts(dialog, desk.id) == ("Front desk", "Front desk", "no login yet", "active")
    assert dialog.model.headerData(COL_USERNAME, Qt.Orientation.Horizontal) == "Username"
    assert dialog.model.index(0, COL_NAME).data(STAFF_ID_ROLE) is not None
    assert dialog.add_button.text() == "&Add…"
    assert dialog.table.accessibleName() == "Staff accounts"


# -- adding ---------------------------------------------------------------------------------
def test_adding_a_front_desk_member_with_a_login(qtbot, dialog, clinic) -> None:
    click(qtbot, dialog.add_button)
    step = dialog.step
    assert step is not None and step.isVisible()
    step.name.setText("Lucía Ortega")  # accents: setText, never keyClicks
    step.role.setCurrentIndex(step.role.findData(Role.FRONT_DESK))
    fill_login(qtbot, step, "lucia", PASSWORD)
    with qtbot.waitSignal(dialog.message, timeout=1000) as said:
        click(qtbot, step.ok)
    assert said.args == ["Lucía Ortega added."]
    assert dialog.status.text() == "Lucía Ortega added."
    added = next(a.staff for a in clinic.staff.accounts() if a.staff.name == "Lucía Ortega")
    assert (added.role, added.username) == (Role.FRONT_DESK, "lucia")
    assert row_texts(dialog, added.id) == ("Lucía Ortega", "Front desk", "lucia", "active")
    assert dialog.account.staff.id == added.id  # the new member is selected
    assert clinic.login.sign_in("lucia", PASSWORD).id == added.id
    assert dialog.step is None


def test_adding_without_a_login(qtbot, dialog, clinic) -> None:
    click(qtbot, dialog.add_button)
    qtbot.keyClicks(dialog.step.name, "Sam Temp")
    dialog.step.role.setCurrentIndex(dialog.step.role.findData(Role.DOCTOR))
    with qtbot.waitSignal(dialog.message, timeout=1000):
        click(qtbot, dialog.step.ok)
    added = next(a for a in clinic.staff.accounts() if a.staff.name == "Sam Temp")
    assert not added.has_password
    assert row_texts(dialog, added.staff.id) == ("Sam Temp", "Doctor", "no login yet", "active")


def test_refused_additions_say_why_next_to_the_field(qtbot, dialog, clinic) -> None:
    before = clinic.staff.accounts()
    click(qtbot, dialog.add_button)
    step = dialog.step
    with qtbot.assertNotEmitted(dialog.message):
        click(qtbot, step.ok)
    assert step.field_error("name") == "Name is required."
    assert step.isVisible()

    qtbot.keyClicks(step.name, "Lucia Ortega")
    assert step.field_error("name") == ""  # typing clears the message
    fill_login(qtbot, step, "lucia", PASSWORD, repeat=PASSWORD + "x")
    click(qtbot, step.ok)
    assert step.field_error("repeat") == PASSWORDS_DIFFER

    step.repeat.clear()
    step.password.clear()
    fill_login(qtbot, step, "office", "short")  # taken, and too short
    click(qtbot, step.ok)
    assert step.field_error("password") == "The password needs at least 10 characters."

    step.password.clear()
    step.repeat.clear()
    fill_login(qtbot, step, "office", PASSWORD)
    click(qtbot, step.ok)
    assert step.field_error("username") == "The username office is already taken."
    assert step.field_error("password") == ""
    assert clinic.staff.accounts() == before  # nothing half-saved
    assert step.isVisible()


def test_a_role_that_may_not_manage_accounts_is_told_so(qtbot, clinic, admin, desk) -> None:
    made = AccountsDialog(ops_for(clinic), lambda: desk, now=lambda: NOW)
    qtbot.addWidget(made)
    made.show()
    click(qtbot, made.add_button)
    step = made.step
    assert isinstance(step, AddStaffDialog)
    qtbot.keyClicks(step.name, "Someone")
    with qtbot.assertNotEmitted(made.message):
        click(qtbot, step.ok)
    assert step.error.text().startswith("Only the admin can manage staff accounts")
    assert not step.error.isHidden()
    assert len(clinic.staff.accounts()) == 3


# -- logins and passwords -------------------------------------------------------------------
def test_giving_a_login_then_a_new_password(qtbot, dialog, clinic, desk) -> None:
    dialog.select(desk.id)
    click(qtbot, dialog.login_button)
    fill_login(qtbot, dialog.step, "reception", PASSWORD)
    with qtbot.waitSignal(dialog.message, timeout=1000) as said:
        click(qtbot, dialog.step.ok)
    assert said.args == ["Front desk can now sign in as reception."]
    assert row_texts(dialog, desk.id)[COL_USERNAME] == "reception"
    assert clinic.login.sign_in("reception", PASSWORD).id == desk.id

    click(qtbot, dialog.login_button)
    step = dialog.step
    assert step.username.text() == "reception"  # the current username is offered
    qtbot.keyClicks(step.password, "another-long-password")
    qtbot.keyClicks(step.repeat, "another-long-password")
    with qtbot.waitSignal(dialog.message, timeout=1000) as said:
        click(qtbot, step.ok)
    assert said.args == ["Front desk's password changed."]
    with pytest.raises(LoginRefused):
        clinic.login.sign_in("reception", PASSWORD)  # the old one stops working at once
    assert clinic.login.sign_in("reception", "another-long-password").id == desk.id


def test_a_weak_password_is_refused_next_to_the_field(qtbot, dialog, clinic, desk) -> None:
    dialog.select(desk.id)
    click(qtbot, dialog.login_button)
    fill_login(qtbot, dialog.step, "reception", "password123")
    click(qtbot, dialog.step.ok)
    assert (
        dialog.step.field_error("password") == "That password is too easy to guess; choose another."
    )
    assert clinic.staff.get(desk.id).username is None


# -- roles ----------------------------------------------------------------------------------
def test_changing_a_role(qtbot, dialog, clinic, doctor) -> None:
    dialog.select(doctor.id)
    click(qtbot, dialog.role_button)
    step = dialog.step
    assert step.role.currentData() is Role.DOCTOR
    step.role.setCurrentIndex(step.role.findData(Role.ADMIN))
    with qtbot.waitSignal(dialog.message, timeout=1000) as said:
        click(qtbot, step.ok)
    assert said.args == ["Dr. Alex is now admin."]
    assert clinic.staff.get(doctor.id).role is Role.ADMIN
    assert row_texts(dialog, doctor.id)[COL_ROLE] == "Admin"


def test_removing_the_last_admin_is_refused(qtbot, dialog, clinic, admin) -> None:
    dialog.select(admin.id)
    click(qtbot, dialog.role_button)
    step = dialog.step
    step.role.setCurrentIndex(step.role.findData(Role.FRONT_DESK))
    with qtbot.assertNotEmitted(dialog.message):
        click(qtbot, step.ok)
    assert step.field_error("role") == LAST_ADMIN
    assert step.isVisible()
    assert clinic.staff.get(admin.id).role is Role.ADMIN


def test_switching_off_the_last_admin_is_refused(qtbot, clinic, admin, prompts) -> None:
    """An admin without a login (who cannot sign in) does not count as the clinic's admin."""
    spare = signed_in(clinic, clinic.staff.add(admin, "Spare admin", Role.ADMIN))
    made = AccountsDialog(ops_for(clinic), lambda: spare, now=lambda: NOW)
    qtbot.addWidget(made)
    made.show()
    made.select(admin.id)
    with qtbot.assertNotEmitted(made.message):
        click(qtbot, made.switch_button)
    assert len(prompts.asked) == 1
    assert made.error.text() == LAST_ADMIN and not made.error.isHidden()
    assert clinic.staff.get(admin.id).active


# -- switching off and on -------------------------------------------------------------------
def test_switching_off_asks_first(qtbot, dialog, clinic, desk, prompts) -> None:
    dialog.select(desk.id)
    assert dialog.switch_button.text() == "S&witch off"
    prompts.answer = False
    with qtbot.assertNotEmitted(dialog.message):
        click(qtbot, dialog.switch_button)
    title, text = prompts.asked[0]
    assert title == "Switch off account" and "Front desk" in text
    assert clinic.staff.get(desk.id).active

    prompts.answer = True
    with qtbot.waitSignal(dialog.message, timeout=1000) as said:
        click(qtbot, dialog.switch_button)
    assert said.args == ["Front desk's account switched off."]
    assert not clinic.staff.get(desk.id).active
    assert row_texts(dialog, desk.id)[COL_STATUS] == "switched off"
    assert dialog.switch_button.text() == "S&witch on"

    with qtbot.waitSignal(dialog.message, timeout=1000) as said:
        click(qtbot, dialog.switch_button)  # switching on asks nothing
    assert said.args == ["Front desk's account switched on."]
    assert len(prompts.asked) == 2
    assert clinic.staff.get(desk.id).active


def test_switching_yourself_off_is_not_offered_and_says_why(qtbot, dialog, clinic, admin) -> None:
    dialog.select(admin.id)
    assert not dialog.switch_button.isEnabled()
    assert dialog.switch_button.toolTip() == "You cannot switch off your own account."
    assert clinic.staff.get(admin.id).active


# -- unlocking ------------------------------------------------------------------------------
def test_a_lock_that_ends_another_day_says_the_day_the_one_way(desk) -> None:
    tomorrow = (NOW + timedelta(days=1, minutes=-75)).isoformat()
    said = status_of(Account(desk, True, tomorrow), NOW)
    assert said == "locked until Fri, Nov 27, 2026, 9:15 am"
    today = (NOW + timedelta(minutes=15)).isoformat()
    assert status_of(Account(desk, True, today), NOW) == "locked until 10:45 am"


def test_unlocking_an_account_locked_by_wrong_passwords(qtbot, dialog, clinic, admin, desk):
    clinic.staff.set_login(admin, desk.id, "reception", PASSWORD)
    for _ in range(5):
        with pytest.raises(LoginRefused):
            clinic.login.sign_in("reception", "not-the-password")
    with pytest.raises(LoginRefused, match="locked until"):
        clinic.login.sign_in("reception", PASSWORD)
    dialog.refresh()
    dialog.select(desk.id)
    assert row_texts(dialog, desk.id)[COL_STATUS] == "locked until 10:45 am"
    assert dialog.unlock_button.isEnabled()
    with qtbot.waitSignal(dialog.message, timeout=1000) as said:
        click(qtbot, dialog.unlock_button)
    assert said.args == ["Front desk's account unlocked: they can sign in again."]
    assert row_texts(dialog, desk.id)[COL_STATUS] == "active"
    assert not dialog.unlock_button.isEnabled()
    assert clinic.login.sign_in("reception", PASSWORD).id == desk.id


def test_a_lockout_that_is_over_shows_as_active(qtbot, clinic, admin, desk) -> None:
    clinic.staff.set_login(admin, desk.id, "reception", PASSWORD)
    for _ in range(5):
        with pytest.raises(LoginRefused):
            clinic.login.sign_in("reception", "not-the-password")
    later = AccountsDialog(ops_for(clinic), lambda: admin, now=lambda: NOW + timedelta(minutes=16))
    qtbot.addWidget(later)
    later.select(desk.id)
    assert row_texts(later, desk.id)[COL_STATUS] == "active"
    assert not later.unlock_button.isEnabled()
