"""A write use-case: one IMMEDIATE transaction holding the change and its audit row."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlite_utils

from frontdesk.domain.staff import Staff
from frontdesk.services.clock import Clock, stamp
from frontdesk.services.errors import plain_storage_errors
from frontdesk.services.staff_check import require_active
from frontdesk.storage.audit import AuditRepository
from frontdesk.storage.db import write_transaction


class UnitOfWork:
    """Handed to a service method inside the transaction; records audit rows as it goes."""

    def __init__(self, db: sqlite_utils.Database, actor: Staff, now: str) -> None:
        self.db = db
        self.actor = actor
        self.now = now
        self._audit = AuditRepository(db)

    def record(
        self,
        action: str,
        entity: str,
        entity_id: int | None,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
    ) -> None:
        self._audit.append(
            at=self.now,
            staff_id=self.actor.id,
            action=action,
            entity=entity,
            entity_id=entity_id,
            before=before,
            after=after,
        )


@contextmanager
def unit_of_work(
    db: sqlite_utils.Database, clock: Clock, actor: Staff, doing: str = "save"
) -> Iterator[UnitOfWork]:
    """Refuses, before touching anything, a write signed by someone not on the active staff.

    SQLite failures come out as StorageError with `doing` in the sentence ("save María García").
    """
    with plain_storage_errors(doing), write_transaction(db):
        stored = require_active(db, actor)  # the role as stored, not as the caller claims
        yield UnitOfWork(db, stored, stamp(clock()))
