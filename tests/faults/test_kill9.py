"""A writer killed with SIGKILL at random moments: what was saved stays, nothing is half-saved.

"Saved" means the service call returned (after COMMIT). The writer reports each write after
that, through an O_APPEND log the kernel keeps whatever happens to the process; it also
announces each write before making it, so a write that committed but was not yet reported is
recognised as that one write, complete, and nothing else.

Two writers: the desk's (patients, bookings, notes; 200 cycles) and the clinical one (intakes,
signed CO2 sessions and addenda, and the writes that are an audit line or a row and its line:
day sheets, handouts, sign-ins; 40 cycles per kind).
"""

from __future__ import annotations

import json
import os
import random
import signal
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from frontdesk.domain.audit import first_break
from frontdesk.domain.patients import PatientDraft
from frontdesk.domain.staff import Role
from frontdesk.domain.text import name_key
from frontdesk.services.clinic import open_clinic
from frontdesk.services.clock import fixed_clock
from frontdesk.storage.engine import sqlite3
from tests.faults._workers import (
    ADMIN_LOGIN,
    CLINICAL_MIXES,
    ELIGIBLE,
    NOW,
    acting_as,
    forkserver,
    kill9_clinical_writer,
    kill9_writer,
)

CYCLES = 200
MAX_DELAY = 0.040  # seconds after the child opened the database: from no write to many
PATIENT_COLUMNS = ("first_name", "last_name", "dob", "phone", "email", "notes")
APPOINTMENT_COLUMNS = ("patient_id", "type_code", "starts", "ends", "status", "note")
WRITES = ("register", "update", "book", "note")  # audit actions of the writes made here


@dataclass
class Known:
    """What the log says the database holds: id -> (values, version)."""

    patients: dict[int, tuple[dict[str, Any], int]] = field(default_factory=dict)
    appointments: dict[int, tuple[dict[str, Any], int]] = field(default_factory=dict)
    saved_writes: int = 0


def read_new_lines(log: Path, offset: int) -> tuple[list[dict[str, Any]], int]:
    """The lines the killed child logged since `offset`. A kill can cut the last one short
    (Linux stops a write to a file between two pages when a fatal signal is pending): that
    line is taken as never written and cut from the log, so the next child starts a new line.
    A cut "begin" means the write had not started yet; a cut "saved" leaves the write in
    flight, which the checks already allow either way."""
    data = log.read_bytes()[offset:] if log.exists() else b""
    whole = data[: data.rfind(b"\n") + 1]
    if len(whole) < len(data):
        with log.open("r+b") as file:
            file.truncate(offset + len(whole))
    return [json.loads(line) for line in whole.decode().splitlines()], offset + len(whole)


def killed(child: Any, receive: Any, where: str) -> bool:
    """SIGKILL now; whether it was the kill that ended the child (it may have finished)."""
    child.kill()
    child.join(10)
    receive.close()
    assert child.exitcode in (-signal.SIGKILL, 0), f"{where}: exit code {child.exitcode}"
    return child.exitcode == -signal.SIGKILL


def logged_since(log: Path, offset: int, where: str) -> tuple[list[dict[str, Any]], int]:
    """The killed child's new log lines; a writer that failed of itself fails the test."""
    entries, offset = read_new_lines(log, offset)
    errors = [e for e in entries if e["t"] == "error"]
    assert not errors, f"{where}: the writer failed: {errors[0]['trace']}"
    return entries, offset


def apply_saved(known: Known, entry: dict[str, Any]) -> None:
    values, version = entry["values"], entry["version"]
    if entry["op"] in ("register", "update"):
        known.patients[entry["id"]] = (values, version)
    elif entry["op"] == "book":
        known.appointments[entry["id"]] = (values, version)
    elif entry["op"] == "note":
        old, _ = known.appointments[entry["id"]]
        known.appointments[entry["id"]] = (old | values, version)
    known.saved_writes += 1


