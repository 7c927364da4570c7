"""A full disk: the desk is told in plain words, nothing is half-saved, and work resumes.

Two ways to fill it: a real 1 MiB file system (tmpfs, when this machine lets us mount one),
and SQLite's own page limit (`PRAGMA max_page_count`), which gives the same SQLITE_FULL on any
machine.
"""

from __future__ import annotations

import errno
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pytest

from frontdesk.domain.appointments import CONSULTATION
from frontdesk.domain.patients import Patient, PatientDraft
from frontdesk.domain.staff import Role, Staff
from frontdesk.services.clinic import Clinic, open_clinic
from frontdesk.services.clock import fixed_clock
from frontdesk.services.errors import StorageError
from frontdesk.storage.engine import sqlite3
from tests.faults._workers import NOW, staff_with_role

LAST_NAMES = ("García López", "O'Brien", "Zoë Müller", "dela Cruz", "Nguyễn")
JARGON = ("sqlite", "operationalerror", "traceback", "errno", "sqlite_full", "pragma", "\n")


def letters(n: int) -> str:
    """A distinct word per number, without digits (a name may not contain digits)."""
    word = ""
    while True:
        n, r = divmod(n, 26)
        word = chr(ord("a") + r) + word
        if n == 0:
            return word.capitalize()


def patient_draft(n: int) -> PatientDraft:
    return PatientDraft(
        first_name=f"Zoë {letters(n)}",
        last_name=LAST_NAMES[n % len(LAST_NAMES)],
        dob=f"{1 + n % 12}/{1 + n % 28}/{1950 + n % 50}",
        phone=f"(818) 555-01{n % 100:02d}",
        email=f"zoe.{letters(n).lower()}@example.com",
        notes=f"Robert'); DROP TABLE patients; -- {'x' * (n % 300)}",
    )


def assert_plain_full_message(said: str) -> None:
    """A sentence for the person at the desk: the disk is full and nothing was changed."""
    lowered = said.lower()
    assert "disk" in lowered and "full" in lowered, said
    assert "nothing was changed" in lowered, said
    assert not any(word in lowered for word in JARGON), said
    assert said[0].isupper() and said.rstrip().endswith("."), said


def register_until_full(
    clinic: Clinic, desk: Staff, start: int = 0, limit: int = 2000
) -> tuple[list[Patient], int]:
    """Registers patient after patient; returns those saved and the number of the refused one."""
    saved: list[Patient] = []
    for n in range(start, start + limit):
        try:
            saved.append(clinic.patients.register(desk, patient_draft(n), confirm_duplicate=True))
        except StorageError as exc:
            assert_plain_full_message(str(exc))
            return saved, n
    raise AssertionError(f"{limit} patients registered and the disk never filled")


def assert_everything_saved_is_whole(
    clinic: Clinic, saved: list[Patient], refused: int | None = None
) -> None:
    """What was saved before the refusal is intact; of the refused one there is no trace."""
    for patient in saved:
        assert clinic.patients.get(patient.id) == patient
    assert clinic.patients.count() == len(saved)
    db = clinic._db
    assert db.execute("SELECT count(*) FROM audit WHERE entity = 'patient'").fetchone()[0] == len(
        saved
    )
    if refused is not None:
        refused_name = patient_draft(refused).first_name
        assert db.execute(
            "SELECT count(*) FROM patients WHERE first_name = ?", [refused_name]
        ).fetchone() == (0,)
    orphans = db.execute(
        "SELECT count(*) FROM patient_name_words WHERE patient_id NOT IN (SELECT id FROM patients)"
    ).fetchone()[0]
    assert orphans == 0
    assert not db.conn.in_transaction
    assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []


@pytest.mark.timeout(30)
def test_a_full_database_refuses_in_plain_words_keeps_what_was_saved_and_recovers(
    clinic: Clinic, desk: Staff
) -> None:
    db = clinic._db
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.execute(f"PRAGMA max_page_count = {pages + 6}")  # a few pages left: the "disk" fills

    saved, refused = register_until_full(clinic, desk)
    assert saved, "the first registration already failed: nothing to check was kept"
    assert_everything_saved_is_whole(clinic, saved, refused)
    # Another kind of write on the full disk is refused the same way and changes nothing.
    with pytest.raises(StorageError) as booking:
        for _ in range(50):  # the first bookings may still fit in the pages left
            clinic.calendar.book(desk, saved[0].id, CONSULTATION, next_free(clinic))
    assert_plain_full_message(str(booking.value))

    db.execute("PRAGMA max_page_count = 1073741823")  # space freed
    again = clinic.patients.register(desk, patient_draft(refused), confirm_duplicate=True)
    assert clinic.patients.get(again.id).first_name == patient_draft(refused).first_name
    assert_everything_saved_is_whole(clinic, [*saved, again])


