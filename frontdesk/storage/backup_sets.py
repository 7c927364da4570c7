"""One database's backups in a folder, whatever made them: their names, and which ones the
rotation removes.

A file's copies (`.sqlite3`) and the clinic server's dumps (`.dump`) follow one rule, so that
an admin reads either folder the same way: `{stem}-{reason}-{YYYYmmdd-HHMMSS}[-n]{suffix}`,
the newest of each recent day, week and month kept (domain/backup_rotation), today's all kept,
and a copy taken on purpose or before something risky kept 30 days whatever the rotation says.
Only the suffix (and what else goes with a deleted file) differs between the two; storage/backups
re-exports the names and reasons below, and this module imports nothing of either kind of backup.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

from frontdesk.domain.backup_rotation import kept

STAMP_FORMAT = "%Y%m%d-%H%M%S"

DAILY = "daily"
MANUAL = "manual"
BEFORE_MIGRATION = "before-migration"
BEFORE_RESTORE = "before-restore"
# A closed list: with free-form reasons, "frontdesk-demo-daily-..." (the demo database's backup)
# would also read as a "demo-daily" backup of "frontdesk", and its rotation would delete it.
REASONS = frozenset({DAILY, MANUAL, BEFORE_MIGRATION, BEFORE_RESTORE})
# Taken just before something risky, or on purpose: kept even when the rotation would not.
PROTECTED_REASONS = frozenset({BEFORE_MIGRATION, BEFORE_RESTORE, MANUAL})
PROTECTED_FOR = timedelta(days=30)


@dataclass(frozen=True)
class Backup:
    path: Path
    taken: datetime  # clinic wall time, as written in the file name
    reason: str


def require_reason(reason: str) -> None:
    if reason not in REASONS:
        raise ValueError(f"unknown backup reason {reason!r}: add it to REASONS ({sorted(REASONS)})")


@cache
def name_tail(suffix: str) -> re.Pattern[str]:
    """The end of a backup's name; what comes before it is the database's stem (which may
    itself hold hyphens: "frontdesk-demo-daily-20261126-103000.sqlite3")."""
    return re.compile(
        "-(?P<reason>" + "|".join(sorted(REASONS, key=len, reverse=True)) + ")"
        r"-(?P<stamp>\d{8}-\d{6})(?:-(?P<copy>[1-9]\d*))?" + re.escape(suffix) + "$"
    )


def backup_name(stem: str, reason: str, taken: datetime, suffix: str, copy: int = 1) -> str:
    require_reason(reason)
    extra = f"-{copy}" if copy > 1 else ""
    return f"{stem}-{reason}-{taken.strftime(STAMP_FORMAT)}{extra}{suffix}"


def free_backup_path(folder: Path, stem: str, reason: str, taken: datetime, suffix: str) -> Path:
    """Two backups in one second: the second gets -2 rather than replacing the first."""
    copy = 1
    while (path := folder / backup_name(stem, reason, taken, suffix, copy)).exists():
        copy += 1
    return path


def parse_name(name: str, suffix: str, stem: str | None = None) -> tuple[str, datetime, int] | None:
    """(reason, taken, copy number) of a backup's file name, or None when it is not one; with
    `stem`, only that database's."""
    match = name_tail(suffix).search(name)
    if match is None or match.start() == 0:
        return None
    if stem is not None and name[: match.start()] != stem:
        return None
    try:
        taken = datetime.strptime(match.group("stamp"), STAMP_FORMAT)
    except ValueError:  # 20261399-...: looks like a stamp, is not a moment
        return None
    return match.group("reason"), taken, int(match.group("copy") or 1)


def list_backups(folder: Path, stem: str, suffix: str) -> list[Backup]:
    """The database's backups in `folder`, newest first; other files are left out."""
    try:
        entries = list(folder.iterdir())
    except OSError:  # no such folder yet, or a network drive that is away
        return []
    found: list[tuple[datetime, int, Backup]] = []
    for entry in entries:
        parsed = parse_name(entry.name, suffix, stem)
        if parsed is None or not entry.is_file():
            continue
        reason, taken, copy = parsed
        found.append((taken, copy, Backup(entry, taken, reason)))
    found.sort(key=lambda item: (item[0], item[1]), reverse=True)
    return [backup for _taken, _copy, backup in found]


def rotated_out(backups: Iterable[Backup], now: datetime) -> list[Backup]:
    """The backups the rotation removes: not kept by it, not taken today (the rotation thins
    out the past, not today), and not a protected one younger than 30 days."""
    backups = list(backups)
    keep = kept(backup.taken for backup in backups)
    wall_now = now.replace(tzinfo=None)  # names hold wall time
    return [
        backup
        for backup in backups
        if backup.taken not in keep
        and backup.taken.date() != wall_now.date()
        and not (backup.reason in PROTECTED_REASONS and wall_now - backup.taken < PROTECTED_FOR)
    ]


def rotate(
    folder: Path, stem: str, suffix: str, now: datetime, side_files: Iterable[str] = ()
) -> list[Path]:
    """Deletes the backups the rotation does not keep and returns them; with each, the files
    named after it plus one of `side_files` (a SQLite copy's -wal and -shm, left by whoever
    opened it), best effort. A backup that cannot be deleted stays; the next rotation tries
    again."""
    side_files = tuple(side_files)
    deleted: list[Path] = []
    for backup in rotated_out(list_backups(folder, stem, suffix), now):
        try:
            backup.path.unlink()
        except OSError:
            continue
        for side in side_files:
            with contextlib.suppress(OSError):  # a leftover is harmless
                backup.path.with_name(backup.path.name + side).unlink(missing_ok=True)
        deleted.append(backup.path)
    return deleted
