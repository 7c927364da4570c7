"""The audit trail: append-only, hash-chained lines, written in the transaction they describe."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from frontdesk.domain.audit import (
    GENESIS,
    Anchor,
    AuditEntry,
    ChainBreak,
    Line,
    RowFinding,
    Tampering,
    anchor_finding,
    first_break_in,
    line_hash,
    line_text,
)
from frontdesk.storage import postgres_schema
from frontdesk.storage.audit_anchor import (
    AnchorUnreadable,
    anchor_path,
    database_file,
    note_line,
    read_anchor,
    write_anchor,
)
from frontdesk.storage.audit_rows import differences
from frontdesk.storage.database import Database
from frontdesk.storage.db import on_server
from frontdesk.storage.engine import sqlite3

# Where a line about an entity finds its patient when the values do not name one.
_PATIENT_OF = {
    "appointment": "SELECT patient_id FROM appointments WHERE id = ?",
    "intake": "SELECT patient_id FROM intakes WHERE id = ?",
    "co2_series": "SELECT patient_id FROM co2_series WHERE id = ?",
    "co2_session": (
        "SELECT s.patient_id FROM co2_sessions c JOIN co2_series s ON s.id = c.series_id"
        " WHERE c.id = ?"
    ),
}


def dump(values: dict[str, Any] | None) -> str | None:
    if values is None:
        return None
    return json.dumps(values, ensure_ascii=False, sort_keys=True, default=str)


def _load(text: str | None) -> dict[str, Any] | None:
    return None if text is None else json.loads(text)


def patient_of(
    db: Database,
    entity: str,
    entity_id: int | None,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> int | None:
    """Which patient a line is about, so the admin can see everything done to one patient."""
    if entity == "patient":
        return entity_id
    for values in (after, before):
        if values and isinstance(values.get("patient_id"), int):
            return values["patient_id"]
    if entity in _PATIENT_OF and entity_id is not None:
        row = db.execute(_PATIENT_OF[entity], [entity_id]).fetchone()
        return row[0] if row else None
    return None


APPEND_ONLY = ("audit_no_update", "audit_no_delete")
# The line the app writes after putting a backup in place of the database (services/backups.py).
RESTORED = ("restore", "database")


def insert_line(db: Database, table: str, previous: str, line: dict[str, Any]) -> str:
    """Writes one line chained to `previous` (the line before it) and returns its hash.

    `line` holds the hashed fields as stored (id, at, staff_id, action, entity, entity_id,
    patient_id, before, after); `table` is "audit", or the new table while migrating."""
    digest = line_hash(previous, **line)
    db.execute(
        f"INSERT INTO {table} (id, at, staff_id, action, entity, entity_id, patient_id,"
        " before, after, prev_hash, hash) VALUES (:id, :at, :staff_id, :action, :entity,"
        " :entity_id, :patient_id, :before, :after, :prev_hash, :hash)",
        {**line, "prev_hash": previous, "hash": digest},
    )
    return digest


def _append_only_sql(name: str) -> str:
    change = name.rsplit("_", 1)[1].upper()
    return (
        f"CREATE TRIGGER {name} BEFORE {change} ON audit BEGIN"
        " SELECT RAISE(ABORT, 'The audit trail is append-only: its lines never change.'); END"
    )


def append_only_intact(db: Database) -> bool:
    """A read: whether both triggers are there as written here (no write lock needed)."""
    if on_server(db):
        return postgres_schema.append_only_intact(db)
    present = dict(
        db.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit'"
        ).fetchall()
    )
    return all(present.get(name) == _append_only_sql(name) for name in APPEND_ONLY)


def restore_append_only(db: Database) -> list[str]:
    """Creates whichever trigger refusing UPDATE and DELETE on the trail is missing or not as
    written here (all of them in a new database; any dropped or replaced behind the app's
    back); returns their names."""
    if on_server(db):
        return postgres_schema.restore_append_only(db)
    present = dict(
        db.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit'"
        ).fetchall()
    )
    redone = []
    for name in APPEND_ONLY:
        if present.get(name) == _append_only_sql(name):
            continue
        if name in present:
            db.execute(f"DROP TRIGGER {name}")
        db.execute(_append_only_sql(name))
        redone.append(name)
    return redone


@dataclass(frozen=True)
class AuditFilter:
    patient_id: int | None = None
    staff_id: int | None = None
    first_day: str | None = None  # YYYY-MM-DD, inclusive
    last_day: str | None = None  # YYYY-MM-DD, inclusive

    def where(self) -> tuple[str, list[Any]]:
        """The WHERE clause, written so that one index serves it in the trail's order:
        (patient_id, at) for a patient, (staff_id, at) for a staff member, (at) otherwise.
        With both a patient and a staff member the patient's index is used (`+staff_id`
        keeps the planner off the staff one: a patient has far fewer lines)."""
        clauses: list[str] = []
        params: list[Any] = []
        if self.patient_id is not None:
            clauses.append("patient_id = ?")
            params.append(self.patient_id)
        if self.staff_id is not None:
            clauses.append("+staff_id = ?" if self.patient_id is not None else "staff_id = ?")
            params.append(self.staff_id)
        if self.first_day:
            clauses.append("at >= ?")
            params.append(self.first_day)
        if self.last_day:
            clauses.append("at < ?")
            params.append(self.last_day + "T99")  # every time of that day sorts before it
        return (" AND ".join(clauses) or "1 = 1"), params


@dataclass(frozen=True)
class AuditCursor:
    """Where the next page begins: just below this line in the trail's order (newest `at`
    first, then the higher id). A page is read from its index with no OFFSET, so the
    thousandth page costs what the first does."""

    at: str
    id: int

    @staticmethod
    def after(entry: AuditEntry) -> AuditCursor:
        return AuditCursor(entry.at, entry.id)


# The order the admin reads the trail in: the stamp shown in the When column, newest first;
# lines stamped the same second, the later written first.
ORDER = "ORDER BY at DESC, id DESC"


class AuditRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def append(
        self,
        *,
        at: str,
        staff_id: int | None,
        action: str,
        entity: str,
        entity_id: int | None,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
        patient_id: int | None = None,
    ) -> int:
        """Chains the line to the last one; the caller's IMMEDIATE transaction serialises it."""
        if not self._db.conn.in_transaction:
            raise RuntimeError("audit rows are written inside the write they describe")
        if patient_id is None:
            patient_id = patient_of(self._db, entity, entity_id, before, after)
        head = self._db.execute("SELECT last_id, last_hash FROM audit_head").fetchone()
        last_id, previous = head if head else (0, GENESIS)
        new_id = last_id + 1
        before_text, after_text = dump(before), dump(after)
        digest = insert_line(
            self._db,
            "audit",
            previous,
            dict(
                id=new_id, at=at, staff_id=staff_id, action=action, entity=entity,
                entity_id=entity_id, patient_id=patient_id, before=before_text, after=after_text,
            ),
        )  # fmt: skip
        self._db.execute(
            'INSERT INTO audit_head ("only", last_id, last_hash) VALUES (1, ?, ?)'
            ' ON CONFLICT ("only") DO UPDATE SET last_id = excluded.last_id,'
            " last_hash = excluded.last_hash",
            [new_id, digest],
        )
        # The anchor beside the file follows once this commits; the app's own restore of a
        # backup re-bases it on the restored trail.
        note_line(
            self._db, new_id, digest, (last_id, previous), rebase=(action, entity) == RESTORED
        )
        return new_id

    def for_entity(self, entity: str, entity_id: int) -> list[AuditEntry]:
        rows = self._db.query(
            "SELECT * FROM audit WHERE entity = ? AND entity_id = ? ORDER BY id",
            [entity, entity_id],
        )
        return [_entry(r) for r in rows]

    def count(self, where: AuditFilter, cap: int | None = None) -> int:
        """Lines matching `where`; with a `cap`, counting stops past it (cap + 1 means
        "more than cap"): a whole year of lines is not counted at each filter change."""
        clause, params = where.where()
        if cap is None:
            sql = f"SELECT count(*) FROM audit WHERE {clause}"
        else:
            sql = f"SELECT count(*) FROM (SELECT 1 FROM audit WHERE {clause} LIMIT ?) AS found"
            params = [*params, cap + 1]
        return self._db.execute(sql, params).fetchone()[0]

    def page(
        self, where: AuditFilter, limit: int, below: AuditCursor | None = None
    ) -> list[AuditEntry]:
        """Newest first, one page at a time from `below` on (keyset paging): each page is
        one index range read, whatever the size of the trail."""
        clause, params = page_query(where, below)
        rows = self._db.query(
            f"SELECT * FROM audit WHERE {clause} {ORDER} LIMIT ?", [*params, limit]
        )
        return [_entry(r) for r in rows]

    def patient_names(self, patient_ids: Iterable[int]) -> dict[int, str]:
        """The full names of these patients (archived ones too), read at once for a page."""
        wanted = sorted(set(patient_ids))
        names: dict[int, str] = {}
        for start in range(0, len(wanted), 500):  # below any host parameter limit
            chunk = wanted[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            rows = self._db.execute(
                f"SELECT id, first_name || ' ' || last_name FROM patients WHERE id IN ({marks})",
                chunk,
            )
            names.update(rows.fetchall())
        return names

    def first_break(self) -> ChainBreak | None:
        """Reads the head and the lines in one snapshot: a line written meanwhile by another
        window is neither half-seen nor taken for tampering."""
        with self._snapshot():
            head = self._db.execute("SELECT last_id, last_hash FROM audit_head").fetchone()
            return first_break_in(
                _lines(self._db), tuple(head) if head else None, _exact_text(self._db)
            )

    def check(self, max_rows: int = 50) -> AuditCheck:
        """The chain, then (when it holds) every audited row against its last audited state,
        in one read snapshot; then the trail's end against its anchor outside the database.

        A missing anchor is made from the trail as it is, and said so in `notes`."""
        with self._snapshot():
            head = self._db.execute("SELECT last_id, last_hash FROM audit_head").fetchone()
            broken = first_break_in(
                _lines(self._db), tuple(head) if head else None, _exact_text(self._db)
            )
            if broken is not None:
                return AuditCheck(broken)
            lines = head[0] if head else 0  # the chain holds: ids run from 1 to the head
            findings: list[RowFinding] = []
            more = 0
            for finding in differences(self._db):
                if len(findings) < max_rows:
                    findings.append(finding)
                else:
                    more += 1
        db_path = database_file(self._db)
        anchor, notes = self._anchor_check(db_path) if db_path is not None else (None, [])
        return AuditCheck(Tampering(anchor, tuple(findings), more) or None, tuple(notes), lines)

    def _anchor_check(self, db_path: Path) -> tuple[str | None, list[str]]:
        """Read with the write lock held for a moment: the anchor is written under it, so
        the trail's end and the anchor are seen as one (a write in another window is either
        wholly before or wholly after)."""
        with self._snapshot(lock=True):
            row = self._db.execute("SELECT last_id, last_hash FROM audit_head").fetchone()
            head = (row[0], row[1]) if row else None
            try:
                anchored = read_anchor(db_path)
            except AnchorUnreadable as exc:
                return (
                    "The record of the audit trail's end kept beside the database cannot be"
                    f" trusted: {exc}. If nobody knows why, treat the database as changed"
                    " behind the app's back; deleting that file starts a new record.",
                    [],
                )
            if anchored is None:
                return None, (_first_anchor(db_path, head) if head else [])
            there = self._db.execute("SELECT hash FROM audit WHERE id = ?", [anchored.id])
            found = there.fetchone()
        problem, note = anchor_finding(anchored, head, found[0] if found else None)
        if problem:
            problem += (
                f" (The trail's end is remembered in {anchor_path(db_path)}. If a backup was"
                " put back by copying files by hand, that explains it: deleting that file"
                " starts a new record from now on.)"
            )
        return problem, [note] if note else []

    @contextmanager
    def _snapshot(self, *, lock: bool = False) -> Iterator[None]:
        """One read snapshot (inside the caller's transaction if there is one); `lock` takes
        the write lock too, where the file can be written at all."""
        conn = self._db.conn
        own = not conn.in_transaction
        if own:
            try:
                conn.execute("BEGIN IMMEDIATE" if lock else "BEGIN")
            except sqlite3.OperationalError:
                if not lock:
                    raise
                conn.execute("BEGIN")  # a read-only file: nobody writes it meanwhile
        try:
            yield
        finally:
            if own:
                conn.execute("COMMIT")


def _first_anchor(db_path: Path, head: tuple[int, str]) -> list[str]:
    """Anchors a trail that had no anchor yet; what to tell the admin about it."""
    try:
        write_anchor(db_path, Anchor(head[0], head[1], head[0], head[1]))
    except OSError as exc:
        return [
            f"The record of the trail's end could not be written to {anchor_path(db_path)}"
            f" ({exc.strerror or exc})."
        ]
    return [
        "This was the first check with a record of the trail's end kept outside the database:"
        f" {anchor_path(db_path)} now remembers line #{head[0]}. Lines cut off or rewritten"
        " before now cannot be found by it."
    ]


@dataclass(frozen=True)
class AuditCheck:
    """What `audit verify` found: None when nothing is wrong; notes are said either way."""

    problem: ChainBreak | Tampering | None
    notes: tuple[str, ...] = ()
    lines: int | None = None  # how many lines the chain holds (None: it is broken)


def page_query(where: AuditFilter, below: AuditCursor | None) -> tuple[str, list[Any]]:
    """The filter and, past the first page, the cursor. The cursor's `at <= ?` takes the
    place of the last day's bound (the line it names is inside it) so that the index range
    has one upper end, the cursor: a deep page starts where the last one ended. Only lines
    stamped the very same second are then told apart by id."""
    if below is None:
        return where.where()
    clause, params = replace(where, last_day=None).where()
    return (
        f"{clause} AND at <= ? AND (at < ? OR id < ?)",
        [*params, below.at, below.at, below.id],
    )


# Each line with its text for the chain check made by SQLite (json_array writes what
# line_text() writes: the check stays exact, as first_break_in() checks any line whose
# text does not give its hash again with line_text() itself).
_ENCODED_LINES = (
    "SELECT id, prev_hash, hash, json_array(prev_hash, id, at, staff_id, action, entity,"
    " entity_id, patient_id, before, after) FROM audit ORDER BY id"
)
_HASHED_COLUMNS = "id, at, staff_id, action, entity, entity_id, patient_id, before, after"


def _lines(db: Database) -> Iterator[Line]:
    """Every line in id order, read in batches, its text made by SQLite where it can."""
    try:
        if on_server(db):  # PostgreSQL's JSON is written differently: the texts made here
            raise sqlite3.OperationalError("json_array is SQLite's")
        cursor = db.execute(_ENCODED_LINES)
    except sqlite3.OperationalError:  # an SQLite built without JSON: the texts made here
        cursor = db.execute(f"SELECT {_HASHED_COLUMNS}, prev_hash, hash FROM audit ORDER BY id")
        while batch := cursor.fetchmany(2000):
            for row in batch:
                fields = dict(zip(_HASHED_KEYS, row, strict=False))
                yield row[0], row[9], row[10], line_text(row[9], **fields)
        return
    while batch := cursor.fetchmany(2000):
        yield from batch


def _exact_text(db: Database) -> Callable[[int], str]:
    """line_text() of a stored line, made here: what decides when SQLite's text differs."""

    def text(line_id: int) -> str:
        row = db.execute(
            f"SELECT {_HASHED_COLUMNS}, prev_hash FROM audit WHERE id = ?", [line_id]
        ).fetchone()
        return line_text(row[9], **dict(zip(_HASHED_KEYS, row, strict=False)))

    return text


_HASHED_KEYS = tuple(_HASHED_COLUMNS.split(", "))


def _entry(r: dict[str, Any]) -> AuditEntry:
    return AuditEntry(
        id=r["id"],
        at=r["at"],
        staff_id=r["staff_id"],
        action=r["action"],
        entity=r["entity"],
        entity_id=r["entity_id"],
        before=_load(r["before"]),
        after=_load(r["after"]),
        patient_id=r["patient_id"],
    )
