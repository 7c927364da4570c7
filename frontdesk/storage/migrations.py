"""The schema, as append-only steps. Never edit a step once it has shipped: add one."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import sqlite_utils
from sqlite_utils import Migrations

from frontdesk.domain.audit import GENESIS
from frontdesk.storage import backups
from frontdesk.storage.audit import insert_line, patient_of, restore_append_only
from frontdesk.storage.backups import BEFORE_MIGRATION
from frontdesk.storage.db import write_transaction
from frontdesk.storage.engine import sqlite3

MIGRATIONS = Migrations("frontdesk")


@MIGRATIONS(name="0001_staff_and_patients")
def _staff_and_patients(db: sqlite_utils.Database) -> None:
    db.execute(
        """
        CREATE TABLE staff (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL CHECK (length(trim(name)) > 0),
            role TEXT NOT NULL CHECK (role IN ('front_desk', 'doctor')),
            active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
        )
        """
    )
    db.execute(
        """
        CREATE TABLE patients (
            id INTEGER PRIMARY KEY,
            first_name TEXT NOT NULL,
            last_name TEXT NOT NULL,
            dob TEXT NOT NULL,
            phone TEXT NOT NULL DEFAULT '',
            email TEXT NOT NULL DEFAULT '',
            notes TEXT NOT NULL DEFAULT '',
            archived INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1)),
            version INTEGER NOT NULL DEFAULT 1,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            first_key TEXT NOT NULL,
            last_key TEXT NOT NULL,
            phone_digits TEXT NOT NULL DEFAULT '',
            phone_rev TEXT NOT NULL DEFAULT '',
            email_key TEXT NOT NULL DEFAULT ''
        )
        """
    )
    db.execute("CREATE INDEX patients_by_name ON patients (last_key, first_key)")
    db.execute(
        "INSERT INTO staff (name, role) VALUES ('Dr. Alex', 'doctor'), ('Front desk', 'front_desk')"
    )


@MIGRATIONS(name="0002_audit")
def _audit(db: sqlite_utils.Database) -> None:
    db.execute(
        """
        CREATE TABLE audit (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            staff_id INTEGER NOT NULL REFERENCES staff (id),
            action TEXT NOT NULL,
            entity TEXT NOT NULL,
            entity_id INTEGER,
            before TEXT,
            after TEXT
        )
        """
    )
    db.execute("CREATE INDEX audit_by_entity ON audit (entity, entity_id)")


@MIGRATIONS(name="0003_patient_search_indexes")
def _patient_search_indexes(db: sqlite_utils.Database) -> None:
    # Every search the desk runs is an index range read in display order, never a scan.
    db.execute("CREATE INDEX patients_by_first_name ON patients (first_key, last_key)")
    db.execute("CREATE INDEX patients_by_dob ON patients (dob, last_key, first_key)")
    db.execute("CREATE INDEX patients_by_phone ON patients (phone_digits)")
    db.execute("CREATE INDEX patients_by_phone_suffix ON patients (phone_rev)")
    db.execute("CREATE INDEX patients_by_email ON patients (email_key)")
    db.execute("CREATE INDEX patients_by_status ON patients (archived, last_key, first_key)")
    # The later words of a name ("López" in "García López", "Cruz" in "dela Cruz"),
    # so that a name is found by any of its words, still by an index range.
    db.execute(
        """
        CREATE TABLE patient_name_words (
            word TEXT NOT NULL,
            patient_id INTEGER NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
            PRIMARY KEY (word, patient_id)
        ) WITHOUT ROWID
        """
    )
    db.execute("CREATE INDEX patient_name_words_by_patient ON patient_name_words (patient_id)")


@MIGRATIONS(name="0004_intakes")
def _intakes(db: sqlite_utils.Database) -> None:
    # An intake is kept as recorded; a correction is a new row (version + 1) of the same
    # original, so every earlier version stays readable.
    db.execute(
        """
        CREATE TABLE intakes (
            id INTEGER PRIMARY KEY,
            patient_id INTEGER NOT NULL REFERENCES patients (id),
            original_id INTEGER REFERENCES intakes (id),
            version INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
            recorded_at TEXT NOT NULL,
            staff_id INTEGER NOT NULL REFERENCES staff (id),
            answers TEXT NOT NULL,
            summary TEXT NOT NULL,
            UNIQUE (original_id, version)
        )
        """
    )
    # Newest intake first, newest version first: the order every "latest finding" reads.
    db.execute(
        "CREATE INDEX intakes_latest ON intakes (patient_id, coalesce(original_id, id), version)"
    )
    db.execute(
        """
        CREATE TABLE laser_overrides (
            id INTEGER PRIMARY KEY,
            patient_id INTEGER NOT NULL REFERENCES patients (id),
            intake_id INTEGER NOT NULL REFERENCES intakes (id),
            staff_id INTEGER NOT NULL REFERENCES staff (id),
            at TEXT NOT NULL,
            reason TEXT NOT NULL CHECK (length(trim(reason)) > 0)
        )
        """
    )
    db.execute("CREATE INDEX laser_overrides_by_intake ON laser_overrides (intake_id, id)")


_HOLDING = "('booked', 'confirmed', 'arrived', 'completed')"
_WALL_GLOB = "'" + "[0-9]" * 4 + "-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]'"


@MIGRATIONS(name="0005_calendar")
def _calendar(db: sqlite_utils.Database) -> None:
    db.execute(
        """
        CREATE TABLE office_hours (
            weekday INTEGER PRIMARY KEY CHECK (weekday BETWEEN 0 AND 6),
            opens TEXT NOT NULL,
            closes TEXT NOT NULL,
            CHECK (closes > opens)
        )
        """
    )
    db.execute(
        "INSERT INTO office_hours VALUES (0, '10:00', '17:00'), (1, '10:00', '17:00'),"
        " (2, '10:00', '17:00'), (3, '10:00', '17:00'), (4, '10:00', '16:00')"
    )
    db.execute(
        """
        CREATE TABLE closures (
            id INTEGER PRIMARY KEY,
            first_day TEXT NOT NULL,
            last_day TEXT NOT NULL,
            reason TEXT NOT NULL CHECK (length(trim(reason)) > 0),
            CHECK (last_day >= first_day)
        )
        """
    )
    db.execute("CREATE INDEX closures_by_last_day ON closures (last_day, first_day)")
    # Years whose default holiday closures were added once; a closure staff removed stays removed.
    db.execute("CREATE TABLE holiday_years (year INTEGER PRIMARY KEY)")
    db.execute(
        """
        CREATE TABLE appointment_types (
            code TEXT PRIMARY KEY,
            name TEXT NOT NULL CHECK (length(trim(name)) > 0),
            minutes INTEGER NOT NULL CHECK (minutes BETWEEN 5 AND 480),
            colour TEXT NOT NULL,
            position INTEGER NOT NULL
        )
        """
    )
    db.execute(
        "INSERT INTO appointment_types VALUES"
        " ('consultation', 'Free consultation', 30, '#2f7fc1', 1),"
        " ('co2_session', 'CO2 laser session', 90, '#c2571a', 2),"
        " ('results_review', 'Results review', 30, '#3d8f5a', 3)"
    )
    # Wall-clock times 'YYYY-MM-DDTHH:MM'; an appointment never crosses midnight, so the
    # overlap check reads only the appointments that start on the same day.
    db.execute(
        f"""
        CREATE TABLE appointments (
            id INTEGER PRIMARY KEY,
            patient_id INTEGER NOT NULL REFERENCES patients (id),
            type_code TEXT NOT NULL REFERENCES appointment_types (code),
            starts TEXT NOT NULL CHECK (starts GLOB {_WALL_GLOB}),
            ends TEXT NOT NULL CHECK (ends GLOB {_WALL_GLOB}),
            status TEXT NOT NULL DEFAULT 'booked' CHECK (status IN
                ('booked', 'confirmed', 'arrived', 'completed', 'cancelled_by_patient',
                 'cancelled_by_clinic', 'no_show')),
            late INTEGER NOT NULL DEFAULT 0 CHECK (late IN (0, 1)),
            note TEXT NOT NULL DEFAULT '',
            version INTEGER NOT NULL DEFAULT 1,
            booked_at TEXT NOT NULL,
            booked_by INTEGER NOT NULL REFERENCES staff (id),
            CHECK (ends > starts),
            CHECK (substr(starts, 1, 10) = substr(ends, 1, 10))
        )
        """
    )
    db.execute("CREATE INDEX appointments_by_start ON appointments (starts)")
    db.execute("CREATE INDEX appointments_by_patient ON appointments (patient_id, starts)")
    # The last line of defence against double booking (one doctor, one room): whatever path
    # writes, two appointments holding a slot never overlap.
    overlap = f"""
        SELECT RAISE(ABORT, 'double booking: that time is already taken')
        WHERE EXISTS (
            SELECT 1 FROM appointments AS other
            WHERE other.starts >= substr(NEW.starts, 1, 10) AND other.starts < NEW.ends
              AND other.ends > NEW.starts AND other.id IS NOT NEW.id
              AND other.status IN {_HOLDING}
        );
    """
    db.execute(
        f"""
        CREATE TRIGGER appointments_no_overlap_insert BEFORE INSERT ON appointments
        WHEN NEW.status IN {_HOLDING}
        BEGIN {overlap} END
        """
    )
    db.execute(
        f"""
        CREATE TRIGGER appointments_no_overlap_update
        BEFORE UPDATE OF starts, ends, status ON appointments
        WHEN NEW.status IN {_HOLDING}
        BEGIN {overlap} END
        """
    )
    # What happened to each appointment, shown on it: booking, moves and status changes.
    db.execute(
        """
        CREATE TABLE appointment_history (
            id INTEGER PRIMARY KEY,
            appointment_id INTEGER NOT NULL REFERENCES appointments (id),
            at TEXT NOT NULL,
            staff_id INTEGER NOT NULL REFERENCES staff (id),
            what TEXT NOT NULL
        )
        """
    )
    db.execute(
        "CREATE INDEX appointment_history_by_appointment"
        " ON appointment_history (appointment_id, id)"
    )


@MIGRATIONS(name="0006_co2_series")
def _co2_series(db: sqlite_utils.Database) -> None:
    db.execute(
        """
        CREATE TABLE co2_series (
            id INTEGER PRIMARY KEY,
            patient_id INTEGER NOT NULL REFERENCES patients (id),
            planned INTEGER NOT NULL CHECK (planned BETWEEN 3 AND 6),
            status TEXT NOT NULL DEFAULT 'active'
                CHECK (status IN ('active', 'paused', 'ended', 'completed')),
            reason TEXT NOT NULL DEFAULT '',
            opened_on TEXT NOT NULL,
            opened_by INTEGER NOT NULL REFERENCES staff (id),
            intake_id INTEGER REFERENCES intakes (id),
            version INTEGER NOT NULL DEFAULT 1
        )
        """
    )
    db.execute("CREATE INDEX co2_series_by_patient ON co2_series (patient_id, id)")
    db.execute("CREATE INDEX co2_series_by_status ON co2_series (status, patient_id)")
    # A signed session is a medical record: never changed, never removed. A correction is an
    # addendum, itself never changed. The triggers hold whatever path writes.
    db.execute(
        """
        CREATE TABLE co2_sessions (
            id INTEGER PRIMARY KEY,
            series_id INTEGER NOT NULL REFERENCES co2_series (id),
            number INTEGER NOT NULL CHECK (number BETWEEN 1 AND 6),
            performed_at TEXT NOT NULL,
            record TEXT NOT NULL,
            early_reason TEXT NOT NULL DEFAULT '',
            signed_at TEXT NOT NULL,
            signed_by INTEGER NOT NULL REFERENCES staff (id),
            UNIQUE (series_id, number)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE co2_addenda (
            id INTEGER PRIMARY KEY,
            session_id INTEGER NOT NULL REFERENCES co2_sessions (id),
            at TEXT NOT NULL,
            staff_id INTEGER NOT NULL REFERENCES staff (id),
            text TEXT NOT NULL CHECK (length(trim(text)) > 0)
        )
        """
    )
    db.execute("CREATE INDEX co2_addenda_by_session ON co2_addenda (session_id, id)")
    db.execute(
        """
        CREATE TRIGGER co2_series_who_and_when_stay BEFORE UPDATE OF patient_id, opened_on,
            opened_by, intake_id ON co2_series
        BEGIN SELECT RAISE(ABORT, 'a series keeps its patient and its opening'); END
        """
    )
    for table in ("co2_sessions", "co2_addenda"):
        for change in ("UPDATE", "DELETE"):
            db.execute(
                f"""
                CREATE TRIGGER {table}_no_{change.lower()} BEFORE {change} ON {table}
                BEGIN SELECT RAISE(ABORT, 'signed record: it is never changed, add an addendum');
                END
                """
            )


@MIGRATIONS(name="0007_handouts")
def _handouts(db: sqlite_utils.Database) -> None:
    # What every handout's header says about the practice: edited by staff, never hard-coded.
    db.execute(
        """
        CREATE TABLE clinic_info (
            key TEXT PRIMARY KEY CHECK (key IN ('name', 'address', 'phone')),
            value TEXT NOT NULL
        )
        """
    )
    db.execute(
        "INSERT INTO clinic_info VALUES ('name', 'Dr. Alex - Acne Scar Clinic'),"
        " ('address', 'Encino, California'), ('phone', '(818) 555-0100')"
    )
    db.execute(
        """
        CREATE TABLE patient_language (
            patient_id INTEGER PRIMARY KEY REFERENCES patients (id),
            language TEXT NOT NULL CHECK (language IN ('en', 'es'))
        )
        """
    )
    db.execute(
        """
        CREATE TABLE handout_prints (
            id INTEGER PRIMARY KEY,
            patient_id INTEGER NOT NULL REFERENCES patients (id),
            kind TEXT NOT NULL,
            language TEXT NOT NULL,
            how TEXT NOT NULL CHECK (how IN ('printed', 'pdf')),
            staff_id INTEGER NOT NULL REFERENCES staff (id),
            at TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX handout_prints_by_patient ON handout_prints (patient_id, id)")


@MIGRATIONS(name="0008_accounts_and_audit_chain")
def _accounts_and_audit_chain(db: sqlite_utils.Database) -> None:
    # Staff get logins and an admin role: the role CHECK can only change by rebuilding the
    # table (migrate() runs steps with foreign keys off and checks them before COMMIT).
    db.execute(
        """
        CREATE TABLE staff_new (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL CHECK (length(trim(name)) > 0),
            role TEXT NOT NULL CHECK (role IN ('front_desk', 'doctor', 'admin')),
            active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
            username TEXT UNIQUE COLLATE NOCASE,
            password_hash TEXT,
            failed_logins INTEGER NOT NULL DEFAULT 0,
            locked_until TEXT
        )
        """
    )
    db.execute(
        "INSERT INTO staff_new (id, name, role, active) SELECT id, name, role, active FROM staff"
    )
    db.execute("DROP TABLE staff")
    db.execute("ALTER TABLE staff_new RENAME TO staff")
    db.execute("CREATE TABLE app_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    # The audit trail becomes append-only and hash-chained; who may be nobody (the system,
    # or a failed login under an unknown name), and each line names its patient for filtering.
    db.execute(
        """
        CREATE TABLE audit_new (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            staff_id INTEGER REFERENCES staff (id),
            action TEXT NOT NULL,
            entity TEXT NOT NULL,
            entity_id INTEGER,
            patient_id INTEGER,
            before TEXT,
            after TEXT,
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL
        )
        """
    )
    previous = GENESIS
    last_id = 0
    rows = db.execute(
        "SELECT id, at, staff_id, action, entity, entity_id, before, after FROM audit ORDER BY id"
    ).fetchall()
    for new_id, (_old, at, staff_id, action, entity, entity_id, before, after) in enumerate(
        rows, start=1
    ):
        patient_id = patient_of(
            db, entity, entity_id, json.loads(before or "null"), json.loads(after or "null")
        )
        digest = insert_line(
            db,
            "audit_new",
            previous,
            dict(
                id=new_id, at=at, staff_id=staff_id, action=action, entity=entity,
                entity_id=entity_id, patient_id=patient_id, before=before, after=after,
            ),
        )  # fmt: skip
        previous, last_id = digest, new_id
    db.execute("DROP TABLE audit")
    db.execute("ALTER TABLE audit_new RENAME TO audit")
    db.execute("CREATE INDEX audit_by_entity ON audit (entity, entity_id)")
    db.execute("CREATE INDEX audit_by_patient ON audit (patient_id, id)")
    db.execute("CREATE INDEX audit_by_staff ON audit (staff_id, id)")
    db.execute("CREATE INDEX audit_by_at ON audit (at)")
    # The last line written, kept apart so that removing lines from the end is noticed too.
    db.execute(
        """
        CREATE TABLE audit_head (
            only INTEGER PRIMARY KEY CHECK (only = 1),
            last_id INTEGER NOT NULL,
            last_hash TEXT NOT NULL
        )
        """
    )
    if last_id:
        db.execute("INSERT INTO audit_head VALUES (1, ?, ?)", [last_id, previous])
    restore_append_only(db)


@MIGRATIONS(name="0009_registration_details_and_clinic_address")
def _registration_details_and_clinic_address(db: sqlite_utils.Database) -> None:
    # What the desk asks a new patient besides who they are; every one optional, and every
    # existing patient starts with "not given" (an empty text, no consent).
    for column in (
        "language TEXT NOT NULL DEFAULT '' CHECK (language IN ('', 'en', 'es'))",
        "address TEXT NOT NULL DEFAULT ''",
        "emergency_name TEXT NOT NULL DEFAULT ''",
        "emergency_phone TEXT NOT NULL DEFAULT ''",
        "heard_from TEXT NOT NULL DEFAULT ''",
        "heard_from_other TEXT NOT NULL DEFAULT ''",
        "consent_sms INTEGER NOT NULL DEFAULT 0 CHECK (consent_sms IN (0, 1))",
        "consent_email INTEGER NOT NULL DEFAULT 0 CHECK (consent_email IN (0, 1))",
    ):
        db.execute(f"ALTER TABLE patients ADD COLUMN {column}")
    # The clinic's details gain a full address (the street stays under 'address') and an
    # after-hours line: the key CHECK can only change by rebuilding the table.
    db.execute(
        """
        CREATE TABLE clinic_info_new (
            key TEXT PRIMARY KEY CHECK (key IN
                ('name', 'address', 'phone', 'city', 'state', 'zip', 'after_hours_phone')),
            value TEXT NOT NULL
        )
        """
    )
    db.execute("INSERT INTO clinic_info_new (key, value) SELECT key, value FROM clinic_info")
    db.execute("DROP TABLE clinic_info")
    db.execute("ALTER TABLE clinic_info_new RENAME TO clinic_info")
    db.execute(
        "INSERT INTO clinic_info VALUES ('city', ''), ('state', ''), ('zip', ''),"
        " ('after_hours_phone', '')"
    )
    # The address 0007 put there ('Encino, California') names the town, not a street: it
    # becomes the city and state, and the street waits for staff to fill it in.
    seeded = db.execute(
        "SELECT 1 FROM clinic_info WHERE key = 'address' AND value = 'Encino, California'"
    ).fetchone()
    if seeded:
        db.execute("UPDATE clinic_info SET value = '' WHERE key = 'address'")
        db.execute("UPDATE clinic_info SET value = 'Encino' WHERE key = 'city'")
        db.execute("UPDATE clinic_info SET value = 'CA' WHERE key = 'state'")


@MIGRATIONS(name="0010_office_hours_break")
def _office_hours_break(db: sqlite_utils.Database) -> None:
    # A day may close for a break between two spans (10:00-13:00, then 14:00-17:00). Days
    # stored before have none (NULL): one span, as they were.
    db.execute(
        "ALTER TABLE office_hours ADD COLUMN break_starts TEXT"
        " CHECK (break_starts IS NULL OR break_starts > opens)"
    )
    db.execute(
        "ALTER TABLE office_hours ADD COLUMN break_ends TEXT"
        " CHECK ((break_ends IS NULL) = (break_starts IS NULL)"
        " AND (break_ends IS NULL OR (break_ends > break_starts AND closes > break_ends)))"
    )


@MIGRATIONS(name="0011_audit_trail_indexes")
def _audit_trail_indexes(db: sqlite_utils.Database) -> None:
    # The audit dialog reads a page of lines newest first (at, then id) for a staff member, a
    # patient or a span of days: each filter gets an index in that order, so a page is one
    # range read and never a sort of every matching line. (at) already serves the days alone;
    # the (x, id) indexes of 0008 served an id order the dialog no longer reads in (the new
    # ones serve the staff foreign key too). The trail's triggers are left as they are: an
    # index is not a change to a line.
    db.execute("CREATE INDEX audit_by_staff_at ON audit (staff_id, at)")
    db.execute("CREATE INDEX audit_by_patient_at ON audit (patient_id, at)")
    db.execute("DROP INDEX audit_by_staff")
    db.execute("DROP INDEX audit_by_patient")
    # The chain check replays the lines that recorded a record's values (storage/audit_rows.py),
    # in (entity, entity_id, id) order: only those, not every look at a record or sign-in.
    db.execute(
        "CREATE INDEX audit_by_entity_with_values ON audit (entity, entity_id)"
        " WHERE after IS NOT NULL"
    )


def pending_names(db: sqlite_utils.Database, steps: Migrations = MIGRATIONS) -> list[str]:
    return [m.name for m in steps.pending(db)]


def migrate(
    db: sqlite_utils.Database,
    db_path: Path | None,
    now: datetime,
    steps: Migrations = MIGRATIONS,
) -> Path | None:
    """Apply pending steps in one IMMEDIATE transaction, after a backup copy of a used file.

    A step that fails rolls back every step of this run: the file is left exactly as it was.
    Returns the backup's path when one was made. A file unchanged since a failed attempt at the
    same steps keeps the backup taken then (each would be protected for 30 days). A damaged
    file raises DamageFound (recorded for the next start) before any step runs.
    """
    pending = pending_names(db, steps)
    if not pending:
        return None
    backup = None
    if db_path is not None and db.table_names():
        backup = backups.previous_migration_backup(db_path, pending)
        if backup is None:
            # Verified with integrity_check, in the folder the admin chose for backups.
            try:
                backup = backups.make_backup(
                    db.conn, backups.backup_folder(db_path), db_path.stem, BEFORE_MIGRATION, now
                )
            except backups.DamageFound as exc:
                backups.record_damage(db_path, exc.problem, now)
                raise
            backups.remember_migration_backup(db_path, backup, pending)
    # A step may rebuild a table others refer to (SQLite's way to change a constraint): foreign
    # keys are off while the steps run and every reference is checked before COMMIT.
    db.execute("PRAGMA foreign_keys=OFF")
    try:
        with write_transaction(db):
            steps.apply(db)
            broken = db.execute("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise sqlite3.IntegrityError(f"migration left broken references: {broken[:3]}")
    finally:
        db.execute("PRAGMA foreign_keys=ON")
    if db_path is not None:
        backups.forget_migration_backup(db_path)
    return backup
