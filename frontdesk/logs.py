"""The app's log: a rotating file beside the database, and crashes of Python itself.

Only ids and what happened go in (patient #12, appointment #40): never a name, a phone or a
note, so the log may be sent to whoever looks after Frontdesk. The command line keeps
printing its sentences to stderr; this file is for the window.
"""

from __future__ import annotations

import faulthandler
import logging
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import IO

from frontdesk.storage.private_files import create_private_file

LOG_BYTES = 1_000_000
LOG_FILES = 5

_file: Path | None = None
_crashes: IO[str] | None = None


def log_path_for(db_path: Path) -> Path:
    """`clinic.sqlite3` logs to `clinic.log`, in the same folder."""
    return db_path.with_name(f"{db_path.stem}.log")


def start_logging(db_path: Path) -> Path:
    """Sends the app's log lines to the rotating file and Python's fatal errors (a crash in
    Qt, say) to it too; returns the file's path. Called once, when the window starts."""
    global _file, _crashes
    path = log_path_for(db_path)
    create_private_file(path)
    handler = RotatingFileHandler(path, maxBytes=LOG_BYTES, backupCount=LOG_FILES, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)
    if _crashes is None:
        _crashes = path.open("a", encoding="utf-8")  # kept open: faulthandler writes at a crash
        faulthandler.enable(_crashes)
    _file = path
    logging.getLogger(__name__).info("Frontdesk started")
    return path


def log_file() -> Path | None:
    """Where the log goes, to name it in an error message; None before `start_logging`."""
    return _file


def stop_logging() -> None:
    """Closes the file (tests; a window closing leaves it to the end of the process)."""
    global _file, _crashes
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, RotatingFileHandler):
            root.removeHandler(handler)
            handler.close()
    if _crashes is not None:
        faulthandler.disable()
        _crashes.close()
        _crashes = None
    _file = None
