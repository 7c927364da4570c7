"""Opening a clinic database and building the services that work on it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from frontdesk.services.audit import AuditService
from frontdesk.services.clock import Clock, clinic_now
from frontdesk.services.intake import IntakeService
from frontdesk.services.patients import PatientService
from frontdesk.services.staff import StaffService
from frontdesk.storage.db import connect
from frontdesk.storage.migrations import migrate


@dataclass
class Clinic:
    """Everything the UI and the command line may call, for one database file."""

    path: Path
    patients: PatientService
    staff: StaffService
    audit: AuditService
    intakes: IntakeService
    _db: sqlite_utils.Database
    migration_backup: Path | None = None

    def close(self) -> None:
        self._db.close()


def open_clinic(path: Path, clock: Clock = clinic_now) -> Clinic:
    """Creates the file if needed and brings its schema up to date (backing it up first)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = connect(path)
    backup = migrate(db, path, clock())
    return Clinic(
        path=path,
        patients=PatientService(db, clock),
        staff=StaffService(db, clock),
        audit=AuditService(db),
        intakes=IntakeService(db, clock),
        _db=db,
        migration_backup=backup,
    )
