"""Two app processes booking the same slots at the same moment: one wins, one is told why."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

from frontdesk.domain.appointments import CONSULTATION
from frontdesk.domain.staff import Role
from frontdesk.services.calendar import CalendarService
from frontdesk.services.clinic import open_clinic
from tests.conftest import draft, member_with_role
from tests.whole_database import count_rows

SLOTS = 30

CHILD = textwrap.dedent(
    """
    import json, sys
    from datetime import datetime
    from pathlib import Path
    from frontdesk.services.clinic import open_clinic
    from frontdesk.services.errors import ServiceError
    from frontdesk.services.signed_in import issue

    clinic = open_clinic(Path(sys.argv[1]))
    patient_id = int(sys.argv[2])
    member = next(s for s in clinic.staff.list_active() if s.role.value == "front_desk")
    desk = issue(clinic._db, member, via="in a test")  # as the sign-in dialog would
    calendar = clinic.calendar
    print("ready", flush=True)
    for line in sys.stdin:  # the parent starts both windows on each slot at the same moment
        starts = datetime.fromisoformat(line.strip())
        try:
            calendar.book(desk, patient_id, "consultation", starts)
            print(json.dumps({"ok": True}), flush=True)
        except ServiceError as exc:
            print(json.dumps({"ok": False, "said": str(exc)}), flush=True)
    clinic.close()
    """
)


def test_two_processes_never_double_book(db_path: Path, clock) -> None:
    clinic = open_clinic(db_path, clock)
    desk = member_with_role(clinic, Role.FRONT_DESK)
    ids = [
        clinic.patients.register(desk, draft()).id,
        clinic.patients.register(
            desk, draft(first_name="Ana", last_name="Cruz", dob="1/2/1990")
        ).id,
    ]
    # Free times a month from the real today: the two windows run on the real clock.
    real = CalendarService(clinic._db)
    slots: list = []
    for free in real.next_free(CONSULTATION, real.now() + timedelta(days=30), SLOTS * 3):
        if len(slots) < SLOTS and (not slots or free >= slots[-1] + timedelta(minutes=30)):
            slots.append(free)  # back to back, never overlapping one another
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, str(db_path), str(pid)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).resolve().parents[2],
        )
        for pid in ids
    ]
    for child in children:
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
    outcomes: list[list[dict]] = [[], []]
    for n in range(SLOTS):
        # Each window is told first on every other slot: the head start of being told first
        # must not decide every race (on a busy machine it did, and one window never won).
        for child in children if n % 2 == 0 else children[::-1]:
            assert child.stdin is not None
            child.stdin.write(f"{slots[n].isoformat()}\n")
            child.stdin.flush()
        for child, seen in zip(children, outcomes, strict=True):
            assert child.stdout is not None
            seen.append(json.loads(child.stdout.readline()))
    for child in children:
        _, err = child.communicate(timeout=30)
        assert child.returncode == 0, err

    for n in range(SLOTS):
        results = [o[n] for o in outcomes]
        assert sum(r["ok"] for r in results) == 1, results
        [loser] = [r for r in results if not r["ok"]]
        assert "already taken by" in loser["said"] or "just taken by another" in loser["said"]
        assert "locked" not in loser["said"] and "busy" not in loser["said"]

    assert clinic._db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert count_rows(clinic, "appointments") == SLOTS
    overlapping = clinic._db.execute(
        "SELECT count(*) FROM appointments a JOIN appointments b ON a.id < b.id"
        " AND a.starts < b.ends AND b.starts < a.ends"
    ).fetchone()[0]
    assert overlapping == 0
    # Both really competed: each won some of the slots.
    assert all(any(r["ok"] for r in o) for o in outcomes)
    clinic.close()
