"""Baseline for cold start and memory: a bare PySide6 window with 4 empty tabs, shown."""

from __future__ import annotations

import sys
import time

started = time.perf_counter()

from PySide6.QtCore import QEvent, QObject, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QMainWindow, QTabWidget, QWidget  # noqa: E402


class QuitOnPaint(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint:
            print(f"first paint after {(time.perf_counter() - started) * 1000:.0f} ms", flush=True)
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