def rows_by_id(conn: sqlite3.Connection, table: str, columns: tuple[str, ...]) -> dict:
    names = ", ".join(columns)
    return {
        row[0]: (dict(zip(columns, row[1:-1], strict=True)), row[-1])
        for row in conn.execute(f"SELECT id, {names}, version FROM {table}")
    }


def reconcile(
    table: dict[int, tuple[dict, int]],
    in_db: dict[int, tuple[dict, int]],
    in_flight: dict[str, Any] | None,
    ops: tuple[str, str],
    known: Known,
    where: str,
) -> None:
    """Every reported write is there exactly; the only other change allowed is the one write
    announced but not reported (killed between COMMIT and the report), complete."""
    new_op, change_op = ops
    for record_id, (values, version) in list(table.items()):
        found = in_db.get(record_id)
        assert found is not None, f"{where}: saved record #{record_id} is gone"
        if found == (values, version):
            continue
        assert in_flight is not None and in_flight["op"] == change_op, (
            f"{where}: #{record_id} is {found}, the log says {(values, version)}"
        )
        expected = (values | in_flight["values"], in_flight["version"])
        assert in_flight["id"] == record_id and found == expected, (
            f"{where}: #{record_id} is {found}; neither saved {(values, version)}"
            f" nor the unreported write {expected}"
        )
        table[record_id] = expected  # it committed: from now on it is known
        known.saved_writes += 1
    extra = sorted(set(in_db) - set(table))
    if extra:
        assert in_flight is not None and in_flight["op"] == new_op and len(extra) == 1, (
            f"{where}: records {extra} were never announced (in flight: {in_flight})"
        )
        [record_id] = extra
        assert in_db[record_id] == (in_flight["values"], 1), (
            f"{where}: #{record_id} is {in_db[record_id]}, announced {in_flight['values']}"
        )
        table[record_id] = in_db[record_id]
        known.saved_writes += 1


def later_words(first: str, last: str) -> set[str]:
    """The words after the first of each name: what patient_name_words must hold."""
    return {w for key in (name_key(last), name_key(first)) for w in key.split()[1:]}


def assert_chain_whole(conn: sqlite3.Connection, where: str) -> None:
    head = conn.execute("SELECT last_id, last_hash FROM audit_head").fetchone()
    rows = conn.execute(
        "SELECT id, at, staff_id, action, entity, entity_id, patient_id, before, after,"
        " prev_hash, hash FROM audit ORDER BY id"
    )
    names = [column[0] for column in rows.description]
    broken = first_break((dict(zip(names, row, strict=True)) for row in rows), head)
    assert broken is None, f"{where}: {broken}"  # a kill never leaves the chain half-linked


def check_whole(conn: sqlite3.Connection, known: Known, where: str) -> None:
    """No half-written record: each row has its audit lines, name words and history."""
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)], where
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == [], where
    audits: dict[tuple[str, int], list[str]] = {}
    for entity, entity_id, action, after in conn.execute(
        "SELECT entity, entity_id, action, after FROM audit"
        " WHERE entity IN ('patient', 'appointment') ORDER BY id"
    ):
        audits.setdefault((entity, entity_id), []).append((action, after))
    words: dict[int, set[str]] = {}
    for word, patient_id in conn.execute("SELECT word, patient_id FROM patient_name_words"):
        words.setdefault(patient_id, set()).add(word)
    for pid, (values, version) in known.patients.items():
        lines = [(a, x) for a, x in audits.get(("patient", pid), []) if a in WRITES]
        assert [a for a, _ in lines] == ["register"] + ["update"] * (version - 1), (
            f"{where}: patient #{pid} version {version} has audit lines {lines}"
        )
        last_after = json.loads(lines[-1][1])
        assert {k: last_after[k] for k in PATIENT_COLUMNS} == values, (
            f"{where}: patient #{pid}'s last audit line {last_after} is not its row {values}"
        )
        assert words.get(pid, set()) == later_words(values["first_name"], values["last_name"]), (
            f"{where}: patient #{pid} ({values['first_name']} {values['last_name']})"
            f" has name words {words.get(pid)}"
        )
    history = dict(
        conn.execute("SELECT appointment_id, count(*) FROM appointment_history GROUP BY 1")
    )
    for aid, (values, version) in known.appointments.items():
        lines = [(a, x) for a, x in audits.get(("appointment", aid), []) if a in WRITES]
        assert [a for a, _ in lines] == ["book"] + ["note"] * (version - 1), (
            f"{where}: appointment #{aid} version {version} has audit lines {lines}"
        )
        assert json.loads(lines[-1][1])["note"] == values["note"], where
        assert history.get(aid) == 1, f"{where}: appointment #{aid} has no booking history"
    assert set(words) <= set(known.patients), f"{where}: name words of unknown patients"
    assert_chain_whole(conn, where)


