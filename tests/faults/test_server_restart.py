"""The clinic server restarted (an immediate stop, as a crash) while three workstations save.

What a workstation sees meanwhile is a refusal in words (StorageError naming the clinic
server), never a traceback; it goes on by itself once the server is back, with no restart of
its own. Every write it was told was saved is there; every write it was told was not saved is
not (a connection lost during COMMIT is answered by asking the server, not guessed); nothing is
half-saved and the chain is whole.
"""

from __future__ import annotations

import time
from collections import Counter
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from frontdesk.storage.postgres import PgDatabase
from tests.faults._workers import forkserver
from tests.faults.server_writer import (
    ClinicServer,
    clinic_server,
    read_log,
    registering_through_restarts,
    registrations_held,
)

PORT = 56473  # this test's own cluster
WORKSTATIONS = 3
RESTARTS = 3
BETWEEN_S = 0.6  # writing with the server up, between two restarts and after the last


def saves_so_far(logs: list[Path]) -> list[int]:
    return [sum(1 for e in read_log(log) if e["t"] == "saved") for log in logs]


def wait_for_saves(logs: list[Path], more_than: list[int], what: str) -> None:
    """Until every workstation has saved again since `more_than` was counted."""
    deadline = time.monotonic() + 30
    while any(now <= before for now, before in zip(saves_so_far(logs), more_than, strict=True)):
        assert time.monotonic() < deadline, f"a workstation saved nothing {what}"
        time.sleep(0.01)


def on_server(server: ClinicServer) -> dict[str, int]:
    """notes -> patient id of every registration, each whole and the chain whole."""
    with server.admin() as admin, closing(PgDatabase(server.url)) as checker:
        return registrations_held(admin, checker, "after the restarts")


@pytest.mark.timeout(120)
def test_a_server_restarted_during_writes_is_said_in_words_and_the_workstations_go_on(
    tmp_path: Path,
) -> None:
    with clinic_server(PORT, tmp_path / "files") as server:
        ctx = forkserver()
        stop = tmp_path / "stop"
        logs = [tmp_path / f"workstation-{n}.log" for n in range(WORKSTATIONS)]
        children: list[Any] = []
        try:
            for n, log in enumerate(logs):
                receive, send = ctx.Pipe(duplex=False)
                child = ctx.Process(
                    target=registering_through_restarts,
                    args=(server.url, str(server.files), str(log), f"w{n}", str(stop), send),
                )
                child.start()
                send.close()
                assert receive.poll(30), "a workstation never opened the clinic"
                receive.recv()
                receive.close()
                children.append(child)
            wait_for_saves(logs, [0] * WORKSTATIONS, "before the first restart")
            back_at = 0.0
            for restart in range(RESTARTS):
                time.sleep(BETWEEN_S)
                server.cluster.restart()
                back_at = time.monotonic()
                wait_for_saves(logs, saves_so_far(logs), f"after restart {restart + 1}")
            time.sleep(BETWEEN_S)
        finally:
            stop.touch()
            for child in children:
                child.join(30)
                if child.exitcode is None:
                    child.kill()
                    child.join()
        assert [c.exitcode for c in children] == [0] * WORKSTATIONS

        entries = [e for log in logs for e in read_log(log)]
        errors = [e for e in entries if e["t"] == "error"]
        assert not errors, f"reached a workstation raw: {errors[0]['trace']}"
        refused = [e for e in entries if e["t"] == "refused"]
        assert refused, "no write met the restarts: nothing was shown"
        kinds = Counter(e["kind"] for e in refused)
        assert set(kinds) == {"StorageError"}, kinds
        for e in refused:
            assert "clinic server" in e["text"], e["text"]
            assert "Traceback" not in e["text"] and "psycopg" not in e["text"], e["text"]
        saved = {e["tag"]: e["id"] for e in entries if e["t"] == "saved"}
        # Each workstation went on by itself after the last restart.
        for log in logs:
            after = [e for e in read_log(log) if e["t"] == "saved" and e["at"] > back_at]
            assert after, f"{log.name} saved nothing after the server was back"

        found = on_server(server)
        for tag, pid in saved.items():
            assert found.get(tag) == pid, f"saved write {tag!r} (#{pid}) is gone"
        unknown = {e["tag"] for e in refused if e["unknown"]}
        not_saved = {e["tag"] for e in refused} - unknown
        assert not (not_saved & set(found)), "told 'not saved', yet saved"
        assert set(found) <= set(saved) | unknown, "saved writes nobody was told of"
        print(
            f"{len(saved)} saved, {len(refused)} refused ({len(unknown)} not known), "
            f"{RESTARTS} restarts; e.g. {refused[0]['text']!r}"
        )
