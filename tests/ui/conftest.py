from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from frontdesk.domain.staff import Role
from frontdesk.ui.main_window import MainWindow
from tests.conftest import NOW, member_with_role


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def window(qtbot, demo, settings) -> Iterator[MainWindow]:
    """Signed in as the front desk (the tests switch to another member where needed)."""
    desk = member_with_role(demo, Role.FRONT_DESK)
    win = MainWindow(demo, settings, today=lambda: NOW.date(), user=desk)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