@pytest.mark.timeout(120)
def test_sigkill_at_any_moment_loses_no_saved_write_and_leaves_no_half_record(
    tmp_path: Path,
) -> None:
    seed = int(os.environ.get("FAULTS_SEED", random.randrange(10**6)))
    rng = random.Random(seed)
    path, log = tmp_path / "clinic.sqlite3", tmp_path / "writes.log"
    opened = open_clinic(path, fixed_clock(NOW))
    opened.calendar  # noqa: B018 -- adds the holiday closures once, before any child runs
    opened.close()

    ctx = forkserver()
    known, offset, kills, writes_per_cycle = Known(), 0, 0, []
    started = time.monotonic()
    for cycle in range(CYCLES):
        where = f"seed={seed} (FAULTS_SEED={seed} to replay) cycle={cycle}"
        receive, send = ctx.Pipe(duplex=False)
        child = ctx.Process(
            target=kill9_writer, args=(str(path), str(log), seed * 1000 + cycle, send)
        )
        child.start()
        send.close()
        assert receive.poll(30), f"{where}: the writer never opened the database"
        receive.recv()
        # One kill in ten lands at once (before the first write); the rest anywhere up to 40 ms.
        delay = 0.0 if rng.random() < 0.1 else rng.uniform(0, MAX_DELAY)
        time.sleep(delay)
        kills += killed(child, receive, where)
        entries, offset = logged_since(log, offset, where)
        before = known.saved_writes
        in_flight = None
        for entry in entries:
            if entry["t"] == "begin":
                in_flight = entry
            elif entry["t"] == "saved":
                apply_saved(known, entry)
                in_flight = None

        conn = sqlite3.connect(path)  # a fresh reader, as the next start of the app would be
        try:
            patients = rows_by_id(conn, "patients", PATIENT_COLUMNS)
            appointments = rows_by_id(conn, "appointments", APPOINTMENT_COLUMNS)
            reconcile(known.patients, patients, in_flight, ("register", "update"), known, where)
            reconcile(known.appointments, appointments, in_flight, ("book", "note"), known, where)
            check_whole(conn, known, where)
        finally:
            conn.close()
        writes_per_cycle.append(known.saved_writes - before)

    elapsed = time.monotonic() - started
    # The kills really landed everywhere: before any write, and in the middle of many.
    assert kills >= CYCLES * 0.9, f"seed={seed}: only {kills} of {CYCLES} children were killed"
    assert writes_per_cycle.count(0) >= 3, f"seed={seed}: never killed before the first write"
    assert max(writes_per_cycle) >= 3, f"seed={seed}: never killed in the middle of many writes"
    # Enough saved to be worth checking; how many depends on the machine's load (the kills
    # come after a fixed time), so the floor is low: the checks above are the point.
    assert len(known.patients) > 20 and len(known.appointments) > 5, f"seed={seed}"
    # Still a working clinic afterwards.
    clinic = open_clinic(path, fixed_clock(NOW))
    try:
        some = max(known.patients)
        values, version = known.patients[some]
        patient = clinic.patients.get(some)
        assert (patient.notes, patient.version) == (values["notes"], version)
        assert clinic.patients.count() == len(known.patients)
    finally:
        clinic.close()
    print(f"seed={seed}: {CYCLES} cycles, {known.saved_writes} writes, {elapsed:.1f} s")


