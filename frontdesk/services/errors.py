"""Refusals the person at the desk can act on: plain words, never a traceback."""

from __future__ import annotations

import errno
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from frontdesk.domain.dates import format_us
from frontdesk.domain.patients import Patient
from frontdesk.storage import database
from frontdesk.storage.database import OutcomeUnknown, WriteConflict
from frontdesk.storage.filesystems import file_size_limit

# SQLite stores a row id in a signed 64-bit integer: a larger Python int cannot even be asked
# about (sqlite3 raises OverflowError), so such an id names nothing.
SMALLEST_ID = -(2**63)
LARGEST_ID = 2**63 - 1


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


def can_be_an_id(value: object) -> bool:
    """For reads that answer "nobody" rather than refuse: whether SQLite could hold the id."""
    return (
        isinstance(value, int)
        and not isinstance(value, bool)
        and (SMALLEST_ID <= value <= LARGEST_ID)
    )


def known_id(value: object, what: str) -> int:
    """`value` if it can be a stored row id; else the same refusal as for a missing record.

    Every service method taking an id calls this first: an id typed or pasted by someone
    (`--patient 99999999999999999999`) is a record that does not exist, not a crash.
    """
    if not can_be_an_id(value):
        raise NotFound(f"{what} #{value} does not exist.")
    assert isinstance(value, int)
    return value


class UnknownStaff(ServiceError):
    pass


class NotAllowed(ServiceError):
    """This staff member's role may not do this."""


class StorageError(ServiceError):
    """The database refused or failed (locked too long, disk full, damaged): nothing saved."""


class TryAgain(StorageError):
    """Another workstation's write crossed this one and the database undid this one whole:
    the same call, run again, meets the database as it is now (ui/operations.py does it)."""


@contextmanager
def plain_storage_errors(doing: str) -> Iterator[None]:
    """Turns SQLite's failures into a sentence for the desk; the transaction has rolled back."""
    try:
        yield
    except OutcomeUnknown as exc:  # not "nothing was changed": that is what is not known
        raise StorageError(f"Could not tell whether Frontdesk managed to {doing}: {exc}.") from exc
    except WriteConflict as exc:
        raise TryAgain(
            f"Could not {doing}: the database was busy (another workstation saved at the same"
            " moment). Nothing was changed; please try again."
        ) from exc
    except database.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise StorageError(
                f"Could not {doing}: another Frontdesk window kept the database busy."
                " Nothing was changed; please try again."
            ) from exc
        if is_out_of_space(exc):
            raise StorageError(out_of_space(f"Could not {doing}")) from exc
        raise StorageError(f"Could not {doing}: {exc}. Nothing was changed.") from exc
    except database.IntegrityError as exc:
        if "constraint failed" in str(exc):  # SQLite's words, not ours (our triggers' are)
            raise StorageError(
                f"Could not {doing}: something typed is empty or cannot be stored as it is."
                " Nothing was changed."
            ) from exc
        raise StorageError(f"Could not {doing}: {exc} Nothing was changed.") from exc
    except database.Error as exc:
        raise StorageError(f"Could not {doing}: {exc}. Nothing was changed.") from exc
    except OverflowError as exc:  # a number SQLite cannot hold (64 bits), caught by sqlite3
        raise StorageError(
            f"Could not {doing}: a number given is too large to be stored. Nothing was changed."
        ) from exc


def is_out_of_space(exc: BaseException) -> bool:
    """A full disk, or a file that reached this account's file-size limit.

    Past that limit (RLIMIT_FSIZE) a write fails with EFBIG, which SQLite reports as a
    "disk I/O error" (SQLITE_IOERR_WRITE), or as "database or disk is full" after a short
    write.
    """
    if isinstance(exc, OSError):
        return exc.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)
    if not isinstance(exc, database.Error):
        return False
    name = getattr(exc, "sqlite_errorname", "")
    if name == "SQLITE_FULL" or "full" in str(exc):
        return True
    # SQLCipher's binding names the primary code only ("SQLITE_IOERR"), not the extended one.
    return name in ("SQLITE_IOERR", "SQLITE_IOERR_WRITE", "SQLITE_IOERR_SHORT_WRITE") and (
        file_size_limit() is not None
    )


def out_of_space(could_not: str) -> str:
    """The sentence for `is_out_of_space`: a file-size limit is named as such, because freeing
    disk space would not help; only lifting the limit does."""
    limit = file_size_limit()
    if limit is not None:
        return (
            f"{could_not}: a file reached the largest size this computer allows this user"
            f" account to write ({_size(limit)}); the disk itself may still have space. Nothing"
            " was changed; ask whoever looks after this computer to lift the file-size limit"
            " (ulimit -f), then try again."
        )
    return (
        f"{could_not}: the disk is full. Nothing was changed; free some space (or ask whoever"
        " looks after this computer), then try again."
    )


def _size(limit: int) -> str:
    if limit >= 1024 * 1024:
        return f"{limit / (1024 * 1024):.0f} MB"
    return f"{max(1, limit // 1024)} KB"


class CannotOpen(ServiceError):
    """The clinic database could not be opened or brought up to date; it was left as it was."""


@contextmanager
def plain_opening_errors(path: Path) -> Iterator[None]:
    """Opening a database (and updating its schema after a backup) fails in words.

    The schema update takes a checked backup first and then runs in one transaction: any
    failure here leaves the file exactly as it was, which is what every sentence says.
    """
    from frontdesk.storage.backups import BackupFailed  # storage's own refusal

    try:
        yield
    except ServiceError:
        raise
    except BackupFailed as exc:
        if exc.__cause__ is not None and is_out_of_space(exc.__cause__):
            raise CannotOpen(
                out_of_space(
                    f"The clinic database {path} needs an update for this version of Frontdesk,"
                    " and the copy always taken before an update could not be saved"
                )
            ) from exc
        raise CannotOpen(
            f"The clinic database {path} needs an update for this version of Frontdesk, and"
            f" the copy always taken before an update could not be saved: {_lower(exc)} Nothing"
            " was changed. Once a backup can be written there (free some space, or fix the"
            " folder), start Frontdesk again."
        ) from exc
    except database.IntegrityError as exc:
        if "broken references" not in str(exc):
            raise CannotOpen(_could_not_open(path, exc)) from exc
        raise CannotOpen(
            f"The clinic database {path} could not be updated for this version of Frontdesk:"
            f" some records in it point at records that are missing ({_tables(str(exc))})."
            " Nothing was changed, and a backup taken before the attempt is in the backup"
            " folder. Keep using the previous version of Frontdesk and ask whoever looks after"
            " it to repair the file."
        ) from exc
    except (database.Error, OSError) as exc:
        if is_out_of_space(exc):
            raise CannotOpen(
                out_of_space(f"The clinic database {path} could not be opened")
            ) from exc
        raise CannotOpen(_could_not_open(path, exc)) from exc


def _lower(exc: BaseException) -> str:
    text = str(exc)
    return text[:1].lower() + text[1:]


def _could_not_open(path: Path, exc: BaseException) -> str:
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return (
        f"The clinic database {path} could not be opened ({reason.rstrip('.')}). Nothing was"
        " changed."
    )


def _tables(text: str) -> str:
    """The tables of PRAGMA foreign_key_check's rows: "appointments -> patients"."""
    pairs = re.findall(r"\('([^']+)', \d+, '([^']+)'", text)
    named = sorted({f"{child} -> {parent}" for child, parent in pairs})
    return ", ".join(named) or "references"


class SlotRefused(ServiceError):
    """The time asked for breaks a booking rule; the sentence says which."""
