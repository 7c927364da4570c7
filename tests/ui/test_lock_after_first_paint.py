"""The inactivity lock is set up once the main window has painted (app.LockAfterFirstPaint):
its application-wide event filter is not on the way to the first window, and a window that
never paints is guarded all the same."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QSettings

from frontdesk.app import LockAfterFirstPaint
from frontdesk.domain.staff import Role
from frontdesk.ui.main_window import MainWindow
from tests.conftest import NOW, member_with_role


@pytest.fixture
def unshown(qtbot, demo, settings: QSettings) -> Iterator[MainWindow]:
    desk = member_with_role(demo, Role.FRONT_DESK)
    win = MainWindow(demo, settings, today=lambda: NOW.date(), user=desk)
    qtbot.addWidget(win)
    yield win


def test_the_lock_is_set_up_after_the_first_paint_and_then_locks(qtbot, demo, unshown) -> None:
    after = LockAfterFirstPaint(unshown, demo)
    try:
        assert after.guard is None  # nothing watches every event before the window shows
        unshown.show()
        qtbot.waitUntil(lambda: after.guard is not None, timeout=after.LATEST_MS // 2)
        assert after.guard is not None
        unshown.lock_action.trigger()  # Ctrl+L
        assert after.guard.locked
        unshown.lock_minutes_changed.emit(3)  # the admin's new delay reaches the guard
        assert after.guard._timer.interval() == 3 * 60_000
    finally:
        after.stop()


def test_a_window_that_never_paints_is_guarded_all_the_same(qtbot, demo, unshown, monkeypatch):
    monkeypatch.setattr(LockAfterFirstPaint, "LATEST_MS", 50)
    after = LockAfterFirstPaint(unshown, demo)
    try:
        qtbot.waitUntil(lambda: after.guard is not None, timeout=2000)
        assert not unshown.isVisible()
    finally:
        after.stop()


def test_stopped_before_the_first_paint_it_sets_nothing_up(qtbot, demo, unshown, monkeypatch):
    monkeypatch.setattr(LockAfterFirstPaint, "LATEST_MS", 20)
    after = LockAfterFirstPaint(unshown, demo)
    after.stop()  # a --smoke start quits right after the paint
    unshown.show()
    qtbot.waitExposed(unshown)
    qtbot.wait(100)
    assert after.guard is None
