"""The key dialog (this computer does not have the clinic's key; or, with no keyring, the daily
passphrase prompt) and the new passphrase dialog
(a new clinic where no keyring exists): what they say, what they accept, how they look; and
the restore dialog asking for an encrypted backup's key on another computer."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TypeVar

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontInfo
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialog, QLineEdit

from frontdesk.services import encryption
from frontdesk.services.backups import BackupService, Damage
from frontdesk.services.clinic import open_clinic
from frontdesk.services.typed_key import looks_like_recovery_key
from frontdesk.storage.clinic_keys import ClinicKey, forget_all
from frontdesk.ui.dialogs.key_dialog import KeyDialog, NewPassphraseDialog
from tests.keyring_for_tests import fresh_keyring

SHOTS = Path(os.environ.get("FRONTDESK_SHOTS", "/tmp"))
PASSPHRASE = "maple lantern orbit seven"


@pytest.fixture
def locked(db_path: Path, clock, test_keyring: Path) -> ClinicKey:
    """An encrypted clinic on a computer whose keyring does not have its key."""
    key = encryption.new_clinic_key()
    open_clinic(db_path, clock, new_key=key).close()
    forget_all()
    fresh_keyring(test_keyring)
    return key


D = TypeVar("D", bound=QDialog)


def shown(qtbot, dialog: D) -> D:
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def typo_in(text: str, at: int = 6) -> str:
    """One character changed: the recovery key's check catches it."""
    return text[:at] + ("A" if text[at] != "A" else "B") + text[at + 1 :]


def kept_for_correcting(qtbot, dialog: KeyDialog, typed: str) -> None:
    """After a refusal the text stays as typed, the cursor at its end with nothing selected:
    Backspace takes one character, not the whole entry."""
    assert dialog.field.text() == typed
    assert dialog.focusWidget() is dialog.field
    assert dialog.field.cursorPosition() == len(typed) and not dialog.field.hasSelectedText()
    qtbot.keyClick(dialog.field, Qt.Key.Key_Backspace)
    assert dialog.field.text() == typed[:-1]
    assert not dialog.error.isVisibleTo(dialog)  # typing again clears the complaint
    qtbot.keyClicks(dialog.field, typed[-1])
    assert dialog.field.text() == typed


def test_the_recovery_key_is_typed_in_view_opens_the_clinic_and_is_kept_in_this_keyring(
    qtbot, db_path: Path, locked: ClinicKey
) -> None:
    dialog = shown(qtbot, KeyDialog(db_path))
    assert dialog.windowTitle() == "Frontdesk - the clinic's key"
    assert dialog.heading.text() == "This computer does not have the clinic's key"
    assert (
        dialog.field_label.text() == "&Recovery key:" and dialog.field_label.buddy() is dialog.field
    )
    assert "recovery sheet" in dialog.explain.text() and db_path.name in dialog.explain.text()
    assert dialog.field.echoMode() == QLineEdit.EchoMode.Normal  # checked group by group
    assert not dialog.show_typed.isVisibleTo(dialog)
    assert QFontInfo(dialog.field.font()).fixedPitch()  # groups line up as on the sheet
    assert dialog.focusWidget() is dialog.field and dialog.open_button.isDefault()
    qtbot.keyClicks(dialog.field, f"  {locked.recovery_text().lower()} ")
    dialog.open_button.click()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.remembered  # the caller may say it will not be asked again here
    assert encryption.held_key(db_path) == locked
    forget_all()
    encryption.unlock(db_path)  # kept: asked no more on this computer


def test_a_wrong_recovery_key_is_said_under_the_field_which_keeps_it_in_view(
    qtbot, db_path: Path, locked: ClinicKey
) -> None:
    dialog = shown(qtbot, KeyDialog(db_path))
    typo = typo_in(locked.recovery_text())
    qtbot.keyClicks(dialog.field, typo)
    dialog.open_button.click()
    assert dialog.isVisible() and dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.error.isVisibleTo(dialog)
    assert dialog.error.text() == "That recovery key has a typing mistake: check each group."
    assert dialog.field.echoMode() == QLineEdit.EchoMode.Normal  # never turned to dots
    assert encryption.held_key(db_path) is None
    dialog.grab().save(str(SHOTS / "fixA-recovery-key-wrong.png"))
    kept_for_correcting(qtbot, dialog, typo)
    dialog.field.setCursorPosition(7)  # the mistyped character, first of the second group
    qtbot.keyClick(dialog.field, Qt.Key.Key_Backspace)
    qtbot.keyClicks(dialog.field, locked.recovery_text()[6])
    assert dialog.field.text() == locked.recovery_text()
    dialog.open_button.click()  # one character fixed, not the whole key typed again
    assert dialog.result() == QDialog.DialogCode.Accepted


def test_cancel_opens_nothing(qtbot, db_path: Path, locked: ClinicKey) -> None:
    dialog = shown(qtbot, KeyDialog(db_path))
    dialog.buttons.rejected.emit()
    assert dialog.result() == QDialog.DialogCode.Rejected
    assert encryption.held_key(db_path) is None


