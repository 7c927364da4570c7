"""The audit trail's lines and the hash chain that makes a changed or removed line visible."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64  # what the first line's "previous hash" is


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: str
    staff_id: int | None  # None: the system, or a login attempt by someone unknown
    action: str
    entity: str
    entity_id: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    patient_id: int | None = None


def line_hash(
    previous: str,
    *,
    id: int,
    at: str,
    staff_id: int | None,
    action: str,
    entity: str,
    entity_id: int | None,
    patient_id: int | None,
    before: str | None,
    after: str | None,
) -> str:
    """SHA-256 of the previous hash and every stored field, exactly as stored."""
    fields = [previous, id, at, staff_id, action, entity, entity_id, patient_id, before, after]
    text = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainBreak:
    """The first line that does not follow from the ones before it, and why."""

    row_id: int | None
    reason: str

    def __str__(self) -> str:
        where = f"row {self.row_id}" if self.row_id is not None else "the end of the trail"
        return f"Audit trail broken at {where}: {self.reason}"


def first_break(rows: Iterable[dict[str, Any]], head: tuple[int, str] | None) -> ChainBreak | None:
    """Walks stored rows in id order; `head` is the last (id, hash) the writer recorded."""
    previous = GENESIS
    expected_id: int | None = None
    last: tuple[int, str] | None = None
    for row in rows:
        if expected_id is not None and row["id"] != expected_id:
            return ChainBreak(row["id"], f"rows {expected_id} to {row['id'] - 1} are missing.")
        if row["prev_hash"] != previous:
            return ChainBreak(row["id"], "it does not follow from the row before it.")
        fields = {k: row[k] for k in _HASHED}
        if line_hash(previous, **fields) != row["hash"]:
            return ChainBreak(row["id"], "its contents were changed after it was written.")
        previous = row["hash"]
        expected_id = row["id"] + 1
        last = (row["id"], row["hash"])
    if last != head:
        if head is None:
            return ChainBreak(None, "the record of the last row written is missing.")
        if last is None or last[0] < head[0]:
            return ChainBreak(None, f"rows after {last[0] if last else 0} were removed.")
        return ChainBreak(last[0], "it was added without the audit writer.")
    return None


_HASHED = ("id", "at", "staff_id", "action", "entity", "entity_id", "patient_id", "before", "after")
