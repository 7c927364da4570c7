"""The clinic server's fault tests: their cluster, and the bodies of the workstation processes
they start, kill and restart the server under.

Each child is a workstation: it opens the clinic with `open_server`, as the app does, and writes
through the services. What it did goes to an O_APPEND log, one os.write per line: "begin" before
a service call, "saved" only after the call returned (after COMMIT), "refused" with the words
the desk would see. A kill can cut the last line short; the reader drops such a line.
"""

from __future__ import annotations

import json
import logging
import os
import random
import time
import traceback
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import psycopg

from frontdesk.domain.appointments import CONSULTATION
from frontdesk.domain.patients import PatientDraft
from frontdesk.domain.staff import Role
from frontdesk.services.clinic import Clinic, open_server
from frontdesk.services.clock import fixed_clock
from frontdesk.services.errors import ServiceError, SlotRefused
from frontdesk.storage.audit import AuditRepository
from frontdesk.storage.database import Database
from frontdesk.storage.postgres import OutcomeUnknown
from frontdesk.storage.postgres_cluster import Cluster
from frontdesk.storage.postgres_server import app_role, create_clinic_database
from tests.faults._workers import FIRST_NAMES, LAST_NAMES, NOW, acting_as
from tests.server_fixtures import own_cluster

DBNAME = "clinic"
CREATED_AT = "2026-11-26T10:30:00-08:00"


@dataclass
class ClinicServer:
    """A throwaway cluster holding one clinic, made by `frontdesk server init`'s code."""

    cluster: Cluster
    files: Path  # the workstations' own folder for this clinic (settings, logs)

    @property
    def url(self) -> str:
        """The address the workstations use: the clinic's least-privilege role."""
        return self.cluster.url(DBNAME, user=app_role(DBNAME))

    def admin(self) -> psycopg.Connection[Any]:
        """The superuser, outside the app: to look, and to break things on purpose."""
        return psycopg.connect(
            self.cluster.url(DBNAME), autocommit=True, application_name="fault test"
        )

    def workstations_gone(
        self, admin: psycopg.Connection[Any], besides: int | None = None, timeout: float = 10.0
    ) -> None:
        """Until no workstation's backend is left (but the checker's own, `besides`): a killed
        child's last statement (a COMMIT the server had received) is then finished."""
        deadline = time.monotonic() + timeout
        while admin.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE application_name = 'frontdesk' AND pid IS DISTINCT FROM %s",
            [besides],
        ).fetchone() != (0,):
            assert time.monotonic() < deadline, "a killed workstation's backend stayed"
            time.sleep(0.002)


@contextmanager
def clinic_server(port: int, files: Path) -> Iterator[ClinicServer]:
    """A cluster of the test's own (its own port), removed at the end whatever happens.

    The tests' clusters run with synchronous_commit off, for speed; a server restarted with
    `pg_ctl -m immediate` would then lose commits it had acknowledged, which no real clinic
    server does. The clinic's database turns it on again, as a clinic's server has it."""
    with own_cluster(port) as cluster:
        files.mkdir(parents=True, exist_ok=True)
        create_clinic_database(cluster.url(), DBNAME, CREATED_AT)
        with psycopg.connect(cluster.url(), autocommit=True) as admin:
            admin.execute(f"ALTER DATABASE {DBNAME} SET synchronous_commit = on")
        server = ClinicServer(cluster, files)
        clinic = open_server(server.url, fixed_clock(NOW), files=files)
        try:  # the holiday closures a booking looks at, once, before any child runs
            clinic.calendar  # noqa: B018
        finally:
            clinic.close()
        yield server


def registrations_held(
    admin: psycopg.Connection[Any], checker: Database, where: str
) -> dict[str, int]:
    """notes -> patient id of every registration on the server, after checking that each
    patient has exactly one registration line with the same notes, each such line its
    patient, no write was saved twice, and the chain is whole (read by the app's own check,
    as a workstation reads it)."""
    rows = admin.execute("SELECT id, notes FROM patients").fetchall()
    lines = admin.execute(
        "SELECT entity_id, after FROM audit WHERE entity = 'patient' AND action = 'register'"
    ).fetchall()
    patients = Counter((pid, notes) for pid, notes in rows)
    registered = Counter((pid, json.loads(after)["notes"]) for pid, after in lines)
    assert patients == registered, (
        f"{where}: patients without their audit line {sorted(patients - registered)[:3]},"
        f" audit lines without their patient {sorted(registered - patients)[:3]}"
    )
    broken = AuditRepository(checker).first_break()
    assert broken is None, f"{where}: {broken}"
    by_notes = {notes: pid for pid, notes in rows}
    assert len(by_notes) == len(rows), f"{where}: one write saved twice"
    return by_notes


def say_to(log_path: str) -> Any:
    """One JSON line per call, written whole by one os.write on an O_APPEND file."""
    log = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def say(**entry: Any) -> None:
        os.write(log, (json.dumps(entry, ensure_ascii=False) + "\n").encode())

    return say


