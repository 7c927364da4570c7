"""Both engines' migrations reach the same schema, and both databases enforce the same rules.

A fresh SQLite clinic (`open_clinic`, storage/migrations.py) and a fresh server clinic (`server
init`'s `create_clinic_database`, storage/postgres_schema.py, on a throwaway cluster) are read
back from each engine's catalogue and compared table by table: columns (name, type, NOT NULL,
default, collation), primary keys, foreign keys, unique constraints, which columns each CHECK
reads, and indexes. The rules are then exercised with one SQL text on both: overlapping
appointments, the append-only audit trail and signed CO2 records are refused by the database
itself. On the server, the workstations' role may not change the trail or the schema.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest

from frontdesk.domain.clinic import CLINIC_TZ
from frontdesk.services.clinic import Clinic, open_clinic
from frontdesk.services.clock import fixed_clock
from frontdesk.storage import postgres_schema
from frontdesk.storage.database import Database, DatabaseError, IntegrityError
from frontdesk.storage.migrations import MIGRATIONS, pending_names
from frontdesk.storage.postgres import PgDatabase
from frontdesk.storage.postgres_cluster import Cluster, NoServerInstalled, throwaway_cluster
from frontdesk.storage.postgres_server import app_role, create_clinic_database

PORT = 55415  # this module's own cluster; its socket lives in the cluster's folder
DBNAME = "parity_clinic"
NOW = datetime(2026, 11, 26, 10, 30, tzinfo=CLINIC_TZ)
STAMP = "2026-11-26T10:30:00-08:00"
SQLITE_BOOKKEEPING = "_sqlite_migrations"  # sqlite-utils' Migrations
SERVER_BOOKKEEPING = postgres_schema.MIGRATIONS_TABLE
# SQLite refuses overlaps with two triggers; the server with one exclusion constraint.
OVERLAP_TRIGGERS = {"appointments_no_overlap_insert", "appointments_no_overlap_update"}
OVERLAP_CONSTRAINT = ("appointments", "appointments_no_overlap")
# Keys the app always gives (a weekday, a year, a patient's, the one head row, the chain's
# numbered lines): SQLite's INTEGER PRIMARY KEY would number them, the server leaves them to
# the app.
KEYS_THE_APP_GIVES = {
    ("audit", "id"),
    ("audit_head", "only"),
    ("holiday_years", "year"),
    ("office_hours", "weekday"),
    ("patient_language", "patient_id"),
}


# -- What a schema is, said the same way for both engines -----------------------------------


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # integer or text
    not_null: bool
    default: str | None
    collation: str | None  # None: the database's own


@dataclass(frozen=True)
class ForeignKey:
    column: str
    table: str
    to: str
    on_delete: str


@dataclass(frozen=True)
class Index:
    name: str
    keys: tuple[str, ...]  # column names, or expressions without blanks, lower-case
    where: str | None


@dataclass(frozen=True)
class Table:
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    foreign_keys: frozenset[ForeignKey]
    unique: frozenset[tuple[str, ...]]
    checks: tuple[tuple[str, ...], ...]  # the columns each CHECK reads, sorted
    indexes: frozenset[Index]
    numbered: frozenset[str]  # columns the database numbers by itself


def _type(declared: str) -> str:
    word = declared.split("(")[0].strip().lower()
    return {"integer": "integer", "bigint": "integer", "text": "text"}.get(word, word)


def _default(text: str | None) -> str | None:
    """'booked'::text (PostgreSQL) and 'booked' (SQLite) are one default."""
    if text is None:
        return None
    text = re.sub(r"::[a-z ]+$", "", text.strip())
    while text.startswith("(") and text.endswith(")"):
        text = text[1:-1].strip()
    return text


def _expression(text: str) -> str:
    """An index key or predicate without blanks, quotes or outer parentheses, lower-case."""
    text = re.sub(r"\s+", "", text).replace('"', "").lower()
    while text.startswith("(") and text.endswith(")") and _balanced(text[1:-1]):
        text = text[1:-1]
    return text


def _balanced(text: str) -> bool:
    depth = 0
    for character in text:
        depth += {"(": 1, ")": -1}.get(character, 0)
        if depth < 0:
            return False
    return depth == 0


ON_DELETE = {"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}


# -- SQLite's catalogue ------------------------------------------------------------------------


def _blank_strings(sql: str) -> str:
    """String literals emptied, so a word inside one ('active') is never read as a column."""
    return re.sub(r"'(?:[^']|'')*'", "''", sql)


def _top_level(text: str, separator: str = ",") -> list[str]:
    """`text` split at separators outside parentheses (strings already blanked)."""
    parts, depth, start = [], 0, 0
    for at, character in enumerate(text):
        if character == "(":
            depth += 1
        elif character == ")":
            depth -= 1
        elif character == separator and depth == 0:
            parts.append(text[start:at].strip())
            start = at + 1
    parts.append(text[start:].strip())
    return [part for part in parts if part]


def _parenthesised(text: str, opening: int) -> str:
    """What lies between the parenthesis at `opening` and the one that closes it."""
    depth = 0
    for at in range(opening, len(text)):
        depth += {"(": 1, ")": -1}.get(text[at], 0)
        if depth == 0:
            return text[opening + 1 : at]
    raise ValueError(f"unbalanced parentheses in {text!r}")


def _checks_read(definition: str, columns: set[str]) -> list[tuple[str, ...]]:
    """For each CHECK in one part of a CREATE TABLE, the table's columns it mentions."""
    found = []
    for match in re.finditer(r"\bCHECK\s*\(", definition, re.IGNORECASE):
        body = _parenthesised(definition, match.end() - 1)
        words = {word.lower() for word in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", body)}
        found.append(tuple(sorted(words & columns)))
    return found


def sqlite_tables(db: Any) -> dict[str, Table]:
    names = [
        row[0]
        for row in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        ).fetchall()
        if row[0] != SQLITE_BOOKKEEPING
    ]
    return {name: _sqlite_table(db, name) for name in names}


