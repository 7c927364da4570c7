"""A write use-case: one IMMEDIATE transaction holding the change and its audit line."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from frontdesk.domain.permissions import Permission, allows, refusal
from frontdesk.domain.staff import Staff
from frontdesk.services.changes import Change, Entity, current_origin, note_committed
from frontdesk.services.clock import Clock, stamp
from frontdesk.services.errors import NotAllowed, plain_storage_errors
from frontdesk.services.live import announce_changes
from frontdesk.services.signed_in import NotSignedIn, SignedIn, claimed_id
from frontdesk.services.staff_check import require_active
from frontdesk.storage.audit import AuditRepository
from frontdesk.storage.database import Database
from frontdesk.storage.db import write_transaction


class UnitOfWork:
    """Handed to a service method inside the transaction; records audit lines as it goes."""

    def __init__(self, db: Database, actor: Staff, now: str) -> None:
        # `actor` is the stored member the sign-in was issued for, never the caller's claim.
        self.db = db
        self.actor = actor
        self.now = now
        self._audit = AuditRepository(db)
        self.changes: set[Change] = set()  # what this transaction changed, for the UI

    def record(
        self,
        action: str,
        entity: Entity,
        entity_id: int | None,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
        patient_id: int | None = None,
    ) -> None:
        """The audit line of one change; the change itself is announced once committed."""
        entity = Entity(entity)  # a misspelt kind of record fails here, not in a view
        if patient_id is None:
            patient_id = _patient_of(entity, entity_id, before, after)
        self.changes.add(Change(entity, entity_id, patient_id))
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
    db: Database,
    clock: Clock,
    actor: SignedIn,
    doing: str = "save",
    *,
    needs: Permission,
) -> Iterator[UnitOfWork]:
    """Refuses, before touching anything, a write by someone not active or not allowed to.

    The member is the one the login service vouched for (`SignedIn`, never the caller's
    claim), and the role checked is the one stored, read once inside the write transaction.
    A refusal is itself audited: that transaction then holds only the refusal's line, and
    commits. SQLite failures come out as StorageError with `doing` in the sentence ("save
    María García"). On the clinic server, what it changed is announced to the other
    workstations in the same transaction (services/live.py).
    """
    work: UnitOfWork | None = None
    refused: NotSignedIn | NotAllowed | None = None
    with plain_storage_errors(doing), write_transaction(db):
        stored = _vouched(db, clock, actor, needs, doing)
        if isinstance(stored, NotSignedIn):
            refused = stored
        elif allows(stored.role, needs):
            work = UnitOfWork(db, stored, stamp(clock()))
            yield work
            # The other workstations hear of it once (and only if) this commits.
            announce_changes(db, work.changes, current_origin())
        else:
            _record_refusal(db, clock, stored, needs, doing)
            refused = NotAllowed(refusal(stored.role, needs))
    if refused is not None:
        raise refused
    assert work is not None
    note_committed(work.changes)


def record_event(
    db: Database,
    clock: Clock,
    actor: SignedIn | None,
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
        member = None if actor is None else _vouched(db, clock, actor, None, action)
        if not isinstance(member, NotSignedIn):
            AuditRepository(db).append(
                at=stamp(clock()),
                staff_id=member.id if member else None,
                action=action,
                entity=entity,
                entity_id=entity_id,
                before=None,
                after=details,
                patient_id=patient_id,
            )
    if isinstance(member, NotSignedIn):
        raise member


def check_allowed(
    db: Database, clock: Clock, actor: SignedIn, needs: Permission, doing: str
) -> Staff:
    """The same check before a service reads or validates anything (and for reads only some
    roles may make, such as the audit trail); a refusal is audited in its own transaction."""
    with plain_storage_errors(doing):
        try:
            stored = require_active(db, actor, needs)
        except NotSignedIn:
            with write_transaction(db):
                _record_unvouched(db, clock, actor, needs, doing)
            raise
        if allows(stored.role, needs):
            return stored
        with write_transaction(db):
            _record_refusal(db, clock, stored, needs, doing)
    raise NotAllowed(refusal(stored.role, needs))


def _vouched(
    db: Database, clock: Clock, actor: object, needs: Permission | None, doing: str
) -> Staff | NotSignedIn:
    """Inside a write transaction: the stored member, or the refusal to raise once the
    transaction has committed the refusal's line (a forged identity is itself recorded)."""
    try:
        return require_active(db, actor, needs)
    except NotSignedIn as refused:
        _record_unvouched(db, clock, actor, needs, doing)
        return refused


def _record_unvouched(
    db: Database, clock: Clock, actor: object, needs: Permission | None, doing: str
) -> None:
    AuditRepository(db).append(
        at=stamp(clock()),
        staff_id=None,
        action="denied",
        entity="sign_in",
        entity_id=None,
        before=None,
        after={
            "tried": doing,
            "permission": needs.name if needs else None,
            "claimed_staff_id": claimed_id(actor),
        },
    )


def _record_refusal(
    db: Database, clock: Clock, stored: Staff, needs: Permission, doing: str
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


def _patient_of(
    entity: Entity,
    entity_id: int | None,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> int | None:
    """Whose record a change is, when the line itself does not say."""
    if entity is Entity.PATIENT:
        return entity_id
    for values in (after, before):
        if values and isinstance(values.get("patient_id"), int):
            return int(values["patient_id"])
    return None