# -- intakes, signed CO2 sessions and audit-only events -----------------------------------------
CLINICAL_CYCLES = 40  # per mix; the writes are heavier than a registration, the cycles fewer
CLINICAL_PATIENTS = 60
JITTER = 0.010  # seconds after the chosen write was reported: into the next write, or between


def wait_for_saves(log: Path, offset: int, count: int, where: str) -> None:
    """Until the child has reported `count` writes of this cycle: kills then land after that
    many writes however busy the machine is (a fixed delay landed before the first one)."""
    deadline = time.monotonic() + 30
    while (
        count
        and (log.read_bytes()[offset:] if log.exists() else b"").count(b'"t": "saved"') < count
    ):
        assert time.monotonic() < deadline, f"{where}: the writer made no progress"
        time.sleep(0.0005)


Fact = tuple[str, Any]  # (what, content): an intake's notes, a series' patient, a day sheet's day


def clinical_facts(conn: sqlite3.Connection, where: str) -> Counter[Fact]:
    """What the database holds of the clinical writes, after checking that every row has
    exactly its one audit line with the same content and every such line its row: nothing
    half-saved (a signed session without its line, a line without its session)."""
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)], where
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == [], where
    rows: Counter[tuple[str, int, Any]] = Counter()
    for row_id, answers in conn.execute("SELECT id, answers FROM intakes"):
        rows["intake", row_id, json.loads(answers)["notes"]] += 1
    for row_id, patient_id in conn.execute("SELECT id, patient_id FROM co2_series"):
        rows["series", row_id, patient_id] += 1
    for row_id, record in conn.execute("SELECT id, record FROM co2_sessions"):
        rows["session", row_id, json.loads(record)["notes"]] += 1
    for row_id, text in conn.execute("SELECT id, text FROM co2_addenda"):
        rows["addendum", row_id, text] += 1
    for row_id, patient_id in conn.execute("SELECT id, patient_id FROM handout_prints"):
        rows["handout", row_id, patient_id] += 1
    lines: Counter[tuple[str, int, Any]] = Counter()
    events: Counter[Fact] = Counter()
    for action, entity, entity_id, after in conn.execute(
        "SELECT action, entity, entity_id, after FROM audit ORDER BY id"
    ):
        after = json.loads(after) if after else {}
        if entity == "intake" and action in ("record", "correct"):
            lines["intake", entity_id, json.loads(after["answers"])["notes"]] += 1
        elif entity == "co2_series" and action == "open":
            lines["series", entity_id, after["patient_id"]] += 1
        elif entity == "co2_session" and action == "sign":
            lines["session", entity_id, json.loads(after["record"])["notes"]] += 1
        elif entity == "co2_session" and action == "addendum":
            lines["addendum", after["addendum"], after["text"]] += 1
        elif entity == "handout":
            lines["handout", entity_id, after["patient_id"]] += 1
        elif entity == "day_sheet":
            events["day_sheet", after["day"]] += 1
        elif entity == "staff" and action == "login":
            events["login", after["username"]] += 1
    assert rows == lines, (
        f"{where}: rows without their audit line {sorted(rows - lines)[:3]},"
        f" audit lines without their row {sorted(lines - rows)[:3]}"
    )
    assert_chain_whole(conn, where)
    held = Counter((what, content) for what, _, content in rows.elements())
    return held + events


