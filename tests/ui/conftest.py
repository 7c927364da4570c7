from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from frontdesk.services.clinic import open_clinic
from frontdesk.services.clock import fixed_clock
from frontdesk.services.demo import fill_demo_clinic
from frontdesk.ui.main_window import MainWindow
from tests.conftest import NOW


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    """The demo clinic is built once per run; each test gets its own copy of it."""
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    built = open_clinic(path, fixed_clock(NOW))
    fill_demo_clinic(built)
    built.close()
    return path


@pytest.fixture
def demo(clinic, demo_template: Path):
    source = sqlite3.connect(demo_template)
    try:
        source.backup(clinic._db.conn)
    finally:
        source.close()
    return clinic


@pytest.fixture
def window(qtbot, demo, settings) -> Iterator[MainWindow]:
    win = MainWindow(demo, settings, today=lambda: NOW.date())
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