def _sqlite_table(db: Any, name: str) -> Table:
    (sql,) = db.execute("SELECT sql FROM sqlite_master WHERE name = ?", [name]).fetchone()
    sql = _blank_strings(sql)
    info = db.execute(f"PRAGMA table_info({name})").fetchall()  # cid, name, type, notnull, dflt, pk
    column_names = {row[1].lower() for row in info}
    body = _parenthesised(sql, sql.index("("))
    collations: dict[str, str] = {}
    checks: list[tuple[str, ...]] = []
    for part in _top_level(body):
        checks += _checks_read(part, column_names)
        first = part.split()[0].strip('"').lower()
        collation = re.search(r"\bCOLLATE\s+\"?(\w+)", part, re.IGNORECASE)
        if first in column_names and collation:
            collations[first] = collation.group(1).lower()
    primary_key = tuple(row[1] for row in sorted(info, key=lambda row: row[5]) if row[5])
    without_rowid = re.search(r"\)\s*WITHOUT\s+ROWID\s*$", sql, re.IGNORECASE) is not None
    numbered = (
        {primary_key[0]}
        if len(primary_key) == 1
        and not without_rowid
        and next(row[2] for row in info if row[1] == primary_key[0]).upper() == "INTEGER"
        else set()
    )
    columns = tuple(
        Column(
            name=row[1],
            type=_type(row[2]),
            # A primary key is never NULL on the server; on SQLite only an INTEGER one
            # refuses NULL by itself (a TEXT key may be NULL unless it says NOT NULL).
            not_null=bool(row[3]) or bool(row[5]),
            default=_default(row[4]),
            collation=collations.get(row[1].lower()),
        )
        for row in info
    )
    foreign_keys = frozenset(
        ForeignKey(row[3], row[2], row[4], row[6].upper())
        for row in db.execute(f"PRAGMA foreign_key_list({name})").fetchall()
    )
    unique = frozenset(
        tuple(
            column[2]
            for column in db.execute(f"PRAGMA index_info({row[1]})").fetchall()  # seqno order
        )
        for row in db.execute(f"PRAGMA index_list({name})").fetchall()  # seq, name, unique, origin
        if row[3] == "u"
    )
    # Every SQLite index ends, unsaid, with the row's key: the rowid (its INTEGER PRIMARY KEY
    # column) or, in a WITHOUT ROWID table, the primary key's columns. The server's indexes
    # say it, so that both read `ORDER BY ..., id` off the index.
    implicit = primary_key if without_rowid else tuple(sorted(numbered))
    indexes = frozenset(
        _with_row_key(_sqlite_index(index_name, index_sql), implicit)
        for index_name, index_sql in db.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ?"
            " AND sql IS NOT NULL",
            [name],
        ).fetchall()
    )
    return Table(
        columns, primary_key, foreign_keys, unique, tuple(sorted(checks)), indexes,
        frozenset(numbered),
    )  # fmt: skip


