"""The audit anchor beside the database file: written by a write that added lines just before
its COMMIT, never by one rolled back before, never moved off a trail it does not continue, and
unreadable when damaged."""

from __future__ import annotations

import stat
import time
from pathlib import Path

import pytest

from frontdesk.domain.audit import GENESIS, Anchor
from frontdesk.storage.audit import AuditRepository
from frontdesk.storage.audit_anchor import (
    AnchorUnreadable,
    anchor_current_head,
    anchor_path,
    read_anchor,
    write_anchor,
)
from frontdesk.storage.db import before_commit, connect, write_transaction
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


def line(db, line_id: int) -> tuple[int, str]:
    row = db.execute("SELECT id, hash FROM audit WHERE id = ?", [line_id]).fetchone()
    return (row[0], row[1]) if row else (0, GENESIS)


def head(db) -> tuple[int, str]:
    return tuple(db.execute("SELECT last_id, last_hash FROM audit_head").fetchone())


def test_the_anchor_follows_each_write_that_added_lines(db, db_path: Path) -> None:
    assert read_anchor(db_path) is None
    with write_transaction(db):
        append(db)
        append(db)
    assert read_anchor(db_path) == Anchor(*line(db, 2), *line(db, 0))  # began with no lines
    with write_transaction(db):
        append(db)
    assert read_anchor(db_path) == Anchor(*line(db, 3), *line(db, 2))
    assert stat.S_IMODE(anchor_path(db_path).stat().st_mode) == 0o600
    assert anchor_path(db_path).name == "clinic.audit-anchor"
    assert [p.name for p in db_path.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_a_write_rolled_back_before_its_commit_leaves_the_anchor_alone(db, db_path) -> None:
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


def test_a_write_that_failed_after_its_anchor_is_carried_on_from(db, db_path: Path) -> None:
    """The anchor is written just before COMMIT: a COMMIT that fails (or a crash then) leaves
    it one write ahead, naming the line that write began from; the next write goes on."""
    with write_transaction(db):
        append(db)

    def commit_fails() -> None:
        raise OSError("the disk is full")

    with pytest.raises(OSError), write_transaction(db):
        append(db)
        before_commit(db, "after the anchor", commit_fails)
    ahead = read_anchor(db_path)
    assert ahead is not None and ahead.id == 2 and (ahead.prev_id, ahead.prev_hash) == head(db)
    with write_transaction(db):
        append(db)
    assert read_anchor(db_path) == Anchor(*line(db, 2), *line(db, 1))


def test_the_anchor_is_not_moved_off_a_trail_it_does_not_continue(db, db_path: Path) -> None:
    with write_transaction(db):
        append(db)
    rewritten = Anchor(1, "f" * 64, 0, GENESIS)  # as if line 1 had been rewritten since
    write_anchor(db_path, rewritten)
    with write_transaction(db):
        append(db)
    assert read_anchor(db_path) == rewritten  # kept as evidence for `audit verify`
    cut = Anchor(9, "e" * 64, 8, "d" * 64)  # as if lines had been cut off since
    write_anchor(db_path, cut)
    with write_transaction(db):
        append(db)
    assert read_anchor(db_path) == cut


def test_the_apps_own_restore_rebases_the_anchor(db, db_path: Path) -> None:
    with write_transaction(db):
        append(db)
    write_anchor(db_path, Anchor(40, "e" * 64, 39, "d" * 64))  # the file the backup replaced
    with write_transaction(db):
        append(db, "restore", "database")
    assert read_anchor(db_path) == Anchor(*line(db, 2), *line(db, 1))


def test_an_anchor_can_be_made_from_the_trail_as_it_is(db, db_path: Path) -> None:
    assert anchor_current_head(db_path) is None  # no lines yet
    with write_transaction(db):
        append(db)
    anchor_path(db_path).unlink()
    assert anchor_current_head(db_path) == Anchor(*head(db), *head(db)) == read_anchor(db_path)


@pytest.mark.parametrize(
    "text", ["", "{", '{"id": "1", "hash": "x", "prev_id": 0, "prev_hash": "x"}', "[]", "\xff"]
)
def test_a_damaged_anchor_is_unreadable_not_ignored(db_path: Path, text: str) -> None:
    anchor_path(db_path).write_text(text, encoding="latin-1")
    with pytest.raises(AnchorUnreadable):
        read_anchor(db_path)


def test_a_database_in_memory_has_no_anchor(tmp_path: Path) -> None:
    db = connect(":memory:")
    migrate(db, None, NOW)
    with write_transaction(db):
        append(db)
    assert list(tmp_path.iterdir()) == []


def test_what_the_anchor_costs_a_write(db, db_path: Path) -> None:
    """Not a benchmark: a guard that keeping the anchor stays a small part of a write."""

    def timed(runs: int = 50) -> float:
        started = time.perf_counter()
        for _ in range(runs):
            with write_transaction(db):
                append(db)
        return (time.perf_counter() - started) / runs

    import frontdesk.storage.audit as audit_module

    with_anchor = timed()
    real = audit_module.note_line
    audit_module.note_line = lambda *_args, **_kwargs: None
    try:
        without = timed()
    finally:
        audit_module.note_line = real
    print(f"one audited write: {with_anchor * 1e3:.2f} ms with the anchor,"
          f" {without * 1e3:.2f} ms without")  # fmt: skip
    assert with_anchor - without < 0.05  # two small flushes, not a copy of the trail
