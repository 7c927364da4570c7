"""Bodies of the child processes the fault tests start, and what those tests share.

Imported by the forkserver (no pytest, no Qt): each child forked from it starts in milliseconds
with the clinic's modules already loaded, so hundreds of kill cycles stay fast.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import time
import traceback
from dataclasses import replace
from datetime import date, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from frontdesk.domain.appointments import CONSULTATION
from frontdesk.domain.clinic import CLINIC_TZ
from frontdesk.domain.co2 import SessionDraft, Settings
from frontdesk.domain.handouts import Kind, Language
from frontdesk.domain.intake import (
    Region,
)
from frontdesk.domain.patients import PatientDraft
from frontdesk.domain.staff import Role
from frontdesk.services.clinic import Clinic, open_clinic
from frontdesk.services.clock import fixed_clock
from frontdesk.services.errors import ChangedElsewhere, ServiceError, SlotRefused
from frontdesk.services.signed_in import SignedIn, issue
from tests.services.test_intake_service import ROLLING

NOW = datetime(2026, 11, 26, 10, 30, tzinfo=CLINIC_TZ)  # tests/conftest.py's clock

# Loaded once in the forkserver: everything a child imports, lazily imported modules included.
# Each child also re-runs the parent's main script as "__mp_main__": under the `pytest` script
# that imports pytest (not its plugins, so not Qt), ~0.1 s per child unless preloaded here.
PRELOAD = [
    "pytest",
    "frontdesk.services.clinic",
    "frontdesk.services.calendar",
    "frontdesk.services.patients",
    "phonenumbers",
    "holidays",
    "frontdesk.services.passwords",  # Argon2, for the sign-ins of kill9_clinical_writer
    "argon2",
    "tests.faults._workers",
]

FIRST_NAMES = ("Zoë", "María José", "Siobhán", "Nguyễn Văn", "Łukasz", "Søren", "Chloé", "Ana")
LAST_NAMES = (
    "García López",
    "O'Brien",
    "dela Cruz",
    "Müller",
    "Ōtani",
    "Smith-Jones",
    "Van der Berg",
    "Çelik",
    "Đặng",
    "Cohen",
)
NOTES = (
    "",
    "Prefers Spanish 🇪🇸",
    "Allergic to lidocaine; ask first",
    "Robert'); DROP TABLE patients; --",
    "Line one\nline two",
    "100% sure, 50_50 \\ path",
    "שלום - RTL note",
    "Emoji 😀 and a\ttab inside",
)
AREA_CODES = ("818", "213", "310", "415", "646")


def forkserver() -> multiprocessing.context.ForkServerContext:
    """Children forked from a clean, Qt-free process that has the clinic's modules loaded."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)  # ignored if the forkserver already runs: still correct
    return ctx


def acting_as(clinic: Clinic, role: Role) -> SignedIn:
    """Who a child's writes act as: the one place that says how a fault test signs in."""
    member = next(s for s in clinic.staff.list_active() if s.role is role)
    return issue(clinic._db, member, via="in a fault test")


staff_with_role = acting_as  # the name test_concurrency and test_disk_full import


def phone_values(rng: random.Random) -> tuple[str, str]:
    """(as typed at the desk, as stored in E.164)."""
    area, line = rng.choice(AREA_CODES), f"01{rng.randrange(100):02d}"
    return f"({area}) 555-{line}", f"+1{area}555{line}"


def random_patient(rng: random.Random, serial: int) -> tuple[PatientDraft, dict[str, Any]]:
    """A draft as typed, and the values the database must then hold (names are kept verbatim)."""
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    born = date(1950, 1, 1) + timedelta(days=rng.randrange(20_000))
    typed_phone, stored_phone = phone_values(rng) if rng.random() < 0.8 else ("", "")
    email = f"p{serial}.{rng.randrange(10**6)}@example.com" if rng.random() < 0.5 else ""
    notes = rng.choice(NOTES)
    draft = PatientDraft(
        first, last, f"{born.month}/{born.day}/{born.year}", typed_phone, email, notes
    )
    stored = {
        "first_name": first,
        "last_name": last,
        "dob": born.isoformat(),
        "phone": stored_phone,
        "email": email,
        "notes": notes,
    }
    return draft, stored


def edited(values: dict[str, Any], rng: random.Random, tag: str) -> tuple[PatientDraft, dict]:
    """New phone and notes for a patient; `tag` makes the notes differ from any earlier save."""
    typed_phone, stored_phone = phone_values(rng)
    notes = f"{rng.choice(NOTES)} [{tag}]".strip()
    after = values | {"phone": stored_phone, "notes": notes}
    born = date.fromisoformat(values["dob"])
    draft = PatientDraft(
        after["first_name"],
        after["last_name"],
        f"{born.month}/{born.day}/{born.year}",
        typed_phone,
        after["email"],
        notes,
    )
    return draft, after


