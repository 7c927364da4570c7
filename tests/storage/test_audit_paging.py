"""The audit trail read a page at a time: keyset pages (no OFFSET) in the trail's order, each
filter served by an index in that order (no sort of the matching lines), counted up to a cap."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
import sqlite_utils

from frontdesk.storage.audit import (
    ORDER,
    AuditCursor,
    AuditFilter,
    AuditRepository,
    append_only_intact,
    page_query,
)
from frontdesk.storage.db import connect, write_transaction
from frontdesk.storage.migrations import migrate
from tests.conftest import NOW


@pytest.fixture
def db() -> Iterator[sqlite_utils.Database]:
    opened = connect(":memory:")
    migrate(opened, None, NOW)
    yield opened
    opened.close()


# Each filter the dialog offers, alone and together, with the index that must serve it.
PLANS = [
    (AuditFilter(), "audit_by_at"),
    (AuditFilter(first_day="2026-10-28", last_day="2026-11-26"), "audit_by_at"),
    (AuditFilter(first_day="2026-10-28"), "audit_by_at"),
    (AuditFilter(staff_id=2), "audit_by_staff_at"),
    (AuditFilter(staff_id=2, first_day="2026-10-28", last_day="2026-11-26"), "audit_by_staff_at"),
    (AuditFilter(patient_id=7), "audit_by_patient_at"),
    (AuditFilter(patient_id=7, last_day="2026-11-26"), "audit_by_patient_at"),
    (
        AuditFilter(patient_id=7, staff_id=2, first_day="2026-10-28", last_day="2026-11-26"),
        "audit_by_patient_at",
    ),
]
BELOW = AuditCursor("2026-11-20T10:00:00-08:00", 500)


def plan(db: sqlite_utils.Database, sql: str, params: list[object]) -> list[str]:
    return [row[3] for row in db.execute(f"EXPLAIN QUERY PLAN {sql}", params).fetchall()]


@pytest.mark.parametrize("below", [None, BELOW], ids=["first page", "a later page"])
@pytest.mark.parametrize(("where", "index"), PLANS, ids=[str(p[0]) for p in PLANS])
def test_each_filter_reads_its_page_from_its_index_in_order(
    db, where: AuditFilter, index: str, below: AuditCursor | None
) -> None:
    clause, params = page_query(where, below)
    steps = plan(db, f"SELECT * FROM audit WHERE {clause} {ORDER} LIMIT ?", [*params, 200])
    assert len(steps) == 1, steps  # one index range read: no TEMP B-TREE for the order
    assert steps[0].startswith(f"SEARCH audit USING INDEX {index} (") or (
        steps[0] == f"SCAN audit USING INDEX {index}" and where == AuditFilter() and not below
    ), steps
    if below is not None:  # the page starts at the cursor, not at the top of the range
        assert "at<?" in steps[0] and "OFFSET" not in clause


@pytest.mark.parametrize(("where", "index"), PLANS, ids=[str(p[0]) for p in PLANS])
def test_the_count_reads_the_same_index(db, where: AuditFilter, index: str) -> None:
    clause, params = where.where()
    sql = f"SELECT count(*) FROM (SELECT 1 FROM audit WHERE {clause} LIMIT ?)"
    steps = plan(db, sql, [*params, 100])
    # A patient's lines by one staff member: the staff is read from each line of the patient.
    how = "INDEX" if where.patient_id and where.staff_id else "COVERING INDEX"
    assert any(f"USING {how} {index}" in step for step in steps), steps


def test_the_check_replays_only_lines_with_values_from_their_own_index(db) -> None:
    steps = plan(
        db,
        "SELECT entity_id, action, at, staff_id, after FROM audit WHERE entity = ?"
        " AND entity_id IS NOT NULL AND after IS NOT NULL ORDER BY entity_id, id",
        ["patient"],
    )
    assert steps == [
        "SEARCH audit USING INDEX audit_by_entity_with_values (entity=? AND entity_id>?)"
    ]


def test_the_migration_keeps_the_trail_append_only(db) -> None:
    assert append_only_intact(db)
    names = {i.name for i in db["audit"].indexes}
    assert {"audit_by_staff_at", "audit_by_patient_at", "audit_by_entity_with_values"} <= names
    assert not {"audit_by_staff", "audit_by_patient"} & names  # the id-ordered ones are gone


def write_lines(db: sqlite_utils.Database, rng: random.Random, count: int) -> None:
    """Lines over a few days, many stamped the same second, some written out of order (a
    clock set back, the demo's back-dated work)."""
    repo = AuditRepository(db)
    with write_transaction(db):
        for _ in range(count):
            day = rng.choice(["2026-11-20", "2026-11-21", "2026-11-22", "2026-11-25"])
            at = f"{day}T{rng.choice(['09', '10', '23'])}:{rng.choice(['00', '59'])}:00-08:00"
            repo.append(
                at=at, staff_id=rng.choice([1, 2, None]), action="print", entity="day_sheet",
                entity_id=None, before=None, after={"n": 1}, patient_id=rng.choice([5, 6, None]),
            )  # fmt: skip


def every_page(repo: AuditRepository, where: AuditFilter, limit: int) -> list[int]:
    seen: list[int] = []
    below: AuditCursor | None = None
    while True:
        page = repo.page(where, limit, below)
        seen += [e.id for e in page]
        if len(page) < limit:
            return seen
        below = AuditCursor.after(page[-1])


@pytest.mark.parametrize("seed", range(12))
def test_keyset_pages_give_every_matching_line_once_in_order(db, seed: int) -> None:
    rng = random.Random(seed)
    write_lines(db, rng, 80)
    repo = AuditRepository(db)
    rows = db.execute("SELECT id, at, staff_id, patient_id FROM audit").fetchall()
    for _ in range(6):
        where = AuditFilter(
            patient_id=rng.choice([None, 5, 6]),
            staff_id=rng.choice([None, 1, 2]),
            first_day=rng.choice([None, "2026-11-21"]),
            last_day=rng.choice([None, "2026-11-22", "2026-11-25"]),
        )
        expected = [
            line_id
            for line_id, at, staff, patient in sorted(
                rows, key=lambda r: (r[1], r[0]), reverse=True
            )
            if where.patient_id in (None, patient)
            and where.staff_id in (None, staff)
            and (where.first_day is None or at[:10] >= where.first_day)
            and (where.last_day is None or at[:10] <= where.last_day)
        ]
        assert every_page(repo, where, rng.choice([1, 3, 7, 50])) == expected
        assert repo.count(where) == len(expected)
        assert repo.count(where, cap=4) == min(len(expected), 5)  # 5: "more than 4"


def test_a_trail_written_before_the_migration_keeps_its_chain_and_protection(tmp_path) -> None:
    from frontdesk.storage.migrations import MIGRATIONS

    path = tmp_path / "before-0011.sqlite3"
    old = connect(path)
    MIGRATIONS.apply(old, stop_before="0011_audit_trail_indexes")
    write_lines(old, random.Random(5), 30)
    migrate(old, path, NOW)
    assert append_only_intact(old)
    assert AuditRepository(old).first_break() is None
    assert every_page(AuditRepository(old), AuditFilter(staff_id=1), 4) == [
        line_id
        for (line_id,) in old.execute(
            "SELECT id FROM audit WHERE staff_id = 1 ORDER BY at DESC, id DESC"
        ).fetchall()
    ]
    old.close()
