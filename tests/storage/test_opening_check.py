"""The check every start makes reads a few pages whatever the file's size (issue 14, point 1);
the whole file is read once a day, by the full check of the day's backup, and damage found
there refuses the next start with the latest good backup offered."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bench.synthetic import people
from frontdesk.early_check import EarlyCheck
from frontdesk.services.backups import BackupError, BackupService
from frontdesk.services.clinic import Clinic, DatabaseRefused, open_clinic
from frontdesk.services.clock import fixed_clock
from frontdesk.storage.backups import check, check_at_start, check_opening, recorded_damage
from frontdesk.storage.db import write_transaction
from frontdesk.storage.engine import sqlite3
from frontdesk.storage.patients import PatientRepository
from tests.conftest import NOW

TOMORROW = fixed_clock(NOW + timedelta(days=1))
PATIENTS = 4000


@pytest.fixture
def registry(clinic: Clinic, db_path: Path) -> Path:
    """A clinic of a few thousand patients, yesterday's backup taken, every connection closed."""
    with write_transaction(clinic._db):
        PatientRepository(clinic._db).insert_many(people(PATIENTS), "2026-11-26T09:00")
    clinic.close()
    assert clinic.backups.daily_if_due() is not None
    return db_path


def zero_page_of(path: Path, name: str) -> None:
    """Zeroes the root page of a table or index: the file still opens."""
    conn = sqlite3.connect(path)
    page = conn.execute("SELECT rootpage FROM sqlite_schema WHERE name = ?", [name]).fetchone()[0]
    size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    with open(path, "r+b") as stream:
        stream.seek((page - 1) * size)
        stream.write(bytes(size))


def bytes_read_by(action) -> int:
    """What this process read from files meanwhile (Linux counts it in /proc/self/io)."""

    def read_so_far() -> int:
        with open("/proc/self/io", encoding="ascii") as io:
            return int(next(line for line in io if line.startswith("rchar:")).split()[1])

    before = read_so_far()
    action()
    return read_so_far() - before


@pytest.mark.skipif(not Path("/proc/self/io").exists(), reason="Linux counts bytes read")
def test_the_opening_check_reads_a_few_pages_not_the_whole_file(registry: Path) -> None:
    size = registry.stat().st_size
    assert size > 1_500_000
    assert bytes_read_by(lambda: check_opening(registry)) < 200_000
    assert bytes_read_by(lambda: check(registry)) > size // 2  # quick_check reads it all


@pytest.mark.skipif(not Path("/proc/self/io").exists(), reason="Linux counts bytes read")
def test_the_whole_opening_reads_the_same_few_pages_at_any_size(registry: Path) -> None:
    """The early check, the opening and the schema update together: about 100 kB read for
    this file, as for a 422 MB one of a million patients (measured: 95.7 kB for both)."""

    def start() -> None:
        early = EarlyCheck(registry)
        open_clinic(registry, TOMORROW, checked=early.result).close()

    assert registry.stat().st_size > 1_500_000
    assert bytes_read_by(start) < 300_000


@pytest.mark.parametrize("table", ["staff", "app_settings", "audit_head"])
def test_damage_in_the_tables_every_start_reads_is_refused_at_once(
    registry: Path, table: str
) -> None:
    zero_page_of(registry, table)
    problem = check_opening(registry)
    assert problem is not None and problem.startswith("damaged")
    with pytest.raises(DatabaseRefused) as refused:
        open_clinic(registry, TOMORROW)
    assert refused.value.damage is not None and refused.value.damage.latest_good is not None


def test_damage_deep_in_the_registry_is_found_by_the_days_backup_and_refused_next_start(
    registry: Path,
) -> None:
    zero_page_of(registry, "patients_by_phone")
    assert check(registry) is not None  # what every start used to read the whole file for
    assert check_opening(registry) is None
    opened = open_clinic(registry, TOMORROW)  # the first start of the day opens it...
    opened.close()

    with pytest.raises(BackupError, match="no backup was taken"):
        BackupService(registry, TOMORROW).daily_if_due()  # ...and its daily job finds it

    assert recorded_damage(registry) is not None
    assert check_at_start(registry) == recorded_damage(registry)
    with pytest.raises(DatabaseRefused) as refused:  # the next start
        open_clinic(registry, TOMORROW)
    damage = refused.value.damage
    assert damage is not None and damage.latest_good is not None
    assert damage.latest_good.reason == "daily"


def test_a_schema_with_a_broken_character_is_damage_said_in_words(
    clinic: Clinic, db_path: Path
) -> None:
    """The fuzz test's find: one byte 0x80 in a table's CREATE statement made SQLite's error
    message undecodable, and `frontdesk backup` ended in "something unexpected went wrong"."""
    clinic.close()
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA journal_mode=DELETE").fetchone()  # everything in the file itself
    conn.close()
    data = bytearray(db_path.read_bytes())
    # Every copy of the statement: SQLite may leave an older one on a free page.
    spot = data.find(b"CREATE TABLE intakes")
    while spot != -1:
        data[data.index(b"NULL", spot)] = 0x80
        spot = data.find(b"CREATE TABLE intakes", spot + 1)
    db_path.write_bytes(bytes(data))
    problem = check_opening(db_path)
    assert problem is not None and problem.startswith("damaged: malformed database schema")
