"""A workstation's connection to the clinic server lost at the worst moments, one at a time.

In the middle of a save, as COMMIT is sent, as COMMIT is answered, while the server is away,
and after it restarted: the desk is told in words (a StorageError, which a dialog shows while
keeping what was typed), nothing is half-saved, what it is told matches what the server holds,
and the next call works on the same Clinic, with no restart of the app. A writer that waited
too long for the write lock leaves nothing open behind it. The serialization failures and
deadlocks that write transactions avoid (storage/postgres.py) are said as "busy" should any
other transaction meet them.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
import pytest

from frontdesk.domain.patients import PatientDraft
from frontdesk.domain.staff import Role
from frontdesk.services.clinic import Clinic, open_server
from frontdesk.services.clock import fixed_clock
from frontdesk.services.errors import StorageError, plain_storage_errors
from frontdesk.services.signed_in import SignedIn
from frontdesk.storage import postgres
from frontdesk.storage.audit import AuditRepository
from frontdesk.storage.postgres import WRITE_LOCK, OutcomeUnknown, PgDatabase
from frontdesk.storage.postgres_errors import ConnectionLost
from frontdesk.storage.postgres_server import app_role
from tests.faults._workers import NOW, acting_as
from tests.faults.server_writer import DBNAME, ClinicServer, clinic_server

PORT = 56474  # this file's own cluster


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClinicServer]:
    with clinic_server(PORT, tmp_path_factory.mktemp("files")) as made:
        yield made


@pytest.fixture
def clinic(server: ClinicServer) -> Iterator[Clinic]:
    opened = open_server(server.url, fixed_clock(NOW), files=server.files)
    try:
        yield opened
    finally:
        opened.close()


def register(clinic: Clinic, notes: str, desk: SignedIn | None = None) -> int:
    desk = desk or acting_as(clinic, Role.FRONT_DESK)
    draft = PatientDraft("Siobhán", "Ó Briain", "4/5/1987", notes=notes)
    return clinic.patients.register(desk, draft, confirm_duplicate=True).id


def saved_as(server: ClinicServer, notes: str) -> list[tuple[str, int]]:
    """Rows and registration lines holding `notes`: [] or both, never one without the other."""
    with server.admin() as admin:
        rows = admin.execute("SELECT id FROM patients WHERE notes = %s", [notes]).fetchall()
        lines = admin.execute(
            "SELECT entity_id, after FROM audit WHERE entity = 'patient' AND action = 'register'"
        ).fetchall()
    found = [("patient", pid) for (pid,) in rows]
    found += [("line", pid) for pid, after in lines if json.loads(after)["notes"] == notes]
    return sorted(found)


def chain_whole(server: ClinicServer) -> bool:
    db = PgDatabase(server.url)
    try:
        return AuditRepository(db).first_break() is None
    finally:
        db.close()


def in_words(text: str) -> bool:
    return "clinic server" in text and "Nothing was changed" in text and "psycopg" not in text


def workstation_waiting_on_a_lock(admin: psycopg.Connection[Any]) -> int:
    deadline = time.monotonic() + 10
    while True:
        row = admin.execute(
            "SELECT pid FROM pg_stat_activity"
            " WHERE application_name = 'frontdesk' AND wait_event_type = 'Lock'"
        ).fetchone()
        if row:
            return int(row[0])
        assert time.monotonic() < deadline, "the save never reached the locked row"
        time.sleep(0.005)


def in_thread(call: Any) -> Any:
    """Runs `call` on a thread; the returned function gives its result or raises its error."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = call()
        except BaseException as exc:  # handed to the test's thread
            outcome["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()

    def result() -> Any:
        thread.join(30)
        assert not thread.is_alive()
        if "error" in outcome:
            raise outcome["error"]
        return outcome["value"]

    return result


def test_a_connection_lost_in_the_middle_of_a_save_saves_none_of_it_and_the_next_save_works(
    server: ClinicServer, clinic: Clinic
) -> None:
    """The patient row and its audit line are written, the chain's head is next: the server
    ends the connection there (as a crash or a cable would)."""
    register(clinic, "before")
    with server.admin() as admin:
        admin.execute("BEGIN")
        admin.execute("SELECT * FROM audit_head FOR UPDATE")  # the save stops at the head
        result = in_thread(lambda: register(clinic, "cut in the middle"))
        admin.execute("SELECT pg_terminate_backend(%s)", [workstation_waiting_on_a_lock(admin)])
        with pytest.raises(StorageError) as refused:
            result()
        admin.execute("ROLLBACK")
    assert in_words(str(refused.value)), str(refused.value)
    assert saved_as(server, "cut in the middle") == []
    assert chain_whole(server)
    # The same window goes on: no restart, no error.
    pid = register(clinic, "after")
    assert clinic.patients.get(pid).notes == "after"
    assert saved_as(server, "after") == [("line", pid), ("patient", pid)]


def test_the_rest_of_a_transaction_whose_connection_was_lost_is_refused_until_rolled_back(
    server: ClinicServer,
) -> None:
    """Statements after the loss must not run one by one, each saved alone, on a new
    connection: they are refused until the caller rolls back, as SQLite's caller does."""
    db = PgDatabase(server.url)
    try:
        conn = db.conn
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO app_settings (key, value) VALUES (?, ?)", ["fault.a", "1"])
        with server.admin() as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", [conn.raw.info.backend_pid])
        with pytest.raises(ConnectionLost):
            conn.execute("INSERT INTO app_settings (key, value) VALUES (?, ?)", ["fault.b", "1"])
        assert conn.in_transaction
        with pytest.raises(ConnectionLost, match="kept none of it"):
            conn.execute("INSERT INTO app_settings (key, value) VALUES (?, ?)", ["fault.c", "1"])
        conn.execute("ROLLBACK")
        assert not conn.in_transaction
        rows = db.execute("SELECT key FROM app_settings WHERE key LIKE 'fault.%'").fetchall()
        assert rows == []
    finally:
        db.close()


def test_a_server_restarted_between_two_calls_goes_unnoticed(
    server: ClinicServer, clinic: Clinic
) -> None:
    """The connection is dead after a restart; the first statement finds it out before
    anything was done on it, and is run again on a new one."""
    register(clinic, "before the restart")
    server.cluster.restart()
    assert clinic.patients.count() >= 1  # a read first
    server.cluster.restart()
    pid = register(clinic, "after the restart")  # a write first
    assert saved_as(server, "after the restart") == [("line", pid), ("patient", pid)]


def test_a_server_away_is_said_in_words_and_the_first_call_after_it_is_back_works(
    server: ClinicServer, clinic: Clinic
) -> None:
    desk = acting_as(clinic, Role.FRONT_DESK)  # signed in before
    register(clinic, "before it went away", desk)
    server.cluster.stop()
    try:
        with pytest.raises(StorageError) as writing:
            register(clinic, "while it is away", desk)
        with pytest.raises(StorageError) as reading:
            clinic.patients.count()
    finally:
        server.cluster.start()
    for refused in (writing.value, reading.value):
        assert in_words(str(refused)) and "did not answer" in str(refused), str(refused)
    assert saved_as(server, "while it is away") == []
    pid = register(clinic, "back again")
    assert saved_as(server, "back again") == [("line", pid), ("patient", pid)]


# -- a connection cut at COMMIT ------------------------------------------------------------------
COMMIT_SENT = b"COMMIT\x00"  # in the client's Parse or Query message
COMMIT_ANSWERED = b"C\x00\x00\x00\x0bCOMMIT\x00"  # the server's CommandComplete


class CuttingProxy:
    """A Unix-socket relay between workstation and server that, once armed, cuts the
    connection at one byte pattern, in one direction, without passing it on: when COMMIT is
    sent (the server never gets it) or when it is answered (the server has committed). With
    `until`, the workstation is kept waiting for an answer until that event is set."""

    def __init__(self, server: ClinicServer, folder: Path) -> None:
        self.target = str(server.cluster.socket_dir / f".s.PGSQL.{PORT}")
        self.folder = folder
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(str(folder / f".s.PGSQL.{PORT}"))
        self.listener.listen()
        self.armed: tuple[str, bytes] | None = None
        self.until: threading.Event | None = None
        self.cut = threading.Event()  # set once a connection was cut
        self.cuts = 0
        self.refusing = False  # True: every new connection is closed at once (server away)
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self) -> str:
        return (
            f"postgresql://{app_role(DBNAME)}@/{DBNAME}"
            f"?host={quote(str(self.folder), safe='')}&port={PORT}"
        )

    def arm(self, direction: str, pattern: bytes, until: threading.Event | None = None) -> None:
        with self._lock:
            self.armed, self.until = (direction, pattern), until

    def close(self) -> None:
        self.listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # closed
            if self.refusing:
                client.close()
                continue
            upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            upstream.connect(self.target)
            pair = _Pair(client, upstream)
            ways = ((client, upstream, "sent"), (upstream, client, "answered"))
            for source, sink, direction in ways:
                threading.Thread(
                    target=self._pump, args=(pair, source, sink, direction), daemon=True
                ).start()

    def _pump(self, pair: _Pair, source: socket.socket, sink: socket.socket, way: str) -> None:
        """Passes `way`'s bytes on until the armed pattern, or the end; once cut, nothing more
        passes either way, and with `until` the workstation hears nothing until it is set."""
        try:
            while data := source.recv(65536):
                with self._lock:
                    if self.armed is not None and self.armed[0] == way and self.armed[1] in data:
                        self.armed, self.cuts = None, self.cuts + 1
                        pair.until = self.until or pair.until
                        pair.cut = True
                    if pair.cut:
                        break
                sink.sendall(data)
        except OSError:
            pass
        if pair.cut:
            self.cut.set()
            if pair.until is not None:
                pair.until.wait(30)
        for end in (pair.client, pair.upstream):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
            end.close()


