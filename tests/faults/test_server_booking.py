"""Five workstations booking the same slots on the clinic server at the same moment.

Every workstation tries every slot, each in an order of its own: each slot is taken by exactly
one of them, the others are told in words that it is taken (SlotRefused), and nobody sees a
raw database error or a "busy" (write transactions queue on the server's write lock instead:
storage/postgres.py). The database holds no two holding appointments that overlap.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from frontdesk.domain.appointments import CONSULTATION, HOLDING
from frontdesk.domain.patients import PatientDraft
from frontdesk.domain.staff import Role
from frontdesk.services.clinic import open_server
from frontdesk.services.clock import fixed_clock
from tests.faults._workers import LAST_NAMES, NOW, acting_as, back_to_back, forkserver
from tests.faults.server_writer import ClinicServer, booking_the_same_slots, clinic_server

PORT = 56472  # this test's own cluster
WORKSTATIONS = 5
SLOTS = 40
PATIENTS = 8


def prepared(server: ClinicServer) -> tuple[list[str], list[int]]:
    """Back-to-back consultation times from the clinic's own slot finder, and patients."""
    clinic = open_server(server.url, fixed_clock(NOW), files=server.files)
    try:
        desk = acting_as(clinic, Role.FRONT_DESK)
        ids = [
            clinic.patients.register(
                desk, PatientDraft("María José", LAST_NAMES[n], f"3/{n + 1}/1985"),
                confirm_duplicate=True,
            ).id
            for n in range(PATIENTS)
        ]  # fmt: skip
        starts = clinic.calendar.next_free(CONSULTATION, NOW.replace(tzinfo=None), SLOTS * 3)
    finally:
        clinic.close()
    return back_to_back(starts, SLOTS), ids


def overlapping_holders(server: ClinicServer) -> list[tuple[int, int]]:
    """Pairs of holding appointments whose times overlap: what must never be."""
    holding = tuple(status.value for status in HOLDING)
    with server.admin() as admin:
        return admin.execute(
            "SELECT a.id, b.id FROM appointments a JOIN appointments b"
            " ON a.id < b.id AND a.starts < b.ends AND b.starts < a.ends"
            " WHERE a.status = ANY(%s) AND b.status = ANY(%s)",
            [list(holding), list(holding)],
        ).fetchall()


@pytest.mark.timeout(120)
def test_five_workstations_booking_the_same_slots_never_double_book_nor_see_raw_errors(
    tmp_path: Path,
) -> None:
    with clinic_server(PORT, tmp_path / "files") as server:
        slots, ids = prepared(server)
        ctx = forkserver()
        barrier = ctx.Barrier(WORKSTATIONS)
        results = [tmp_path / f"workstation-{n}.json" for n in range(WORKSTATIONS)]
        children = [
            ctx.Process(
                target=booking_the_same_slots,
                args=(server.url, str(server.files), f"ws-{n}", slots, ids, barrier, str(result)),
            )
            for n, result in enumerate(results)
        ]
        for child in children:
            child.start()
        for child in children:
            child.join(90)
        for child in children:
            if child.exitcode is None:
                child.kill()
                child.join()
        assert [c.exitcode for c in children] == [0] * WORKSTATIONS
        outcomes = [json.loads(r.read_text(encoding="utf-8")) for r in results]

        unexpected = [u for o in outcomes for u in o["unexpected"]]
        assert unexpected == [], unexpected  # every refusal was a SlotRefused, in words
        booked = [b["slot"] for o in outcomes for b in o["booked"]]
        assert sorted(booked) == sorted(slots), "each slot is taken exactly once"
        refused = sum(len(o["refused"]) for o in outcomes)
        assert refused == SLOTS * (WORKSTATIONS - 1)
        messages = {m for o in outcomes for m in o["messages"]}
        assert all("Traceback" not in m and "psycopg" not in m for m in messages), messages
        assert not any("busy" in m or "locked" in m for m in messages), messages
        # More than one workstation got slots: they really ran at once.
        assert sum(1 for o in outcomes if o["booked"]) >= 2, [len(o["booked"]) for o in outcomes]

        assert overlapping_holders(server) == []
        with server.admin() as admin:
            rows = admin.execute("SELECT id, starts FROM appointments").fetchall()
        assert sorted(starts for _, starts in rows) == sorted(s[:16] for s in slots)
        assert {b["id"] for o in outcomes for b in o["booked"]} == {aid for aid, _ in rows}
