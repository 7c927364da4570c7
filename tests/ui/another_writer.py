"""Another window holding the database's write lock while this one saves: how long the save
waited, and whether this window's event loop kept running meanwhile."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QTimer

from frontdesk.storage.engine import sqlite3

TICK_MS = 20


@dataclass(frozen=True)
class Waited:
    seconds: float
    ticks: list[float]  # when this window's timer fired, every TICK_MS while it could

    def longest_stall(self) -> float:
        return max((b - a for a, b in itertools.pairwise(self.ticks)), default=self.seconds)


def while_another_window_writes(db_path: Path, save: Callable[[], object], hold: float = 0.6):
    """Runs `save` while another connection holds the write lock for `hold` seconds."""
    other = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    threading.Timer(hold, lambda: other.execute("COMMIT")).start()
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(TICK_MS)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start()
    started = time.monotonic()
    try:
        save()
    finally:
        waited = time.monotonic() - started
        timer.stop()
        other.close()
    return Waited(waited, ticks)
