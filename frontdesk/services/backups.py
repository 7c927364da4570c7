"""Backups as the clinic sees them: the daily one, one now, the folder, and the way back from
a damaged file. Each call opens its own connection, so it can run off the GUI thread."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from frontdesk.domain.permissions import Permission
from frontdesk.services.clock import Clock, clinic_now
from frontdesk.services.errors import ServiceError
from frontdesk.services.signed_in import SignedIn
from frontdesk.services.unit_of_work import check_allowed, record_event
from frontdesk.storage import backups as files
from frontdesk.storage.daily_checks import forget_chain_check
from frontdesk.storage.db import connect

Backup = files.Backup


class BackupError(ServiceError):
    """A backup or restore did not happen; the sentence says why."""


class BackupKeyMissing(BackupError):
    """The backup (or the database it would replace) is encrypted with a key this computer
    does not hold: `encryption.unlock_with_recovery_key(path, typed)` first, then again."""

    def __init__(self, message: str, path: Path) -> None:
        super().__init__(message)
        self.path = path


@dataclass(frozen=True)
class Damage:
    """Why the clinic's file cannot be opened, and the backup that could replace it."""

    path: Path
    problem: str
    latest_good: Backup | None


class BackupService:
    def __init__(self, db_path: Path, clock: Clock = clinic_now) -> None:
        self._path = db_path
        self._clock = clock

    # -- where -----------------------------------------------------------------------
    def folder(self) -> Path:
        return files.backup_folder(self._path)

    def set_folder(self, actor: SignedIn, folder: Path) -> Path:
        with connect(self._path) as db:
            check_allowed(db, self._clock, actor, Permission.SETTINGS, "choose the backup folder")
            before = self.folder()
            try:
                chosen = files.set_backup_folder(self._path, folder)
            except files.BackupFailed as exc:
                raise BackupError(str(exc)) from exc
            record_event(
                db, self._clock, actor, "update", "settings", None,
                {"backup_folder": str(chosen), "was": str(before)},
            )  # fmt: skip
        return chosen

    def backups(self) -> list[Backup]:
        return files.list_backups(self.folder(), self._path.stem)

    # -- taking them -----------------------------------------------------------------
    def back_up_now(self, actor: SignedIn) -> Path:
        with connect(self._path) as db:
            check_allowed(db, self._clock, actor, Permission.BACKUP, "back up the database")
        return self._backup(actor, files.MANUAL)

    def daily_if_due(self) -> Path | None:
        """The first start of each day takes one (by the system, audited as such), with the
        full check of the whole file that the opening check at each start leaves out. Copies
        a backup killed mid-way left behind are removed first, backup or not."""
        folder = self.folder()
        files.remove_abandoned_partials_of(self._path, [folder])
        recorded = files.recorded_damage(self._path)
        if recorded is not None:  # found at the last check: said again, not checked again
            raise BackupError(str(files.DamageFound(recorded)))
        today = self._clock().date()
        if files.backed_up_on(folder, self._path.stem, today):
            return None
        return self._backup(None, files.DAILY)

    def back_up_to(self, folder: Path | None) -> Path:
        """`frontdesk backup [--to DIR]`: whoever can read the file can copy it anyway."""
        return self._backup(None, files.MANUAL, folder, via="command line")

    def _backup(
        self, actor: SignedIn | None, reason: str, folder: Path | None = None, via: str = "app"
    ) -> Path:
        folder = folder or self.folder()
        try:
            made = files.backup_database(self._path, folder, reason, self._clock())
            removed = files.rotate(folder, self._path.stem, now=self._clock())
        except files.DamageFound as exc:
            raise BackupError(f"{exc} ({self._path})") from exc
        except files.BackupFailed as exc:
            raise BackupError(str(exc)) from exc
        details = {"file": str(made), "reason": reason, "rotated_out": len(removed), "via": via}
        self._record(actor, "backup", details)
        return made

    def _record(self, actor: SignedIn | None, action: str, details: dict[str, object]) -> None:
        with connect(self._path) as db:
            if "audit_head" in db.table_names():  # a file from before the audit chain: no trail
                record_event(db, self._clock, actor, action, "database", None, details)

    # -- when the file is damaged ------------------------------------------------------
    def damage(self, checked: Callable[[], str | None] | None = None) -> Damage | None:
        """The opening check (the full check when the last one found damage): the app never
        starts on a file it knows to be damaged.

        `checked` gives the result of a check already running (started before Qt loads)."""
        if not self._path.exists():
            return None
        problem = checked() if checked is not None else files.check_at_start(self._path)
        if problem is None:
            return None
        return Damage(self._path, problem, self.latest_good())

    def latest_good(self) -> Backup | None:
        folders = [self.folder(), files.default_backup_folder(self._path)]
        return files.latest_good_backup(folders, self._path.stem)

    def restore(self, backup: Path, actor: SignedIn | None = None, via: str = "app") -> Path | None:
        """Only while the clinic is not open here; returns where the previous file went."""
        try:
            saved = files.restore(backup, self._path, self._clock())
        except files.BackupKeyNeeded as exc:
            raise BackupKeyMissing(str(exc), exc.path) from exc
        except files.BackupFailed as exc:
            raise BackupError(str(exc)) from exc
        forget_chain_check(self._path)  # the trail put back is checked afresh
        self._record(
            actor, "restore",
            {"from": str(backup), "previous_saved_as": str(saved) if saved else None, "via": via},
        )  # fmt: skip
        return saved