def _with_row_key(index: Index, row_key: tuple[str, ...]) -> Index:
    missing = tuple(column for column in row_key if column not in index.keys)
    return Index(index.name, index.keys + missing, index.where) if missing else index


def _sqlite_index(name: str, sql: str) -> Index:
    on = re.search(r"\bON\s+\w+\s*\(", sql, re.IGNORECASE)
    assert on is not None, sql
    keys = _parenthesised(sql, on.end() - 1)
    rest = sql[on.end() + len(keys) :]
    where = re.search(r"\bWHERE\b(.*)$", rest, re.IGNORECASE | re.DOTALL)
    return Index(
        name,
        tuple(_expression(key) for key in _top_level(keys)),
        _expression(where.group(1)) if where else None,
    )


# -- PostgreSQL's catalogue ----------------------------------------------------------------


def server_tables(raw: psycopg.Connection[Any]) -> dict[str, Table]:
    names = [
        row[0]
        for row in raw.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'public' AND c.relkind = 'r'"
        ).fetchall()
        if row[0] != SERVER_BOOKKEEPING
    ]
    return {name: _server_table(raw, name) for name in names}


def _constraint_columns(raw: psycopg.Connection[Any], table: str, kind: str) -> list[Any]:
    """(name, [columns in the constraint's order], ...) for each constraint of one kind."""
    return raw.execute(
        "SELECT con.conname, array(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY"
        "   AS k(attnum, n) JOIN pg_attribute a ON a.attrelid = con.conrelid"
        "   AND a.attnum = k.attnum ORDER BY k.n)"
        " FROM pg_constraint con WHERE con.conrelid = %s::regclass AND con.contype = %s",
        [table, kind],
    ).fetchall()


def _server_table(raw: psycopg.Connection[Any], name: str) -> Table:
    info = raw.execute(
        "SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,"
        " pg_get_expr(d.adbin, d.adrelid), a.attidentity, coll.collname"
        " FROM pg_attribute a"
        " LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
        " LEFT JOIN pg_collation coll ON coll.oid = a.attcollation"
        " AND a.attcollation <> (SELECT oid FROM pg_collation WHERE collname = 'default')"
        " WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped"
        " ORDER BY a.attnum",
        [name],
    ).fetchall()
    columns = tuple(
        Column(row[0], _type(row[1]), bool(row[2]), _default(row[3]), row[5]) for row in info
    )
    (primary_key,) = [tuple(row[1]) for row in _constraint_columns(raw, name, "p")] or [()]
    foreign_keys = frozenset(
        ForeignKey(column, row[1], to, ON_DELETE[row[3]])
        for row in raw.execute(
            "SELECT array(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY AS k(n, i)"
            "   JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.i),"
            " con.confrelid::regclass::text,"
            " array(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY AS k(n, i)"
            "   JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n ORDER BY k.i),"
            " con.confdeltype"
            " FROM pg_constraint con WHERE con.conrelid = %s::regclass AND con.contype = 'f'",
            [name],
        ).fetchall()
        for column, to in zip(row[0], row[2], strict=True)
    )
    unique = frozenset(tuple(row[1]) for row in _constraint_columns(raw, name, "u"))
    checks = tuple(sorted(tuple(sorted(row[1])) for row in _constraint_columns(raw, name, "c")))
    indexes = frozenset(
        Index(
            row[0],
            tuple(
                _expression(key)
                for (key,) in raw.execute(
                    "SELECT pg_get_indexdef(%s, k, true) FROM generate_series(1, %s) AS k",
                    [row[1], row[2]],
                ).fetchall()
            ),
            _expression(row[3]) if row[3] else None,
        )
        for row in raw.execute(
            "SELECT i.relname, ix.indexrelid, ix.indnkeyatts, pg_get_expr(ix.indpred, ix.indrelid)"
            " FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid"
            " WHERE ix.indrelid = %s::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint con"
            "   WHERE con.conindid = ix.indexrelid AND con.conrelid = ix.indrelid"
            "   AND con.contype IN ('p', 'u', 'x'))",
            [name],
        ).fetchall()
    )
    numbered = frozenset(row[0] for row in info if row[4])
    return Table(columns, primary_key, foreign_keys, unique, checks, indexes, numbered)


