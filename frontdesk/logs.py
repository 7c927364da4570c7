"""The app's log: a rotating file beside the database, and crashes of Python itself.

Only ids and what happened go in (patient #12, appointment #40): never a name, a phone or a
note, so the log may be sent to whoever looks after Frontdesk. The command line keeps
printing its sentences to stderr; this file is for the window.

The rotation is a few lines of our own rather than logging.handlers, whose import (sockets,
pickling, queues) the window's start would pay for; and each new file is made 0600 before it
is written, like every other file Frontdesk keeps beside the database.
"""

from __future__ import annotations

import faulthandler
import logging
import os
import sys
from pathlib import Path
from typing import IO

from frontdesk.storage.private_files import create_private_file

LOG_BYTES = 1_000_000
LOG_FILES = 5

_file: Path | None = None
_crashes: IO[str] | None = None
_faulthandler_before = False


class RotatingLog(logging.FileHandler):
    """`clinic.log`, moved to `clinic.log.1` (and so on up to LOG_FILES) once it holds
    LOG_BYTES; the oldest goes."""

    def __init__(self, path: Path) -> None:
        create_private_file(path)
        super().__init__(path, encoding="utf-8")

    def emit(self, record: logging.LogRecord) -> None:
        try:
            if self.stream is not None and self.stream.tell() >= LOG_BYTES:
                self._rotate()
        except OSError:
            pass  # a full disk must not stop the app: the line goes to the current file
        super().emit(record)

    def _rotate(self) -> None:
        if self.stream is not None:
            self.stream.close()
        path = Path(self.baseFilename)
        for number in range(LOG_FILES - 1, 0, -1):
            older = path.with_name(f"{path.name}.{number}")
            if older.exists():
                os.replace(older, path.with_name(f"{path.name}.{number + 1}"))
        os.replace(path, path.with_name(f"{path.name}.1"))
        create_private_file(path)
        self.stream = self._open()


def log_path_for(db_path: Path) -> Path:
    """`clinic.sqlite3` logs to `clinic.log`, in the same folder."""
    return db_path.with_name(f"{db_path.stem}.log")


def start_logging(db_path: Path) -> Path:
    """Sends the app's log lines to the rotating file and Python's fatal errors (a crash in
    Qt, say) to it too; returns the file's path. Called when the window starts; again for the
    same database it changes nothing, for another one it moves the log there."""
    global _file, _crashes, _faulthandler_before
    path = log_path_for(db_path)
    if _file == path:
        return path
    if _file is not None:
        stop_logging()
    handler = RotatingLog(path)
    # The machine's time with its offset from UTC: a line's moment is never ambiguous.
    handler.setFormatter(
        logging.Formatter(
            "%(asctime)s %(levelname)s %(name)s: %(message)s", datefmt="%Y-%m-%d %H:%M:%S%z"
        )
    )
    root = logging.getLogger()
    root.addHandler(handler)
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)
    _faulthandler_before = faulthandler.is_enabled()
    _crashes = path.open("a", encoding="utf-8")  # kept open: faulthandler writes at a crash
    faulthandler.enable(_crashes)
    _file = path
    logging.getLogger(__name__).info("Frontdesk started (process %s)", os.getpid())
    return path


def log_file() -> Path | None:
    """Where the log goes, to name it in an error message; None before `start_logging`."""
    return _file


def stop_logging() -> None:
    """Closes the file (tests; a window closing leaves it to the end of the process); fatal
    errors go where they went before."""
    global _file, _crashes
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, RotatingLog):
            root.removeHandler(handler)
            handler.close()
    if _crashes is not None:
        faulthandler.disable()
        _crashes.close()
        _crashes = None
        if _faulthandler_before and sys.__stderr__ is not None:
            faulthandler.enable(sys.__stderr__)
    _file = None