@pytest.fixture
def passphrase_clinic(db_path: Path, clock, no_keyring) -> ClinicKey:
    """A clinic made on a computer with no keyring: its key comes from the passphrase."""
    key = encryption.passphrase_key(PASSPHRASE)
    open_clinic(db_path, clock, new_key=key).close()
    forget_all()
    return key


def test_without_a_keyring_it_is_the_daily_passphrase_prompt_masked_with_a_show_box(
    qtbot, db_path: Path, passphrase_clinic: ClinicKey
) -> None:
    reason = encryption.keyring_problem()
    assert reason is not None
    dialog = shown(qtbot, KeyDialog(db_path, no_keyring=reason))
    assert dialog.heading.text() == "Type the clinic's passphrase"
    assert (
        dialog.field_label.text() == "&Passphrase:" and dialog.field_label.buddy() is dialog.field
    )
    assert reason in dialog.explain.text() and "every start" in dialog.explain.text()
    assert "recovery key" not in dialog.explain.text().lower()  # the fallback, on its own line
    assert dialog.fallback is not None
    assert dialog.fallback.text() == "Or type the recovery key from the clinic's recovery sheet."
    assert dialog.field.placeholderText() == ""
    assert dialog.field.echoMode() == QLineEdit.EchoMode.Password
    assert dialog.show_typed.isVisibleTo(dialog) and not dialog.show_typed.isChecked()
    assert dialog.show_typed.text() == "&Show what I type"  # Alt+S
    assert dialog.focusWidget() is dialog.field
    qtbot.keyClicks(dialog.field, PASSPHRASE)
    assert dialog.field.displayText() != PASSPHRASE  # dots while typed
    dialog.grab().save(str(SHOTS / "fixA-passphrase-prompt.png"))
    dialog.show_typed.click()
    assert dialog.field.echoMode() == QLineEdit.EchoMode.Normal
    assert dialog.field.displayText() == PASSPHRASE
    dialog.show_typed.click()
    assert dialog.field.echoMode() == QLineEdit.EchoMode.Password
    assert dialog.field.text() == PASSPHRASE  # toggling keeps what was typed
    dialog.open_button.click()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert encryption.held_key(db_path) == passphrase_clinic
    assert not dialog.remembered  # no keyring: asked again at the next start