def read_log(log: Path) -> list[dict[str, Any]]:
    """The whole lines of a child's log (a kill may have cut the last one: never written)."""
    data = log.read_bytes() if log.exists() else b""
    whole = data[: data.rfind(b"\n") + 1]
    return [json.loads(line) for line in whole.decode().splitlines()]


def draft_for(rng: random.Random, tag: str) -> PatientDraft:
    """A patient whose notes are `tag`: each write is recognised in the database by it."""
    born = date(1950, 1, 1) + timedelta(days=rng.randrange(20_000))
    return PatientDraft(
        rng.choice(FIRST_NAMES),
        rng.choice(LAST_NAMES),
        f"{born.month}/{born.day}/{born.year}",
        notes=tag,
    )


def open_workstation(url: str, files: str) -> tuple[Clinic, Any]:
    """The clinic as the app opens it; what the engine logs (a connection lost and opened
    again) goes to the workstation's log file, as the app's does, not to the test's output."""
    logging.basicConfig(filename=os.path.join(files, f"app-{os.getpid()}.log"), force=True)
    clinic = open_server(url, fixed_clock(NOW), files=Path(files))
    return clinic, acting_as(clinic, Role.FRONT_DESK)


# -- the workstation that is killed --------------------------------------------------------------
MAX_WRITES = 400  # a child that is never killed stops here


def registering_until_killed(
    url: str, files: str, log_path: str, seed: int, ready: Connection
) -> None:
    """Registers patients (each one a patient row and its audit line) until SIGKILL."""
    say = say_to(log_path)
    try:
        rng = random.Random(seed)
        clinic, desk = open_workstation(url, files)
        ready.send(True)
        for n in range(MAX_WRITES):
            tag = f"k9 {seed}.{n} 😀"
            say(t="begin", tag=tag)
            saved = clinic.patients.register(desk, draft_for(rng, tag), confirm_duplicate=True)
            say(t="saved", tag=tag, id=saved.id)
        say(t="done")
    except BaseException as exc:  # the test fails on any refusal: one writer has no rival
        say(t="error", what=f"{type(exc).__name__}: {exc}", trace=traceback.format_exc())
        raise


# -- the workstations writing while the server restarts ------------------------------------------
def registering_through_restarts(
    url: str, files: str, log_path: str, name: str, stop_path: str, ready: Connection
) -> None:
    """Registers patients until `stop_path` exists, going on after each refusal as the desk
    would (the dialog keeps its text; the next Save is a new attempt, here a new tag)."""
    say = say_to(log_path)
    try:
        rng = random.Random(name)
        clinic, desk = open_workstation(url, files)
        ready.send(True)
        n = 0
        while not os.path.exists(stop_path):
            tag = f"{name}.{n} Zoë"
            n += 1
            say(t="begin", tag=tag)
            try:
                saved = clinic.patients.register(desk, draft_for(rng, tag), confirm_duplicate=True)
            except ServiceError as exc:
                unknown = isinstance(exc.__cause__, OutcomeUnknown)
                say(
                    t="refused", tag=tag, kind=type(exc).__name__, text=str(exc),
                    unknown=unknown, at=time.monotonic(),
                )  # fmt: skip
                time.sleep(0.02)
                continue
            say(t="saved", tag=tag, id=saved.id, at=time.monotonic())
        say(t="done")
    except BaseException as exc:  # anything but a refusal in words reaches the desk raw
        say(t="error", what=f"{type(exc).__name__}: {exc}", trace=traceback.format_exc())
        raise


# -- five workstations booking the same slots ----------------------------------------------------
def booking_the_same_slots(
    url: str, files: str, name: str, slots: list[str], patient_ids: list[int], barrier: Any,
    result_path: str,
) -> None:  # fmt: skip
    """Tries to book every slot of the shared list, in an order of its own; all the
    workstations start at one moment. Refusals are kept with their words; anything that is
    not a SlotRefused is unexpected."""
    outcome: dict[str, Any] = {"booked": [], "refused": [], "messages": [], "unexpected": []}
    try:
        rng = random.Random(name)
        clinic, desk = open_workstation(url, files)
        order = list(slots)
        rng.shuffle(order)
        barrier.wait(timeout=30)
        for n, slot in enumerate(order):
            pid = patient_ids[n % len(patient_ids)]
            try:
                booked = clinic.calendar.book(desk, pid, CONSULTATION, datetime.fromisoformat(slot))
                outcome["booked"].append({"slot": slot, "id": booked.appointment.id})
            except SlotRefused as exc:
                outcome["refused"].append(slot)
                outcome["messages"].append(str(exc))
            except ServiceError as exc:  # in words, but not what a taken slot should say
                outcome["unexpected"].append(f"book {slot}: {type(exc).__name__}: {exc}")
    except BaseException as exc:
        outcome["unexpected"].append(f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}")
    Path(result_path).write_text(json.dumps(outcome, ensure_ascii=False), encoding="utf-8")
