"""Composition root: open the database, build the services, build the main window."""

from __future__ import annotations

import sqlite3
import sys
import time
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QSettings, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from frontdesk.paths import settings_path
from frontdesk.peak_memory import peak_mib
from frontdesk.services.clinic import Clinic, open_clinic
from frontdesk.services.clock import clinic_now
from frontdesk.ui.main_window import MainWindow
from frontdesk.ui.style import apply_style


class _QuitAfterFirstPaint(QObject):
    """--smoke: prove the window really draws, then leave."""

    def __init__(self, app: QApplication, started: float) -> None:
        super().__init__()
        self._app = app
        self._started = started
        self._done = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and not self._done:
            self._done = True
            elapsed = (time.perf_counter() - self._started) * 1000
            print(
                f"first paint after {elapsed:.0f} ms, memory peak {peak_mib():.1f} MiB", flush=True
            )
            QTimer.singleShot(0, self._app.quit)
        return False


def _show_unexpected_errors() -> None:
    """A bug must never end as a silent traceback: say so, keep the app running."""
    previous = sys.excepthook

    def hook(kind, value, trace) -> None:
        previous(kind, value, trace)  # full details on stderr for the developers
        QMessageBox.critical(
            None,
            "Frontdesk: something went wrong",
            f"An unexpected error happened: {value}\n\nWhat was saved before stays saved."
            " If it happens again, please tell the person who looks after this computer.",
        )

    sys.excepthook = hook


def build_window(clinic: Clinic, settings: QSettings) -> MainWindow:
    return MainWindow(clinic, settings, today=lambda: clinic_now().date())


def run_gui(db_path: Path, *, demo: bool, smoke: bool, started: float) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Frontdesk")
    app.setOrganizationName("Frontdesk")
    apply_style(app)
    if not smoke:
        _show_unexpected_errors()
    try:
        clinic = open_clinic(db_path)
    except (sqlite3.Error, OSError) as exc:
        message = f"The clinic database at {db_path} could not be opened:\n{exc}"
        print(message, file=sys.stderr)
        if not smoke:
            QMessageBox.critical(None, "Frontdesk", message)
        return 2
    try:
        if demo:
            from frontdesk.services.demo import fill_demo_clinic  # only when asked for

            added = fill_demo_clinic(clinic)
            if added:
                print(f"demo clinic: {added} patients added to {db_path}", flush=True)
        settings = QSettings(str(settings_path(db_path)), QSettings.Format.IniFormat)
        window = build_window(clinic, settings)
        if smoke:
            window.installEventFilter(watcher := _QuitAfterFirstPaint(app, started))
            window.setProperty("smokeWatcher", watcher)  # keep it alive
        window.show()
        if clinic.migration_backup:
            window.show_message(
                f"Database updated; a copy of the old one is at {clinic.migration_backup}"
            )
        return app.exec()
    finally:
        clinic.close()
