"""Patient rows <-> Patient, and the registry's paged search."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from frontdesk.domain.patients import Patient, PatientFields, email_key, field_values
from frontdesk.domain.search import Page, PageCursor, PatientSort, SearchKind, SearchQuery
from frontdesk.storage.database import Database
from frontdesk.storage.inserted import inserted_id
from frontdesk.storage.patient_search import (
    LATEST_FINDING,
    SORT_CAP,
    Condition,
    Stream,
    page_sql,
    ranked_streams,
    sort_key,
    sorted_stream,
)


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
        version=row["version"],
        finding=row.get("finding"),
        language=row["language"],
        address=row["address"],
        emergency_name=row["emergency_name"],
        emergency_phone_e164=row["emergency_phone"],
        heard_from=row["heard_from"],
        heard_from_other=row["heard_from_other"],
        consent_sms=bool(row["consent_sms"]),
        consent_email=bool(row["consent_email"]),
    )


def _columns(fields: PatientFields) -> dict[str, Any]:
    """Stored values plus the derived keys every search reads."""
    return field_values(fields) | {
        "first_key": fields.first_key,
        "last_key": fields.last_key,
        "phone_digits": fields.phone_digits,
        "phone_rev": fields.phone_digits[::-1],
        "email_key": email_key(fields.email),
    }


PROBE_LIMIT = 500


def _position(cursor: PageCursor | None) -> int:
    """Where a page of a re-sorted filtered list starts: its cursor holds the position."""
    if cursor is None or not cursor.after:
        return 0
    position = cursor.after[0]
    if not isinstance(position, int):  # never the value itself: it may be a name (the log)
        raise TypeError("That page cursor belongs to another list; start from the first page.")
    return position


class PatientRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def get(self, patient_id: int) -> Patient | None:
        rows = self._rows(
            f"SELECT patients.*, {LATEST_FINDING} FROM patients WHERE id = ?", [patient_id]
        )
        return _to_patient(rows[0]) if rows else None

    def insert(self, fields: PatientFields, now: str) -> int:
        values = _columns(fields) | {"created_at": now, "updated_at": now, "archived": 0}
        names = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        cursor = self._db.execute(
            f"INSERT INTO patients ({names}) VALUES ({marks})", list(values.values())
        )
        patient_id = inserted_id(cursor)
        self._write_words(patient_id, fields)
        return patient_id

    def insert_many(self, many: Iterable[PatientFields], now: str) -> None:
        """Bulk load (imports, synthetic clinics) inside the caller's transaction."""
        for fields in many:
            self.insert(fields, now)

    def update(self, patient_id: int, fields: PatientFields, now: str) -> None:
        values = _columns(fields) | {"updated_at": now}
        assignments = ", ".join(f"{name} = ?" for name in values)
        self._db.execute(
            f"UPDATE patients SET {assignments}, version = version + 1 WHERE id = ?",
            [*values.values(), patient_id],
        )
        self._db.execute("DELETE FROM patient_name_words WHERE patient_id = ?", [patient_id])
        self._write_words(patient_id, fields)

    def set_archived(self, patient_id: int, archived: bool, now: str) -> None:
        self._db.execute(
            "UPDATE patients SET archived = ?, updated_at = ?, version = version + 1 WHERE id = ?",
            [int(archived), now, patient_id],
        )

    def _write_words(self, patient_id: int, fields: PatientFields) -> None:
        self._db.conn.executemany(
            "INSERT INTO patient_name_words (word, patient_id) VALUES (?, ?)",
            [(word, patient_id) for word in sorted(fields.later_name_words)],
        )

    def same_person(self, fields: PatientFields, exclude_id: int | None) -> list[Patient]:
        """Registered patients with the same folded names and birthday."""
        rows = self._rows(
            "SELECT * FROM patients WHERE dob = ? AND last_key = ? AND first_key = ?"
            " AND id IS NOT ? ORDER BY id",
            [fields.dob.isoformat(), fields.last_key, fields.first_key, exclude_id],
        )
        return [_to_patient(r) for r in rows]

    def same_phone(self, phone_digits: str, exclude_id: int | None) -> list[Patient]:
        """Registered patients with this phone number (an index lookup); none for no phone."""
        if not phone_digits:
            return []
        rows = self._rows(
            "SELECT * FROM patients WHERE phone_digits = ? AND id IS NOT ? ORDER BY id LIMIT 20",
            [phone_digits, exclude_id],
        )
        return [_to_patient(r) for r in rows]

    def same_email(self, email: str, exclude_id: int | None) -> list[Patient]:
        """Registered patients with this email address, folded (an index lookup)."""
        key = email_key(email)
        if not key:
            return []
        rows = self._rows(
            "SELECT * FROM patients WHERE email_key = ? AND id IS NOT ? ORDER BY id LIMIT 20",
            [key, exclude_id],
        )
        return [_to_patient(r) for r in rows]

    def forget_handout_language(self, patient_id: int) -> None:
        """The language last chosen for a handout, superseded by a newly registered preference."""
        self._db.execute("DELETE FROM patient_language WHERE patient_id = ?", [patient_id])

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
        """One page of matches; pass the returned cursor back for the next page.

        Unfiltered: any column's index, either direction. Filtered: best matches first, or
        another order among the first SORT_CAP matches (`capped` says there were more).
        """
        if query.kind is SearchKind.ALL:
            streams = [sorted_stream(sort)]
            rows, next_cursor = self._read(streams, include_archived, descending, cursor, limit)
            return Page([_to_patient(r) for r in rows], next_cursor)
        streams = ranked_streams(query)
        if sort is PatientSort.NAME and not descending:
            rows, next_cursor = self._read(streams, include_archived, False, cursor, limit)
            return Page([_to_patient(r) for r in rows], next_cursor)
        matches, _ = self._read(streams, include_archived, False, None, SORT_CAP + 1)
        capped = len(matches) > SORT_CAP
        matches = matches[:SORT_CAP]
        matches.sort(key=lambda row: sort_key(row, sort), reverse=descending)
        start = _position(cursor)
        end = start + limit
        next_cursor = PageCursor(-1, (end,)) if end < len(matches) else None
        return Page([_to_patient(r) for r in matches[start:end]], next_cursor, capped)

    def _read(
        self,
        streams: list[Stream],
        include_archived: bool,
        descending: bool,
        cursor: PageCursor | None,
        limit: int,
    ) -> tuple[list[dict[str, Any]], PageCursor | None]:
        """Up to `limit` rows, stream after stream, from where `cursor` left off."""
        start = cursor.stream if cursor else 0
        after = cursor.after if cursor else None
        found: list[dict[str, Any]] = []
        seen: set[int] = set()
        for index in range(start, len(streams)):
            stream = self._cheaper_reading(streams[index])
            while True:
                wanted = limit - len(found)
                sql, params = page_sql(stream, include_archived, after, descending, wanted)
                rows = self._rows(sql, params)
                for row in rows:
                    if row["id"] not in seen:  # one patient matched by two words of a name
                        seen.add(row["id"])
                        found.append(row)
                if rows:
                    after = tuple(rows[-1][c] for c in stream.order)
                if len(found) >= limit:
                    return found, PageCursor(index, after)
                if len(rows) < wanted:
                    break  # this group is exhausted: on to the next
            after = None
        return found, None

    def _cheaper_reading(self, stream: Stream) -> Stream:
        """Of two name ranges ANDed, read the one with fewer entries when the usual one is
        large (a small range costs little whichever way, and keeps the usual order)."""
        if stream.probes is None:
            return stream
        usual, other = (self._bounded_count(cond) for cond in stream.probes)
        large = usual >= PROBE_LIMIT and other < PROBE_LIMIT
        return stream.reading_the_other_index() if large else stream

    def _bounded_count(self, condition: Condition) -> int:
        """Entries in an index range, counting no further than PROBE_LIMIT (cost is bounded)."""
        sql, params = condition
        return int(
            self._db.execute(
                f"SELECT count(*) FROM (SELECT 1 FROM patients WHERE {sql} LIMIT ?) AS found",
                [*params, PROBE_LIMIT],
            ).fetchone()[0]
        )

    def _rows(self, sql: str, params: list[object]) -> list[dict[str, Any]]:
        cursor = self._db.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
