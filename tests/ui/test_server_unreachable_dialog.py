"""The clinic server did not answer at start: the dialog names it, offers Retry, Settings and
Quit; Quit leaves nothing open; corrected settings open the clinic and are remembered."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from frontdesk.app import login_dialog, open_server_or_ask, run_gui
from frontdesk.domain.staff import Role
from frontdesk.paths import workstation_settings_path
from frontdesk.storage.postgres_cluster import Cluster
from frontdesk.storage.postgres_server import app_address, create_clinic_database
from frontdesk.ui.dialogs.server_unreachable_dialog import (
    HEADING,
    ServerSettings,
    ServerUnreachableDialog,
)
from frontdesk.ui.main_window import MainWindow
from frontdesk.workstation import load, prepare
from tests.conftest import NOW, PromptLog
from tests.server_fixtures import own_cluster

PORT = 55443  # this module's cluster
GONE = "postgresql://clinic_app@127.0.0.1:9/clinic"
PROBLEM = "Could not reach the clinic server (clinic_app@127.0.0.1:9/clinic): refused."


@pytest.fixture
def workstation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return tmp_path


def when_shown(then: Callable[[ServerUnreachableDialog], None]) -> None:
    """Runs `then(dialog)` on the modal dialog once exec() has shown it."""

    def poll() -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, ServerUnreachableDialog):
            then(dialog)
        else:
            QTimer.singleShot(20, poll)

    QTimer.singleShot(0, poll)


def make(qtbot) -> ServerUnreachableDialog:
    dialog = ServerUnreachableDialog("clinic_app@127.0.0.1:9/clinic", PROBLEM, GONE, None)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def test_it_names_the_server_and_says_why_with_the_settings_folded(qtbot) -> None:
    dialog = make(qtbot)
    texts = " ".join(label.text() for label in dialog.findChildren(type(dialog.problem)))
    assert HEADING in texts and "clinic_app@127.0.0.1:9/clinic" in texts
    assert dialog.problem.text() == PROBLEM
    assert not dialog.settings.isVisible()
    buttons = (dialog.retry_button, dialog.settings_button, dialog.quit_button)
    assert [b.text() for b in buttons] == ["&Retry", "&Settings…", "&Quit"]
    assert dialog.retry_button.isDefault()


def test_retry_tries_again_with_the_same_settings(qtbot) -> None:
    dialog = make(qtbot)
    dialog.retry_button.click()
    assert dialog.result() == dialog.DialogCode.Accepted
    assert dialog.chosen() == ServerSettings(GONE, "", "")


def test_settings_change_the_address_the_ca_file_and_the_password(
    qtbot, prompts: PromptLog
) -> None:
    dialog = make(qtbot)
    dialog.settings_button.click()
    assert dialog.settings.isVisible() and not dialog.settings_button.isEnabled()
    dialog.address.setText("postgresql://clinic_app@db.clinic.lan/clinic")
    prompts.open_as = "/etc/frontdesk/clinic-ca.pem"
    browse = next(b for b in dialog.settings.findChildren(type(dialog.retry_button)))
    browse.click()
    assert dialog.ca_file.text() == "/etc/frontdesk/clinic-ca.pem"
    qtbot.keyClicks(dialog.password, "typed-password")
    dialog.retry_button.click()
    assert dialog.chosen() == ServerSettings(
        "postgresql://clinic_app@db.clinic.lan/clinic",
        "/etc/frontdesk/clinic-ca.pem",
        "typed-password",
    )


def test_an_empty_address_is_said_and_not_tried(qtbot) -> None:
    dialog = make(qtbot)
    dialog.address.setText("  ")
    dialog.retry_button.click()
    assert dialog.isVisible() and dialog.error.isVisible()
    assert "Type the clinic server's address" in dialog.error.text()
    assert dialog.settings.isVisible()


def test_quit_answers_none(qtbot) -> None:
    when_shown(lambda d: d.quit_button.click())
    assert ServerUnreachableDialog.ask("who", PROBLEM, GONE) is None


def test_quit_at_start_opens_no_window_and_exits_2(qtbot, workstation: Path) -> None:
    shown: list[str] = []

    def quit_(dialog: ServerUnreachableDialog) -> None:
        shown.append(dialog.problem.text())
        dialog.quit_button.click()

    when_shown(quit_)
    code = run_gui(Path(), demo=False, smoke=False, started=time.perf_counter(),
                   server=prepare(GONE))  # fmt: skip
    assert code == 2
    assert len(shown) == 1 and "clinic_app@127.0.0.1:9/clinic" in shown[0]
    assert not [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]
    assert not workstation_settings_path().exists()  # never reached: not remembered


def test_retry_asks_again_while_the_server_does_not_answer(qtbot, workstation: Path) -> None:
    answers = iter(["retry", "quit"])
    seen: list[str] = []

    def answer(dialog: ServerUnreachableDialog) -> None:
        seen.append(dialog.problem.text())
        what = next(answers)
        (dialog.retry_button if what == "retry" else dialog.quit_button).click()
        if what == "retry":
            when_shown(answer)

    when_shown(answer)
    assert open_server_or_ask(prepare(GONE), quiet=False) is None
    assert len(seen) == 2


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    with own_cluster(PORT) as made:
        yield made


def test_a_corrected_address_in_settings_opens_the_clinic_and_is_remembered(
    qtbot, workstation: Path, cluster: Cluster
) -> None:
    role, _password = create_clinic_database(cluster.url(), "corrected", NOW.isoformat())
    right = app_address(cluster.url(), "corrected", role)

    def correct(dialog: ServerUnreachableDialog) -> None:
        dialog.settings_button.click()
        dialog.address.setText(right)
        dialog.retry_button.click()

    when_shown(correct)
    clinic = open_server_or_ask(prepare(GONE), quiet=False)
    assert clinic is not None
    try:
        # A new clinic on the server: the sign-in dialog makes the admin, as on a new file.
        dialog = login_dialog(clinic)
        qtbot.addWidget(dialog)
        assert dialog.creating_admin()
        dialog.full_name.setText("Office admin")
        dialog.new_username.setText("office")
        dialog.new_password.setText("a-long-admin-password")
        dialog.repeat_password.setText("a-long-admin-password")
        dialog.create_admin()
        assert dialog.signed_in is not None and dialog.signed_in.role is Role.ADMIN
        assert not clinic.staff.needs_first_admin()
    finally:
        clinic.close()
    assert load().server == prepare(right).address
