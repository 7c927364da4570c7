"""A write use-case: one IMMEDIATE transaction holding the change and its audit line."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlite_utils

from frontdesk.domain.permissions import Permission, allows, refusal
from frontdesk.domain.staff import Staff
from frontdesk.services.clock import Clock, stamp
from frontdesk.services.errors import NotAllowed, plain_storage_errors
from frontdesk.services.staff_check import require_active
from frontdesk.storage.audit import AuditRepository
from frontdesk.storage.db import write_transaction


class UnitOfWork:
    """Handed to a service method inside the transaction; records audit lines as it goes."""

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
        patient_id: int | None = None,
    ) -> None:
        self._audit.append(
            at=self.now,
            staff_id=self.actor.id,
            action=action,
            entity=entity,
            entity_id=entity_id,
            before=before,
            after=after,
            patient_id=patient_id,
        )


@contextmanager
def unit_of_work(
    db: sqlite_utils.Database,
    clock: Clock,
    actor: Staff,
    doing: str = "save",
    *,
    needs: Permission,
) -> Iterator[UnitOfWork]:
    """Refuses, before touching anything, a write by someone not active or not allowed to.

    The role checked is the one stored, not the one the caller claims, read once inside the
    write transaction. A refusal is itself audited: that transaction then holds only the
    refusal's line, and commits. SQLite failures come out as StorageError with `doing` in
    the sentence ("save María García").
    """
    with plain_storage_errors(doing):
        with write_transaction(db):
            stored = require_active(db, actor)
            if allows(stored.role, needs):
                yield UnitOfWork(db, stored, stamp(clock()))
                return
            _record_refusal(db, clock, stored, needs, doing)
        raise NotAllowed(refusal(stored.role, needs))


def record_event(
    db: sqlite_utils.Database,
    clock: Clock,
    actor: Staff | None,
    action: str,
    entity: str,
    entity_id: int | None = None,
    details: dict[str, Any] | None = None,
    *,
    patient_id: int | None = None,
) -> None:
    """An audit line for something that is not a change to a record: a login, a lock, a print,
    an export, a backup. Its own short transaction; `actor` None means the system."""
    with plain_storage_errors("write the audit trail"), write_transaction(db):
        AuditRepository(db).append(
            at=stamp(clock()),
            staff_id=actor.id if actor else None,
            action=action,
            entity=entity,
            entity_id=entity_id,
            before=None,
            after=details,
            patient_id=patient_id,
        )


def check_allowed(
    db: sqlite_utils.Database, clock: Clock, actor: Staff, needs: Permission, doing: str
) -> Staff:
    """The same check before a service reads or validates anything (and for reads only some
    roles may make, such as the audit trail); a refusal is audited in its own transaction."""
    with plain_storage_errors(doing):
        stored = require_active(db, actor)
        if allows(stored.role, needs):
            return stored
        with write_transaction(db):
            _record_refusal(db, clock, stored, needs, doing)
    raise NotAllowed(refusal(stored.role, needs))


def _record_refusal(
    db: sqlite_utils.Database, clock: Clock, stored: Staff, needs: Permission, doing: str
) -> None:
    AuditRepository(db).append(
        at=stamp(clock()),
        staff_id=stored.id,
        action="denied",
        entity="permission",
        entity_id=None,
        before=None,
        after={"permission": needs.name, "tried": doing, "role": stored.role.value},
    )
