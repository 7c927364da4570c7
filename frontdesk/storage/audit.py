"""The audit trail: one row per service write, in the same transaction as the write."""

from __future__ import annotations

import json
from typing import Any

import sqlite_utils

from frontdesk.domain.audit import AuditEntry


def _dump(values: dict[str, Any] | None) -> str | None:
    if values is None:
        return None
    return json.dumps(values, ensure_ascii=False, sort_keys=True, default=str)


def _load(text: str | None) -> dict[str, Any] | None:
    return None if text is None else json.loads(text)


class AuditRepository:
    def __init__(self, db: sqlite_utils.Database) -> None:
        self._db = db

    def append(
        self,
        *,
        at: str,
        staff_id: int,
        action: str,
        entity: str,
        entity_id: int | None,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
    ) -> None:
        if not self._db.conn.in_transaction:
            raise RuntimeError("audit rows are written inside the write they describe")
        self._db.execute(
            "INSERT INTO audit (at, staff_id, action, entity, entity_id, before, after)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [at, staff_id, action, entity, entity_id, _dump(before), _dump(after)],
        )

    def for_entity(self, entity: str, entity_id: int) -> list[AuditEntry]:
        rows = self._db["audit"].rows_where(
            "entity = ? AND entity_id = ?", [entity, entity_id], order_by="id"
        )
        return [
            AuditEntry(
                id=r["id"],
                at=r["at"],
                staff_id=r["staff_id"],
                action=r["action"],
                entity=r["entity"],
                entity_id=r["entity_id"],
                before=_load(r["before"]),
                after=_load(r["after"]),
            )
            for r in rows
        ]
