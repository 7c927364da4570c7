"""One byte damaged on disk in each page of a real clinic database (the demo clinic, 144 pages).

The start's quick_check misses damage that only comparing each index with its table shows;
the full integrity_check, now run before every backup (so at the first start of each day,
off the GUI thread), finds it, and the next start refuses the file and offers the latest good
backup.

Measured (one byte inverted at a seeded random place in each of the 144 pages; 2026-12-06):
quick_check found 9, integrity_check 27 (every one quick_check found, and 18 more), and 117
went unnoticed by both; 63 of those 117 changed what the tables hold (a letter of a name, a
digit of a date), the others fell in unused space. No check SQLite has can see a changed byte
inside a record: that needs a checksum per page (SQLCipher's, once the file is encrypted).
Before, the 18 opened silently at every start, and a backup only failed with "the backup
copy did not pass its check" while the app went on using the damaged file.
"""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path

import pytest

from frontdesk.services.backups import BackupError, BackupService
from frontdesk.services.clinic import DatabaseRefused, open_clinic
from frontdesk.services.clock import fixed_clock
from frontdesk.storage.backups import check, recorded_damage, remove_with_side_files
from frontdesk.storage.engine import sqlite3
from tests.conftest import NOW
from tests.whole_database import whole_database

SEED = 2026
NEXT_DAY = fixed_clock(NOW + timedelta(days=1))  # the first start after the damage


def rows(path: Path) -> list[str] | str:
    try:
        conn = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
        try:
            return whole_database(conn)
        finally:
            conn.close()
    except sqlite3.Error:
        return "unreadable"


@pytest.mark.timeout(60)
def test_the_check_before_each_backup_finds_what_quick_check_misses(
    tmp_path: Path, demo_template: Path, clock
) -> None:
    path = tmp_path / "clinic.sqlite3"
    source, target = sqlite3.connect(demo_template), sqlite3.connect(path)
    source.backup(target)  # one self-contained file, as a clean close leaves it
    source.close(), target.close()
    good_backup = BackupService(path, clock).daily_if_due()  # yesterday's, healthy
    assert good_backup is not None
    healthy = path.read_bytes()
    before = rows(path)
    page_size = int.from_bytes(healthy[16:18], "big")
    pages = len(healthy) // page_size
    rng = random.Random(SEED)

    found_by_quick, found_by_full_only, unnoticed, changed_unnoticed = [], [], [], []
    for page in range(pages):
        damaged = bytearray(healthy)
        offset = page * page_size + rng.randrange(page_size)
        damaged[offset] ^= 0xFF
        remove_with_side_files(path)
        path.write_bytes(damaged)
        if check(path) is not None:
            found_by_quick.append(page)
            assert check(path, full=True) is not None
        elif check(path, full=True) is not None:
            found_by_full_only.append(page)
            assert_found_before_the_backup_and_refused_at_the_next_start(path, good_backup)
        else:
            unnoticed.append(page)
            if rows(path) != before:
                changed_unnoticed.append(page)

    print(
        f"\n{pages} pages, one byte each: quick_check found {len(found_by_quick)},"
        f" integrity_check {len(found_by_quick) + len(found_by_full_only)}"
        f" ({len(found_by_full_only)} more), neither {len(unnoticed)}"
        f" ({len(changed_unnoticed)} of them changed the data)"
    )
    assert pages > 100
    assert len(found_by_full_only) >= 5  # the damage this change is about


def assert_found_before_the_backup_and_refused_at_the_next_start(
    path: Path, good_backup: Path
) -> None:
    with pytest.raises(BackupError, match=r"is damaged.*no backup was taken"):
        BackupService(path, NEXT_DAY).daily_if_due()
    assert recorded_damage(path) is not None
    with pytest.raises(DatabaseRefused) as refused:
        open_clinic(path, NEXT_DAY)
    damage = refused.value.damage
    assert damage is not None and damage.latest_good is not None
    assert damage.latest_good.path == good_backup
    path.with_name(path.stem + ".damage-found").unlink()  # the next sample starts afresh
