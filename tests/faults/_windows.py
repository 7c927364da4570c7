"""Windows a --smoke start leaves open, closed before the next test."""

from __future__ import annotations

import sys


def close_windows_left_open() -> None:
    """A start with --smoke returns with its first window still open (the real process then
    ends); here the process goes on to other tests, whose windows it must not share."""
    if "PySide6.QtWidgets" not in sys.modules:
        return
    from PySide6.QtCore import QCoreApplication, QEvent
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        return
    for widget in QApplication.topLevelWidgets():
        widget.close()
        widget.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    app.processEvents()
