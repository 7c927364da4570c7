"""Backups of the clinic server as the clinic sees them: one now, the daily one of the
workstation the admin marks, and a restore that switches the workstations to a new database
only once it has been checked.

Each call opens its own connections, so it can run off the GUI thread. A backup and a restore
are written in the clinic's audit trail, as the file's are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from frontdesk.domain.permissions import Permission
from frontdesk.paths import server_files
from frontdesk.services.clinic import DatabaseRefused, ServerUnreachable, open_server
from frontdesk.services.clock import Clock, clinic_now
from frontdesk.services.errors import ServiceError
from frontdesk.services.signed_in import SignedIn
from frontdesk.services.unit_of_work import check_allowed, record_event
from frontdesk.storage import backups as files
from frontdesk.storage import postgres_schema
from frontdesk.storage import server_backups as dumps
from frontdesk.storage.audit import AuditRepository
from frontdesk.storage.backup_sets import list_backups
from frontdesk.storage.database import DatabaseError
from frontdesk.storage.postgres import PgDatabase, address_without_password
from frontdesk.storage.postgres_errors import ConnectionLost
from frontdesk.storage.server_address import with_database, with_password, without_password

Backup = files.Backup


class ServerBackupError(ServiceError):
    """A backup or restore of the clinic server did not happen; the sentence says why."""


@dataclass(frozen=True)
class Restored:
    """A checked copy of the clinic in a new database, ready for the workstations."""

    name: str  # the new database
    address: str  # the workstations' address on it (no password): what they now remember
    previous: str  # the database it takes over from, left as it was
    rows: dict[str, int]
    new_roles: dict[str, str] = field(default_factory=dict)  # role -> its new password


def restored_address(address: str, new_name: str) -> str:
    """The address a workstation remembers once a restore has switched it to `new_name`:
    its own address (user, server, TLS) on the new database, without the password."""
    return without_password(with_database(address, new_name))


class ServerBackupService:
    """Backups of the database at `address` (the workstation's, with its password)."""

    def __init__(self, address: str, clock: Clock = clinic_now, files: Path | None = None) -> None:
        self._address = address
        self._clock = clock
        self._files = files

    # -- where -----------------------------------------------------------------------
    def folder(self) -> Path:
        """The folder the admin chose for this server on this workstation (storage/backups'
        folder choice, kept beside this workstation's files for the server), else
        `servers/backups` in the user's data folder."""
        return files.backup_folder(self._files or server_files(self._server_name()))

    def backups(self) -> list[Backup]:
        return list_backups(self.folder(), self.database(), dumps.DUMP_SUFFIX)

    def database(self) -> str:
        return dumps.database_of(self._address)

    # -- taking them -----------------------------------------------------------------
    def back_up_to(self, folder: Path | None = None, via: str = "command line") -> Path:
        """`frontdesk --server URL backup [--to DIR]`: whoever holds the address may read
        every row anyway."""
        return self._backup(None, files.MANUAL, folder, via)

    def back_up_now(self, actor: SignedIn) -> Path:
        db = self._open()
        try:
            check_allowed(db, self._clock, actor, Permission.BACKUP, "back up the database")
        finally:
            db.close()
        return self._backup(actor, files.MANUAL, None, "app")

    def daily_if_due(self, folder: Path | None = None) -> Path | None:
        """Today's backup, on the workstation the admin marked for it (or the server's
        timer): none when one was taken today already."""
        folder = folder or self.folder()
        today = self._clock().date()
        taken = list_backups(folder, self.database(), dumps.DUMP_SUFFIX)
        if any(backup.taken.date() == today for backup in taken):
            return None
        return self._backup(None, files.DAILY, folder, "daily")

    def _backup(self, actor: SignedIn | None, reason: str, folder: Path | None, via: str) -> Path:
        folder = folder or self.folder()
        try:
            made = dumps.take_dump(self._address, folder, reason, self._clock())
        except dumps.ServerBackupFailed as exc:
            raise ServerBackupError(str(exc)) from exc
        details = {
            "file": str(made.path),
            "reason": reason,
            "rows": sum(made.rows.values()),
            "rotated_out": len(made.rotated_out),
            "via": via,
        }
        db = self._open()
        try:
            record_event(db, self._clock, actor, "backup", "database", None, details)
        finally:
            db.close()
        return made.path

    # -- restoring -------------------------------------------------------------------
    def check(self, dump: Path) -> dumps.DumpContents:
        """The dump read back whole (what a restore would put in the new database)."""
        try:
            return dumps.check_dump(dump)
        except dumps.ServerBackupFailed as exc:
            raise ServerBackupError(str(exc)) from exc

    def restore(self, dump: Path, admin_address: str | None = None) -> Restored:
        """Restores `dump` into a new database (named after the clinic's, with the moment),
        checks it (its rows are the dump's, the audit chain is whole, the schema is this
        version's, the workstations' role opens it) and only then returns it: the caller
        switches the workstations to `Restored.address`. The current database is left as it
        was; a restore that fails its check is dropped.

        `admin_address` may create databases (the address `frontdesk server init` was
        given); without it, the workstation's own address must have that right."""
        admin = admin_address or self._address
        contents = self.check(dump)
        try:
            made = dumps.restore_dump(dump, admin, self._clock(), contents)
        except dumps.ServerBackupFailed as exc:
            raise ServerBackupError(str(exc)) from exc
        try:
            self._check_restored(admin, made)
            address = self._workstation_address(made)
            open_server(address, self._clock, files=self._files).close()  # as a workstation
            db = PgDatabase(address)
            try:
                record_event(
                    db, self._clock, None, "restore", "database", None,
                    {
                        "from": dump.name,
                        "previous_database": self.database(),
                        "rows": sum(made.rows.values()),
                        "via": "command line",
                    },
                )  # fmt: skip
            finally:
                db.close()
        except (ServerUnreachable, DatabaseRefused) as exc:
            dumps.drop_restored(admin, made.name)
            raise ServerBackupError(
                f"The restored database {made.name} does not open as the workstations open it"
                f" ({exc}); it was removed and nothing was switched."
            ) from exc
        except DatabaseError as exc:
            dumps.drop_restored(admin, made.name)
            raise ServerBackupError(
                f"The restored database {made.name} could not be checked ({exc}); it was"
                " removed and nothing was switched."
            ) from exc
        except BaseException:
            dumps.drop_restored(admin, made.name)
            raise
        return Restored(
            made.name,
            restored_address(self._address, made.name),
            self.database(),
            made.rows,
            made.new_roles,
        )

    def _check_restored(self, admin: str, made: dumps.RestoredDatabase) -> None:
        db = PgDatabase(with_database(admin, made.name))
        try:
            if postgres_schema.pending(db):
                raise ServerBackupError(
                    f"The backup is of an older version of the clinic's database; the restored"
                    f" copy {made.name} was removed and nothing was switched. Restore it with"
                    " the Frontdesk version that took it, then start this version on it."
                )
            broken = AuditRepository(db).first_break()
            if broken is not None:
                raise ServerBackupError(
                    f"The audit trail in the backup is not whole ({broken}); the restored copy"
                    f" {made.name} was removed and nothing was switched."
                )
        finally:
            db.close()

    def _workstation_address(self, made: dumps.RestoredDatabase) -> str:
        """The workstation's own address on the new database, with the new password when its
        role had to be made on this server."""
        address = with_database(self._address, made.name)
        return with_password(address, made.new_roles.get(dumps.user_of(address)))

    # -- connections -----------------------------------------------------------------
    def _open(self) -> PgDatabase:
        try:
            return PgDatabase(self._address)
        except (ConnectionLost, DatabaseError) as exc:
            raise ServerBackupError(
                f"Could not reach the clinic server"
                f" ({address_without_password(self._address)}): {exc}."
            ) from exc

    def _server_name(self) -> str:
        """user@host:port/dbname, as open_server names this workstation's files for it."""
        db = self._open()
        try:
            return db.address
        finally:
            db.close()
