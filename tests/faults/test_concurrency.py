"""Two windows on one file at once, booking the same slots while editing the same patients.

tests/services/test_double_booking.py races bookings alone, step by step; here both windows run
free and mix bookings with optimistic-version edits, so each one's write transactions queue
behind the other's: no double booking, no lost update, and never "locked"/"busy" for the desk.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from frontdesk.domain.appointments import CONSULTATION
from frontdesk.domain.staff import Role
from frontdesk.services.clinic import open_clinic
from frontdesk.services.clock import fixed_clock
from frontdesk.storage.engine import sqlite3
from tests.faults._workers import (
    NOW,
    back_to_back,
    concurrent_desk,
    forkserver,
    patient_values,
    random_patient,
    staff_with_role,
)

SLOTS = 60
PATIENTS = 4
WINDOWS = ("window-a", "window-b")


def free_slots(path: Path) -> list[str]:
    """Back-to-back consultation times from the clinic's own slot finder (never overlapping)."""
    clinic = open_clinic(path, fixed_clock(NOW))
    try:
        starts = clinic.calendar.next_free(CONSULTATION, NOW.replace(tzinfo=None), SLOTS * 3)
    finally:
        clinic.close()
    return back_to_back(starts, SLOTS)


def run_windows(path: Path, tmp_path: Path, slots: list[str], ids: list[int]) -> list[dict]:
    ctx = forkserver()
    barrier = ctx.Barrier(len(WINDOWS))
    results = [tmp_path / f"{name}.json" for name in WINDOWS]
    children = [
        ctx.Process(
            target=concurrent_desk,
            args=(str(path), name, slots, ids, barrier, str(result)),
        )
        for name, result in zip(WINDOWS, results, strict=True)
    ]
    for child in children:
        child.start()
    for child in children:
        child.join(60)
    for child in children:
        if child.exitcode is None:
            child.kill()
            child.join()
    assert [c.exitcode for c in children] == [0, 0]
    return [json.loads(r.read_text(encoding="utf-8")) for r in results]


@pytest.mark.timeout(90)
def test_two_windows_booking_and_editing_at_once_lose_nothing_and_never_say_locked(
    tmp_path: Path,
) -> None:
    path = tmp_path / "clinic.sqlite3"
    clinic = open_clinic(path, fixed_clock(NOW))
    desk = staff_with_role(clinic, Role.FRONT_DESK)
    rng = random.Random(7)
    ids = [clinic.patients.register(desk, random_patient(rng, n)[0]).id for n in range(PATIENTS)]
    clinic.close()
    slots = free_slots(path)

    outcomes = run_windows(path, tmp_path, slots, ids)

    for name, outcome in zip(WINDOWS, outcomes, strict=True):
        assert outcome["unexpected"] == [], f"{name}: {outcome['unexpected']}"
    messages: list[str] = [m for o in outcomes for m in o["messages"]]
    for said in messages:
        assert "locked" not in said.lower() and "busy" not in said.lower(), said

    # The edit both windows saved from the same version at the same moment: one wins.
    assert sorted(o["first_round"] for o in outcomes) == ["changed elsewhere", "saved"]

    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        check_bookings(conn, slots, outcomes)
    finally:
        conn.close()

    reopened = open_clinic(path, fixed_clock(NOW))
    try:
        check_edits(reopened, ids, outcomes)
    finally:
        reopened.close()


def check_bookings(conn: sqlite3.Connection, slots: list[str], outcomes: list[dict]) -> None:
    """Each slot went to exactly one window; the table holds exactly what was reported."""
    overlapping = conn.execute(
        "SELECT a.id, b.id FROM appointments a JOIN appointments b ON a.id < b.id"
        " AND a.starts < b.ends AND b.starts < a.ends"
        " WHERE a.status IN ('booked', 'confirmed', 'arrived', 'completed')"
        " AND b.status IN ('booked', 'confirmed', 'arrived', 'completed')"
    ).fetchall()
    assert overlapping == []
    booked = [b for o in outcomes for b in o["booked"]]
    assert sorted(b["slot"] for b in booked) == sorted(slots)
    stored = {
        row[0]: row[1]
        for row in conn.execute("SELECT id, starts FROM appointments WHERE status = 'booked'")
    }
    assert stored == {b["id"]: b["slot"][:16] for b in booked}
    for slot in slots:
        refused = sum(slot in o["refused"] for o in outcomes)
        assert refused == 1, f"{slot}: refused to {refused} windows"
    # Both really competed for the calendar.
    assert all(o["booked"] for o in outcomes)


def check_edits(clinic: Any, ids: list[int], outcomes: list[dict]) -> None:
    """No lost update: every saved edit counted once in the version, the last one's values."""
    saved = [u for o in outcomes for u in o["updated"]]
    for pid in ids:
        mine = sorted((u for u in saved if u["id"] == pid), key=lambda u: u["version"])
        patient = clinic.patients.get(pid)
        assert [u["version"] for u in mine] == list(range(2, patient.version + 1)), (
            f"patient #{pid}: versions saved {[u['version'] for u in mine]},"
            f" stored version {patient.version}"
        )
        assert patient_values(clinic, pid) == mine[-1]["values"]
        audit_updates = clinic._db.execute(
            "SELECT count(*) FROM audit WHERE entity = 'patient' AND entity_id = ?"
            " AND action = 'update'",
            [pid],
        ).fetchone()[0]
        assert audit_updates == len(mine)
    # Both windows really edited the same patients (and the first round made one redo its edit).
    for pid in ids:
        assert all(any(u["id"] == pid for u in o["updated"]) for o in outcomes), pid
    assert sum(o["conflicts"] for o in outcomes) + 1 == sum(
        "changed elsewhere" in m for o in outcomes for m in o["messages"]
    )