def next_free(clinic: Clinic) -> datetime:
    return clinic.calendar.next_free(CONSULTATION, NOW.replace(tzinfo=None), 1)[0]


@contextmanager
def small_tmpfs(where: Path, size: str) -> Iterator[Path]:
    """A real file system of `size`, or a skip saying why this machine cannot give us one."""
    if os.geteuid() != 0:
        pytest.skip("a real full disk needs a small tmpfs, and mounting one needs root")
    where.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"mount -t tmpfs was refused here: {mounted.stderr.strip()}")
    try:
        yield where
    finally:
        if subprocess.run(["umount", str(where)], check=False).returncode != 0:
            subprocess.run(["umount", "-l", str(where)], check=False)


def fill(filler: Path, leave: int) -> None:
    """Takes all the space there is, then gives back `leave` bytes."""
    chunk = b"\0" * 4096
    with open(filler, "wb", buffering=0) as out:
        try:
            while True:
                out.write(chunk)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC, exc
    size = filler.stat().st_size
    os.truncate(filler, max(0, size - leave))


@pytest.mark.timeout(30)
def test_a_really_full_disk_refuses_in_plain_words_and_work_resumes_once_space_is_freed(
    tmp_path: Path,
) -> None:
    with small_tmpfs(tmp_path / "small", "2m") as disk:
        clinic = open_clinic(disk / "clinic.sqlite3", fixed_clock(NOW))
        try:
            desk = staff_with_role(clinic, Role.FRONT_DESK)
            clinic.calendar  # noqa: B018 -- its holiday closures take space too: added now
            first = [clinic.patients.register(desk, patient_draft(n)) for n in range(3)]
            filler = disk / "filler.bin"
            fill(filler, leave=256 * 1024)

            more, refused = register_until_full(clinic, desk, start=3)
            assert more, "the nearly full disk took no registration at all"
            saved = [*first, *more]
            assert_everything_saved_is_whole(clinic, saved, refused)

            filler.unlink()  # the desk frees some space
            again = clinic.patients.register(desk, patient_draft(5000), confirm_duplicate=True)
            assert_everything_saved_is_whole(clinic, [*saved, again])
        finally:
            clinic.close()
        reread = sqlite3.connect(disk / "clinic.sqlite3")
        try:
            assert reread.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            count = reread.execute("SELECT count(*) FROM patients").fetchone()[0]
            assert count == len(saved) + 1
        finally:
            reread.close()


# -- at the desk ------------------------------------------------------------------------------


@pytest.mark.timeout(60)
def test_the_window_says_the_disk_is_full_keeps_running_and_saves_once_freed(
    qtbot, window, demo, prompts, monkeypatch
) -> None:
    db = demo._db
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    room = {"pages": pages}  # not one page left
    twin = demo.twin

    def full_twin():
        """A write runs on a connection of its own (ui/operations.py): the same full disk."""
        made = twin()
        made._db.execute(f"PRAGMA max_page_count = {room['pages']}")
        return made

    monkeypatch.setattr(demo, "twin", full_twin)
    db.execute(f"PRAGMA max_page_count = {pages}")
    tab = window.patients_tab
    dialog = tab.new_patient()
    dialog.first_name.setText("Tatevik")
    dialog.last_name.setText("Avetisyan")
    dialog.dob.setText("9/9/1999")
    dialog.notes.setPlainText("Lives in Tarzana. " * 200)  # more than fits
    dialog.save()
    assert dialog.isVisible()  # still open, with what was typed
    assert_plain_full_message(prompts.warnings[-1][1])
    assert demo.patients.search("avetisyan").rows == []  # nothing half-saved
    assert window.isVisible() and tab.search.isEnabled()
    room["pages"] = 1073741823  # space freed
    db.execute("PRAGMA max_page_count = 1073741823")
    dialog.save()
    assert not dialog.isVisible()
    assert demo.patients.search("avetisyan").rows[0].full_name == "Tatevik Avetisyan"
