"""The key dialog (this computer does not have the clinic's key) and the new passphrase dialog
(a new clinic where no keyring exists): what they say, what they accept, how they look; and
the restore dialog asking for an encrypted backup's key on another computer."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtGui import QFontInfo
from PySide6.QtWidgets import QDialog, QLineEdit

from frontdesk.services import encryption
from frontdesk.services.backups import BackupService, Damage
from frontdesk.services.clinic import open_clinic
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


def shown(qtbot, dialog: QDialog) -> QDialog:
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def test_the_recovery_key_opens_the_clinic_and_is_kept_in_this_keyring(
    qtbot, db_path: Path, locked: ClinicKey
) -> None:
    dialog = shown(qtbot, KeyDialog(db_path))
    assert dialog.windowTitle() == "Frontdesk - the clinic's key"
    assert QFontInfo(dialog.field.font()).fixedPitch()  # groups line up as on the sheet
    assert dialog.focusWidget() is dialog.field and dialog.open_button.isDefault()
    dialog.field.setText(f"  {locked.recovery_text().lower()} ")
    dialog.open_button.click()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert encryption.held_key(db_path) == locked
    forget_all()
    encryption.unlock(db_path)  # kept: asked no more on this computer


def test_a_wrong_key_is_said_under_the_field_which_keeps_it(
    qtbot, db_path: Path, locked: ClinicKey
) -> None:
    dialog = shown(qtbot, KeyDialog(db_path))
    typo = locked.recovery_text()
    typo = typo[:6] + ("A" if typo[6] != "A" else "B") + typo[7:]  # one character changed
    dialog.field.setText(typo)
    dialog.open_button.click()
    assert dialog.isVisible() and dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.error.isVisibleTo(dialog)
    assert "typing mistake" in dialog.error.text()
    assert dialog.field.text() == typo  # kept, to correct the one group
    assert encryption.held_key(db_path) is None
    dialog.field.setEchoMode(QLineEdit.EchoMode.Normal)  # the picture shows what is typed
    dialog.grab().save(str(SHOTS / "key_dialog_wrong_key.png"))
    qtbot.keyClicks(dialog.field, "x")
    assert not dialog.error.isVisibleTo(dialog)  # typing again clears the complaint


def test_cancel_opens_nothing(qtbot, db_path: Path, locked: ClinicKey) -> None:
    dialog = shown(qtbot, KeyDialog(db_path))
    dialog.buttons.rejected.emit()
    assert dialog.result() == QDialog.DialogCode.Rejected
    assert encryption.held_key(db_path) is None


def test_without_a_keyring_it_says_so_and_takes_the_passphrase(qtbot, db_path: Path, clock) -> None:
    key = encryption.passphrase_key(PASSPHRASE)
    open_clinic(db_path, clock, new_key=key).close()
    forget_all()
    reason = "This computer has no keyring (the system's password store)."
    dialog = shown(qtbot, KeyDialog(db_path, no_keyring=reason))
    assert reason in dialog.explain.text() and "passphrase" in dialog.explain.text()
    dialog.grab().save(str(SHOTS / "key_dialog.png"))
    dialog.field.setText(PASSPHRASE)
    dialog.open_button.click()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert encryption.held_key(db_path) == key


def test_a_new_passphrase_follows_the_rules_and_is_typed_twice(qtbot) -> None:
    reason = (
        "This computer has no keyring (the system's password store) for Frontdesk to keep"
        " the clinic's key in."
    )
    dialog = shown(qtbot, NewPassphraseDialog(reason))
    assert reason in dialog.explain.text()
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