# -- The two clinics -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sqlite_clinic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Clinic]:
    path: Path = tmp_path_factory.mktemp("parity") / "clinic.sqlite3"
    clinic = open_clinic(path, fixed_clock(NOW))
    try:
        yield clinic
    finally:
        clinic.close()


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    """A cluster of this module's own, made by `server init`'s code, removed at the end
    (skipped where PostgreSQL's server programs are not installed: `setup.sh --test` does)."""
    try:
        made = throwaway_cluster(PORT)
    except NoServerInstalled as exc:
        pytest.skip(str(exc))
    try:
        create_clinic_database(made.url(), DBNAME, STAMP)
        yield made
    finally:
        made.remove()


@pytest.fixture(scope="module")
def catalogue(cluster: Cluster) -> Iterator[psycopg.Connection[Any]]:
    """The server clinic read as its owner, in psycopg's own dialect."""
    raw = psycopg.connect(cluster.url(DBNAME), autocommit=True)
    try:
        yield raw
    finally:
        raw.close()


@pytest.fixture(scope="module")
def both(
    sqlite_clinic: Clinic, catalogue: psycopg.Connection[Any]
) -> tuple[dict[str, Table], dict[str, Table]]:
    return sqlite_tables(sqlite_clinic._db), server_tables(catalogue)


def _each(
    both: tuple[dict[str, Table], dict[str, Table]], aspect: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    sqlite, server = both
    return (
        {name: getattr(table, aspect) for name, table in sorted(sqlite.items())},
        {name: getattr(table, aspect) for name, table in sorted(server.items())},
    )


# -- The schema ------------------------------------------------------------------------------


def test_both_engines_have_the_same_tables(both) -> None:
    sqlite, server = both
    assert sorted(sqlite) == sorted(server)
    assert len(sqlite) >= 19


def test_every_table_has_the_same_columns_in_the_same_order(both) -> None:
    """Name, integer or text, NOT NULL, default and collation ('Alex' and 'alex' are one
    username on both)."""
    sqlite, server = _each(both, "columns")
    assert sqlite == server
    assert any(column.collation == "nocase" for column in sqlite["staff"])


def test_every_table_has_the_same_primary_key(both) -> None:
    sqlite, server = _each(both, "primary_key")
    assert sqlite == server
    assert all(sqlite.values()), "every table has a primary key"


def test_what_each_engine_numbers_by_itself(both) -> None:
    """Every key the server numbers is one SQLite numbers; the rest are given by the app."""
    sqlite, server = _each(both, "numbered")
    assert all(server[name] <= sqlite[name] for name in server)
    left_to_the_app = {(name, column) for name in sqlite for column in sqlite[name] - server[name]}
    assert left_to_the_app == KEYS_THE_APP_GIVES


def test_every_table_has_the_same_foreign_keys(both) -> None:
    """Column -> table.column and what deleting the referenced row does."""
    sqlite, server = _each(both, "foreign_keys")
    assert sqlite == server
    assert ForeignKey("patient_id", "patients", "id", "CASCADE") in sqlite["patient_name_words"]


def test_every_table_has_the_same_unique_constraints(both) -> None:
    sqlite, server = _each(both, "unique")
    assert sqlite == server
    assert ("series_id", "number") in sqlite["co2_sessions"]


def test_every_check_reads_the_same_columns(both) -> None:
    """The CHECKs of each table, by the columns they mention (their texts differ: GLOB on
    SQLite is a regular expression on the server)."""
    sqlite, server = _each(both, "checks")
    assert sqlite == server
    assert sum(len(checks) for checks in sqlite.values()) >= 30


def test_every_table_has_the_same_indexes(both) -> None:
    """By name, keys (expressions too) and the partial index's condition."""
    sqlite, server = _each(both, "indexes")
    assert sqlite == server
    assert (
        Index("audit_by_entity_with_values", ("entity", "entity_id", "id"), "afterisnotnull")
        in (sqlite["audit"])
    )


def test_the_same_triggers_guard_the_same_tables(
    sqlite_clinic: Clinic, catalogue: psycopg.Connection[Any]
) -> None:
    """SQLite's triggers are the server's, but for double booking (an exclusion constraint
    there) and TRUNCATE, which only the server has."""
    sqlite = {
        row[0]
        for row in sqlite_clinic._db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        ).fetchall()
    }
    server = {
        row[0]
        for row in catalogue.execute(
            "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgenabled <> 'D'"
        ).fetchall()
    }
    assert sqlite >= OVERLAP_TRIGGERS
    assert server == (sqlite - OVERLAP_TRIGGERS) | {
        f"{table}_no_truncate" for table in postgres_schema.ADD_ONLY_TABLES
    }
    exclusions = catalogue.execute(
        "SELECT conrelid::regclass::text, conname FROM pg_constraint WHERE contype = 'x'"
    ).fetchall()
    assert exclusions == [OVERLAP_CONSTRAINT]


