"""The day the audit chain was last found intact, kept in a small file beside the database.

The whole trail is read once a day (a million lines take seconds): a second start the same day,
or the hourly retry of a window left open, does not read it again. Beside the database, not in
it: noting the check must not be a write to the file it checks. Only a check that found the
trail intact is noted, so a broken trail is said again at the next start.
"""

from __future__ import annotations

import contextlib
from datetime import date
from pathlib import Path

from frontdesk.storage.backups import write_atomically

CHAIN_CHECKED_SUFFIX = ".chain-checked"


def chain_note(db_path: Path) -> Path:
    return db_path.with_name(db_path.stem + CHAIN_CHECKED_SUFFIX)


def chain_checked_on(db_path: Path) -> date | None:
    """The day the chain was last found intact; None when never, or the note is unreadable."""
    try:
        text = chain_note(db_path).read_text(encoding="ascii").strip()
        return date.fromisoformat(text)
    except (OSError, ValueError):
        return None


def note_chain_checked(db_path: Path, day: date) -> None:
    """Best effort: without the note, the next start checks again (slower, never wrong)."""
    with contextlib.suppress(OSError):
        write_atomically(chain_note(db_path), f"{day.isoformat()}\n".encode("ascii"))


def forget_chain_check(db_path: Path) -> None:
    """Another file now sits at `db_path` (a backup put back): its trail has not been checked."""
    with contextlib.suppress(OSError):
        chain_note(db_path).unlink(missing_ok=True)
