"""The day's backup and chain check run in a process of their own, once a day (issue 14,
points 1 and 2): the window's process only starts it and reads its answer; a second start the
same day starts nothing, because the day's check is noted beside the database."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from PySide6.QtCore import QProcess, QSettings, QTimer

from frontdesk.app import _daily_backup
from frontdesk.daily_job import chain_due, run
from frontdesk.domain.staff import Role
from frontdesk.storage.backups import clear_damage, record_damage
from frontdesk.storage.daily_checks import chain_checked_on, chain_note
from frontdesk.storage.private_files import PRIVATE_FILE
from frontdesk.ui.main_window import MainWindow
from tests.conftest import NOW, member_with_role


@pytest.fixture
def window(qtbot, demo, tmp_path):
    """The demo's main window, signed in as the front desk."""
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    desk = member_with_role(demo, Role.FRONT_DESK)
    shown = MainWindow(demo, settings, today=lambda: NOW.date(), user=desk)
    qtbot.addWidget(shown)
    shown.show()
    return shown


def daily_processes(shown: MainWindow) -> list[QProcess]:
    return shown.findChildren(QProcess)


def test_the_daily_job_runs_in_another_process_and_its_answer_reaches_the_window(
    qtbot, window, demo, prompts
) -> None:
    assert chain_due(demo.path, NOW.date())
    _daily_backup(demo, window)
    [process] = daily_processes(window)
    assert process.processId() not in (0, os.getpid())
    assert "frontdesk.daily_job" in process.arguments()
    qtbot.waitUntil(lambda: window.statusBar().currentMessage().startswith("Today's backup"))
    assert prompts.warnings == []  # the demo's trail is intact
    [backup] = demo.backups.backups()
    assert backup.reason == "daily" and backup.taken.date() == NOW.date()
    # The day's check is noted beside the database, private like the database.
    assert chain_checked_on(demo.path) == NOW.date()
    assert chain_note(demo.path).stat().st_mode & 0o777 == PRIVATE_FILE
    assert not chain_due(demo.path, NOW.date())
    # The hourly retry of the same window: the day's work is done, nothing is started.
    window.findChild(QTimer, "dailyJob").timeout.emit()
    assert daily_processes(window) == []


def test_a_second_start_the_same_day_does_not_check_the_chain_again(
    qtbot, window, demo, prompts
) -> None:
    first = run(demo.path, NOW, check_chain=True)  # the day's first start, in another window
    assert first["backup"] is not None
    _daily_backup(demo, window)  # this start: asks only whether the backup is done
    [process] = daily_processes(window)
    assert "--check-chain" not in process.arguments()
    with qtbot.waitSignal(process.finished, timeout=20_000):
        pass
    assert len(demo.backups.backups()) == 1 and prompts.warnings == []
    assert chain_due(demo.path, (NOW + timedelta(days=1)).date())


def test_a_broken_trail_is_not_noted_as_checked_so_the_next_start_says_it_again(demo) -> None:
    demo._db.execute("DROP TRIGGER audit_no_update")
    demo._db.execute("UPDATE audit SET after = '{}' WHERE id = 12")
    said = run(demo.path, NOW, check_chain=True)
    assert said["broken"] is not None and said["broken"].startswith("Audit trail broken at row 12")
    assert said["backup"] is not None  # the backup itself was taken
    assert chain_checked_on(demo.path) is None
    assert chain_due(demo.path, NOW.date())


def test_a_backup_put_back_has_its_trail_checked_afresh(demo) -> None:
    said = run(demo.path, NOW, check_chain=True)
    assert said["backup"] is not None and chain_checked_on(demo.path) == NOW.date()
    demo.close()
    demo.backups.restore(demo.backups.backups()[0].path)
    assert chain_checked_on(demo.path) is None


def test_a_failed_backup_leaves_the_chain_check_to_the_hourly_retry(
    qtbot, window, demo, prompts
) -> None:
    record_damage(demo.path, "damaged: found by a test", NOW)
    _daily_backup(demo, window)
    [first] = daily_processes(window)
    assert "--check-chain" in first.arguments()
    qtbot.waitUntil(lambda: bool(prompts.warnings), timeout=20_000)
    assert prompts.warnings[-1][0] == "Daily backup failed"
    assert chain_checked_on(demo.path) is None  # the job stopped at the backup
    clear_damage(demo.path)  # someone repaired it meanwhile

    window.findChild(QTimer, "dailyJob").timeout.emit()  # an hour later

    [retry] = [p for p in daily_processes(window) if p.state() != QProcess.ProcessState.NotRunning]
    assert "--check-chain" in retry.arguments()
    qtbot.waitUntil(lambda: chain_checked_on(demo.path) == NOW.date(), timeout=20_000)


def test_closing_the_window_during_the_daily_job_is_not_an_error(
    qtbot, demo, tmp_path, capsys
) -> None:
    """A full run saw "Internal C++ object (QProcess) already deleted": the window closed
    while its job ran, and the job's end was read from the process being deleted."""
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    shown = MainWindow(
        demo, settings, today=lambda: NOW.date(), user=member_with_role(demo, Role.FRONT_DESK)
    )
    shown.show()
    _daily_backup(demo, shown)
    [process] = daily_processes(shown)
    assert process.state() != QProcess.ProcessState.NotRunning
    shown.close()
    shown.deleteLater()
    qtbot.wait(200)  # the window and its process are deleted; nothing is raised meanwhile
    assert "already deleted" not in capsys.readouterr().err
