"""The log beside the database (issue 14, point 5): the window's start writes it, an unexpected
error goes in with its traceback and is said with the file's name, and what a day at the desk
does to a patient leaves ids in it, never the patient's name, phone, email or notes."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from frontdesk import logs
from frontdesk.app import _daily_backup, _show_unexpected_errors
from frontdesk.domain.clinic import CLINIC_TZ
from frontdesk.domain.staff import Role
from frontdesk.logs import log_path_for, start_logging, stop_logging
from frontdesk.storage.private_files import PRIVATE_FILE
from frontdesk.ui.main_window import MainWindow
from tests.conftest import NOW, draft, member_with_role

# Nobody else is called this: found anywhere in the log, it came from this test's patient.
FIRST, LAST = "Quillonia", "Zarvethmoor"
PHONE, EMAIL, NOTE = "(818) 555-7719", "quillonia.zarv@example.com", "Vexilbrand allergy"


@pytest.fixture
def logged(demo):
    path = start_logging(demo.path)
    yield path
    stop_logging()


def all_log_text(path: Path) -> str:
    return "".join(p.read_text(encoding="utf-8") for p in path.parent.glob(path.name + "*"))


def test_a_day_at_the_desk_logs_ids_never_the_patients_words(
    qtbot, demo, logged, prompts, tmp_path
) -> None:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    desk = member_with_role(demo, Role.FRONT_DESK)
    window = MainWindow(demo, settings, today=lambda: NOW.date(), user=desk)
    qtbot.addWidget(window)
    ops = window.ops
    person = draft(first_name=FIRST, last_name=LAST, phone=PHONE, email=EMAIL, notes=NOTE)

    made = ops.write(window, lambda c: c.patients.register(desk, person), title="Not saved")
    assert made is not None
    patient = made.value
    prompts.answer = True
    again = ops.write(window, lambda c: c.patients.register(desk, person), title="Not saved")
    assert again is None  # refused: the same name and birthday, said in words
    assert prompts.warnings and LAST in prompts.warnings[-1][1]
    kind = demo.calendar.types()[0].code
    [starts] = demo.calendar.next_free(kind, datetime(2026, 12, 1, 9, 0, tzinfo=CLINIC_TZ), 1)
    booked = ops.write(
        window, lambda c: c.calendar.book(desk, patient.id, kind, starts), title="Not booked"
    )
    assert booked is not None, prompts.warnings
    ops.read(window, lambda c: c.record_views.viewed(desk, patient.id), title="Record")

    def fails_unexpectedly(c):
        raise RuntimeError(f"patient #{patient.id}: a bug")

    assert ops.write(window, fails_unexpectedly, title="Not saved") is None
    _daily_backup(demo, window)
    qtbot.waitUntil(lambda: window.statusBar().currentMessage().startswith("Today's backup"))
    archived = ops.write(window, lambda c: c.patients.archive(desk, patient.id), title="Archive")
    assert archived is not None

    text = all_log_text(logged)
    assert "Frontdesk started" in text and "daily backup saved" in text
    assert f"patient #{patient.id}: a bug" in text and "Traceback" in text
    for words in (FIRST, LAST, "555-7719", "5557719", EMAIL, NOTE, "Vexilbrand"):
        assert words.casefold() not in text.casefold(), words
    assert logged.stat().st_mode & 0o777 == PRIVATE_FILE


@pytest.mark.qt_no_exception_capture  # the app's own hook is what is tested
def test_an_unexpected_error_is_logged_and_said_with_the_log_file(logged, prompts) -> None:
    before = sys.excepthook
    _show_unexpected_errors()
    try:
        try:
            raise LookupError("appointment #40 not in the cache")
        except LookupError as exc:
            sys.excepthook(type(exc), exc, exc.__traceback__)
    finally:
        sys.excepthook = before
    title, text = prompts.warnings[-1]
    assert title == "Frontdesk: something went wrong"
    assert str(logged) in text and "LookupError" in text and "Traceback" not in text
    assert "LookupError: appointment #40" in logged.read_text(encoding="utf-8")
    # each line's moment with its offset from UTC ("2026-12-06 09:14:03-0800")
    first = logged.read_text(encoding="utf-8").splitlines()[0]
    assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d[+-]\d{4} ", first), first


def test_the_log_rotates_and_every_file_stays_private(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(logs, "LOG_BYTES", 2_000)
    path = start_logging(tmp_path / "clinic.sqlite3")
    try:
        log = logs.logging.getLogger("frontdesk.test")
        for n in range(400):
            log.info("line %s of a long day, appointment #%s", n, n)
    finally:
        stop_logging()
    kept = sorted(tmp_path.glob("clinic.log*"))
    assert [p.name for p in kept] == ["clinic.log", *(f"clinic.log.{n}" for n in range(1, 6))]
    assert all(p.stat().st_mode & 0o777 == PRIVATE_FILE for p in kept)
    assert all(p.stat().st_size < 3_000 for p in kept)
    assert "line 399 " in path.read_text(encoding="utf-8")


def test_the_windows_start_logs_who_signed_in_by_number(tmp_path: Path) -> None:
    db = tmp_path / "d.sqlite3"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    started = subprocess.run(
        [sys.executable, "-m", "frontdesk", "--demo", "--as", "doctor", "--smoke", "--db", str(db)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert started.returncode == 0, started.stderr
    text = log_path_for(db).read_text(encoding="utf-8")
    assert "Frontdesk started" in text
    assert "window opened for staff #" in text and "(doctor)" in text
    assert "Alex" not in text  # the doctor's name is data too
    assert log_path_for(db).stat().st_mode & 0o777 == PRIVATE_FILE
