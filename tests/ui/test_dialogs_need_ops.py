"""Every dialog opened from the main window is handed the window's `Operations` and runs its
calls through it alone (issue 14, point 4): no fallback on the window's own connection, no
search for the window's `ops` among the parents."""

from __future__ import annotations

import ast
import importlib.util
import inspect
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from frontdesk.services.changes import Changes, Entity
from frontdesk.ui.dialogs.accounts_dialog import AddStaffDialog, LoginDialog, RoleDialog
from frontdesk.ui.dialogs.appointment_dialog import AppointmentDialog
from frontdesk.ui.dialogs.booking_dialog import BookingDialog
from frontdesk.ui.dialogs.clinic_dialog import ClinicDialog
from frontdesk.ui.dialogs.handout_dialog import HandoutDialog
from frontdesk.ui.dialogs.patient_dialog import PatientDialog
from tests.ui.operations_for_tests import ops_for

DIALOGS = Path(__file__).resolve().parents[2] / "frontdesk" / "ui" / "dialogs"
# Opened from the main window (or from a dialog it opened): `ops` only.
WINDOW_DIALOGS = (
    "patient_dialog.py",
    "booking_dialog.py",
    "appointment_dialog.py",
    "handout_dialog.py",
    "accounts_dialog.py",
    "step_dialog.py",
    "series_dialog.py",
    "text_dialog.py",
    "clinic_dialog.py",
)
NEEDING_OPS = (
    PatientDialog,
    BookingDialog,
    AppointmentDialog,
    HandoutDialog,
    AddStaffDialog,
    LoginDialog,
    RoleDialog,
    ClinicDialog,
)


def names_used(source: str) -> set[str]:
    """Every name and attribute a module mentions (imports included)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name):
            found.add(node.id)
        elif isinstance(node, ast.Attribute):
            found.add(node.attr)
        elif isinstance(node, ast.alias):
            found.add(node.name.rsplit(".", 1)[-1])
    return found


@pytest.mark.parametrize("name", WINDOW_DIALOGS)
def test_no_window_dialog_calls_a_service_outside_ops(name: str) -> None:
    used = names_used((DIALOGS / name).read_text(encoding="utf-8"))
    assert not used & {"call_here", "quietly", "window_ops"}, name


def test_the_search_for_the_windows_ops_is_gone() -> None:
    assert importlib.util.find_spec("frontdesk.ui.dialogs.window_ops") is None


@pytest.mark.parametrize("dialog", NEEDING_OPS, ids=lambda d: d.__name__)
def test_ops_is_required(dialog: type) -> None:
    ops = inspect.signature(dialog).parameters["ops"]
    assert ops.default is inspect.Parameter.empty
    assert "None" not in str(ops.annotation)


@pytest.fixture
def heard() -> list[Changes]:
    return []


@pytest.fixture
def clinic_dialog(qtbot, clinic, admin, heard) -> ClinicDialog:
    made = ClinicDialog(ops_for(clinic, heard), lambda: admin)
    qtbot.addWidget(made)
    made.show()
    return made


def test_a_step_refused_is_said_in_its_line_and_announces_nothing(
    qtbot, clinic_dialog, heard, prompts
) -> None:
    clinic_dialog.zip_code.setText("9143")
    qtbot.mouseClick(clinic_dialog.save_button, Qt.MouseButton.LeftButton)
    assert clinic_dialog.isVisible() and "ZIP" in clinic_dialog.error.text()
    assert heard == [] and prompts.warnings == []  # in the dialog's line, not a box


def test_a_step_saved_is_one_write_announced_once(qtbot, clinic, clinic_dialog, heard) -> None:
    clinic_dialog.name.setText("Encino Skin")
    clinic_dialog.address.setText("16133 Ventura Blvd")
    clinic_dialog.phone.setText("(818) 555-0199")
    clinic_dialog.zip_code.setText("91436")
    qtbot.mouseClick(clinic_dialog.save_button, Qt.MouseButton.LeftButton)
    assert not clinic_dialog.isVisible()
    assert [changes.touches(Entity.CLINIC_INFO) for changes in heard] == [True]
    assert clinic.handouts.clinic_info().name == "Encino Skin"
