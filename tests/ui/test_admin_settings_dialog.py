"""The admin's lock delay and backup folder, and a backup taken off the GUI thread."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from frontdesk.domain.dates import format_moment
from frontdesk.ui.dialogs.admin_settings_dialog import AdminSettingsDialog
from tests.ui.operations_for_tests import ops_for


@pytest.fixture
def dialog(qtbot, clinic, admin):
    made = AdminSettingsDialog(ops_for(clinic), lambda: admin)
    qtbot.addWidget(made)
    made.show()
    return made


def test_saving_a_new_delay_and_folder(qtbot, dialog, clinic, tmp_path: Path) -> None:
    assert dialog.lock_minutes.value() == 10
    dialog.lock_minutes.setValue(5)
    dialog.folder.setText(str(tmp_path / "usb" / "frontdesk"))
    with qtbot.waitSignal(dialog.lock_minutes_changed) as changed:
        dialog.buttons.accepted.emit()
    assert changed.args == [5]
    assert clinic.login.lock_minutes() == 5
    assert clinic.backups.folder() == tmp_path / "usb" / "frontdesk"


def test_a_folder_that_cannot_be_written_is_refused_in_words(dialog, clinic, tmp_path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    dialog.folder.setText(str(blocker))
    dialog.buttons.accepted.emit()
    assert dialog.isVisible() and "is a file, not a folder" in dialog.error.text()
    assert clinic.backups.folder() != blocker


def test_choose_asks_for_a_folder(qtbot, dialog, prompts, tmp_path) -> None:
    prompts.folder = str(tmp_path / "chosen")
    chooser = next(b for b in dialog.findChildren(type(dialog.backup_now)) if "hoose" in b.text())
    qtbot.mouseClick(chooser, Qt.MouseButton.LeftButton)
    assert dialog.folder.text() == str(tmp_path / "chosen")


def test_back_up_now_runs_in_the_background_and_lists_the_copy(qtbot, dialog, clinic) -> None:
    assert dialog.backup_list.item(0).text() == "No backup yet."
    with qtbot.waitSignal(dialog.message, timeout=10_000) as said:
        qtbot.mouseClick(dialog.backup_now, Qt.MouseButton.LeftButton)
        assert not dialog.backup_now.isEnabled() or dialog.job is not None
    assert said.args[0].startswith("Backed up and checked:")
    assert dialog.backup_now.isEnabled() and dialog.progress.isHidden()
    assert "manual" in dialog.backup_list.item(0).text()
    [backup] = clinic.backups.backups()
    assert backup.reason == "manual"
    assert dialog.backup_list.item(0).text().startswith(f"{format_moment(backup.taken)}  manual")


def test_only_the_admin_may_change_them(qtbot, clinic, desk) -> None:
    made = AdminSettingsDialog(ops_for(clinic), lambda: desk)
    qtbot.addWidget(made)
    made.lock_minutes.setValue(3)
    made.buttons.accepted.emit()
    assert "Only the admin can change the clinic's settings" in made.error.text()
    assert clinic.login.lock_minutes() == 10
    qtbot.mouseClick(made.backup_now, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: made.backup_now.isEnabled(), timeout=10_000)
    assert "Only the admin can back up" in made.error.text()
