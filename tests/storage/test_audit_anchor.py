"""The audit anchor beside the database file: written after a commit that added lines, never
after a rollback, never moved off a trail it does not continue, and unreadable when damaged."""

from __future__ import annotations

import stat
import time
from pathlib import Path

import pytest

from frontdesk.storage.audit import AuditRepository
from frontdesk.storage.audit_anchor import (
    AnchorUnreadable,
    anchor_current_head,
    anchor_path,
    read_anchor,
    write_anchor,
)
from frontdesk.storage.db import connect, write_transaction
from frontdesk.storage.migrations import migrate
from tests.conftest import NOW


@pytest.fixture
def db(db_path: Path):
    opened = connect(db_path)
    migrate(opened, db_path, NOW)
    yield opened
    opened.close()


def append(db, action: str = "print", entity: str = "day_sheet") -> int:
    return AuditRepository(db).append(
        at="2026-11-26T10:30:00-08:00", staff_id=None, action=action, entity=entity,
        entity_id=None, before=None, after={"n": 1},
    )  # fmt: skip


def head(db) -> tuple[int, str]:
    return tuple(db.execute("SELECT last_id, last_hash FROM audit_head").fetchone())


def test_the_anchor_follows_each_commit_that_added_lines(db, db_path: Path) -> None:
    assert read_anchor(db_path) is None
    with write_transaction(db):
        append(db)
        append(db)
    assert read_anchor(db_path) == head(db) and head(db)[0] == 2
    mode = stat.S_IMODE(anchor_path(db_path).stat().st_mode)
    assert mode == 0o600
    assert anchor_path(db_path).name == "clinic.audit-anchor"
    assert [p.name for p in db_path.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_a_rolled_back_write_leaves_the_anchor_alone(db, db_path: Path) -> None:
    with write_transaction(db):
        append(db)
    before = read_anchor(db_path)
    with pytest.raises(RuntimeError), write_transaction(db):
        append(db)
        raise RuntimeError("refused")
    assert read_anchor(db_path) == before
    with write_transaction(db):  # a write without audit lines does not touch it either
        db.execute("INSERT INTO app_settings VALUES ('x', 'y')")
    assert read_anchor(db_path) == before


def test_the_anchor_is_not_moved_off_a_trail_it_does_not_continue(db, db_path: Path) -> None:
    with write_transaction(db):
        append(db)
    write_anchor(db_path, 1, "f" * 64)  # as if line 1 had been rewritten since
    with write_transaction(db):
        append(db)
    assert read_anchor(db_path) == (1, "f" * 64)  # kept as evidence for `audit verify`
    write_anchor(db_path, 9, "e" * 64)  # as if lines had been cut off since
    with write_transaction(db):
        append(db)
    assert read_anchor(db_path) == (9, "e" * 64)


def test_the_apps_own_restore_rebases_the_anchor(db, db_path: Path) -> None:
    with write_transaction(db):
        append(db)
    write_anchor(db_path, 40, "e" * 64)  # the trail of the file the backup replaced
    with write_transaction(db):
        append(db, "restore", "database")
    assert read_anchor(db_path) == head(db)


def test_an_anchor_can_be_made_from_the_trail_as_it_is(db, db_path: Path) -> None:
    assert anchor_current_head(db_path) is None  # no lines yet
    with write_transaction(db):
        append(db)
    anchor_path(db_path).unlink()
    assert anchor_current_head(db_path) == head(db) == read_anchor(db_path)


@pytest.mark.parametrize("text", ["", "{", '{"id": "1", "hash": "x"}', '{"hash": "x"}', "[]"])
def test_a_damaged_anchor_is_unreadable_not_ignored(db_path: Path, text: str) -> None:
    anchor_path(db_path).write_text(text)
    with pytest.raises(AnchorUnreadable, match="does not hold what Frontdesk wrote there"):
        read_anchor(db_path)


def test_a_database_in_memory_has_no_anchor(tmp_path: Path) -> None:
    db = connect(":memory:")
    migrate(db, None, NOW)
    with write_transaction(db):
        append(db)
    assert list(tmp_path.iterdir()) == []


def test_what_the_anchor_costs_a_write(db, db_path: Path) -> None:
    """Not a benchmark: a guard that keeping the anchor stays a small part of a write."""

    def write(lines: int) -> None:
        with write_transaction(db):
            for _ in range(lines):
                append(db)

    def timed(runs: int = 50) -> float:
        started = time.perf_counter()
        for _ in range(runs):
            write(1)
        return (time.perf_counter() - started) / runs

    import frontdesk.storage.audit as audit_module

    with_anchor = timed()
    real = audit_module.note_line
    audit_module.note_line = lambda *_args, **_kwargs: None  # type: ignore[assignment]
    try:
        without = timed()
    finally:
        audit_module.note_line = real
    print(f"one audited write: {with_anchor * 1e3:.2f} ms with the anchor,"
          f" {without * 1e3:.2f} ms without")  # fmt: skip
    assert with_anchor - without < 0.025  # a rename, not a copy of the trail or an fsync storm