@pytest.mark.timeout(120)
@pytest.mark.parametrize("mix", list(CLINICAL_MIXES))
def test_sigkill_during_clinical_writes_loses_nothing_saved_and_half_saves_nothing(
    tmp_path: Path, mix: str
) -> None:
    """The doctor's intakes and signed sessions, and the lines that are only an audit line
    (a day sheet printed, a sign-in) or a row and its line (a handout printed), under kill -9:
    every acknowledged one is there, each record has its audit line and each line its record,
    the only other write is the one in flight (whole), and the chain is whole."""
    seed = int(os.environ.get("FAULTS_SEED", random.randrange(10**6)))
    rng = random.Random(seed)
    path, log = tmp_path / "clinic.sqlite3", tmp_path / "writes.log"
    opened = open_clinic(path, fixed_clock(NOW))
    opened.staff.create_first_admin("Office admin", *ADMIN_LOGIN)
    desk, doctor = acting_as(opened, Role.FRONT_DESK), acting_as(opened, Role.DOCTOR)
    for n in range(CLINICAL_PATIENTS):
        patient = opened.patients.register(
            desk, PatientDraft("Zoë", f"Ōtani {chr(ord('a') + n % 26)}", f"1/{n % 28 + 1}/1990"),
            confirm_duplicate=True,
        )  # fmt: skip
        opened.intakes.record(doctor, patient.id, ELIGIBLE)
    opened.sessions.office()  # the holiday closures a series looks at, once, before any child
    opened.close()
    conn = sqlite3.connect(path)
    known = clinical_facts(conn, "before any kill")  # the eligible intakes made above
    conn.close()

    ctx = forkserver()
    kills, writes_per_cycle, started = 0, [], time.monotonic()
    offset = 0
    for cycle in range(CLINICAL_CYCLES):
        where = f"{mix}: seed={seed} (FAULTS_SEED={seed} to replay) cycle={cycle}"
        receive, send = ctx.Pipe(duplex=False)
        child = ctx.Process(
            target=kill9_clinical_writer,
            args=(str(path), str(log), seed * 1000 + cycle, cycle, mix, send),
        )
        child.start()
        send.close()
        assert receive.poll(30), f"{where}: the writer never opened the database"
        receive.recv()
        if rng.random() >= 0.1:  # one kill in ten lands at once, before the first write
            wait_for_saves(log, offset, rng.randrange(6), where)
            time.sleep(rng.uniform(0, JITTER))
        kills += killed(child, receive, where)
        entries, offset = logged_since(log, offset, where)
        in_flight, saved = None, 0
        for entry in entries:
            if entry["t"] == "begin":
                in_flight = entry
            elif entry["t"] == "saved":
                known[entry["what"], entry["content"]] += 1
                in_flight, saved = None, saved + 1
        conn = sqlite3.connect(path)  # a fresh reader, as the next start of the app would be
        try:
            found = clinical_facts(conn, where)
        finally:
            conn.close()
        lost = known - found
        assert not lost, f"{where}: acknowledged writes are missing: {sorted(lost)[:5]}"
        extra = found - known
        if extra:  # killed between COMMIT and the report: that one write, complete
            assert in_flight is not None, f"{where}: never announced: {sorted(extra)}"
            announced = (in_flight["what"], in_flight["content"])
            assert extra == Counter({announced: 1}), (
                f"{where}: {sorted(extra)} besides the write in flight {announced}"
            )
            known[announced] += 1
            saved += 1
        writes_per_cycle.append(saved)

    elapsed = time.monotonic() - started
    assert kills >= CLINICAL_CYCLES * 0.9, f"seed={seed}: only {kills} children were killed"
    assert writes_per_cycle.count(0) >= 1, f"seed={seed}: never killed before the first write"
    assert max(writes_per_cycle) >= 3, f"seed={seed}: never killed in the middle of many writes"
    whats = {what for what, _ in known}
    expected = {
        "intakes": {"intake"},
        "sessions": {"intake", "series", "session", "addendum"},
        "events": {"intake", "day_sheet", "handout", "login"},
    }[mix]
    assert expected <= whats, f"seed={seed}: no {expected - whats} was ever saved"
    print(f"{mix} seed={seed}: {CLINICAL_CYCLES} cycles, {sum(writes_per_cycle)} writes,"
          f" {elapsed:.1f} s")  # fmt: skip