def test_a_new_clinic_starts_with_the_same_rows(
    sqlite_clinic: Clinic, catalogue: psycopg.Connection[Any], both
) -> None:
    """The rows the migrations put in (staff, office hours, appointment types, the clinic's
    details), read in key order; every other table starts empty. Read before the rule tests
    below add their own rows to tables outside SEEDED."""
    sqlite, _ = both
    for name, table in sorted(sqlite.items()):
        if name not in SEEDED:
            continue
        order = ", ".join(f'"{column}"' for column in table.primary_key)
        query = f"SELECT * FROM {name} ORDER BY {order}"
        on_sqlite = [tuple(row) for row in sqlite_clinic._db.execute(query).fetchall()]
        on_server = [tuple(row) for row in catalogue.execute(query).fetchall()]
        assert on_sqlite == on_server, name
        assert bool(on_sqlite) == (name in FILLED), name


FILLED = {"staff", "office_hours", "appointment_types", "clinic_info"}
# Tables the rule tests below never write to.
SEEDED = {
    "staff", "office_hours", "appointment_types", "clinic_info", "app_settings",
    "holiday_years", "audit_head", "closures", "intakes", "laser_overrides",
    "appointment_history", "patient_language", "handout_prints", "patient_name_words",
}  # fmt: skip


def test_both_engines_applied_the_same_migrations(
    sqlite_clinic: Clinic, catalogue: psycopg.Connection[Any]
) -> None:
    """The SQLite steps applied are exactly those the server's steps say they match, each
    matched once, and the server records what each of its steps matched."""
    db: Any = sqlite_clinic._db
    applied = [
        row[0]
        for row in db.execute(
            f"SELECT name FROM {SQLITE_BOOKKEEPING} WHERE migration_set = 'frontdesk'"
        ).fetchall()
    ]
    assert pending_names(db, MIGRATIONS) == []
    matched = [name for step in postgres_schema.STEPS for name in step.matches]
    assert sorted(applied) == sorted(matched)
    assert len(set(matched)) == len(matched)
    recorded = catalogue.execute(
        f"SELECT name, matches FROM {SERVER_BOOKKEEPING} ORDER BY name"
    ).fetchall()
    assert recorded == [(step.name, " ".join(step.matches)) for step in postgres_schema.STEPS]


