# ruff: noqa: E501  (one row per rewrite reads best on one line)
"""The repositories' SQLite SQL as the clinic server reads it: every rewrite, one row each."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from frontdesk.storage.postgres_sql import to_postgres


@pytest.mark.parametrize(
    ("sqlite", "server", "returns_id"),
    [
        ("SELECT * FROM patients WHERE id = ?", "SELECT * FROM patients WHERE id = %s", False),
        # placeholders and percent signs inside quoted text stay text
        ("SELECT '?', 'a%b' WHERE x = ?", "SELECT '?', 'a%%b' WHERE x = %s", False),
        ("SELECT 'it''s ?' WHERE x = ?", "SELECT 'it''s ?' WHERE x = %s", False),
        ('SELECT "odd?name" FROM t', 'SELECT "odd?name" FROM t', False),
        ("SELECT x % 2 FROM t", "SELECT x %% 2 FROM t", False),
        # named placeholders; a cast is not one
        ("SELECT :id, x::text", "SELECT %(id)s, x::text", False),
        ("INSERT INTO audit (id, at) VALUES (:id, :at)", "INSERT INTO audit (id, at) VALUES (%(id)s, %(at)s) RETURNING id", True),
        # the new row's id, for cursor.lastrowid, where the table has one
        ("INSERT INTO patients (a) VALUES (?)", "INSERT INTO patients (a) VALUES (%s) RETURNING id", True),
        ("INSERT INTO app_settings (key, value) VALUES (?, ?)", "INSERT INTO app_settings (key, value) VALUES (%s, %s)", False),
        ("INSERT INTO patients (a) VALUES (?) RETURNING id", "INSERT INTO patients (a) VALUES (%s) RETURNING id", False),
        # INSERT OR IGNORE
        ("INSERT OR IGNORE INTO holiday_years (year) VALUES (?)", "INSERT INTO holiday_years (year) VALUES (%s) ON CONFLICT DO NOTHING", False),
        # SQLite's null-safe comparisons
        ("SELECT 1 FROM staff WHERE username = ? AND id IS NOT ?", "SELECT 1 FROM staff WHERE username = %s AND id IS DISTINCT FROM %s", False),
        ("SELECT 1 FROM t WHERE a IS ?", "SELECT 1 FROM t WHERE a IS NOT DISTINCT FROM %s", False),
        ("SELECT 1 FROM t WHERE a IS NULL AND b IS NOT NULL", "SELECT 1 FROM t WHERE a IS NULL AND b IS NOT NULL", False),
        # scalar max/min become GREATEST/LEAST; the aggregates stay
        ("SELECT max(a, b), min(c, d) FROM t", "SELECT GREATEST(a, b), LEAST(c, d) FROM t", False),
        ("SELECT max(coalesce(original_id, id)) FROM intakes", "SELECT max(coalesce(original_id, id)) FROM intakes", False),
        ("SELECT MAX(min(a, b)) FROM t", "SELECT MAX(LEAST(a, b)) FROM t", False),
        # SQLite's planner hint is dropped; binary plus stays
        ("SELECT * FROM patients WHERE +archived = 0", "SELECT * FROM patients WHERE archived = 0", False),
        ("SELECT * FROM audit WHERE patient_id = ? AND +staff_id = ?", "SELECT * FROM audit WHERE patient_id = %s AND staff_id = %s", False),
        ("UPDATE patients SET version = version + 1 WHERE id = ?", "UPDATE patients SET version = version + 1 WHERE id = %s", False),
    ],
)  # fmt: skip
def test_each_difference_is_rewritten(sqlite: str, server: str, returns_id: bool) -> None:
    assert to_postgres(sqlite) == (server, returns_id)


@given(st.text(alphabet=st.characters(exclude_characters="'\x00"), max_size=40))
def test_quoted_text_is_never_rewritten_but_for_its_percent_signs(text: str) -> None:
    quoted = "'" + text + "'"
    rewritten, _ = to_postgres(f"SELECT {quoted}")
    assert rewritten == "SELECT " + quoted.replace("%", "%%")