def patient_values(clinic: Clinic, patient_id: int) -> dict[str, Any]:
    p = clinic.patients.get(patient_id)
    return {
        "first_name": p.first_name,
        "last_name": p.last_name,
        "dob": p.dob.isoformat(),
        "phone": p.phone_e164,
        "email": p.email,
        "notes": p.notes,
    }


# -- the writer that is killed ------------------------------------------------------------------
MAX_WRITES = 400  # a child that is never killed stops here


def kill9_writer(path: str, log_path: str, seed: int, ready: Connection) -> None:
    """Registers, edits and books through the services until SIGKILL arrives.

    Each write is announced ("begin", with the values it will store) before the service call
    and reported ("saved") only after the call returned, i.e. after COMMIT. Both lines go to an
    O_APPEND file with one os.write each; a kill can cut the last one short, and the reader
    takes a cut line as never written (test_kill9.read_new_lines).
    """
    log = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def say(**entry: Any) -> None:
        os.write(log, (json.dumps(entry, ensure_ascii=False) + "\n").encode())

    try:
        rng = random.Random(seed)
        clinic = open_clinic(Path(path), fixed_clock(NOW))
        calendar = clinic.calendar
        desk = acting_as(clinic, Role.FRONT_DESK)
        ready.send(True)
        for n in range(MAX_WRITES):
            ids = [r[0] for r in clinic._db.execute("SELECT id FROM patients")]
            roll = rng.random()
            if not ids or roll < 0.4:
                draft, values = random_patient(rng, seed * 1000 + n)
                say(t="begin", op="register", values=values)
                saved = clinic.patients.register(desk, draft, confirm_duplicate=True)
                say(t="saved", op="register", id=saved.id, version=saved.version, values=values)
            elif roll < 0.65:
                pid = rng.choice(ids)
                before = clinic.patients.get(pid)
                draft, values = edited(patient_values(clinic, pid), rng, f"{seed}.{n}")
                say(t="begin", op="update", id=pid, version=before.version + 1, values=values)
                saved = clinic.patients.update(desk, pid, draft, expected_version=before.version)
                say(t="saved", op="update", id=pid, version=saved.version, values=values)
            elif roll < 0.9:
                pid = rng.choice(ids)
                last = clinic._db.execute("SELECT max(ends) FROM appointments").fetchone()[0]
                after = datetime.fromisoformat(last) if last else NOW.replace(tzinfo=None)
                [starts] = calendar.next_free(CONSULTATION, after, 1)
                note = rng.choice(NOTES)
                values = {
                    "patient_id": pid,
                    "type_code": CONSULTATION,
                    "starts": f"{starts:%Y-%m-%dT%H:%M}",
                    "ends": f"{starts + timedelta(minutes=30):%Y-%m-%dT%H:%M}",
                    "status": "booked",
                    "note": note,
                }
                say(t="begin", op="book", values=values)
                booked = calendar.book(desk, pid, CONSULTATION, starts, note=note)
                a = booked.appointment
                say(t="saved", op="book", id=a.id, version=a.version, values=values)
            else:
                rows = clinic._db.execute("SELECT id FROM appointments").fetchall()
                if not rows:
                    continue
                aid = rng.choice(rows)[0]
                current = calendar.get(aid).appointment
                note = f"{rng.choice(NOTES)} ({seed}.{n})".strip()
                values = {"note": note}
                say(t="begin", op="note", id=aid, version=current.version + 1, values=values)
                a = calendar.set_note(desk, aid, note, current.version).appointment
                say(t="saved", op="note", id=aid, version=a.version, values=values)
        say(t="done")
    except BaseException as exc:  # the test fails on any refusal: one writer has no rival
        say(t="error", what=f"{type(exc).__name__}: {exc}", trace=traceback.format_exc())
        raise


# -- the clinical writer that is killed: intakes, signed CO2 sessions, audit-only events ---------
ELIGIBLE = replace(ROLLING, grade=3)  # rolling scars, acne controlled: laser may go ahead
SETTINGS = Settings("UltraPulse fractional CO2", 40.0, 10.0, 2, "120 um", "DeepFX")
# Each mix: (operation, cumulative chance). One kind of record per test keeps the checks sharp.
CLINICAL_MIXES: dict[str, tuple[tuple[str, float], ...]] = {
    "intakes": (("record", 0.6), ("correct", 1.0)),
    "sessions": (("open", 0.35), ("sign", 0.75), ("addendum", 1.0)),
    "events": (("day_sheet", 0.45), ("handout", 0.75), ("sign_in", 1.0)),  # Argon2: ~30 ms
}
ADMIN_LOGIN = ("office", "a-long-fault-test-password")
OPEN_SERIES = "SELECT patient_id FROM co2_series WHERE status IN ('active', 'paused')"


