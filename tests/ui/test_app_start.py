"""A start to the main window, in this process (`--smoke --as front_desk` on a demo copy): the
application carries its icon and desktop entry name, for the window and the task bar."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from PySide6.QtCore import QSize
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from frontdesk.app import run_gui
from frontdesk.bundled import ICON_SIZES


def test_the_started_application_carries_its_icon_and_desktop_name(
    qapp: QApplication, tmp_path: Path, demo_template: Path
) -> None:
    db = tmp_path / "demo.sqlite3"
    shutil.copy(demo_template, db)
    QApplication.setWindowIcon(QIcon())  # whatever an earlier test left
    code = run_gui(db, demo=False, smoke=True, started=time.perf_counter(), as_role="front_desk")
    assert code == 0
    sizes = set(QApplication.windowIcon().availableSizes())
    assert sizes == {QSize(size, size) for size in ICON_SIZES}
    assert QApplication.desktopFileName() == "frontdesk"
