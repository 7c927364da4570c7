"""The first window: the admin of a new database, signing in, the lockout and the demo's panel."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit

from frontdesk.domain.staff import Role
from frontdesk.services.audit import AuditFilter
from frontdesk.services.clock import stamp
from frontdesk.services.demo_accounts import DEMO_LOGINS
from frontdesk.ui.dialogs.login_dialog import LoginDialog
from tests.conftest import ADMIN_PASSWORD, NOW

GOOD_PASSWORD = "cedar-window-4417"


def open_dialog(qtbot, clinic, demo_logins=()) -> LoginDialog:
    dialog = LoginDialog(clinic.login, clinic.staff, demo_logins)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def click(qtbot, button) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def logins(clinic, staff_id: int) -> list[str]:
    return [e.action for e in clinic.audit.history("staff", staff_id)]


def fill_admin(qtbot, dialog, name, username, password, repeat) -> None:
    for field, text in (
        (dialog.full_name, name),
        (dialog.new_username, username),
        (dialog.new_password, password),
        (dialog.repeat_password, repeat),
    ):
        field.clear()
        qtbot.keyClicks(field, text)


def tab_chain(start, count: int) -> list:
    """The widgets Tab visits after `start`, in order."""
    seen, widget = [], start
    while len(seen) < count:
        widget = widget.nextInFocusChain()
        if widget.focusPolicy() & Qt.FocusPolicy.TabFocus and widget.isVisible():
            seen.append(widget)
    return seen


def sign_in(qtbot, dialog, username: str, password: str) -> None:
    dialog.form.username.clear()
    qtbot.keyClicks(dialog.form.username, username)
    qtbot.keyClicks(dialog.form.password, password)
    qtbot.keyClick(dialog.form.password, Qt.Key.Key_Return)


# -- a new database: create the admin -------------------------------------------------------
def test_a_new_database_asks_for_the_admin(qtbot, clinic) -> None:
    dialog = open_dialog(qtbot, clinic)
    assert dialog.windowTitle() == "Frontdesk - sign in"
    assert dialog.creating_admin()
    assert dialog.stack.currentWidget() is dialog.create_page
    text = " ".join(label.text() for label in dialog.create_page.findChildren(type(dialog.heading)))
    assert "Create the admin account" in text
    assert "new clinic database" in text and "no default passwords" in text
    assert dialog.new_password.echoMode() is QLineEdit.EchoMode.Password
    assert dialog.repeat_password.echoMode() is QLineEdit.EchoMode.Password
    assert [f.accessibleName() for f in dialog._fields.values()] == [
        "Full name",
        "Username",
        "Password",
        "Repeat password",
    ]
    assert dialog.focusWidget() is dialog.full_name
    assert dialog.create_button.text() == "&Create and sign in"
    cancel = dialog.create_buttons.button(dialog.create_buttons.StandardButton.Cancel)
    assert tab_chain(dialog.full_name, 5) == [
        dialog.new_username,
        dialog.new_password,
        dialog.repeat_password,
        dialog.create_button,
        cancel,
    ]


def test_field_errors_are_shown_next_to_their_fields_and_nothing_is_made(qtbot, clinic) -> None:
    dialog = open_dialog(qtbot, clinic)
    fill_admin(qtbot, dialog, "Office admin", "no spaces please", "short", "short")
    click(qtbot, dialog.create_button)
    assert dialog.field_error("username").startswith("Use 2 to 32 letters")
    assert dialog.field_error("password") == "The password needs at least 10 characters."
    assert dialog.field_error("name") == ""
    assert dialog.field_error("repeat") == ""
    assert dialog.focusWidget() is dialog.new_username  # the first field to fix
    assert clinic.staff.needs_first_admin()
    assert dialog.isVisible() and dialog.signed_in is None


def test_differing_repeats_are_refused_with_the_other_problems(qtbot, clinic) -> None:
    dialog = open_dialog(qtbot, clinic)
    fill_admin(qtbot, dialog, "", "office", GOOD_PASSWORD, GOOD_PASSWORD + "x")
    click(qtbot, dialog.create_button)
    assert dialog.field_error("repeat") == "The two passwords differ."
    assert dialog.field_error("name") == "Name is required."
    assert dialog.field_error("password") == ""
    assert clinic.staff.needs_first_admin()
    qtbot.keyClicks(dialog.repeat_password, "y")  # typing in a field clears its message
    assert dialog.field_error("repeat") == ""


def test_a_good_form_creates_the_admin_and_signs_in(qtbot, clinic) -> None:
    dialog = open_dialog(qtbot, clinic)
    fill_admin(qtbot, dialog, "Office admin", "office", GOOD_PASSWORD, GOOD_PASSWORD)
    qtbot.keyClick(dialog.repeat_password, Qt.Key.Key_Return)  # Enter creates too
    member = dialog.signed_in
    assert member is not None and member.role is Role.ADMIN and member.username == "office"
    assert dialog.result() == LoginDialog.DialogCode.Accepted
    assert not clinic.staff.needs_first_admin()
    assert logins(clinic, member.id) == ["create", "login"]  # the first sign-in is audited
    page = clinic.audit.search(member, AuditFilter(staff_id=member.id))
    assert "login" in [e.action for e in page.entries]


def test_the_admin_name_keeps_accents(qtbot, clinic) -> None:
    dialog = open_dialog(qtbot, clinic)
    fill_admin(qtbot, dialog, "", "office", GOOD_PASSWORD, GOOD_PASSWORD)
    dialog.full_name.setText("Inés García")
    click(qtbot, dialog.create_button)
    assert dialog.signed_in is not None and dialog.signed_in.name == "Inés García"


def test_escape_cancels_and_creates_nothing(qtbot, clinic) -> None:
    dialog = open_dialog(qtbot, clinic)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
    assert dialog.result() == LoginDialog.DialogCode.Rejected
    assert dialog.signed_in is None and clinic.staff.needs_first_admin()


# -- signing in -----------------------------------------------------------------------------
def test_an_existing_admin_gets_the_sign_in_page(qtbot, clinic, admin) -> None:
    dialog = open_dialog(qtbot, clinic)
    assert not dialog.creating_admin()
    assert dialog.heading.text() == "Frontdesk"
    assert dialog.form.username.accessibleName() == "Username"
    assert dialog.form.password.accessibleName() == "Password"
    assert dialog.form.password.echoMode() is QLineEdit.EchoMode.Password
    assert dialog.form.button.text() == "&Sign in"
    assert dialog.focusWidget() is dialog.form.username
    assert dialog.demo_panel is None and dialog.demo_buttons == {}
    cancel = dialog.form.buttons.button(dialog.form.buttons.StandardButton.Cancel)
    assert tab_chain(dialog.form.username, 3) == [dialog.form.password, dialog.form.button, cancel]


def test_the_clinic_name_is_the_heading(qtbot, clinic, admin) -> None:
    dialog = LoginDialog(clinic.login, clinic.staff, clinic_name="Clínica Encino")
    qtbot.addWidget(dialog)
    assert dialog.heading.text() == "Clínica Encino"


def test_the_right_password_signs_in_and_is_audited(qtbot, clinic, admin) -> None:
    dialog = open_dialog(qtbot, clinic)
    with qtbot.waitSignal(dialog.form.signed_in, timeout=2000) as signal:
        sign_in(qtbot, dialog, "office", ADMIN_PASSWORD)
    assert signal.args[0].id == admin.id
    assert dialog.signed_in.staff == admin.staff
    assert not dialog.isVisible()
    assert dialog.form.password.text() == ""
    assert logins(clinic, admin.id).count("login") == 1  # Enter signed in once, not twice


def test_a_wrong_password_is_said_and_keeps_the_username(qtbot, clinic, admin) -> None:
    dialog = open_dialog(qtbot, clinic)
    sign_in(qtbot, dialog, "office", "not-the-password")
    assert dialog.form.error_text() == "Wrong username or password."
    assert dialog.form.username.text() == "office"
    assert dialog.form.password.text() == ""
    assert dialog.focusWidget() is dialog.form.password
    assert dialog.isVisible() and dialog.signed_in is None
    assert logins(clinic, admin.id).count("login_failed") == 1
    # The check is over: the button works again and the cursor is no longer busy.
    assert dialog.form.button.isEnabled()
    assert QApplication.overrideCursor() is None


def test_the_button_is_busy_while_the_password_is_checked(qtbot, clinic, admin) -> None:
    dialog = open_dialog(qtbot, clinic)
    seen = []
    real = clinic.login.sign_in

    def watching(*args, **kwargs):
        cursor = QApplication.overrideCursor()
        seen.append((dialog.form.button.isEnabled(), cursor.shape() if cursor else None))
        return real(*args, **kwargs)

    dialog.form._login.sign_in = watching  # a spy on the real service, not a stand-in
    sign_in(qtbot, dialog, "office", ADMIN_PASSWORD)
    assert seen == [(False, Qt.CursorShape.WaitCursor)]
    assert dialog.signed_in.staff == admin.staff


def test_blank_fields_are_pointed_at_not_tried(qtbot, clinic, admin) -> None:
    dialog = open_dialog(qtbot, clinic)
    before = logins(clinic, admin.id)
    click(qtbot, dialog.form.button)
    assert dialog.form.error_text() == "Type your username."
    qtbot.keyClicks(dialog.form.username, "office")
    qtbot.keyClick(dialog.form.username, Qt.Key.Key_Return)
    assert dialog.form.error_text() == "Type your password."
    assert dialog.focusWidget() is dialog.form.password
    assert logins(clinic, admin.id) == before


def test_five_wrong_passwords_lock_the_account(qtbot, clinic, admin) -> None:
    dialog = open_dialog(qtbot, clinic)
    for _ in range(4):
        sign_in(qtbot, dialog, "office", "not-the-password")
        assert dialog.form.error_text() == "Wrong username or password."
    sign_in(qtbot, dialog, "office", "not-the-password")
    locked = "office is locked until 10:45 am"
    assert dialog.form.error_text() == (
        f"Wrong username or password. That was too many tries: {locked}."
    )
    sign_in(qtbot, dialog, "office", ADMIN_PASSWORD)  # even the right one, now
    assert dialog.form.error_text() == (
        f"Too many wrong passwords: {locked}. An admin can unlock it sooner."
    )
    assert dialog.signed_in is None and dialog.isVisible()
    assert dialog.form.username.text() == "office"


def test_a_locked_account_is_refused_with_the_right_password(qtbot, clinic, admin) -> None:
    clinic._db.execute(
        "UPDATE staff SET locked_until = ? WHERE id = ?",
        [stamp(NOW + timedelta(minutes=15)), admin.id],
    )
    dialog = open_dialog(qtbot, clinic)
    sign_in(qtbot, dialog, "office", ADMIN_PASSWORD)
    assert dialog.form.error_text().startswith("Too many wrong passwords: office is locked")
    assert dialog.signed_in is None


def test_cancel_rejects(qtbot, clinic, admin) -> None:
    dialog = open_dialog(qtbot, clinic)
    cancel = dialog.form.buttons.button(dialog.form.buttons.StandardButton.Cancel)
    click(qtbot, cancel)
    assert dialog.result() == LoginDialog.DialogCode.Rejected and dialog.signed_in is None


# -- the demo -------------------------------------------------------------------------------
def test_the_demo_database_shows_its_public_accounts(qtbot, demo) -> None:
    dialog = open_dialog(qtbot, demo, DEMO_LOGINS)
    assert not dialog.creating_admin()
    panel = dialog.demo_panel
    assert panel is not None and panel.isVisible()
    texts = [label.text() for label in panel.findChildren(type(dialog.heading))]
    assert "DEMO DATABASE - fictional patients" in texts
    for login in DEMO_LOGINS:
        assert login.username in texts and login.password in texts
    assert set(dialog.demo_buttons) == {Role.FRONT_DESK, Role.DOCTOR, Role.ADMIN}
    assert dialog.demo_buttons[Role.DOCTOR].text() == "Sign in as doctor"
    assert tab_chain(dialog.form.button, 2)[1] is dialog.demo_buttons[Role.FRONT_DESK]


def test_a_normal_database_has_no_demo_panel(qtbot, clinic, admin) -> None:
    assert not clinic.login.is_demo()
    dialog = open_dialog(qtbot, clinic, DEMO_LOGINS if clinic.login.is_demo() else ())
    assert dialog.demo_panel is None
    assert "DEMO" not in " ".join(
        label.text() for label in dialog.findChildren(type(dialog.heading))
    )


def test_sign_in_as_the_doctor_in_one_click(qtbot, demo) -> None:
    dialog = open_dialog(qtbot, demo, DEMO_LOGINS)
    click(qtbot, dialog.demo_buttons[Role.DOCTOR])
    member = dialog.signed_in
    assert member is not None and member.role is Role.DOCTOR and member.username == "alex"
    assert dialog.result() == LoginDialog.DialogCode.Accepted
    assert logins(demo, member.id)[-1] == "login"  # audited like any sign-in


@pytest.mark.parametrize("role", [Role.FRONT_DESK, Role.ADMIN])
def test_every_demo_button_signs_in_as_its_role(qtbot, demo, role) -> None:
    dialog = open_dialog(qtbot, demo, DEMO_LOGINS)
    click(qtbot, dialog.demo_buttons[role])
    assert dialog.signed_in is not None and dialog.signed_in.role is role
