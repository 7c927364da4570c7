"""Reading the audit trail: who changed what, when, from what to what."""

from __future__ import annotations

import sqlite_utils

from frontdesk.domain.audit import AuditEntry
from frontdesk.storage.audit import AuditRepository


class AuditService:
    def __init__(self, db: sqlite_utils.Database) -> None:
        self._repo = AuditRepository(db)

    def history(self, entity: str, entity_id: int) -> list[AuditEntry]:
        return self._repo.for_entity(entity, entity_id)
