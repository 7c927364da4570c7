"""Long jobs (a backup) off the GUI thread; the answer comes back on it through a signal."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot


class BackgroundJob(QObject):
    """`finished` carries the job's result, or the exception it raised (never lost)."""

    finished = Signal(object)
    _ready = Signal(object)  # emitted on the worker thread, delivered on this object's thread

    def __init__(self, job: Callable[[], Any], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._job = job
        self._ready.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        self._thread = threading.Thread(target=self._run, name="frontdesk-job", daemon=True)

    def start(self) -> BackgroundJob:
        self._thread.start()
        return self

    def wait(self, seconds: float | None = None) -> None:
        self._thread.join(seconds)

    def _run(self) -> None:
        try:
            result: Any = self._job()
        except Exception as exc:  # handed to the GUI thread, which says it in words
            result = exc
        self._ready.emit(result)

    @Slot(object)
    def _deliver(self, result: object) -> None:
        self.finished.emit(result)
