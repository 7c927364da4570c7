"""Refusals the person at the desk can act on: plain words, never a traceback."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from frontdesk.domain.dates import format_us
from frontdesk.domain.patients import Patient


class ServiceError(Exception):
    """Base for refusals; `str()` is the sentence shown to the user."""


class ValidationFailed(ServiceError):
    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__(" ".join(self.errors.values()))


class PossibleDuplicate(ServiceError):
    """Not saved: someone with the same name and birthday is registered. Save again to confirm."""

    def __init__(self, matches: list[Patient]) -> None:
        self.matches = matches
        first = matches[0]
        super().__init__(
            f"{first.full_name}, born {format_us(first.dob)}, is already registered (#{first.id})."
        )


class ChangedElsewhere(ServiceError):
    """Someone saved this record after it was opened here; saving would undo their change."""


class NotFound(ServiceError):
    pass


class UnknownStaff(ServiceError):
    pass


class NotAllowed(ServiceError):
    """This staff member's role may not do this."""


class StorageError(ServiceError):
    """The database refused or failed (locked too long, disk full, damaged): nothing saved."""


@contextmanager
def plain_storage_errors(doing: str) -> Iterator[None]:
    """Turns SQLite's failures into a sentence for the desk; the transaction has rolled back."""
    try:
        yield
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise StorageError(
                f"Could not {doing}: another Frontdesk window kept the database busy."
                " Nothing was changed; please try again."
            ) from exc
        if "full" in str(exc):
            raise StorageError(
                f"Could not {doing}: the disk is full. Nothing was changed; free some space"
                " (or ask whoever looks after this computer), then try again."
            ) from exc
        raise StorageError(f"Could not {doing}: {exc}. Nothing was changed.") from exc
    except sqlite3.IntegrityError as exc:
        if "constraint failed" in str(exc):  # SQLite's words, not ours (our triggers' are)
            raise StorageError(
                f"Could not {doing}: something typed is empty or cannot be stored as it is."
                " Nothing was changed."
            ) from exc
        raise StorageError(f"Could not {doing}: {exc} Nothing was changed.") from exc
    except sqlite3.Error as exc:
        raise StorageError(f"Could not {doing}: {exc}. Nothing was changed.") from exc


class SlotRefused(ServiceError):
    """The time asked for breaks a booking rule; the sentence says which."""
