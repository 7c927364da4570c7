"""The start-up checks, begun in a thread before Qt loads: SQLite works without Python's lock,
so checking a large file costs no time the imports were not already taking.

First the -wal file (before anything opens the database, SQLite included: it would drop the
commits after a damaged frame), then the opening check (a few pages, whatever the size), or
the full check when the last one before a backup found damage."""

from __future__ import annotations

import threading
from datetime import datetime
from pathlib import Path

# Imported here, on the main thread: importing while another thread imports is not safe.
from frontdesk.domain.clinic import CLINIC_TZ
from frontdesk.services.encryption import ClinicKeyMissing, unlock
from frontdesk.storage.backups import check_at_start
from frontdesk.storage.wal_check import set_aside_if_damaged


def start_early_check(path: Path) -> EarlyCheck | None:
    """The check, begun once the key of an encrypted database is held (from this computer's
    keyring). None when the key must be typed first: the window asks for it, and the opening
    then checks the file itself."""
    try:
        unlock(path)
    except ClinicKeyMissing:
        return None
    except OSError:  # a folder, or a file this user may not read: the opening says which
        pass
    return EarlyCheck(path)


class EarlyCheck:
    def __init__(self, path: Path) -> None:
        self._path = path
        self._problem: str | None = None
        self._finished = False
        self._thread = threading.Thread(target=self._run, name="frontdesk-check", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        self._problem = self._check()
        self._finished = True

    def _check(self) -> str | None:
        if not self._path.exists():
            return None
        # What it finds is handed to open_clinic (wal_check.take_findings), which tells.
        set_aside_if_damaged(self._path, datetime.now(CLINIC_TZ))
        return check_at_start(self._path)

    def result(self) -> str | None:
        """None when the file is healthy (or new); waits for the check to finish."""
        self._thread.join()
        if not self._finished:  # the thread failed: never take that for "healthy"
            return self._check()
        return self._problem