@dataclass
class _Pair:
    """One workstation connection through the relay."""

    client: socket.socket
    upstream: socket.socket
    cut: bool = False
    until: threading.Event | None = None


@pytest.fixture
def proxy(server: ClinicServer) -> Iterator[CuttingProxy]:
    # A short folder of its own: a socket's path holds at most 107 bytes.
    folder = Path(tempfile.mkdtemp(prefix="frontdesk-relay-"))
    relay = CuttingProxy(server, folder)
    try:
        yield relay
    finally:
        relay.close()
        shutil.rmtree(folder, ignore_errors=True)


def test_a_connection_cut_as_commit_is_sent_is_said_not_saved_and_is_not(
    server: ClinicServer, proxy: CuttingProxy
) -> None:
    clinic = open_server(proxy.url(), fixed_clock(NOW), files=server.files)
    try:
        register(clinic, "before the cut")
        proxy.arm("sent", COMMIT_SENT)
        with pytest.raises(StorageError) as refused:
            register(clinic, "cut as COMMIT is sent")
        assert proxy.cuts == 1
        assert in_words(str(refused.value)), str(refused.value)
        assert saved_as(server, "cut as COMMIT is sent") == []  # as the desk was told
        assert chain_whole(server)
        pid = register(clinic, "after the cut")
        assert saved_as(server, "after the cut") == [("line", pid), ("patient", pid)]
    finally:
        clinic.close()