def event_day(cycle: int, n: int) -> date:
    """A different day for every day-sheet event of a run: each audit line is recognised."""
    return date(2000, 1, 1) + timedelta(days=cycle * MAX_WRITES + n)


def kill9_clinical_writer(
    path: str, log_path: str, seed: int, cycle: int, mix: str, ready: Connection
) -> None:
    """The doctor records intakes and signs CO2 sessions, the desk prints, the admin signs in,
    until SIGKILL arrives. Announces each write ("begin", with what it will store) and
    reports it ("saved") after the call returned, as kill9_writer does; `what` and `content`
    name the record each write leaves (a note, a patient, a day) so the test can find it."""
    log = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def say(**entry: Any) -> None:
        os.write(log, (json.dumps(entry, ensure_ascii=False) + "\n").encode())

    def one_of(sql: str) -> int | None:
        rows = [r[0] for r in clinic._db.execute(sql)]
        return rng.choice(rows) if rows else None

    try:
        rng = random.Random(seed)
        clinic = open_clinic(Path(path), fixed_clock(NOW))
        desk, doctor = acting_as(clinic, Role.FRONT_DESK), acting_as(clinic, Role.DOCTOR)
        performed = NOW.replace(tzinfo=None) - timedelta(hours=1)
        ready.send(True)
        for n in range(MAX_WRITES):
            tag = f"k9 {seed}.{n} 😀"
            roll = rng.random()
            op = next(name for name, upto in CLINICAL_MIXES[mix] if roll < upto)
            if op == "record":
                pid = one_of("SELECT id FROM patients")
                say(t="begin", op=op, what="intake", content=tag)
                done = clinic.intakes.record(doctor, pid, replace(ELIGIBLE, notes=tag))
                say(t="saved", op=op, what="intake", content=tag, id=done.id)
            elif op == "correct":
                pid = one_of("SELECT id FROM patients")
                latest = clinic.intakes.latest(pid)
                say(t="begin", op=op, what="intake", content=tag)
                done = clinic.intakes.correct(doctor, latest.id, replace(ELIGIBLE, notes=tag))
                say(t="saved", op=op, what="intake", content=tag, id=done.id)
            elif op == "open":
                pid = one_of(f"SELECT id FROM patients WHERE id NOT IN ({OPEN_SERIES})")
                if pid is None:
                    continue
                say(t="begin", op=op, what="series", content=pid)
                series = clinic.sessions.open_series(doctor, pid, 4)
                say(t="saved", op=op, what="series", content=pid, id=series.id)
            elif op == "sign":
                sid = one_of(
                    "SELECT id FROM co2_series WHERE status = 'active'"
                    " AND id NOT IN (SELECT series_id FROM co2_sessions)"
                )
                if sid is None:
                    continue
                draft = SessionDraft(
                    performed, SETTINGS, (Region.LEFT_CHEEK,), "Topical lidocaine", True,
                    "Expected redness", notes=tag,
                )  # fmt: skip
                say(t="begin", op=op, what="session", content=tag)
                signed = clinic.sessions.log_session(doctor, sid, draft, number=1)
                session_id = signed.sessions[0].id
                say(t="saved", op=op, what="session", content=tag, id=session_id)
            elif op == "addendum":
                session_id = one_of("SELECT id FROM co2_sessions")
                if session_id is None:
                    continue
                say(t="begin", op=op, what="addendum", content=tag)
                clinic.sessions.add_addendum(doctor, session_id, tag)
                say(t="saved", op=op, what="addendum", content=tag)
            elif op == "day_sheet":
                day = event_day(cycle, n).isoformat()
                say(t="begin", op=op, what="day_sheet", content=day)
                clinic.calendar.day_sheet_given(desk, date.fromisoformat(day), "printed")
                say(t="saved", op=op, what="day_sheet", content=day)
            elif op == "handout":
                pid = one_of("SELECT id FROM patients")
                say(t="begin", op=op, what="handout", content=pid)
                clinic.handouts.record(desk, pid, Kind.DARK_MARKS, Language.SPANISH, "printed")
                say(t="saved", op=op, what="handout", content=pid)
            else:
                say(t="begin", op=op, what="login", content=ADMIN_LOGIN[0])
                clinic.login.sign_in(*ADMIN_LOGIN)
                say(t="saved", op=op, what="login", content=ADMIN_LOGIN[0])
        say(t="done")
    except BaseException as exc:  # any refusal fails the test: one writer has no rival
        say(t="error", what=f"{type(exc).__name__}: {exc}", trace=traceback.format_exc())
        raise


