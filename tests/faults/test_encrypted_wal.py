"""The -wal file of an encrypted clinic, checked at start as a plain one is (storage/wal_check).

SQLCipher encrypts each frame's page but leaves the WAL header and the frame headers plain,
with SQLite's checksums computed over the encrypted bytes: the frames read the same way, and
a damaged frame in the middle is found, kept aside and told, as for a plain file.
"""

from __future__ import annotations

import shutil
import struct
from pathlib import Path

import pytest

from frontdesk.domain.staff import Role
from frontdesk.early_check import EarlyCheck
from frontdesk.services.clinic import open_clinic
from frontdesk.storage.clinic_keys import ClinicKey
from frontdesk.storage.wal_check import (
    FRAME_HEADER_SIZE,
    MAGIC_BIG_ENDIAN,
    MAGIC_LITTLE_ENDIAN,
    read_verdict,
)
from tests.conftest import draft, member_with_role
from tests.faults.test_wal_damage import copies_aside, flip, frame_offsets, registered, wal_of

COMMITS = 30
NAME = "Quillonette"


@pytest.fixture
def crashed(tmp_path: Path, clock) -> Path:
    """An encrypted clinic's files as a power cut leaves them: 30 registrations saved and
    still in the -wal file, not yet copied into the database."""
    clinic = open_clinic(tmp_path / "clinic.sqlite3", clock, new_key=ClinicKey.new())
    try:
        desk = member_with_role(clinic, Role.FRONT_DESK)
        clinic._db.execute("PRAGMA wal_autocheckpoint=0")
        clinic._db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        for n in range(COMMITS):
            clinic.patients.register(desk, draft(first_name=NAME, dob=f"3/{n + 1}/1985"))
        folder = tmp_path / "after the power cut"
        folder.mkdir()
        for file in clinic.path.parent.iterdir():  # what the disk holds, -shm aside
            if file.name.startswith(clinic.path.stem) and not file.name.endswith("-shm"):
                shutil.copy2(file, folder / file.name)
    finally:
        clinic.close()
    return folder / clinic.path.name


@pytest.mark.timeout(30)
def test_an_encrypted_wal_has_plain_frame_headers_and_encrypted_pages(crashed: Path) -> None:
    wal = wal_of(crashed).read_bytes()
    assert struct.unpack(">I", wal[:4])[0] in (MAGIC_LITTLE_ENDIAN, MAGIC_BIG_ENDIAN)
    offsets = frame_offsets(wal_of(crashed))
    assert len(offsets) >= COMMITS
    assert {wal[at + 8 : at + 16] for at in offsets} == {wal[16:24]}  # the WAL's salts, plain
    assert NAME.encode() not in wal and NAME.encode("utf-16-le") not in wal
    verdict = read_verdict(wal_of(crashed))
    assert verdict is not None and verdict.header_ok
    assert (verdict.good_commits, verdict.dropped_commits) == (COMMITS, 0)


@pytest.mark.timeout(30)
def test_a_crash_with_a_healthy_encrypted_wal_loses_nothing(crashed: Path, clock) -> None:
    assert registered(crashed, clock) == (COMMITS, ())
    assert copies_aside(crashed) == []


@pytest.mark.timeout(30)
def test_a_damaged_frame_in_the_middle_is_kept_aside_and_told(crashed: Path, clock) -> None:
    wal = wal_of(crashed)
    frames = frame_offsets(wal)
    flip(wal, frames[len(frames) // 2] + FRAME_HEADER_SIZE + 100)  # inside the encrypted page
    damaged = wal.read_bytes()
    verdict = read_verdict(wal)
    assert verdict is not None and verdict.damaged
    assert verdict.good_commits + verdict.dropped_commits == COMMITS

    count, notes = registered(crashed, clock)

    assert count == verdict.good_commits < COMMITS
    [kept] = copies_aside(crashed)
    assert kept.read_bytes() == damaged
    [note] = notes
    assert f"The last {COMMITS - count} changes saved before" in note and str(kept) in note


@pytest.mark.timeout(30)
def test_a_damaged_encrypted_wal_header_loses_every_commit_and_is_told(
    crashed: Path, clock
) -> None:
    flip(wal_of(crashed), 26)  # the header's checksum
    count, notes = registered(crashed, clock)
    assert count == 0
    assert len(notes) == 1 and f"The last {COMMITS} changes" in notes[0]


@pytest.mark.timeout(30)
def test_the_early_check_reads_an_encrypted_wal_before_anything_opens_it(
    crashed: Path, clock
) -> None:
    wal = wal_of(crashed)
    flip(wal, frame_offsets(wal)[3] + FRAME_HEADER_SIZE + 7)
    early = EarlyCheck(crashed)
    clinic = open_clinic(crashed, clock, checked=early.result)
    try:
        assert len(clinic.start_notes) == 1 and len(copies_aside(crashed)) == 1
    finally:
        clinic.close()