def test_a_connection_cut_as_commit_is_answered_is_said_saved_and_is(
    server: ClinicServer, proxy: CuttingProxy
) -> None:
    """The server committed, the answer never arrived: the engine asks the server on a new
    connection (pg_xact_status) and the desk hears "saved", which it is, once."""
    clinic = open_server(proxy.url(), fixed_clock(NOW), files=server.files)
    try:
        proxy.arm("answered", COMMIT_ANSWERED)
        pid = register(clinic, "cut as COMMIT is answered")
        assert proxy.cuts == 1
        assert saved_as(server, "cut as COMMIT is answered") == [("line", pid), ("patient", pid)]
        assert clinic.patients.get(pid).notes == "cut as COMMIT is answered"
        assert chain_whole(server)
    finally:
        clinic.close()


def test_a_connection_cut_as_commit_is_answered_with_the_server_away_since_is_said_unknown(
    server: ClinicServer, proxy: CuttingProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The one case the engine cannot answer: it says so (the change was saved, whole)
    rather than "not saved"; the next call once the server is back works."""
    monkeypatch.setattr(postgres, "OUTCOME_WAIT_S", 0.5)
    clinic = open_server(proxy.url(), fixed_clock(NOW), files=server.files)
    try:
        desk = acting_as(clinic, Role.FRONT_DESK)
        proxy.arm("answered", COMMIT_ANSWERED)
        proxy.refusing = True  # from the cut on, nobody reaches the server
        with pytest.raises(StorageError) as refused:
            register(clinic, "cut, and the server away", desk)
        assert isinstance(refused.value.__cause__, OutcomeUnknown)
        assert "look whether it was saved" in str(refused.value), str(refused.value)
        proxy.refusing = False
        [(_, pid), _] = saved_as(server, "cut, and the server away")
        assert saved_as(server, "cut, and the server away") == [("line", pid), ("patient", pid)]
        assert clinic.patients.get(pid).notes == "cut, and the server away"
    finally:
        clinic.close()


def test_a_crash_during_commit_whose_transaction_id_is_handed_out_again_is_not_taken_for_saved(
    server: ClinicServer, proxy: CuttingProxy
) -> None:
    """The server crashes while COMMIT is on its way; nothing of the transaction reached its
    disk, so the restarted server gives the same transaction id to the next writer, another
    workstation, which commits. Asked about that id, the server says "committed": the
    engine looks for its own audit line (its receipt), does not find it, and says "not
    saved", which is true."""
    with server.admin() as admin:  # the WAL writer leaves the transaction's WAL in memory
        admin.execute("ALTER SYSTEM SET wal_writer_delay = '10s'")
        admin.execute("SELECT pg_reload_conf()")
    crashed = open_server(proxy.url(), fixed_clock(NOW), files=server.files)
    other = open_server(server.url, fixed_clock(NOW), files=server.files)
    release = threading.Event()
    try:
        desk, other_desk = acting_as(crashed, Role.FRONT_DESK), acting_as(other, Role.FRONT_DESK)
        with server.admin() as admin:  # a new WAL segment: none of the write is written out
            admin.execute("SELECT pg_switch_wal()")
        proxy.arm("sent", COMMIT_SENT, until=release)
        result = in_thread(lambda: register(crashed, "lost in the crash", desk))
        assert proxy.cut.wait(10)
        with server.admin() as admin:
            [(xid,)] = admin.execute(
                "SELECT backend_xid::text FROM pg_stat_activity"
                " WHERE application_name = 'frontdesk' AND backend_xid IS NOT NULL"
            ).fetchall()
        server.cluster.restart()
        after = register(other, "after the crash", other_desk)
        with server.admin() as admin:
            [(reused,)] = admin.execute(
                "SELECT xmin::text FROM patients WHERE id = %s", [after]
            ).fetchall()
            [(status,)] = admin.execute("SELECT pg_xact_status(%s::xid8)", [xid]).fetchall()
        release.set()
        with pytest.raises(StorageError) as refused:
            result()
        assert (reused, status) == (xid, "committed"), "the id was not handed out again"
        # Said for certain: not saved (not "not known", which the server's restart alone
        # would give a write without an audit line).
        assert type(refused.value.__cause__) is ConnectionLost, repr(refused.value.__cause__)
        assert in_words(str(refused.value)), str(refused.value)
        assert saved_as(server, "lost in the crash") == []
        assert saved_as(server, "after the crash") == [("line", after), ("patient", after)]
        assert chain_whole(server)
    finally:
        release.set()
        crashed.close()
        other.close()
        with server.admin() as admin:
            admin.execute("ALTER SYSTEM RESET wal_writer_delay")
            admin.execute("SELECT pg_reload_conf()")


# -- the write lock, and the errors write transactions never meet --------------------------------
def test_a_save_that_waited_too_long_for_the_write_lock_is_busy_and_leaves_nothing_open(
    server: ClinicServer, clinic: Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(postgres, "LOCK_WAIT", "200ms")
    with server.admin() as other:  # another workstation holding the write lock
        other.execute("SELECT pg_advisory_lock(%s)", [WRITE_LOCK])
        with pytest.raises(StorageError, match="busy") as refused:
            register(clinic, "behind the lock")
        other.execute("SELECT pg_advisory_unlock(%s)", [WRITE_LOCK])
    assert "Nothing was changed" in str(refused.value)
    assert not clinic._db.conn.in_transaction
    pid = register(clinic, "once it is free")
    assert saved_as(server, "once it is free") == [("line", pid), ("patient", pid)]


def test_a_serialization_failure_or_a_deadlock_is_said_busy_in_words(
    server: ClinicServer, clinic: Clinic
) -> None:
    """Write transactions cannot meet these (READ COMMITTED, one writer at a time); a
    snapshot that writes, or two transactions without the write lock, can: they are "busy"."""
    first, second = register(clinic, "row one"), register(clinic, "row two")
    snapshot, other = PgDatabase(server.url), PgDatabase(server.url)
    try:
        snapshot.conn.execute("BEGIN")  # REPEATABLE READ
        snapshot.execute("SELECT notes FROM patients WHERE id = ?", [first])
        other.execute("UPDATE patients SET notes = 'changed' WHERE id = ?", [first])
        with pytest.raises(StorageError, match="busy"), plain_storage_errors("save"):
            snapshot.execute("UPDATE patients SET notes = 'mine' WHERE id = ?", [first])
        snapshot.conn.execute("ROLLBACK")

        for db in (snapshot, other):
            db.conn.execute("BEGIN")
        snapshot.execute("UPDATE patients SET notes = 'a' WHERE id = ?", [first])
        other.execute("UPDATE patients SET notes = 'b' WHERE id = ?", [second])
        update = "UPDATE patients SET notes = ? WHERE id = ?"
        crossing = [
            in_thread(lambda: snapshot.execute(update, ["a", second])),
            in_thread(lambda: other.execute(update, ["b", first])),
        ]
        refusals = []
        for result in crossing:  # the server ends one of the two (after deadlock_timeout)
            try:
                with plain_storage_errors("save"):
                    result()
            except StorageError as exc:
                refusals.append(str(exc))
        assert len(refusals) == 1 and "busy" in refusals[0], refusals
        other.conn.execute("ROLLBACK")
        snapshot.conn.execute("ROLLBACK")
    finally:
        snapshot.close()
        other.close()
