"""Baseline for cold start and memory: a bare PySide6 window with 4 empty tabs, shown."""

from __future__ import annotations

import sys
import time

started = time.perf_counter()

from PySide6.QtCore import QEvent, QObject, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QMainWindow, QTabWidget, QWidget  # noqa: E402

from frontdesk.peak_memory import peak_mib  # noqa: E402  (the app's own measure)


class QuitOnPaint(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint:
            elapsed = (time.perf_counter() - started) * 1000
            print(
                f"first paint after {elapsed:.0f} ms, memory peak {peak_mib():.1f} MiB", flush=True
            )
            QTimer.singleShot(0, QApplication.quit)
            watched.removeEventFilter(self)
        return False


app = QApplication(sys.argv[:1])
window = QMainWindow()
tabs = QTabWidget()
for name in ("Patients", "Intake", "Calendar", "CO2 sessions"):
    tabs.addTab(QWidget(), name)
window.setCentralWidget(tabs)
window.resize(1180, 720)
watcher = QuitOnPaint()
window.installEventFilter(watcher)
window.show()
sys.exit(app.exec())
