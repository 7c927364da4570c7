"""The admin's question at the first start on a plain clinic database: encrypt it now?"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog

from frontdesk.domain.staff import Role
from frontdesk.services.clinic import open_clinic
from frontdesk.services.encrypt_existing import ClinicKey
from frontdesk.services.encryption import is_encrypted
from frontdesk.ui.dialogs.encrypt_dialog import EncryptDialog, ask_to_encrypt
from tests.conftest import draft, member_with_role


@pytest.fixture
def plain(db_path: Path, clock) -> Path:
    """A plain clinic with one patient and one plain backup, closed."""
    clinic = open_clinic(db_path, clock)
    clinic.patients.register(member_with_role(clinic, Role.FRONT_DESK), draft())
    clinic.backups.daily_if_due()
    clinic.close()
    return db_path


def backups_of(path: Path) -> list[Path]:
    return sorted((path.parent / "backups").glob("clinic-*.sqlite3"))


class Keys:
    """make_key as the start hands it over: counts its calls; None = the admin cancelled."""

    def __init__(self, key: ClinicKey | None) -> None:
        self.key = key
        self.calls = 0

    def __call__(self) -> ClinicKey | None:
        self.calls += 1
        return self.key


def shown(qtbot, plain: Path, clock, keys: Keys) -> EncryptDialog:
    dialog = EncryptDialog(plain, clock, keys)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def test_it_says_why_and_what_happens_with_encrypt_as_the_default(qtbot, plain, clock) -> None:
    dialog = shown(qtbot, plain, clock, Keys(None))
    assert "lost laptop or backup drive shows nothing" in dialog.why.text()
    assert dialog.files.text().splitlines() == [
        f"Database:\t{plain}",
        f"Backups:\t{plain.parent / 'backups'}",
    ]  # each path on a line of its own, never broken inside a sentence
    assert not dialog.files.wordWrap()
    assert str(plain) not in dialog.why.text()
    assert "row by row" in dialog.what.text() and "recovery sheet" in dialog.what.text()
    assert "asks again at the next start" in dialog.later.text()
    assert dialog.encrypt_button.isDefault() and not dialog.later_button.isDefault()
    assert dialog.encrypt_button.text() == "&Encrypt now"
    assert dialog.later_button.text() == "&Not now"
    assert not dialog.busy.isVisible() and not dialog.continue_button.isVisible()


def test_with_a_keyring_nothing_is_said_about_a_passphrase(qtbot, plain, clock) -> None:
    dialog = shown(qtbot, plain, clock, Keys(None))
    assert not dialog.no_keyring.isVisible()


def test_without_a_keyring_the_daily_passphrase_is_said_before_the_buttons(
    qtbot, no_keyring, plain, clock, tmp_path
) -> None:
    dialog = shown(qtbot, plain, clock, Keys(None))
    assert dialog.no_keyring.isVisible()
    words = dialog.no_keyring.text()
    assert "This computer has no keyring" in words
    assert "passphrase" in words and "typed at every start" in words
    assert dialog.no_keyring.geometry().bottom() < dialog.buttons.geometry().top()
    assert dialog.what.geometry().bottom() < dialog.no_keyring.geometry().top()
    assert dialog.grab().save(str(tmp_path / "no-keyring.png"))


def test_not_now_changes_nothing(qtbot, plain, clock) -> None:
    keys = Keys(ClinicKey.new())
    dialog = shown(qtbot, plain, clock, keys)
    qtbot.mouseClick(dialog.later_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Rejected and dialog.report is None
    assert keys.calls == 0 and not is_encrypted(plain)
    assert len(backups_of(plain)) == 1


def test_encrypt_now_runs_off_the_window_and_shows_what_was_removed(
    qtbot, plain, clock, prompts
) -> None:
    key = ClinicKey.new()
    dialog = shown(qtbot, plain, clock, Keys(key))
    [backup] = backups_of(plain)
    qtbot.mouseClick(dialog.encrypt_button, Qt.MouseButton.LeftButton)
    # Running: a busy line, no second click, no closing (its answer arrives queued).
    assert dialog.running() and dialog.busy.isVisible() and dialog.progress.isVisible()
    assert not dialog.encrypt_button.isEnabled() and not dialog.later_button.isEnabled()
    dialog.reject()  # Escape
    assert dialog.isVisible()
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=30_000)
    assert not dialog.running() and not dialog.busy.isVisible()
    assert is_encrypted(plain) and not backup.exists()
    assert "The clinic database is encrypted" in dialog.outcome.text()
    assert "These plain files were removed" in dialog.outcome.text()
    assert backup.name in dialog.removed.toPlainText()
    assert dialog.continue_button.isVisible() and dialog.continue_button.isDefault()
    assert not dialog.encrypt_button.isVisible() and not dialog.later_button.isVisible()
    assert not dialog.files.isVisible() and not dialog.why.isVisible()
    qtbot.keyClick(dialog, Qt.Key.Key_Return)  # the default button: Continue
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.report is not None and backup in dialog.report.removed
    assert prompts.warnings == []
    reopened = open_clinic(plain, clock)  # the key is held
    assert reopened.patients.search("garcia").rows
    reopened.close()


def test_a_cancelled_key_changes_nothing_and_the_dialog_stays(qtbot, plain, clock) -> None:
    keys = Keys(None)
    dialog = shown(qtbot, plain, clock, keys)
    qtbot.mouseClick(dialog.encrypt_button, Qt.MouseButton.LeftButton)
    assert keys.calls == 1 and not dialog.running() and dialog.isVisible()
    assert dialog.encrypt_button.isEnabled() and dialog.report is None
    assert not is_encrypted(plain) and len(backups_of(plain)) == 1


def test_a_refusal_is_said_in_the_dialog_and_nothing_is_half_done(
    qtbot, plain, clock, prompts
) -> None:
    opened = open_clinic(plain, clock)  # another window has it open
    try:
        dialog = shown(qtbot, plain, clock, Keys(ClinicKey.new()))
        qtbot.mouseClick(dialog.encrypt_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: not dialog.running(), timeout=30_000)
        qtbot.waitUntil(dialog.error.isVisible)
    finally:
        opened.close()
    assert "is open in Frontdesk" in dialog.error.text()
    assert "Nothing was changed" in dialog.error.text()
    assert dialog.encrypt_button.isEnabled() and dialog.later_button.isEnabled()
    assert dialog.report is None and prompts.warnings == []
    assert not is_encrypted(plain) and len(backups_of(plain)) == 1
    # Tried again once the other window closed (Enter: still the default button): done.
    qtbot.keyClick(dialog, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=30_000)
    assert is_encrypted(plain)


def _click_when_shown(qtbot, then) -> None:
    """Runs `then(dialog)` on the modal dialog once exec() has shown it."""

    def poll() -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, EncryptDialog):
            then(dialog)
        else:
            QTimer.singleShot(20, poll)

    QTimer.singleShot(0, poll)


def test_ask_to_encrypt_answers_none_for_not_now(qtbot, plain, clock) -> None:
    _click_when_shown(qtbot, lambda d: d.later_button.click())
    assert ask_to_encrypt(None, plain, clock, Keys(ClinicKey.new())) is None
    assert not is_encrypted(plain)


def test_ask_to_encrypt_answers_the_report_once_done(qtbot, plain, clock) -> None:
    def go_on_when_done(dialog: EncryptDialog) -> None:
        if dialog.report is None:
            QTimer.singleShot(20, lambda: go_on_when_done(dialog))
        else:
            dialog.continue_button.click()

    def encrypt(dialog: EncryptDialog) -> None:
        dialog.encrypt_button.click()
        go_on_when_done(dialog)

    _click_when_shown(qtbot, encrypt)
    report = ask_to_encrypt(None, plain, clock, Keys(ClinicKey.new()))
    assert report is not None and report.rows_checked > 0 and is_encrypted(plain)
