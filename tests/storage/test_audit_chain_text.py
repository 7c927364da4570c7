"""The chain check's shortcut: SQLite writes each line's hashed text (json_array) as line_text()
does, so a million lines are hashed without Python building each text; where it would not,
line_text() decides (tests/domain/test_audit_chain.py)."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterator

import pytest
import sqlite_utils
from hypothesis import given, settings
from hypothesis import strategies as st

from frontdesk.domain.audit import GENESIS, line_text
from frontdesk.storage.audit import AuditRepository, _lines, insert_line
from frontdesk.storage.db import connect
from frontdesk.storage.migrations import migrate
from tests.conftest import NOW

NUMBERS = itertools.count(1)


@pytest.fixture(scope="module")
def db() -> Iterator[sqlite_utils.Database]:
    opened = connect(":memory:")
    migrate(opened, None, NOW)
    opened.execute("PRAGMA foreign_keys=OFF")  # any staff id, as a hand-made line could hold
    yield opened
    opened.close()


ids = st.none() | st.integers(min_value=-(2**63), max_value=2**63 - 1)
# Any text a person could type or paste: control characters, quotes, backslashes, emoji,
# line and paragraph separators, a byte-order mark.
texts = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)


@settings(max_examples=200, deadline=None)
@given(
    at=texts, staff_id=ids, action=texts, entity=texts, entity_id=ids, patient_id=ids,
    before=st.none() | texts, after=st.none() | texts,
)  # fmt: skip
def test_sqlite_writes_each_line_as_line_text_does(db, **fields: object) -> None:
    line_id = next(NUMBERS)
    insert_line(db, "audit", GENESIS, {"id": line_id, **fields})
    [(found_id, previous, _digest, text)] = [line for line in _lines(db) if line[0] == line_id]
    assert (found_id, previous) == (line_id, GENESIS)
    assert text == line_text(GENESIS, id=line_id, **fields)  # type: ignore[arg-type]


def test_a_trail_the_app_wrote_is_checked_through_the_shortcut(tmp_path) -> None:
    db = connect(tmp_path / "c.sqlite3")
    migrate(db, None, NOW)
    repo = AuditRepository(db)
    db.execute("BEGIN IMMEDIATE")
    for n in range(20):
        repo.append(
            at=f"2026-11-26T10:{n:02d}:00-08:00", staff_id=None, action="update",
            entity="patient", entity_id=n, before={"note": "Llamó\n\t\"ok\" \\ 😀"},
            after={"note": "\u2028\x7f\ufeff"},
        )  # fmt: skip
    db.execute("COMMIT")
    for line_id, previous, digest, text in _lines(db):
        assert text is not None and hashlib.sha256(text.encode()).hexdigest() == digest
        row = db.execute(
            "SELECT at, staff_id, action, entity, entity_id, patient_id, before, after"
            " FROM audit WHERE id = ?",
            [line_id],
        ).fetchone()
        keys = ("at", "staff_id", "action", "entity", "entity_id", "patient_id", "before", "after")
        assert text == line_text(previous, id=line_id, **dict(zip(keys, row, strict=True)))
    assert repo.first_break() is None
