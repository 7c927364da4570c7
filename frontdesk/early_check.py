"""The start-up quick_check, begun in a thread before Qt loads: SQLite works without Python's
lock, so checking a large file costs no time the imports were not already taking."""

from __future__ import annotations

import threading
from pathlib import Path

# Imported here, on the main thread: importing while another thread imports is not safe.
from frontdesk.storage.backups import check


class EarlyCheck:
    def __init__(self, path: Path) -> None:
        self._path = path
        self._problem: str | None = None
        self._finished = False
        self._thread = threading.Thread(target=self._run, name="frontdesk-check", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        self._problem = check(self._path) if self._path.exists() else None
        self._finished = True

    def result(self) -> str | None:
        """None when the file is healthy (or new); waits for the check to finish."""
        self._thread.join()
        if not self._finished:  # the thread failed: never take that for "healthy"
            return check(self._path) if self._path.exists() else None
        return self._problem
