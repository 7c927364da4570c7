"""A damaged clinic file at start: the dialog offers the latest good backup, never the file."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from frontdesk.app import open_or_restore
from frontdesk.domain.staff import Role
from frontdesk.services.backups import BackupService
from frontdesk.services.clinic import DatabaseRefused, open_clinic
from frontdesk.ui.dialogs.restore_dialog import RestoreDialog
from tests.conftest import draft, member_with_role


@pytest.fixture
def damaged(db_path: Path, clock) -> Path:
    """A clinic with one patient, backed up, then its header zeroed."""
    clinic = open_clinic(db_path, clock)
    desk = member_with_role(clinic, Role.FRONT_DESK)
    clinic.patients.register(desk, draft())
    clinic.backups.daily_if_due()
    clinic.close()
    data = bytearray(db_path.read_bytes())
    data[:100] = bytes(100)
    db_path.write_bytes(bytes(data))
    for side in ("-wal", "-shm"):
        Path(str(db_path) + side).unlink(missing_ok=True)
    return db_path


def refused(path: Path, clock) -> DatabaseRefused:
    with pytest.raises(DatabaseRefused) as caught:
        open_clinic(path, clock)
    return caught.value


def test_the_damaged_file_is_not_opened_and_the_backup_is_offered(qtbot, damaged, clock) -> None:
    damage = refused(damaged, clock).damage
    assert damage is not None and damage.latest_good is not None
    dialog = RestoreDialog(BackupService(damaged, clock), damage)
    qtbot.addWidget(dialog)
    dialog.show()
    assert "is not a SQLite database" in dialog.what.text()
    assert str(damage.latest_good.path) in dialog.offer.text()
    assert dialog.restore_button is not None and dialog.restore_button.isDefault()
    qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.saved_as is not None and ".damaged-" in dialog.saved_as.name
    reopened = open_clinic(damaged, clock)
    assert reopened.patients.search("garcia").rows[0].full_name == "María García"
    assert reopened.audit.verify() is None
    reopened.close()


def test_without_a_good_backup_it_asks_for_a_file_and_says_why_one_fails(
    qtbot, damaged, clock, prompts, tmp_path
) -> None:
    for backup in BackupService(damaged, clock).backups():
        backup.path.write_bytes(b"garbage")
    damage = refused(damaged, clock).damage
    assert damage.latest_good is None
    dialog = RestoreDialog(BackupService(damaged, clock), damage)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.restore_button is None and "No good backup was found" in dialog.offer.text()
    not_a_backup = tmp_path / "holiday-photo.sqlite3"
    not_a_backup.write_bytes(b"JFIF" * 50)
    prompts.open_as = str(not_a_backup)
    qtbot.mouseClick(dialog.choose_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and "cannot be used" in dialog.error.text()


def test_starting_quietly_on_a_damaged_file_refuses_without_touching_it(damaged) -> None:
    before = damaged.read_bytes()
    assert open_or_restore(damaged, quiet=True) is None
    assert damaged.read_bytes() == before
