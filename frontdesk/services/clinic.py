"""Opening a clinic database and building the services that work on it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from frontdesk.paths import server_files, settings_path
from frontdesk.services.audit import AuditService
from frontdesk.services.backups import BackupService, Damage
from frontdesk.services.clock import Clock, clinic_now, fixed_clock, stamp
from frontdesk.services.errors import NotAllowed, ServiceError, plain_opening_errors
from frontdesk.services.login import LoginService
from frontdesk.services.patients import PatientService
from frontdesk.services.staff import StaffService
from frontdesk.storage import backups as files
from frontdesk.storage import postgres_schema
from frontdesk.storage.audit import AuditRepository, append_only_intact, restore_append_only
from frontdesk.storage.audit_anchor import retire_for_new_database
from frontdesk.storage.clinic_keys import ClinicKey, hold
from frontdesk.storage.database import Database, DatabaseError
from frontdesk.storage.db import connect, data_version, write_transaction
from frontdesk.storage.filesystems import NetworkFileSystem, refuse_network_filesystem
from frontdesk.storage.migrations import migrate
from frontdesk.storage.postgres import PgDatabase, address_without_password
from frontdesk.storage.postgres_errors import ConnectionLost
from frontdesk.storage.private_files import (
    create_private_file,
    keep_database_private,
    make_folder,
)
from frontdesk.storage.wal_check import set_aside_if_damaged, take_findings

if TYPE_CHECKING:
    from frontdesk.services.calendar import CalendarService
    from frontdesk.services.handouts import HandoutService
    from frontdesk.services.intake import IntakeService
    from frontdesk.services.record_views import RecordViews
    from frontdesk.services.sessions import SessionService


SPARE_CONNECTIONS = 4  # a window's writes and background reads at once, on the server


class Clinic:
    """Everything the UI and the command line may call, for one database file.

    Services for one area are built when that area is first used, so the start-up (which
    shows the registry) loads no more code than it needs.
    """

    # What the start found that whoever started Frontdesk must be told (a damaged -wal file).
    start_notes: tuple[str, ...] = ()

    def __init__(
        self,
        path: Path,
        db: Database,
        clock: Clock,
        migration_backup: Path | None,
        *,
        server: str | None = None,
    ) -> None:
        # On the clinic server, `path` names this workstation's own files for it (settings,
        # logs); `server` is the address its connections open.
        self.path = path
        self.server = server
        self._db = db
        self._clock = clock
        self.migration_backup = migration_backup
        self.patients = PatientService(db, clock)
        self.staff = StaffService(db, clock)
        self.login = LoginService(db, clock)
        self.audit = AuditService(db, clock)
        # On the server: connections of closed twins, kept for the next one (a new connection
        # costs a round trip to authenticate, and a fresh server process with cold caches).
        self._spare: list[PgDatabase] = []
        self._lender: Clinic | None = None  # whose spare connection this twin's is

    @cached_property
    def intakes(self) -> IntakeService:
        from frontdesk.services.intake import IntakeService

        return IntakeService(self._db, self._clock)

    @cached_property
    def calendar(self) -> CalendarService:
        from frontdesk.services.calendar import CalendarService

        service = CalendarService(self._db, self._clock)
        service.add_default_closures()
        return service

    @cached_property
    def sessions(self) -> SessionService:
        from frontdesk.services.sessions import SessionService

        return SessionService(self._db, self._clock, self.intakes, self.calendar)

    @cached_property
    def handouts(self) -> HandoutService:
        from frontdesk.services.handouts import HandoutService

        return HandoutService(
            self._db, self._clock, self.patients, self.intakes, self.calendar, self.sessions
        )

    @cached_property
    def record_views(self) -> RecordViews:
        """Who looked at which patient's record (audit lines, one per look)."""
        from frontdesk.services.record_views import RecordViews

        return RecordViews(self._db, self._clock)

    @cached_property
    def backups(self) -> BackupService:
        return BackupService(self.path, self._clock)

    def now(self) -> datetime:
        """The clinic's wall-clock time, as this clinic's services see it."""
        return self._clock()

    def make_demo(self) -> bool:
        """Marks this database as the demo clinic, with its public logins."""
        from frontdesk.services.demo_accounts import make_demo

        return make_demo(self._db, self._clock)

    def as_of(self, moment: datetime) -> Clinic:
        """The same database seen at `moment`: for recording what happened before now (demo)."""
        self._demo_only()
        return Clinic(self.path, self._db, fixed_clock(moment), None, server=self.server)

    def calendar_as_of(self, moment: datetime) -> CalendarService:
        """The calendar as it was at `moment`: for recording what happened before now (demo)."""
        from frontdesk.services.calendar import CalendarService

        self._demo_only()
        return CalendarService(self._db, fixed_clock(moment))

    def _demo_only(self) -> None:
        """Back-dated records are for filling the demo; a real clinic's past is not rewritten."""
        if not self.login.is_demo():
            raise NotAllowed("Only the demo clinic can record what happened before now.")

    def saved_since(self) -> int | None:
        """A number that changes whenever another connection saves to this database: compared
        with an earlier answer, it tells whether anything was saved elsewhere meanwhile.
        None while it cannot be asked (the clinic server away): nothing is known yet, and the
        next read or write says so in words."""
        try:
            return data_version(self._db)
        except DatabaseError:
            return None

    def twin(self) -> Clinic:
        """The same database on a connection of its own, for a call run on another thread
        (a connection belongs to the thread that opened it). The schema is already current."""
        if self.server is not None:
            assert isinstance(self._db, PgDatabase)
            try:
                db = self._spare.pop()  # one thread's pop: atomic
            except IndexError:
                db = PgDatabase.twin_of(self._db)
            twin = Clinic(self.path, db, self._clock, None, server=self.server)
            twin._lender = self
            return twin
        return Clinic(self.path, connect(self.path), self._clock, None)

    def close(self) -> None:
        """A twin's server connection, idle and whole, is kept for the next twin."""
        lender, db = self._lender, self._db
        keep = lender is not None and len(lender._spare) < SPARE_CONNECTIONS
        if keep and isinstance(db, PgDatabase) and db.idle():
            assert lender is not None
            lender._spare.append(db)
            return
        db.close()
        for spare in self._spare:
            spare.close()
        self._spare.clear()

    @property
    def where(self) -> str:
        """What this window works on, for people: the file, or the server and database."""
        return f"the clinic server {self.server_name}" if self.server else str(self.path)

    @property
    def server_name(self) -> str:
        return self._db.address if isinstance(self._db, PgDatabase) else ""


