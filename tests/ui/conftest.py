from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from frontdesk.ui.main_window import MainWindow
from tests.conftest import NOW


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def window(qtbot, demo, settings) -> Iterator[MainWindow]:
    win = MainWindow(demo, settings, today=lambda: NOW.date())
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