# -- The rules, exercised with one SQL text on both engines ------------------------------------


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest) -> Iterator[Database]:
    """The clinic's database as its owner sees it: the rules hold even for the owner."""
    if request.param == "sqlite":
        yield request.getfixturevalue("sqlite_clinic")._db
        return
    cluster: Cluster = request.getfixturevalue("cluster")
    db = PgDatabase(cluster.url(DBNAME))
    try:
        yield db
    finally:
        db.close()


def _patient(db: Database, last_name: str) -> int:
    cursor = db.execute(
        "INSERT INTO patients (first_name, last_name, dob, created_at, updated_at, first_key,"
        " last_key) VALUES (?, ?, ?, ?, ?, ?, ?)",
        ["Ana", last_name, "1990-01-01", STAMP, STAMP, "ana", last_name.lower()],
    )
    assert cursor.lastrowid
    return int(cursor.lastrowid)


def _doctor(db: Database) -> int:
    return int(db.execute("SELECT id FROM staff WHERE role = 'doctor'").fetchone()[0])


def _book(db: Database, patient: int, starts: str, ends: str, status: str = "booked") -> int:
    cursor = db.execute(
        "INSERT INTO appointments (patient_id, type_code, starts, ends, status, booked_at,"
        " booked_by) VALUES (?, 'consultation', ?, ?, ?, ?, ?)",
        [patient, starts, ends, status, STAMP, _doctor(db)],
    )
    return int(cursor.lastrowid)


def test_overlapping_appointments_are_refused(engine: Database) -> None:
    patient = _patient(engine, "Overlap")
    _book(engine, patient, "2027-01-04T10:00", "2027-01-04T10:30")
    with pytest.raises(IntegrityError, match="double booking"):
        _book(engine, patient, "2027-01-04T10:15", "2027-01-04T10:45")
    with pytest.raises(IntegrityError, match="double booking"):
        _book(engine, patient, "2027-01-04T09:00", "2027-01-04T12:00")
    next_one = _book(engine, patient, "2027-01-04T10:30", "2027-01-04T11:00")
    cancelled = _book(
        engine, patient, "2027-01-04T10:10", "2027-01-04T10:40", status="cancelled_by_patient"
    )
    # Moving into a taken time, or a cancelled one back into it, is refused the same way.
    with pytest.raises(IntegrityError, match="double booking"):
        engine.execute(
            "UPDATE appointments SET starts = ?, ends = ? WHERE id = ?",
            ["2027-01-04T10:20", "2027-01-04T10:50", next_one],
        )
    with pytest.raises(IntegrityError, match="double booking"):
        engine.execute("UPDATE appointments SET status = 'booked' WHERE id = ?", [cancelled])
    held = engine.execute(
        "SELECT starts, ends FROM appointments WHERE patient_id = ? AND status = 'booked'"
        " ORDER BY starts",
        [patient],
    ).fetchall()
    assert [tuple(row) for row in held] == [
        ("2027-01-04T10:00", "2027-01-04T10:30"),
        ("2027-01-04T10:30", "2027-01-04T11:00"),
    ]


def test_the_audit_trail_refuses_update_and_delete(engine: Database) -> None:
    line = 900_001
    engine.execute(
        "INSERT INTO audit (id, at, staff_id, action, entity, entity_id, patient_id, before,"
        " after, prev_hash, hash) VALUES (?, ?, NULL, 'test', 'audit', NULL, NULL, NULL, NULL,"
        " ?, ?)",
        [line, STAMP, "0" * 64, "1" * 64],
    )
    with pytest.raises(IntegrityError, match="append-only"):
        engine.execute("UPDATE audit SET action = 'changed' WHERE id = ?", [line])
    with pytest.raises(IntegrityError, match="append-only"):
        engine.execute("DELETE FROM audit WHERE id = ?", [line])
    with pytest.raises(IntegrityError, match="append-only"):
        engine.execute("DELETE FROM audit")
    assert engine.execute("SELECT action FROM audit WHERE id = ?", [line]).fetchone()[0] == "test"