class ServerUnreachable(ServiceError):
    """The clinic server did not answer: nothing was opened."""


class DatabaseRefused(ServiceError):
    """The file is not opened at all: on a network drive, or damaged (see `damage`)."""

    def __init__(self, message: str, damage: Damage | None = None) -> None:
        super().__init__(message)
        self.damage = damage


def open_clinic(
    path: Path,
    clock: Clock = clinic_now,
    checked: Callable[[], str | None] | None = None,
    new_key: ClinicKey | None = None,
) -> Clinic:
    """Creates the file if needed and brings its schema up to date (backing it up first).

    An encrypted file opens with the key this process holds for it (`services/encryption.py`
    finds it first); a new file is encrypted with `new_key` when one is given, and held.

    Refuses a file on a network drive, and a damaged one (the opening check, or the full check
    when the last one found damage) with the latest good backup found, so that nothing ever
    starts on a file known to be damaged. Before SQLite reads it, a -wal file it would read
    only in part is copied aside; `start_notes` says so. Files and folders it creates are the
    user's alone."""
    try:
        refuse_network_filesystem(path)
    except NetworkFileSystem as exc:
        raise DatabaseRefused(str(exc)) from exc
    if checked is None:
        set_aside_if_damaged(path, clock())
    else:  # the early check, begun before Qt, did it first: its findings are ready once it is
        problem = checked()
        checked = lambda: problem  # noqa: E731
    notes = tuple(found.sentence() for found in take_findings(path))
    for note in notes:  # on stderr for the command line; the window shows start_notes
        logging.getLogger(__name__).warning("frontdesk: %s", note)
    damage = BackupService(path, clock).damage(checked)
    if damage is not None:
        raise DatabaseRefused(
            f"The clinic database {path} is damaged ({damage.problem}); it was not opened.",
            damage,
        )
    files.remove_abandoned_partials_of(path, [files.default_backup_folder(path)])
    with plain_opening_errors(path):  # a failed backup or update, a full disk: in words
        make_folder(path.parent, path.stem)
        new = not path.exists() or path.stat().st_size == 0
        if new and (kept := retire_for_new_database(path, clock().strftime("%Y%m%d-%H%M%S"))):
            notes += (
                f"A new clinic database was made at {path}; the audit anchor left there by an"
                f" earlier database was kept aside as {kept.name}.",
            )
        if new_key is not None:
            hold(new_key)
        db = connect(path, new_key)
        keep_database_private(path, new=new)
        create_private_file(settings_path(path))
        try:
            backup = migrate(db, path, clock())
        except files.DamageFound as exc:  # found by the full check before the update
            db.close()
            damage = Damage(path, exc.problem, BackupService(path, clock).latest_good())
            raise DatabaseRefused(
                f"The clinic database {path} is {exc.problem}; it was not opened.", damage
            ) from exc
        _restore_append_only(db, clock)
    clinic = Clinic(path, db, clock, backup)
    clinic.start_notes = notes
    return clinic


def open_server(address: str, clock: Clock = clinic_now, files: Path | None = None) -> Clinic:
    """Connects to the clinic server (a PostgreSQL address, with its password), whose schema
    `frontdesk server init` made. Refuses, in words naming the server, one that cannot be
    reached and a database that is not (or not yet) a Frontdesk clinic of this version.
    `files` is where this workstation keeps its own files for it (default: its data folder)."""
    try:
        db = PgDatabase(address)
    except (ConnectionLost, DatabaseError) as exc:  # away, or refusing this address
        raise ServerUnreachable(
            f"Could not reach the clinic server ({address_without_password(address)}): {exc}."
        ) from exc
    if postgres_schema.pending(db):
        name = db.address
        db.close()
        raise DatabaseRefused(
            f"The database {name} on the clinic server is not a Frontdesk clinic of this"
            " version: the admin makes one with `frontdesk server init`."
        )
    _restore_append_only(db, clock)
    return Clinic(files or server_files(db.address), db, clock, None, server=address)


def _restore_append_only(db: Database, clock: Clock) -> None:
    """A trigger protecting the trail dropped behind the app's back is put back, and the
    trail says so (`frontdesk audit verify` then shows what was changed meanwhile)."""
    if append_only_intact(db):
        return  # every start: a read, no write lock
    with write_transaction(db):
        missing = restore_append_only(db)
        if missing:
            AuditRepository(db).append(
                at=stamp(clock()), staff_id=None, action="protection_restored", entity="audit",
                entity_id=None, before=None, after={"triggers": missing},
            )  # fmt: skip
