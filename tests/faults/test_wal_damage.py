"""A -wal file damaged on disk: SQLite would drop every commit after the damage without a word.

The clinic's last changes live in the -wal file until SQLite copies them into the database.
Before Frontdesk, one flipped byte in a frame in the middle of it lost every later commit
(20 of 30 in the battery) and the start said nothing. Now the start reads the frames first,
keeps a copy of a damaged -wal file beside the database and says what is missing.

Not detected, and said so in the README: damage in the very last commit with nothing after it
(a power cut tearing the last write looks the same, and that commit was never reported saved).
"""

from __future__ import annotations

import logging
import shutil
import stat
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from frontdesk.early_check import EarlyCheck
from frontdesk.services.clinic import Clinic, open_clinic
from frontdesk.storage.wal_check import (
    FRAME_HEADER_SIZE,
    HEADER_SIZE,
    WalDamage,
    open_elsewhere,
    read_verdict,
    set_aside_if_damaged,
    take_findings,
)
from tests.conftest import draft

COMMITS = 30


@pytest.fixture
def crashed(clinic: Clinic, desk, tmp_path: Path) -> Path:
    """The clinic's files as a power cut leaves them: 30 registrations saved (each COMMIT
    returned) and still in the -wal file, not yet copied into the database."""
    clinic._db.execute("PRAGMA wal_autocheckpoint=0")
    clinic._db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    for n in range(COMMITS):
        clinic.patients.register(desk, draft(first_name="Zoë", dob=f"3/{n + 1}/1985"))
    folder = tmp_path / "after the power cut"
    folder.mkdir()
    for file in clinic.path.parent.iterdir():  # what the disk holds, -shm aside (memory's)
        if file.name.startswith(clinic.path.stem) and not file.name.endswith("-shm"):
            shutil.copy2(file, folder / file.name)
    return folder / clinic.path.name


def wal_of(path: Path) -> Path:
    return path.with_name(path.name + "-wal")


def frame_offsets(wal: Path) -> list[int]:
    page_size = int.from_bytes(wal.read_bytes()[8:12], "big")
    frame = FRAME_HEADER_SIZE + page_size
    count = (wal.stat().st_size - HEADER_SIZE) // frame
    return [HEADER_SIZE + n * frame for n in range(count)]


def flip(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0xFF
    path.write_bytes(bytes(data))


def registered(path: Path, clock) -> tuple[int, tuple[str, ...]]:
    clinic = open_clinic(path, clock)
    try:
        return clinic.patients.count(), clinic.start_notes
    finally:
        clinic.close()


def copies_aside(path: Path) -> list[Path]:
    return sorted(path.parent.glob(f"{path.name}-wal.damaged-*"))


@pytest.mark.timeout(30)
def test_a_crash_with_a_healthy_wal_loses_nothing_and_says_nothing(crashed: Path, clock) -> None:
    assert read_verdict(wal_of(crashed)).good_commits == COMMITS
    assert registered(crashed, clock) == (COMMITS, ())
    assert copies_aside(crashed) == []


@pytest.mark.timeout(30)
def test_a_damaged_frame_in_the_middle_is_kept_aside_and_told(crashed: Path, clock, caplog) -> None:
    wal = wal_of(crashed)
    frames = frame_offsets(wal)
    flip(wal, frames[len(frames) // 2] + FRAME_HEADER_SIZE + 100)  # inside the page
    damaged = wal.read_bytes()
    verdict = read_verdict(wal)
    assert verdict.damaged and verdict.good_commits + verdict.dropped_commits == COMMITS

    with caplog.at_level(logging.WARNING):
        count, notes = registered(crashed, clock)

    # SQLite read the good part; every commit after the damage is missing, and the start says
    # how many, where the copy is, and what to do.
    assert count == verdict.good_commits < COMMITS
    [kept] = copies_aside(crashed)
    assert kept.name == "clinic.sqlite3-wal.damaged-20261126-103000"
    assert kept.read_bytes() == damaged
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    [note] = notes
    assert f"The last {COMMITS - count} changes saved before" in note
    assert "enter again what is missing" in note and str(kept) in note
    assert note in caplog.text  # the command line's stderr
    # Told once: the next start finds a healthy file (SQLite has put the good part in).
    assert registered(crashed, clock) == (count, ())


@pytest.mark.timeout(30)
def test_the_note_says_when_in_the_apps_one_way() -> None:
    damage = WalDamage(Path("x-wal"), Path("x-wal.damaged"), datetime(2026, 11, 26, 14, 5), 1)
    assert damage.sentence().startswith(
        "The last change saved before Thu, Nov 26, 2026 at 2:05 pm could not be read back"
    )


def test_a_damaged_wal_header_loses_every_commit_and_is_told(crashed: Path, clock) -> None:
    flip(wal_of(crashed), 26)  # the header's checksum: SQLite ignores the whole file
    count, notes = registered(crashed, clock)
    assert count == 0
    assert len(notes) == 1 and f"The last {COMMITS} changes" in notes[0]


@pytest.mark.timeout(30)
def test_damage_in_the_last_commit_alone_is_not_told(crashed: Path, clock) -> None:
    """The documented limit: indistinguishable from a write a power cut tore, which was never
    reported saved; SQLite drops that one commit."""
    wal = wal_of(crashed)
    flip(wal, frame_offsets(wal)[-1] + FRAME_HEADER_SIZE + 100)
    assert registered(crashed, clock) == (COMMITS - 1, ())
    assert copies_aside(crashed) == []


@pytest.mark.timeout(30)
def test_the_early_check_before_qt_hands_its_finding_to_the_start(crashed: Path, clock) -> None:
    wal = wal_of(crashed)
    flip(wal, frame_offsets(wal)[3] + FRAME_HEADER_SIZE + 7)
    early = EarlyCheck(crashed)  # as cli.main starts it, before anything opens the file
    clinic = open_clinic(crashed, clock, checked=early.result)
    try:
        assert len(clinic.start_notes) == 1
        assert len(copies_aside(crashed)) == 1
    finally:
        clinic.close()


@pytest.mark.timeout(30)
def test_the_live_wal_of_a_database_open_elsewhere_is_left_alone(crashed: Path, clock) -> None:
    wal = wal_of(crashed)
    flip(wal, frame_offsets(wal)[3] + FRAME_HEADER_SIZE + 7)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]);"
            " c.execute('SELECT count(*) FROM sqlite_master').fetchone();"
            " print('open', flush=True); sys.stdin.read()",
            str(crashed),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "open"
        assert open_elsewhere(crashed)
        assert set_aside_if_damaged(crashed, clock()) is None  # theirs: not read as damage
        assert copies_aside(crashed) == [] and take_findings(crashed) == []
    finally:
        holder.communicate("", timeout=10)
    assert not open_elsewhere(crashed)


@pytest.mark.timeout(60)
def test_the_command_line_says_it_on_stderr(crashed: Path) -> None:
    wal = wal_of(crashed)
    flip(wal, frame_offsets(wal)[3] + FRAME_HEADER_SIZE + 7)
    done = subprocess.run(
        [sys.executable, "-m", "frontdesk", "--db", str(crashed), "audit", "verify"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "could not be read back" in done.stderr
    assert "Traceback" not in done.stderr
    assert len(copies_aside(crashed)) == 1