def test_signed_sessions_and_their_addenda_refuse_update_and_delete(engine: Database) -> None:
    doctor = _doctor(engine)
    patient = _patient(engine, "Signed")
    series = engine.execute(
        "INSERT INTO co2_series (patient_id, planned, opened_on, opened_by) VALUES (?, 3, ?, ?)",
        [patient, "2026-11-26", doctor],
    ).lastrowid
    session = engine.execute(
        "INSERT INTO co2_sessions (series_id, number, performed_at, record, signed_at,"
        " signed_by) VALUES (?, 1, ?, '{}', ?, ?)",
        [series, "2026-11-26T10:00", STAMP, doctor],
    ).lastrowid
    addendum = engine.execute(
        "INSERT INTO co2_addenda (session_id, at, staff_id, text) VALUES (?, ?, ?, 'Seen')",
        [session, STAMP, doctor],
    ).lastrowid
    for table, row, change in (
        ("co2_sessions", session, "record = '{\"changed\": 1}'"),
        ("co2_addenda", addendum, "text = 'Changed'"),
    ):
        with pytest.raises(IntegrityError, match="signed record"):
            engine.execute(f"UPDATE {table} SET {change} WHERE id = ?", [row])
        with pytest.raises(IntegrityError, match="signed record"):
            engine.execute(f"DELETE FROM {table} WHERE id = ?", [row])
    # The series itself may change its status, never its patient.
    engine.execute("UPDATE co2_series SET status = 'paused' WHERE id = ?", [series])
    with pytest.raises(IntegrityError, match="keeps its patient"):
        engine.execute(
            "UPDATE co2_series SET patient_id = ? WHERE id = ?",
            [_patient(engine, "Other"), series],
        )
    assert engine.execute("SELECT record FROM co2_sessions WHERE id = ?", [session]).fetchone()[
        0
    ] == ("{}")


def test_the_server_refuses_truncate_of_what_is_only_ever_added(
    catalogue: psycopg.Connection[Any],
) -> None:
    for table in postgres_schema.ADD_ONLY_TABLES:
        with pytest.raises(psycopg.errors.RaiseException):
            catalogue.execute(f"TRUNCATE {table} CASCADE")


# -- The workstations' role on the server ----------------------------------------------------


def _one(raw: psycopg.Connection[Any], query: str, *parameters: Any) -> tuple[Any, ...]:
    row = raw.execute(query, parameters).fetchone()
    assert row is not None
    return tuple(row)


@pytest.mark.parametrize("table", postgres_schema.ADD_ONLY_TABLES)
def test_the_app_role_may_add_to_the_trail_and_signed_records_but_never_change_them(
    catalogue: psycopg.Connection[Any], table: str
) -> None:
    role = app_role(DBNAME)
    may = {
        privilege: _one(
            catalogue, "SELECT has_table_privilege(%s, %s, %s)", role, table, privilege
        )[0]
        for privilege in ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE")
    }
    assert may == {
        "SELECT": True, "INSERT": True, "UPDATE": False, "DELETE": False, "TRUNCATE": False
    }  # fmt: skip


def test_the_app_role_cannot_change_the_schema(catalogue: psycopg.Connection[Any]) -> None:
    role = app_role(DBNAME)
    may_create = _one(
        catalogue,
        "SELECT has_schema_privilege(%s, 'public', 'CREATE'),"
        " has_database_privilege(%s, %s, 'CREATE')",
        role, role, DBNAME,
    )  # fmt: skip
    assert may_create == (False, False)


def test_connected_as_the_app_role_changing_the_trail_or_schema_is_refused(
    cluster: Cluster,
) -> None:
    """What the privileges say, tried: the workstation's own connection is refused."""
    db = PgDatabase(cluster.url(DBNAME, user=app_role(DBNAME)))
    try:
        assert db.execute("SELECT count(*) FROM audit").fetchone()[0] >= 0
        for statement in (
            "UPDATE audit SET action = 'changed'",
            "DELETE FROM audit",
            "UPDATE co2_sessions SET record = '{}'",
            "DELETE FROM co2_addenda",
            "CREATE TABLE intruder (id INTEGER)",
            "DROP TRIGGER audit_no_update ON audit",
            "ALTER TABLE audit DISABLE TRIGGER audit_no_update",
        ):
            with pytest.raises(DatabaseError, match=r"permission denied|must be owner"):
                db.execute(statement)
    finally:
        db.close()
