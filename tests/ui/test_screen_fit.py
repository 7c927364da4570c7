"""Fits the screen (issue 13 point 5): the first window on 1366x768 with a taskbar and on
1920x1080 at 150 % (1280x720 logical), a remembered size brought onto the current screen,
every dialog within 1366x740, and the search field ready to type in after sign-in."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PySide6.QtCore import QRect, QSize
from PySide6.QtWidgets import QApplication, QDialog

from frontdesk.domain.staff import Role
from frontdesk.ui.main_window import MainWindow
from tests.conftest import NOW, member_with_role

SMALL_SCREEN = QSize(1366, 740)  # 1366x768 less a slim taskbar: every dialog fits within it

PROBE = textwrap.dedent(
    """
    import json, sys
    from datetime import date
    from pathlib import Path
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication
    app = QApplication([])
    from frontdesk.services.clinic import open_clinic
    from frontdesk.services.signed_in import issue
    from frontdesk.ui.main_window import MainWindow

    work = Path(sys.argv[1])
    clinic = open_clinic(work / "clinic.sqlite3")
    member = clinic.staff.create_first_admin("Office admin", "office", "a-long-test-password")
    user = issue(clinic._db, member, via="in a test")
    settings = QSettings(str(work / "settings.ini"), QSettings.Format.IniFormat)
    box = lambda g: [g.x(), g.y(), g.width(), g.height()]

    def window():
        made = MainWindow(clinic, settings, today=lambda: date(2026, 12, 7), user=user)
        made.show()
        for _ in range(20):
            app.processEvents()
        return made

    first = window()
    said = {
        "available": box(first.screen().availableGeometry()),
        "first": box(first.frameGeometry()),
        "minimum": [first.minimumSizeHint().width(), first.minimumSizeHint().height()],
        "focus": app.focusWidget().objectName() if app.focusWidget() else None,
    }
    # Remembered on a bigger screen (or a second monitor to the right): too big, off screen.
    first.move(2600, 900)
    first.resize(2400, 1400)
    first.save_geometry()
    first.close()
    second = window()
    said["remembered"] = box(second.frameGeometry())
    print(json.dumps(said))
    """
)


def run_probe(tmp_path: Path, width: int, height: int, scale: float) -> dict:
    config = tmp_path / "screens.json"
    config.write_text(
        json.dumps(
            {
                "screens": [
                    {
                        "name": "desk",
                        "x": 0,
                        "y": 0,
                        "width": width,
                        "height": height,
                        "logicalDpi": 96,
                        "logicalBaseDpi": 96,
                        "dpr": 1,
                    }
                ]
            }
        )
    )
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = f"offscreen:configfile={config}"
    env["QT_SCALE_FACTOR"] = str(scale)
    env.pop("QT_SCREEN_SCALE_FACTORS", None)
    root = Path(__file__).resolve().parents[2]
    env["PYTHONPATH"] = str(root) + os.pathsep + env.get("PYTHONPATH", "")
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=root,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def inside(box: list[int], available: list[int]) -> bool:
    return QRect(*available).contains(QRect(*box))


@pytest.mark.parametrize(
    ("width", "height", "scale", "logical"),
    [
        (1366, 728, 1.0, (1366, 728)),  # 1366x768 with a 40 px taskbar
        (1920, 1040, 1.5, (1280, 693)),  # 1920x1080 with a taskbar, at 150 %
        (1024, 600, 1.0, (1024, 600)),  # a netbook: still all on screen
    ],
    ids=["1366x768-taskbar", "1920x1080-at-150%", "1024x600"],
)
def test_the_first_window_and_a_remembered_one_fit_the_screen(
    tmp_path, width, height, scale, logical
) -> None:
    said = run_probe(tmp_path, width, height, scale)
    assert tuple(said["available"][2:]) == logical
    assert inside(said["first"], said["available"]), said
    assert inside(said["remembered"], said["available"]), said
    assert said["minimum"][0] <= logical[0] and said["minimum"][1] <= logical[1]
    assert said["focus"] == "patientSearch"  # ready to type a name after signing in


def test_a_remembered_size_is_clamped_in_process(qtbot, demo, settings, desk) -> None:
    """The same, against whatever screen this process has (offscreen: 800x600)."""
    first = MainWindow(demo, settings, today=lambda: NOW.date(), user=desk)
    qtbot.addWidget(first)
    first.show()
    first.resize(3000, 2000)
    first.move(-500, 4000)
    first.save_geometry()
    first.close()
    second = MainWindow(demo, settings, today=lambda: NOW.date(), user=desk)
    qtbot.addWidget(second)
    second.show()
    qtbot.waitExposed(second)
    available = second.screen().availableGeometry()
    assert available.contains(second.frameGeometry())


def test_the_search_field_has_the_focus_after_sign_in(qtbot, window) -> None:
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.patients_tab.search, timeout=2000)


def _dialogs(window, demo):
    """One of each dialog class the app has, opened the way the app opens it."""
    from frontdesk.domain.handouts import Kind
    from frontdesk.services.backups import Damage
    from frontdesk.services.demo_accounts import DEMO_LOGINS
    from frontdesk.ui.dialogs.accounts_dialog import AddStaffDialog, LoginDialog, RoleDialog
    from frontdesk.ui.dialogs.appointment_dialog import AppointmentDialog
    from frontdesk.ui.dialogs.fitzpatrick_dialog import FitzpatrickDialog
    from frontdesk.ui.dialogs.handout_dialog import HandoutDialog
    from frontdesk.ui.dialogs.login_dialog import LoginDialog as SignInDialog
    from frontdesk.ui.dialogs.override_dialog import OverrideDialog
    from frontdesk.ui.dialogs.restore_dialog import RestoreDialog
    from frontdesk.ui.dialogs.series_dialog import SeriesDialog
    from frontdesk.ui.dialogs.session_dialog import SessionDialog
    from frontdesk.ui.dialogs.text_dialog import TextDialog

    current = lambda: window.session.current  # noqa: E731
    patient = demo.patients.search("garcia maria").rows[0]
    running = next(
        s
        for p in demo.patients.search("", limit=100).rows
        for s in demo.sessions.history(p.id)
        if s.sessions
    )
    coming = next(
        a
        for p in demo.patients.search("", limit=100).rows
        for a in demo.calendar.upcoming(p.id)
        if a.appointment.status.movable
    )
    yield "PatientDialog (new)", window.patients_tab.new_patient()
    yield "PatientDialog (edit)", window.patients_tab.open_patient(patient.id)
    yield "BookingDialog", window.calendar_tab.book(patient=patient)
    yield "BookingDialog (move)", window.calendar_tab.move_appointment(coming)
    yield (
        "AppointmentDialog",
        AppointmentDialog(
            demo.calendar,
            current,
            coming,
            lambda *_: None,
            lambda *_: None,
            parent=window,
            ops=window.ops,
        ),
    )
    yield (
        "HandoutDialog",
        HandoutDialog(demo.handouts, current, patient, Kind.CO2_PLAN, window, ops=window.ops),
    )
    yield "SeriesDialog", SeriesDialog(
        "Open a CO2 series for María García", "Suggested: 4 sessions. " * 6, 4, 0,
        "&Open series", lambda _n: None, warnings=("Cold sores: antiviral first.",),
        parent=window,
    )  # fmt: skip
    yield "SessionDialog", SessionDialog(
        running, None, demo.calendar.now(), running.sessions[-1].draft,
        lambda *_: None, window, calendar=demo.calendar,
    )  # fmt: skip
    yield "TextDialog", TextDialog(
        "Addendum", "The signed entry stays as it is.", "&Add", lambda *_: None,
        choices=[("Session 1", 1)], parent=window,
    )  # fmt: skip
    yield "FitzpatrickDialog", FitzpatrickDialog(window)
    yield "OverrideDialog", OverrideDialog(
        ("Active acne: control acne before any scar treatment.",) * 3,
        ("Pregnant or breastfeeding: no laser.",), window,
    )  # fmt: skip
    yield "OfficeSettingsDialog", window.calendar_tab.open_office_settings()
    yield "ClinicDialog", window.edit_clinic_details()
    yield "AccountsDialog", window.show_accounts()
    yield "AuditDialog", window.show_audit()
    yield "AdminSettingsDialog", window.show_admin_settings()
    staff = demo.staff
    member = staff.list_active()[0]
    yield "AddStaffDialog", AddStaffDialog(window.ops, current, window)
    yield "LoginDialog (account)", LoginDialog(window.ops, current, member, window)
    yield "RoleDialog", RoleDialog(window.ops, current, member, window)
    yield "ClinicDialog via StepDialog", None
    yield "LoginDialog (sign-in)", SignInDialog(demo.login, staff, DEMO_LOGINS, window)
    damage = Damage(demo.path, "damaged (test)", None)
    yield "RestoreDialog", RestoreDialog(demo.backups, damage, window)


EVERY_CLASS = {
    "PatientDialog", "BookingDialog", "AppointmentDialog", "HandoutDialog", "SeriesDialog",
    "SessionDialog", "TextDialog", "FitzpatrickDialog", "OverrideDialog",
    "OfficeSettingsDialog", "ClinicDialog", "AccountsDialog", "AuditDialog",
    "AdminSettingsDialog", "AddStaffDialog", "LoginDialog", "RoleDialog", "RestoreDialog",
}  # fmt: skip


def measure_dialogs(window, demo, with_size: bool) -> tuple[list[str], set[str], list[str]]:
    """(what is bigger than 1366x740, the classes opened, frames off the available screen)."""
    window.session.switch_to(member_with_role(demo, Role.ADMIN))
    too_big, seen, off_screen = [], set(), []
    available = window.screen().availableGeometry()
    for name, dialog in _dialogs(window, demo):
        if dialog is None:
            continue
        assert isinstance(dialog, QDialog), name
        seen.add(type(dialog).__name__)
        dialog.show()
        for _ in range(5):
            QApplication.processEvents()
        sizes = [("sizeHint", dialog.sizeHint()), ("minimumSizeHint", dialog.minimumSizeHint())]
        if with_size:
            sizes.append(("size", dialog.frameGeometry().size()))
            if not available.contains(dialog.frameGeometry()):
                off_screen.append(f"{name}: {dialog.frameGeometry()} on {available}")
        for what, size in sizes:
            if size.width() > SMALL_SCREEN.width() or size.height() > SMALL_SCREEN.height():
                too_big.append(f"{name}: {what} {size.width()}x{size.height()}")
        dialog.reject()
        dialog.close()
    return too_big, seen, off_screen


def test_every_dialog_asks_for_no_more_than_1366x740(qtbot, window, demo, prompts) -> None:
    """In this process (an 800x600 offscreen screen): what each dialog asks for."""
    too_big, seen, _ = measure_dialogs(window, demo, with_size=False)
    assert not too_big, too_big
    assert seen >= EVERY_CLASS, EVERY_CLASS - seen


DIALOG_PROBE = textwrap.dedent(
    """
    import json, sys, tempfile
    from pathlib import Path
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication
    app = QApplication(["probe", "-platform", "offscreen:configfile=" + sys.argv[1]])
    from frontdesk.domain.staff import Role
    from frontdesk.services.clinic import open_clinic
    from frontdesk.services.demo import fill_demo_clinic
    from frontdesk.ui import prompts
    from frontdesk.ui.main_window import MainWindow
    from tests.conftest import NOW, member_with_role
    from tests.ui.test_screen_fit import measure_dialogs

    prompts.confirm = lambda *_a, **_k: True
    prompts.warn = prompts.inform = lambda *_a, **_k: None
    work = Path(tempfile.mkdtemp())
    clinic = open_clinic(work / "demo.sqlite3")
    fill_demo_clinic(clinic)
    settings = QSettings(str(work / "settings.ini"), QSettings.Format.IniFormat)
    desk = member_with_role(clinic, Role.FRONT_DESK)
    window = MainWindow(clinic, settings, today=lambda: NOW.date(), user=desk)
    window.show()
    too_big, seen, off_screen = measure_dialogs(window, clinic, with_size=True)
    print(json.dumps({"too_big": too_big, "seen": sorted(seen), "off_screen": off_screen}))
    """
)


def test_every_dialog_fits_a_1366x768_screen_with_a_taskbar(tmp_path) -> None:
    """Each dialog opened on a 1366x768 screen less a 40 px taskbar: its frame on screen and
    no bigger than 1366x740."""
    config = tmp_path / "screens.json"
    screen = {"name": "desk", "x": 0, "y": 0, "width": 1366, "height": 728, "dpr": 1}
    config.write_text(json.dumps({"screens": [screen | {"logicalDpi": 96, "logicalBaseDpi": 96}]}))
    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ)
    env["PYTHONPATH"] = str(root) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("QT_SCALE_FACTOR", None)
    done = subprocess.run(
        [sys.executable, "-c", DIALOG_PROBE, str(config)],
        capture_output=True, text=True, env=env, timeout=300, cwd=root,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    said = json.loads(done.stdout.strip().splitlines()[-1])
    assert said["too_big"] == [], said["too_big"]
    assert said["off_screen"] == [], said["off_screen"]
    assert set(said["seen"]) >= EVERY_CLASS
