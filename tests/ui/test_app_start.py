"""A start to the main window, in this process (`--smoke --as front_desk` on a demo copy): the
application carries its icon and desktop entry name, for the window and the task bar, and a
check run collects no garbage before its window painted; a new application has the clinic's
look (Fusion, its palette) from its first widget."""

from __future__ import annotations

import gc
import os
import shutil
import subprocess
import sys
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


A_NEW_APPLICATION = """
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QPushButton
from frontdesk.ui.style import ACCENT, fusion_application
app = fusion_application(["frontdesk"])
button = QPushButton("Book")
button.show()
app.processEvents()
assert app.style().name() == "fusion", app.style().name()
for palette in (app.palette(), button.palette()):
    assert palette.color(QPalette.ColorRole.Highlight) == ACCENT
print("ok")
"""


def test_a_new_application_has_the_clinic_look_from_its_first_widget() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-c", A_NEW_APPLICATION],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


def test_a_check_run_collects_no_garbage_before_its_window_painted(
    qapp: QApplication, tmp_path: Path, demo_template: Path, monkeypatch
) -> None:
    """As cli.main starts it (the collector off): a real start freezes what it made before
    collecting again; a check run turns the collector on once it has painted, so it waits no
    longer for its first window than a real start."""
    import frontdesk.app

    db = tmp_path / "demo.sqlite3"
    shutil.copy(demo_template, db)
    heard: list[str] = []

    def painted() -> float:  # the check run's line at its first paint gives the peak memory
        heard.append("painted")
        return 0.0

    def collecting(phase: str, _info: dict) -> None:
        if phase == "start":
            heard.append("collected")

    monkeypatch.setattr(frontdesk.app, "peak_mib", painted)
    gc.callbacks.append(collecting)
    gc.disable()
    try:
        code = run_gui(db, demo=False, smoke=True, started=time.perf_counter(), as_role="doctor")
        assert gc.isenabled()
    finally:
        gc.callbacks.remove(collecting)
        gc.enable()
    assert code == 0
    assert heard[0] == "painted"
