"""The one way the UI runs a service call: refusals in words, changes announced, no freeze."""

from __future__ import annotations

import logging
import threading

import pytest

from frontdesk.logs import start_logging, stop_logging
from frontdesk.services.changes import Change, Changes, Entity
from frontdesk.services.errors import ServiceError, ValidationFailed, plain_storage_errors
from frontdesk.storage.database import WriteConflict
from frontdesk.ui.notifier import ChangeNotifier
from frontdesk.ui.operations import WRITE_TRIES, Operations
from tests.conftest import draft
from tests.ui.another_writer import while_another_window_writes


@pytest.fixture
def heard(qapp):
    return {"changes": [], "said": []}


@pytest.fixture
def ops(clinic, heard, qapp) -> Operations:
    notifier = ChangeNotifier()
    notifier.changes.connect(heard["changes"].append)
    return Operations(clinic, notifier, heard["said"].append)


def test_a_write_returns_its_value_and_what_it_changed_and_every_view_hears_it(
    ops, desk, heard, clinic
):
    got = ops.write(
        None,
        lambda c: c.patients.register(desk, draft()),
        title="Register",
        done=lambda p: f"{p.full_name} registered.",
    )
    assert got is not None
    assert got.changes == Changes.of(Change(Entity.PATIENT, got.value.id, got.value.id))
    assert heard["changes"] == [got.changes]
    # (a loaded machine may first say it is waiting for the database)
    assert heard["said"][-1] == "María García registered."
    assert clinic.patients.get(got.value.id).full_name == "María García"  # committed


def test_a_booking_names_the_appointment_and_whose_it_is(ops, desk, clinic):
    from datetime import datetime

    from frontdesk.domain.clinic import CLINIC_TZ

    patient = clinic.patients.register(desk, draft())
    starts = datetime(2026, 11, 30, 11, 0, tzinfo=CLINIC_TZ)
    got = ops.write(
        None,
        lambda c: c.calendar.book(desk, patient.id, c.calendar.types()[0].code, starts),
        title="Book",
    )
    assert got is not None
    assert got.changes.ids(Entity.APPOINTMENT) == {got.value.appointment.id}
    assert got.changes.touches_patient(patient.id)
    assert not got.changes.touches(Entity.INTAKE)


def test_a_refusal_is_said_in_words_and_announces_nothing(ops, desk, heard, prompts):
    got = ops.write(
        None, lambda c: c.patients.register(desk, draft(first_name="")), title="Not saved"
    )
    assert got is None
    assert prompts.warnings and prompts.warnings[0][0] == "Not saved"
    assert "first name" in prompts.warnings[0][1].lower()
    assert heard["changes"] == [] and heard["said"] == []


def _crossed_once(crossings: list[int], times: int):
    """A call whose first `times` runs meet another workstation's write (the database undid
    them: a serialization failure as storage/postgres_errors says it), then saves."""

    def call(c, desk):
        if len(crossings) < times:
            crossings.append(1)
            with plain_storage_errors("register María García"):
                raise WriteConflict("database is busy (another workstation saved at that moment)")
        return c.patients.register(desk, draft())

    return call


def test_a_write_another_workstation_crossed_is_run_again_and_saved(
    ops, desk, heard, prompts, clinic
):
    crossings: list[int] = []
    call = _crossed_once(crossings, WRITE_TRIES - 1)
    got = ops.write(None, lambda c: call(c, desk), title="Register")
    assert got is not None and prompts.warnings == []
    assert len(crossings) == WRITE_TRIES - 1
    assert clinic.patients.count() == 1 and heard["changes"] == [got.changes]


def test_a_write_crossed_every_time_is_said_in_words_and_saves_nothing(
    ops, desk, heard, prompts, clinic
):
    crossings: list[int] = []
    call = _crossed_once(crossings, WRITE_TRIES)
    assert ops.write(None, lambda c: call(c, desk), title="Not saved") is None
    [(title, said)] = prompts.warnings
    assert title == "Not saved" and "another workstation saved at the same moment" in said
    assert clinic.patients.count() == 0 and heard["changes"] == []


def test_a_refusal_the_dialog_shows_by_its_fields_is_not_said_twice(ops, desk, prompts):
    shown: list[ServiceError] = []

    def by_the_fields(exc: ServiceError) -> bool:
        shown.append(exc)
        return isinstance(exc, ValidationFailed)

    ops.write(
        None,
        lambda c: c.patients.register(desk, draft(first_name="")),
        title="Not saved",
        on_refusal=by_the_fields,
    )
    assert isinstance(shown[0], ValidationFailed) and "first_name" in shown[0].errors
    assert prompts.warnings == []


def test_an_unexpected_failure_is_said_with_the_log_file_and_logged(ops, prompts, tmp_path, caplog):
    log_path = start_logging(tmp_path / "clinic.sqlite3")
    try:

        def broken(_clinic):
            raise KeyError("no such thing")

        with caplog.at_level(logging.ERROR):
            assert ops.write(None, broken, title="Save") is None
    finally:
        stop_logging()
    title, text = prompts.warnings[0]
    assert title == "Save" and "did not expect" in text and str(log_path) in text
    assert "Traceback" not in text
    assert "KeyError" in log_path.read_text()


