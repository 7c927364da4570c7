"""kill -9 while a plain clinic database is being encrypted (issue 16, point 4): whenever the
process dies, the database is whole, either still plain or already encrypted, with every row it
had; the next start opens it and clears any plain copies left behind."""

from __future__ import annotations

import os
import random
import shutil
import signal
import time
from pathlib import Path

import pytest

from frontdesk.services.clinic import open_clinic
from frontdesk.services.encrypt_existing import encrypt_existing, remove_plaintext_leftovers
from frontdesk.storage import backups
from frontdesk.storage.clinic_keys import ClinicKey, hold, salt_of
from tests.conftest import NOW
from tests.services.test_encrypt_existing import _contents

CYCLES = 40
TRAIL = ("audit", "audit_head")  # the move adds its own line once it has switched


def _rows_but_the_trail(path: Path) -> dict[str, list[str]]:
    """Every table's rows but the audit trail's (a finished move has added one line to it)."""
    conn = backups.open_read_only(path)
    try:
        names = [
            name
            for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if name not in TRAIL
        ]
        return {
            name: sorted(repr(row) for row in conn.execute(f'SELECT * FROM "{name}"'))
            for name in names
        }
    finally:
        conn.close()


def _plain_clinic(folder: Path, demo_template: Path) -> Path:
    path = folder / "clinic.sqlite3"
    folder.mkdir(mode=0o700)
    shutil.copyfile(demo_template, path)
    shutil.copyfile(demo_template.with_suffix(".audit-anchor"), path.with_suffix(".audit-anchor"))
    path.chmod(0o600)
    backups.backup_database(
        path, backups.default_backup_folder(path), backups.MANUAL, NOW.replace(tzinfo=None)
    )
    return path


def _encrypt_in_child(path: Path, key: ClinicKey, clock, after: float | None) -> bool:
    """Starts the move in a child and kills it with SIGKILL after `after` seconds (None: lets
    it finish); True when it was killed before it finished."""
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            encrypt_existing(path, key, clock)
            code = 0
        finally:
            os._exit(code)
    if after is not None:
        time.sleep(after)
        os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    return os.WIFSIGNALED(status)


@pytest.mark.timeout(120)
def test_a_move_killed_at_any_moment_leaves_the_database_whole(
    tmp_path: Path, demo_template: Path, clock
) -> None:
    template = _plain_clinic(tmp_path / "template", demo_template)
    expected = _rows_but_the_trail(template)
    whole_before = _contents(template)
    timing = tmp_path / "timing"  # how long a whole move in a child takes, to spread the kills
    shutil.copytree(template.parent, timing)
    started = time.perf_counter()
    assert not _encrypt_in_child(timing / template.name, ClinicKey.new(), clock, after=None)
    lasts = time.perf_counter() - started
    rng = random.Random(16)
    outcomes = {"still plain": 0, "encrypted": 0}
    for cycle in range(CYCLES):
        folder = tmp_path / f"cycle-{cycle}"
        shutil.copytree(template.parent, folder)
        path = folder / template.name
        key = ClinicKey.new()
        _encrypt_in_child(path, key, clock, rng.uniform(0, lasts * 1.3))
        hold(key)
        if salt_of(path) is None:
            outcomes["still plain"] += 1
            assert _contents(path) == whole_before, f"cycle {cycle}: the plain file changed"
        else:
            outcomes["encrypted"] += 1
            assert salt_of(path) == key.salt
            assert _rows_but_the_trail(path) == expected, f"cycle {cycle}: rows differ"
            remove_plaintext_leftovers(path)  # what the next start does
            leftovers = [
                p for p in folder.rglob("*") if p.is_file() and p.read_bytes()[:6] == b"SQLite"
            ]
            assert leftovers == [], f"cycle {cycle}: plain copies stayed: {leftovers}"
        opened = open_clinic(path, clock)  # the next start: no damage, no refusal
        try:
            assert opened.patients.count() > 50
        finally:
            opened.close()
    print(f"{CYCLES} moves killed over {lasts * 1000:.0f} ms: {outcomes}")
    assert sum(outcomes.values()) == CYCLES
