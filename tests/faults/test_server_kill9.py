"""A workstation killed with SIGKILL at random moments while it saves to the clinic server:
every acknowledged write is there afterwards, and nothing is half-saved.

Each write is a registration: a patient row and its audit line, in one transaction. The child
reports a write only after the service returned (after COMMIT). After each kill the test waits
until the server has finished with the dead workstation's connection (a COMMIT it had received
is then done or undone), and looks: every reported patient with its one audit line, every audit
line with its patient, nothing else but the one write in flight (whole), the chain whole.
"""

from __future__ import annotations

import os
import random
import time
from contextlib import closing
from pathlib import Path

import pytest

from frontdesk.services.clinic import open_server
from frontdesk.services.clock import fixed_clock
from frontdesk.storage.postgres import PgDatabase
from tests.faults._workers import NOW, forkserver
from tests.faults.server_writer import (
    clinic_server,
    read_log,
    registering_until_killed,
    registrations_held,
)
from tests.faults.test_kill9 import killed  # the file's kill test kills its writers alike

PORT = 56471  # this test's own cluster
CYCLES = 200
JITTER = 0.015  # seconds after the chosen write was reported: into the next write, or between


def wait_for_saves(log: Path, count: int, where: str) -> None:
    """Until the child has reported `count` writes: kills then land after that many writes
    however busy the machine is (a fixed delay lands before the first one on a slow day)."""
    deadline = time.monotonic() + 30
    while count and (log.read_bytes() if log.exists() else b"").count(b'"t": "saved"') < count:
        assert time.monotonic() < deadline, f"{where}: the workstation made no progress"
        time.sleep(0.0005)


@pytest.mark.timeout(180)
def test_a_workstation_killed_at_any_moment_loses_no_saved_write_and_half_saves_nothing(
    tmp_path: Path,
) -> None:
    seed = int(os.environ.get("FAULTS_SEED", random.randrange(10**6)))
    rng = random.Random(seed)
    ctx = forkserver()
    known: dict[str, int] = {}  # notes -> id of every write known to be saved
    kills, writes_per_cycle = 0, []
    started = time.monotonic()
    with (
        clinic_server(PORT, tmp_path / "files") as server,
        server.admin() as admin,
        closing(PgDatabase(server.url)) as checker,
    ):
        checker_pid = checker.conn.raw.info.backend_pid
        for cycle in range(CYCLES):
            where = f"seed={seed} (FAULTS_SEED={seed} to replay) cycle={cycle}"
            log = tmp_path / f"cycle-{cycle}.log"
            receive, send = ctx.Pipe(duplex=False)
            child = ctx.Process(
                target=registering_until_killed,
                args=(server.url, str(server.files), str(log), seed * 1000 + cycle, send),
            )
            child.start()
            send.close()
            assert receive.poll(30), f"{where}: the workstation never opened the clinic"
            receive.recv()
            if rng.random() >= 0.1:  # one kill in ten lands at once, before the first write
                wait_for_saves(log, rng.randrange(6), where)
                time.sleep(rng.uniform(0, JITTER))
            kills += killed(child, receive, where)
            server.workstations_gone(admin, besides=checker_pid)

            entries = read_log(log)
            errors = [e for e in entries if e["t"] == "error"]
            assert not errors, f"{where}: the workstation failed: {errors[0]['trace']}"
            saved = {e["tag"]: e["id"] for e in entries if e["t"] == "saved"}
            begun = [e["tag"] for e in entries if e["t"] == "begin"]
            in_flight = begun[-1] if begun and begun[-1] not in saved else None
            found = registrations_held(admin, checker, where)
            for tag, pid in {**known, **saved}.items():
                assert found.get(tag) == pid, f"{where}: saved write {tag!r} (#{pid}) is gone"
            extra = set(found) - set(known) - set(saved)
            assert extra <= {in_flight}, f"{where}: never reported: {sorted(extra)}"
            known.update(saved)
            known.update({tag: found[tag] for tag in extra})  # killed after COMMIT: whole
            writes_per_cycle.append(len(saved) + len(extra))
        elapsed = time.monotonic() - started

        # The kills really landed everywhere: before any write, and in the middle of many.
        assert kills >= CYCLES * 0.9, f"seed={seed}: only {kills} of {CYCLES} were killed"
        assert writes_per_cycle.count(0) >= 3, f"seed={seed}: never killed before a write"
        assert max(writes_per_cycle) >= 3, f"seed={seed}: never killed among many writes"
        assert len(known) > 50, f"seed={seed}: only {len(known)} writes saved"
        # Still a working clinic afterwards, with every saved patient.
        clinic = open_server(server.url, fixed_clock(NOW), files=server.files)
        try:
            assert clinic.patients.count() == len(known)
            tag, pid = max(known.items(), key=lambda item: item[1])
            assert clinic.patients.get(pid).notes == tag
        finally:
            clinic.close()
    print(f"seed={seed}: {CYCLES} cycles, {len(known)} writes, {elapsed:.1f} s")