def test_a_write_waiting_for_another_windows_lock_does_not_freeze_the_window(
    ops, desk, db_path, qtbot
):
    """The other window holds the write lock for 0.6 s: this window keeps painting (its
    timers run) and the write is saved once the lock is free."""
    saved = []
    waited = while_another_window_writes(
        db_path,
        lambda: saved.append(
            ops.write(None, lambda c: c.patients.register(desk, draft()), title="Register")
        ),
    )
    assert saved[0] is not None and waited.seconds >= 0.5
    assert len(waited.ticks) >= 10  # the event loop ran all along
    assert waited.longest_stall() < 0.25


def test_a_slow_call_runs_in_the_background_and_answers_on_the_gui_thread(ops, qtbot, heard):
    answers: list[object] = []
    busy: list[str] = []
    ops.busy_changed.connect(busy.append)
    release = threading.Event()

    def slow(clinic):
        release.wait(5)
        return clinic.patients.count()

    running = ops.in_background(
        None, slow, title="Count", busy="Counting patients…", on_done=answers.append
    )
    assert answers == [] and ops.running() == [running]
    assert busy == ["Counting patients…"] and heard["said"] == ["Counting patients…"]
    release.set()
    qtbot.waitUntil(lambda: answers == [0], timeout=5000)
    assert busy[-1] == "" and ops.running() == []
    assert threading.current_thread() is threading.main_thread()


def test_a_background_refusal_is_said_in_words(ops, qtbot, prompts):
    def refused(_clinic):
        raise ValidationFailed({"x": "That cannot be done."})

    answers: list[object] = []
    ops.in_background(None, refused, title="Check", busy="Checking…", on_done=answers.append)
    qtbot.waitUntil(lambda: prompts.warnings == [("Check", "That cannot be done.")])
    assert answers == []


def test_a_read_runs_on_the_windows_own_connection_and_refusals_are_words(ops, prompts, clinic):
    got = ops.read(None, lambda c: c.patients.count(), title="Count")
    assert got is not None and got.value == 0 and not got.changes
    assert ops.read(None, lambda c: c.patients.get(424242), title="Patient") is None
    assert prompts.warnings == [("Patient", "Patient #424242 does not exist.")]


@pytest.fixture
def window(qtbot):
    from PySide6.QtWidgets import QMainWindow

    made = QMainWindow()
    qtbot.addWidget(made)
    return made


def count_in_background(clinic, window, answers: list[object]) -> None:
    """A background call with a busy line, its answer appended to `answers`."""
    ops = Operations(clinic, ChangeNotifier(), window.statusBar().showMessage, window)
    ops.in_background(
        window,
        lambda c: c.patients.count(),
        title="Count",
        busy="Counting…",
        on_done=answers.append,
    )


def test_a_finished_background_calls_line_leaves_the_status_bar(clinic, qtbot, window):
    answers: list[object] = []
    count_in_background(clinic, window, answers)
    assert window.statusBar().currentMessage() == "Counting…"
    qtbot.waitUntil(lambda: answers == [0])
    assert window.statusBar().currentMessage() == ""


def test_a_line_said_while_a_background_call_ran_stays(clinic, qtbot, window):
    answers: list[object] = []
    count_in_background(clinic, window, answers)
    window.statusBar().showMessage("María García registered.")
    qtbot.waitUntil(lambda: answers == [0])
    assert window.statusBar().currentMessage() == "María García registered."


def test_the_waiting_line_stays_while_a_write_waits_longer_than_the_status_bar_keeps_it(
    clinic, desk, db_path, qtbot, monkeypatch
):
    """The status bar lets a line go after a few seconds; a wait on a lock is said again
    until the write is through."""
    from PySide6.QtWidgets import QMainWindow

    from frontdesk.ui import operations

    monkeypatch.setattr(operations, "BUSY_AGAIN_MS", 100)
    window = QMainWindow()
    qtbot.addWidget(window)
    said: list[str] = []

    def say(text: str) -> None:
        said.append(text)
        window.statusBar().showMessage(text, 150)  # a status bar that forgets quickly

    ops = Operations(clinic, ChangeNotifier(), say, window)
    saved = []
    while_another_window_writes(
        db_path,
        lambda: saved.append(
            ops.write(
                window,
                lambda c: c.patients.register(desk, draft()),
                title="Register",
                done="Saved.",
            )
        ),
        hold=0.8,
    )
    assert saved[0] is not None
    assert said.count(operations.WAITING) >= 4  # said again all along the wait
    assert said[-1] == "Saved."


def test_a_background_calls_line_is_said_again_until_it_ends(clinic, qtbot, monkeypatch):
    from PySide6.QtWidgets import QMainWindow

    from frontdesk.ui import operations

    monkeypatch.setattr(operations, "BUSY_AGAIN_MS", 50)
    window = QMainWindow()
    qtbot.addWidget(window)
    ops = Operations(
        clinic, ChangeNotifier(), lambda t: window.statusBar().showMessage(t, 60), window
    )
    release = threading.Event()
    answers: list[object] = []

    def slow(c):
        release.wait(5)
        return c.patients.count()

    ops.in_background(window, slow, title="Count", busy="Counting…", on_done=answers.append)
    qtbot.wait(400)  # several times the status bar's 60 ms
    assert window.statusBar().currentMessage() == "Counting…"
    release.set()
    qtbot.waitUntil(lambda: answers == [0])
    qtbot.wait(200)
    assert window.statusBar().currentMessage() == ""