# -- two windows at once -------------------------------------------------------------------------
def concurrent_desk(
    path: str,
    name: str,
    slots: list[str],
    patient_ids: list[int],
    barrier: Any,
    result_path: str,
) -> None:
    """One window booking every slot of the shared list and editing every shared patient.

    The first edit is synchronised with the other window (both read, then both save) so that
    the optimistic version check is exercised for certain; the rest run free.
    """
    outcome: dict[str, Any] = {
        "booked": [],
        "refused": [],
        "updated": [],
        "conflicts": 0,
        "messages": [],
        "unexpected": [],
        "first_round": None,
    }
    try:
        rng = random.Random(name)
        clinic = open_clinic(Path(path), fixed_clock(NOW))
        calendar = clinic.calendar
        desk = acting_as(clinic, Role.FRONT_DESK)
        contested = patient_ids[0]
        read = clinic.patients.get(contested)
        barrier.wait(timeout=30)  # both windows opened the same record
        draft, values = edited(patient_values(clinic, contested), rng, f"{name}.first")
        barrier.wait(timeout=30)  # ... and both press Save now
        try:
            saved = clinic.patients.update(desk, contested, draft, expected_version=read.version)
            outcome["first_round"] = "saved"
            outcome["updated"].append({"id": contested, "version": saved.version, "values": values})
        except ChangedElsewhere as exc:
            outcome["first_round"] = "changed elsewhere"
            outcome["messages"].append(str(exc))

        order = list(slots)
        rng.shuffle(order)  # each window its own order: both keep taking slots until the end
        for n, slot in enumerate(order):
            pid = patient_ids[n % len(patient_ids)]
            try:
                booked = calendar.book(desk, pid, CONSULTATION, datetime.fromisoformat(slot))
                outcome["booked"].append({"slot": slot, "id": booked.appointment.id})
                if len(outcome["booked"]) == 1:
                    # Both windows hold a booking before either goes on: a window the machine
                    # left waiting cannot find every slot already taken (a loaded run did).
                    barrier.wait(timeout=30)
            except SlotRefused as exc:
                outcome["refused"].append(slot)
                outcome["messages"].append(str(exc))
            except ServiceError as exc:
                outcome["unexpected"].append(f"book {slot}: {type(exc).__name__}: {exc}")
                outcome["messages"].append(str(exc))
            _edit_until_saved(clinic, desk, pid, rng, f"{name}.{n}", outcome)
            time.sleep(rng.random() / 1000)
    except BaseException as exc:
        outcome["unexpected"].append(f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}")
    Path(result_path).write_text(json.dumps(outcome, ensure_ascii=False), encoding="utf-8")


def _edit_until_saved(
    clinic: Clinic, desk: SignedIn, pid: int, rng: random.Random, tag: str, outcome: dict
) -> None:
    """What the desk does on "changed elsewhere": open the record again and redo the edit."""
    for attempt in range(50):
        read = clinic.patients.get(pid)
        draft, values = edited(patient_values(clinic, pid), rng, f"{tag}.{attempt}")
        time.sleep(rng.random() / 500)  # typing: gives the other window time to save
        try:
            saved = clinic.patients.update(desk, pid, draft, expected_version=read.version)
        except ChangedElsewhere as exc:
            outcome["conflicts"] += 1
            outcome["messages"].append(str(exc))
            continue
        except ServiceError as exc:
            outcome["unexpected"].append(f"update {pid}: {type(exc).__name__}: {exc}")
            outcome["messages"].append(str(exc))
            return
        outcome["updated"].append({"id": pid, "version": saved.version, "values": values})
        return
    outcome["unexpected"].append(f"update {pid}: still changed elsewhere after 50 attempts")


def back_to_back(starts: list[datetime], count: int) -> list[str]:
    """`count` of the slot finder's free times, each at least a consultation after the one
    before (so no two overlap), as ISO text for the child processes."""
    slots: list[datetime] = []
    for free in starts:
        if len(slots) < count and (not slots or free >= slots[-1] + timedelta(minutes=30)):
            slots.append(free)
    assert len(slots) == count
    return [s.isoformat() for s in slots]
