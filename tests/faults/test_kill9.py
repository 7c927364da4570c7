"""A writer killed with SIGKILL at random moments: what was saved stays, nothing is half-saved.

"Saved" means the service call returned (after COMMIT). The writer reports each write after
that, through an O_APPEND log the kernel keeps whatever happens to the process; it also
announces each write before making it, so a write that committed but was not yet reported is
recognised as that one write, complete, and nothing else.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from frontdesk.domain.audit import first_break
from frontdesk.domain.text import name_key
from frontdesk.services.clinic import open_clinic
from frontdesk.services.clock import fixed_clock
from tests.faults._workers import NOW, forkserver, kill9_writer

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
    data = log.read_bytes()[offset:] if log.exists() else b""
    assert not data or data.endswith(b"\n"), "a log line was cut: os.write is not atomic here?"
    return [json.loads(line) for line in data.decode().splitlines()], offset + len(data)


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
    head = conn.execute("SELECT last_id, last_hash FROM audit_head").fetchone()
    rows = conn.execute(
        "SELECT id, at, staff_id, action, entity, entity_id, patient_id, before, after,"
        " prev_hash, hash FROM audit ORDER BY id"
    )
    names = [column[0] for column in rows.description]
    broken = first_break((dict(zip(names, row, strict=True)) for row in rows), head)
    assert broken is None, f"{where}: {broken}"  # a kill never leaves the chain half-linked


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
        child.kill()  # SIGKILL
        child.join(10)
        receive.close()
        assert child.exitcode in (-signal.SIGKILL, 0), f"{where}: exit code {child.exitcode}"
        kills += child.exitcode == -signal.SIGKILL

        entries, offset = read_new_lines(log, offset)
        errors = [e for e in entries if e["t"] == "error"]
        assert not errors, f"{where}: the writer failed: {errors[0]['trace']}"
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
    assert len(known.patients) > 50 and len(known.appointments) > 20, f"seed={seed}"
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
