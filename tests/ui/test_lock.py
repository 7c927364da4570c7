"""The inactivity lock, driven as the desk meets it: covered windows, blocked keys, unlock."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from frontdesk.domain.staff import Role
from frontdesk.services.audit import AuditFilter
from frontdesk.services.demo_accounts import DEMO_LOGINS
from frontdesk.ui.lock import LOCKED_TITLE, LockCover, LockGuard
from tests.conftest import member_with_role

PASSWORD = {login.role: login.password for login in DEMO_LOGINS}


@pytest.fixture
def guard(qtbot, window, demo):
    made = LockGuard(window, demo.login, window.session, 10, window.lock_action)
    yield made
    made.stop()


def cover_of(widget) -> LockCover:
    [cover] = [c for c in widget.findChildren(LockCover) if c.isVisible()]
    return cover


def last_lines(demo, count: int = 3):
    admin = member_with_role(demo, Role.ADMIN)
    return demo.audit.search(admin, AuditFilter(), limit=count).entries


def unlock(qtbot, cover: LockCover, password: str) -> None:
    cover.form.password.setText(password)
    qtbot.keyClick(cover.form.password, Qt.Key.Key_Return)


def test_inactivity_covers_the_window_and_hides_its_title(qtbot, window, guard, demo) -> None:
    guard.set_timeout_ms(50)
    qtbot.waitUntil(lambda: guard.locked, timeout=2000)
    cover = cover_of(window)
    assert cover.geometry() == window.rect()
    assert window.windowTitle() == LOCKED_TITLE
    assert "Locked for Front desk" in " ".join(
        label.text() for label in cover.findChildren(type(window.user_label))
    )
    assert cover.form.username.text() == "reception"
    assert QApplication.focusWidget() is cover.form.password
    assert last_lines(demo)[0].action == "lock"


def test_keys_and_shortcuts_never_reach_the_hidden_window(qtbot, window, guard) -> None:
    guard.lock()
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(window.patients_tab.search, Qt.Key.Key_A)
    assert getattr(window.patients_tab, "dialog", None) is None
    assert window.patients_tab.search.text() == ""
    cover = cover_of(window)
    for _ in range(5):  # Tab never leaves the sign-in form for what lies under the cover
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        qtbot.wait(1)
        assert cover.isAncestorOf(QApplication.focusWidget())


def test_a_wrong_password_keeps_it_locked_the_right_one_unlocks(qtbot, window, guard, demo):
    title = window.windowTitle()
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)  # Lock now
    assert guard.locked
    cover = cover_of(window)
    unlock(qtbot, cover, "not-the-password")
    assert guard.locked and "Wrong username or password." in cover.form.error_text()
    unlock(qtbot, cover, PASSWORD[Role.FRONT_DESK])
    assert not guard.locked
    assert window.windowTitle() == title
    assert not [c for c in window.findChildren(LockCover) if c.isVisible()]
    actions = [line.action for line in last_lines(demo, 3)]
    assert actions == ["unlock", "login_failed", "lock"]


def test_using_the_app_keeps_it_unlocked(qtbot, window, guard) -> None:
    guard.set_timeout_ms(300)
    for _ in range(6):
        qtbot.wait(100)
        qtbot.keyClick(window.patients_tab.search, Qt.Key.Key_Shift)
    assert not guard.locked
    qtbot.waitUntil(lambda: guard.locked, timeout=2000)


def test_an_open_dialog_is_covered_and_keeps_what_was_typed(qtbot, window, guard) -> None:
    window.patients_tab.new_patient()
    dialog = window.patients_tab.dialog
    dialog.first_name.setText("Omid")
    guard.lock()
    assert dialog.isVisible() and dialog.windowTitle() == LOCKED_TITLE
    cover = cover_of(dialog)
    assert cover.geometry() == dialog.rect()
    unlock(qtbot, cover, PASSWORD[Role.FRONT_DESK])  # unlocked from the dialog in front
    assert not guard.locked
    assert dialog.isVisible() and dialog.first_name.text() == "Omid"
    assert dialog.windowTitle() != LOCKED_TITLE


def test_someone_else_can_sign_in_from_the_lock_screen(qtbot, window, guard, demo) -> None:
    guard.lock()
    cover = cover_of(window)
    qtbot.mouseClick(cover.someone_else, Qt.MouseButton.LeftButton)
    assert cover.form.username.text() == ""
    qtbot.keyClicks(cover.form.username, "alex")
    unlock(qtbot, cover, PASSWORD[Role.DOCTOR])
    assert not guard.locked
    assert window.session.current.role is Role.DOCTOR
    assert window.user_label.text() == "Signed in: Dr. Alex (doctor)"


def test_the_lock_delay_follows_the_admin_setting(qtbot, window, guard, demo) -> None:
    window.lock_minutes_changed.connect(guard.set_minutes)
    window.lock_minutes_changed.emit(3)
    assert guard._timer.interval() == 3 * 60_000


def test_a_message_box_shown_while_locked_is_covered_big_enough_to_unlock(
    qtbot, window, guard
) -> None:
    from PySide6.QtWidgets import QMessageBox

    guard.lock()
    box = QMessageBox(
        QMessageBox.Icon.Warning, "Daily backup failed", "No space left.", parent=window
    )
    box.show()
    cover = cover_of(box)  # covered as it was shown, not a frame later
    assert box.windowTitle() == LOCKED_TITLE
    qtbot.wait(20)  # the message box sizes itself once shown; the cover makes it bigger
    assert cover.form.password.height() >= 16 and cover.form.button.isVisible()
    unlock(qtbot, cover, PASSWORD[Role.FRONT_DESK])
    assert not guard.locked and box.windowTitle() == "Daily backup failed"
    box.close()


def test_someone_else_taking_over_closes_what_the_last_person_left_open(
    qtbot, window, guard, prompts
) -> None:
    window.patients_tab.new_patient()
    dialog = window.patients_tab.dialog
    dialog.first_name.setText("Omid")
    guard.lock()
    cover = cover_of(dialog)
    cover.form.set_username("alex")
    unlock(qtbot, cover, PASSWORD[Role.DOCTOR])
    assert not guard.locked and window.session.current.role is Role.DOCTOR
    assert not dialog.isVisible()  # the doctor does not inherit the desk's half-typed form
    assert prompts.asked == []  # nor its "discard your changes?" question


def test_typing_through_the_native_window_reaches_the_lock_form(qtbot, window, guard) -> None:
    """On a real display keys go to the native window first; the lock must let them through
    to its own form (it once dropped them there, and nobody could unlock)."""
    from PySide6.QtTest import QTest

    guard.lock()
    cover = cover_of(window)
    native = window.windowHandle()
    for char in PASSWORD[Role.FRONT_DESK]:
        QTest.keyClick(native, char)
    assert cover.form.password.text() == PASSWORD[Role.FRONT_DESK]
    QTest.keyClick(native, Qt.Key.Key_Return)
    assert not guard.locked


def test_a_menu_popping_up_while_locked_is_closed(qtbot, window, guard) -> None:
    from PySide6.QtWidgets import QMenu

    guard.lock()
    menu = QMenu(window)
    menu.addAction("Open María García")
    menu.popup(window.mapToGlobal(window.rect().center()))
    qtbot.waitUntil(lambda: not menu.isVisible(), timeout=1000)
    assert guard.locked


def test_typing_goes_on_where_it_was_after_unlocking(qtbot, window, guard) -> None:
    search = window.patients_tab.search
    search.setFocus()
    qtbot.keyClicks(search, "gar")
    guard.lock()
    unlock(qtbot, cover_of(window), PASSWORD[Role.FRONT_DESK])
    assert QApplication.focusWidget() is search
    qtbot.keyClicks(QApplication.focusWidget(), "cia")
    assert search.text() == "garcia"


def test_ctrl_l_locks_from_a_dialog_in_front_too(qtbot, window, guard) -> None:
    window.patients_tab.new_patient()
    dialog = window.patients_tab.dialog
    dialog.first_name.setFocus()
    qtbot.keyClick(dialog.first_name, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert guard.locked and dialog.windowTitle() == LOCKED_TITLE
