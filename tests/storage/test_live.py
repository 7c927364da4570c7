"""Live updates at the storage and service level (issue 15 point 4): a write at one
workstation is heard at another, with what it changed, only once it commits; the listener says
when the server went away and a new one hears again once it is back. On SQLite no write pays
for any of it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from frontdesk.domain.appointments import CONSULTATION
from frontdesk.domain.intake import Intake, Look, Region, RegionFinding
from frontdesk.domain.staff import Role
from frontdesk.services.changes import Change, Changes, Entity, with_changes
from frontdesk.services.clinic import Clinic
from frontdesk.services.clock import fixed_clock
from frontdesk.services.live import Heard, LiveFeed, decode, encode, listen
from frontdesk.services.signed_in import issue
from frontdesk.storage import live
from frontdesk.storage.database import DatabaseError
from frontdesk.storage.db import write_transaction
from frontdesk.storage.postgres import PgDatabase
from frontdesk.storage.postgres_errors import ConnectionLost
from tests.conftest import NOW, draft
from tests.live_server import LiveServer, live_server, the_admin

WAIT_S = 2.0  # the issue's bound: shown at every other workstation within two seconds


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    with live_server() as running:
        yield running


@pytest.fixture
def two_workstations(server: LiveServer, tmp_path: Path) -> Iterator[tuple[Clinic, Clinic]]:
    clock = fixed_clock(NOW)
    here, there = server.open(clock, tmp_path / "here"), server.open(clock, tmp_path / "there")
    yield here, there
    here.close()
    there.close()


def heard_within(listener: live.Listener | LiveFeed, seconds: float = WAIT_S) -> list:
    """What the listener heard, waiting at most `seconds` for the first notice."""
    deadline = time.monotonic() + seconds
    while True:
        got = listener.heard()
        if got or time.monotonic() > deadline:
            return list(got or [])
        time.sleep(0.01)


def test_a_notice_is_heard_on_another_connection_only_once_it_commits(server) -> None:
    writer = PgDatabase(server.address)
    listener = live.Listener(server.address)
    try:
        with write_transaction(writer):
            live.announce(writer, '{"from":"a","changes":[]}')
            time.sleep(0.2)
            assert listener.heard() == []  # not committed yet: nothing delivered
        assert heard_within(listener) == ['{"from":"a","changes":[]}']
        with pytest.raises(RuntimeError), write_transaction(writer):
            live.announce(writer, '{"from":"rolled back","changes":[]}')
            raise RuntimeError("the write fails")
        writer.execute("SELECT 1")
        time.sleep(0.2)
        assert listener.heard() == []  # rolled back: never heard
    finally:
        listener.close()
        writer.close()


def test_a_patient_and_a_booking_saved_here_are_heard_there_with_their_ids(
    two_workstations,
) -> None:
    here, there = two_workstations
    feed = listen(there)
    assert feed is not None
    try:
        admin = the_admin(here)
        heard_within(feed, 0.2)  # the first sign-in's own writes, if any
        started = time.monotonic()
        saved = with_changes(lambda: here.patients.register(admin, draft()), origin="window A")
        [notice] = heard_within(feed)
        latency = time.monotonic() - started
        patient = saved.value
        assert notice == Heard(
            Changes.of(Change(Entity.PATIENT, patient.id, patient.id)), origin="window A"
        )
        assert notice.changes == saved.changes  # the same words the own window announced
        assert latency < WAIT_S

        slot = here.calendar.next_free(CONSULTATION, datetime(2026, 11, 30, 9, 0), 1, 30)[0]
        listed = here.calendar.book(admin, patient.id, CONSULTATION, slot)
        [booking] = heard_within(feed)
        assert booking.origin is None  # a call made outside any window
        assert Change(Entity.APPOINTMENT, listed.appointment.id, patient.id) in (
            booking.changes.items
        )
        assert booking.changes.touches_patient(patient.id)
    finally:
        feed.close()


def test_an_intake_recorded_by_the_doctor_here_is_heard_there_with_its_patient(
    two_workstations,
) -> None:
    here, there = two_workstations
    admin = the_admin(here)
    doctor = issue(here._db, here.staff.add(admin, "Dr. Alex Kim", Role.DOCTOR), via="in a test")
    patient = here.patients.register(admin, draft(first_name="Nare", dob="7/4/1996"))
    feed = listen(there)
    assert feed is not None
    try:
        finding = RegionFinding(Region.CHIN, frozenset({Look.FLAT_BROWN}))
        stored = here.intakes.record(doctor, patient.id, Intake((finding,), fitzpatrick=4))
        heard = Changes()
        for notice in heard_within(feed):
            heard = heard | notice.changes
        assert Change(Entity.INTAKE, stored.id, patient.id) in heard.items
        assert heard.touches_patient(patient.id)
    finally:
        feed.close()


def test_a_refused_write_is_not_heard(two_workstations) -> None:
    here, there = two_workstations
    feed = listen(there)
    assert feed is not None
    try:
        admin = the_admin(here)
        patient = here.patients.register(admin, draft(first_name="Ana"))
        heard_within(feed)
        with pytest.raises(Exception, match=r"changed elsewhere|saved"):
            here.patients.update(
                admin, patient.id, draft(first_name="Anna"), expected_version=patient.version - 1
            )
        time.sleep(0.2)
        assert feed.heard() == []
    finally:
        feed.close()


def test_the_listener_says_the_server_went_away_and_a_new_one_hears_once_it_is_back(
    server, two_workstations
) -> None:
    here, _there = two_workstations
    listener = live.Listener(server.address)
    server.cluster.restart()
    deadline = time.monotonic() + 5
    with pytest.raises(ConnectionLost):
        while time.monotonic() < deadline:
            listener.heard()
            time.sleep(0.02)
    assert listener.closed
    again = live.Listener(server.address)
    try:
        admin = the_admin(here)  # the workstation's own connection opens again by itself
        patient = here.patients.register(admin, draft(first_name="Lucía"))
        [payload] = heard_within(again)
        assert decode(payload).changes.ids(Entity.PATIENT) == {patient.id}
    finally:
        again.close()


def test_a_server_that_cannot_be_reached_gives_no_listener_in_words(tmp_path) -> None:
    address = f"postgresql://nobody@/nothing?host={tmp_path}&port=1"
    with pytest.raises(DatabaseError, match="did not answer"):
        live.Listener(address)


def test_a_notice_says_the_changes_and_who_saved_them() -> None:
    changes = Changes.of(
        Change(Entity.APPOINTMENT, 12, 7), Change(Entity.PATIENT, 7, 7), Change(Entity.STAFF, None)
    )
    assert decode(encode(changes, "w1")) == Heard(changes, "w1")
    assert decode(encode(Changes.of_all(), None)) == Heard(Changes.of_all(), None)


def test_too_many_changes_for_one_notice_are_said_as_everything() -> None:
    many = Changes.of(*(Change(Entity.PATIENT, n, n) for n in range(2_000)))
    text = encode(many, "w1")
    assert len(text.encode()) <= live.MAX_PAYLOAD
    assert decode(text) == Heard(Changes.of_all(), "w1")


@pytest.mark.parametrize(
    "payload",
    [
        "not json",
        '{"changes": [{"entity": "a kind of record of a newer version", "id": 1}]}',
        '{"changes": [{"entity": "patient", "id": "1"}]}',
        '{"changes": 3}',
        "[]",
    ],
)
def test_a_notice_that_cannot_be_read_has_every_view_read_again(payload: str) -> None:
    assert decode(payload).changes == Changes.of_all()


def test_on_sqlite_a_write_sends_no_notice_and_runs_no_extra_statement(clinic, desk) -> None:
    if clinic.server is not None:
        pytest.skip("about the SQLite file")
    statements: list[str] = []
    clinic._db.conn.set_trace_callback(statements.append)
    try:
        clinic.patients.register(desk, draft())
    finally:
        clinic._db.conn.set_trace_callback(None)
    assert statements and not any("notify" in s.lower() for s in statements)
    assert listen(clinic) is None  # nothing to listen to: the file's data version is compared
