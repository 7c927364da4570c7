"""Patient rows <-> Patient, and the registry's paged search."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import date
from typing import Any

import sqlite_utils

from frontdesk.domain.patients import Patient, PatientFields, email_key
from frontdesk.domain.search import Page, PageCursor, PatientSort, SearchQuery
from frontdesk.storage.patient_search import next_cursor, page_sql, plan


def _to_patient(row: dict[str, Any]) -> Patient:
    return Patient(
        id=row["id"],
        first_name=row["first_name"],
        last_name=row["last_name"],
        dob=date.fromisoformat(row["dob"]),
        phone_e164=row["phone"],
        email=row["email"],
        notes=row["notes"],
        archived=bool(row["archived"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def field_values(source: PatientFields | Patient) -> dict[str, Any]:
    """The values staff enter, as stored: what an edit can change."""
    return {
        "first_name": source.first_name,
        "last_name": source.last_name,
        "dob": source.dob.isoformat(),
        "phone": source.phone_e164,
        "email": source.email,
        "notes": source.notes,
    }


def _columns(fields: PatientFields) -> dict[str, Any]:
    """Stored values plus the derived keys every search reads."""
    return field_values(fields) | {
        "first_key": fields.first_key,
        "last_key": fields.last_key,
        "phone_digits": fields.phone_digits,
        "phone_rev": fields.phone_digits[::-1],
        "email_key": email_key(fields.email),
    }


def audit_values(patient: Patient) -> dict[str, Any]:
    """What the audit trail records of a patient: what staff see, not the derived keys."""
    return field_values(patient) | {"archived": patient.archived}


class PatientRepository:
    def __init__(self, db: sqlite_utils.Database) -> None:
        self._db = db

    def get(self, patient_id: int) -> Patient | None:
        rows = self._rows("SELECT * FROM patients WHERE id = ?", [patient_id])
        return _to_patient(rows[0]) if rows else None

    def insert(self, fields: PatientFields, now: str) -> int:
        values = _columns(fields) | {"created_at": now, "updated_at": now, "archived": 0}
        names = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        cursor = self._db.execute(
            f"INSERT INTO patients ({names}) VALUES ({marks})", list(values.values())
        )
        return int(cursor.lastrowid or 0)

    def insert_many(self, many: Iterable[PatientFields], now: str) -> None:
        """Bulk load (imports, synthetic clinics): one statement prepared, rows streamed."""
        rows = iter(many)
        first = next(rows, None)
        if first is None:
            return
        names = [*_columns(first), "created_at", "updated_at", "archived"]
        marks = ", ".join("?" for _ in names)
        sql = f"INSERT INTO patients ({', '.join(names)}) VALUES ({marks})"
        extra = (now, now, 0)
        values = ((*_columns(f).values(), *extra) for f in itertools.chain([first], rows))
        self._db.conn.executemany(sql, values)

    def update(self, patient_id: int, fields: PatientFields, now: str) -> None:
        values = _columns(fields) | {"updated_at": now}
        assignments = ", ".join(f"{name} = ?" for name in values)
        self._db.execute(
            f"UPDATE patients SET {assignments} WHERE id = ?", [*values.values(), patient_id]
        )

    def set_archived(self, patient_id: int, archived: bool, now: str) -> None:
        self._db.execute(
            "UPDATE patients SET archived = ?, updated_at = ? WHERE id = ?",
            [int(archived), now, patient_id],
        )

    def same_person(self, fields: PatientFields, exclude_id: int | None) -> list[Patient]:
        """Registered patients with the same folded names and birthday."""
        rows = self._rows(
            "SELECT * FROM patients WHERE dob = ? AND last_key = ? AND first_key = ?"
            " AND id IS NOT ? ORDER BY id",
            [fields.dob.isoformat(), fields.last_key, fields.first_key, exclude_id],
        )
        return [_to_patient(r) for r in rows]

    def count(self, include_archived: bool = False) -> int:
        where = "" if include_archived else " WHERE archived = 0"
        return int(self._db.execute(f"SELECT count(*) FROM patients{where}").fetchone()[0])

    def search(
        self,
        query: SearchQuery,
        *,
        sort: PatientSort = PatientSort.NAME,
        descending: bool = False,
        include_archived: bool = False,
        cursor: PageCursor | None = None,
        limit: int = 100,
    ) -> Page[Patient]:
        """One page of matches; pass the returned cursor back for the next page."""
        streams = plan(query, sort, descending)
        start = cursor.stream if cursor else 0
        after = cursor.after if cursor else None
        found: list[Patient] = []
        for index in range(start, len(streams)):
            stream = streams[index]
            wanted = limit - len(found)
            sql, params = page_sql(stream, include_archived, after, descending, wanted)
            rows = self._rows(sql, params)
            found.extend(_to_patient(r) for r in rows)
            if len(found) >= limit:
                return Page(found, next_cursor(index, rows[-1], stream.order))
            after = None
        return Page(found, None)

    def _rows(self, sql: str, params: list) -> list[dict[str, Any]]:
        cursor = self._db.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