def test_the_show_box_answers_its_alt_key(
    qtbot, db_path: Path, passphrase_clinic: ClinicKey
) -> None:
    dialog = shown(qtbot, KeyDialog(db_path, no_keyring=encryption.keyring_problem()))
    dialog.activateWindow()
    qtbot.waitActive(dialog)
    # To the window, as the keyboard does: the shortcut map sees it before the field.
    QTest.keyClick(dialog.windowHandle(), Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(dialog.show_typed.isChecked)  # a mnemonic clicks after a short flash
    assert dialog.field.echoMode() == QLineEdit.EchoMode.Normal
    assert dialog.field.text() == ""  # the mnemonic typed nothing


def test_a_wrong_passphrase_is_called_one_and_stays_masked_as_typed(
    qtbot, db_path: Path, passphrase_clinic: ClinicKey
) -> None:
    dialog = shown(qtbot, KeyDialog(db_path, no_keyring=encryption.keyring_problem()))
    wrong = "maple lantern orbit eight"
    qtbot.keyClicks(dialog.field, wrong)
    dialog.open_button.click()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.error.text() == (
        "That passphrase does not open clinic.sqlite3. Check it (or type the recovery key)."
    )
    assert dialog.field.echoMode() == QLineEdit.EchoMode.Password
    dialog.show_typed.click()  # the picture shows what was typed
    dialog.grab().save(str(SHOTS / "fixA-passphrase-wrong.png"))
    dialog.show_typed.click()
    kept_for_correcting(qtbot, dialog, wrong)
    for _ in "eight":
        qtbot.keyClick(dialog.field, Qt.Key.Key_Backspace)
    qtbot.keyClicks(dialog.field, "seven")
    dialog.open_button.click()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert encryption.held_key(db_path) == passphrase_clinic


def test_without_a_keyring_a_mistyped_recovery_key_is_said_as_one_and_the_right_one_opens(
    qtbot, db_path: Path, passphrase_clinic: ClinicKey
) -> None:
    dialog = shown(qtbot, KeyDialog(db_path, no_keyring=encryption.keyring_problem()))
    dialog.field.setText("")
    dialog.open_button.click()
    assert dialog.error.text() == (
        "Type the clinic's passphrase (or the recovery key from the clinic's recovery sheet)."
    )
    typo = typo_in(passphrase_clinic.recovery_text())
    qtbot.keyClicks(dialog.field, typo.lower().replace("-", " "))  # spaces for dashes
    dialog.open_button.click()
    assert dialog.error.text() == "That recovery key has a typing mistake: check each group."
    dialog.field.setText(passphrase_clinic.recovery_text())
    dialog.open_button.click()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert not dialog.remembered and encryption.held_key(db_path) == passphrase_clinic


def test_a_passphrase_of_five_letter_words_opens_though_it_looks_like_groups(
    qtbot, db_path: Path, clock, no_keyring
) -> None:
    words = "apple grape lemon melon peach mango berry olive"
    assert looks_like_recovery_key(words)
    key = encryption.passphrase_key(words)
    open_clinic(db_path, clock, new_key=key).close()
    forget_all()
    dialog = shown(qtbot, KeyDialog(db_path, no_keyring=encryption.keyring_problem()))
    dialog.field.setText(words)
    dialog.open_button.click()
    assert dialog.result() == QDialog.DialogCode.Accepted


@pytest.mark.parametrize(
    ("typed", "shaped"),
    [
        ("maple lantern orbit seven", False),
        ("KEY1-KEY2", False),
        ("cat-dog-owl-bee-ant-fox-elk-yak", False),
        ("ABCDE-FGHIJ-KLMNO-PQRST-UVWXY-Z2345-67ABC-DEFGH", True),
        ("abcde fghij klmno pqrst uvwxy z2345 67abc defgh", True),
        ("ABCDEFGHIJ" * 8, True),
    ],
)
def test_what_looks_like_a_recovery_key(typed: str, shaped: bool) -> None:
    assert looks_like_recovery_key(typed) is shaped


def test_asked_says_whether_this_computer_now_remembers_the_key(
    qtbot, db_path: Path, locked: ClinicKey, monkeypatch
) -> None:
    def typed(dialog: KeyDialog) -> int:
        qtbot.addWidget(dialog)
        dialog.field.setText(locked.recovery_text())
        dialog.open_button.click()
        return dialog.result()

    monkeypatch.setattr(KeyDialog, "exec", typed)
    opened = KeyDialog.asked(db_path)
    assert opened and opened.remembered
    monkeypatch.setattr(KeyDialog, "exec", lambda dialog: QDialog.DialogCode.Rejected)
    assert not KeyDialog.asked(db_path) and not KeyDialog.ask(db_path)


def test_a_new_passphrase_follows_the_rules_and_is_typed_twice(qtbot) -> None:
    reason = (
        "This computer has no keyring (the system's password store) for Frontdesk to keep"
        " the clinic's key in."
    )
    dialog = shown(qtbot, NewPassphraseDialog(reason))
    said = " ".join(dialog.explain.text().split())
    assert reason in said
    assert "Without the passphrase or the recovery key" in said  # either one opens it
    assert "nothing opens the database or its backups" in said
    assert "a forgotten passphrase and a lost recovery sheet mean a lost database" in said
    assert "forgotten passphrase means" not in said  # the recovery key still opens it
    assert dialog.passphrase.echoMode() == QLineEdit.EchoMode.Password
    dialog.passphrase.setText("short")
    dialog.repeat.setText("short")
    dialog.ok_button.click()
    assert "at least 12 characters" in dialog.error.text() and dialog.key is None
    dialog.passphrase.setText(PASSPHRASE)
    dialog.repeat.setText(PASSPHRASE.upper())
    dialog.ok_button.click()
    assert (
        dialog.error.text() == "The two passphrases differ."
        and dialog.focusWidget() is dialog.repeat
    )
    dialog.grab().save(str(SHOTS / "new_passphrase_dialog.png"))
    dialog.repeat.setText(PASSPHRASE)
    dialog.ok_button.click()
    assert dialog.result() == QDialog.DialogCode.Accepted
    key = dialog.key
    assert isinstance(key, ClinicKey)
    assert ClinicKey.from_passphrase(PASSPHRASE, key.salt) == key  # the passphrase makes it


def test_the_restore_dialog_asks_for_an_encrypted_backups_key_on_another_computer(
    qtbot, tmp_path: Path, clock, test_keyring: Path, monkeypatch
) -> None:
    from frontdesk.ui.dialogs.restore_dialog import RestoreDialog

    source = tmp_path / "first" / "clinic.sqlite3"
    source.parent.mkdir()
    key = encryption.new_clinic_key()
    open_clinic(source, clock, new_key=key).close()
    backup = BackupService(source, clock).back_up_to(tmp_path / "usb")
    forget_all()
    fresh_keyring(test_keyring)  # another computer
    target = tmp_path / "second" / "clinic.sqlite3"
    target.parent.mkdir()
    asked: list[str] = []

    def key_exec(dialog: KeyDialog) -> int:
        asked.append(dialog.explain.text())
        dialog.field.setText(key.recovery_text())
        dialog.open_button.click()
        return dialog.result()

    monkeypatch.setattr(KeyDialog, "exec", key_exec)
    dialog = RestoreDialog(BackupService(target, clock), Damage(target, "missing", None))
    qtbot.addWidget(dialog)
    dialog.restore(backup)
    assert len(asked) == 1 and "The backup" in asked[0]
    assert dialog.restored_from == backup
    forget_all()
    encryption.unlock(target)  # the key is kept in this computer's keyring
    open_clinic(target, clock).close()
