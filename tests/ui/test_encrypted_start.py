"""The window's start on an encrypted clinic (issue 16, points 2 and 4): the key from this
computer's keyring with no question; with an empty keyring the key dialog (a wrong key said,
the recovery key or the passphrase opens, Cancel quits with nothing open); a new clinic
encrypted from its first byte (a key in the keyring, or a passphrase where there is none) and
its recovery sheet offered after the admin is made; a plain clinic asked to be encrypted once
an admin signs in; the demo plain and saying so.

Each start is `run_gui` in this process, as `frontdesk` runs it; the modal dialogs are answered
by the test (their `exec` replaced), and the start returns once the main window is up."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication, QDialog

import frontdesk.app
from frontdesk.app import DEMO_PLAIN, PLAIN_FOR_STAFF, run_gui
from frontdesk.logs import stop_logging
from frontdesk.services import encryption
from frontdesk.services.clinic import open_clinic
from frontdesk.storage.clinic_keys import ClinicKey, forget_all
from frontdesk.storage.engine import sqlite3
from frontdesk.ui.dialogs.key_dialog import KeyDialog, NewPassphraseDialog
from frontdesk.ui.dialogs.login_dialog import LoginDialog
from frontdesk.ui.main_window import MainWindow
from tests.conftest import ADMIN_PASSWORD
from tests.keyring_for_tests import fresh_keyring

ADMIN = ("Office admin", "office", ADMIN_PASSWORD)
PASSPHRASE = "maple lantern orbit seven"


@dataclass
class Start:
    """What the start showed, and the answers its dialogs get."""

    keys: list[str] = field(default_factory=list)  # typed into the key dialog, in turn
    key_errors: list[str] = field(default_factory=list)  # what it said after each
    key_dialogs: int = 0
    key_texts: list[str] = field(default_factory=list)
    passphrases: list[tuple[str, str]] = field(default_factory=list)
    passphrase_errors: list[str] = field(default_factory=list)
    passphrase_texts: list[str] = field(default_factory=list)
    sign_in: tuple[str, str] = ("office", ADMIN_PASSWORD)
    logins: list[str] = field(default_factory=list)  # "create" or "sign in"
    windows: list[Shown] = field(default_factory=list)
    run: Callable[..., int] = lambda *_a, **_k: 0

    @property
    def window(self) -> Shown:
        return self.windows[-1]


@dataclass(frozen=True)
class Shown:
    """The main window as the start left it (closed before the clinic is, as by the user)."""

    title: str
    status: str
    visible: bool


@pytest.fixture
def start(qapp, monkeypatch) -> Iterator[Start]:
    started = Start()

    def key_exec(dialog: KeyDialog) -> int:
        started.key_dialogs += 1
        started.key_texts.append(dialog.explain.text())
        dialog.show()
        while started.keys:
            dialog.field.setText(started.keys.pop(0))
            dialog.open_button.click()
            if dialog.result() == QDialog.DialogCode.Accepted:
                return dialog.result()
            started.key_errors.append(dialog.error.text())
            assert dialog.field.text()  # kept, to correct
        dialog.reject()
        return dialog.result()

    def passphrase_exec(dialog: NewPassphraseDialog) -> int:
        started.passphrase_texts.append(dialog.explain.text())
        dialog.show()
        while started.passphrases:
            first, second = started.passphrases.pop(0)
            dialog.passphrase.setText(first)
            dialog.repeat.setText(second)
            dialog.ok_button.click()
            if dialog.result() == QDialog.DialogCode.Accepted:
                return dialog.result()
            started.passphrase_errors.append(dialog.error.text())
        dialog.reject()
        return dialog.result()

    def login_exec(dialog: LoginDialog) -> int:
        dialog.show()
        if dialog.creating_admin():
            started.logins.append("create")
            name, username, password = ADMIN
            dialog.full_name.setText(name)
            dialog.new_username.setText(username)
            dialog.new_password.setText(password)
            dialog.repeat_password.setText(password)
            dialog.create_admin()
        else:
            started.logins.append("sign in")
            dialog.form.sign_in_with(*started.sign_in)
        return dialog.result()

    windows: list[MainWindow] = []

    def daily(_clinic, window: MainWindow) -> None:  # no backup process in these tests
        windows.append(window)

    def app_exec(*_args) -> int:
        """The start is done: what it shows is noted, and the window closed."""
        window = windows.pop()
        for _ in range(3):  # what the window queued for its first moments
            QApplication.processEvents()
        started.windows.append(
            Shown(window.windowTitle(), window.statusBar().currentMessage(), window.isVisible())
        )
        window.close()
        window.deleteLater()
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        return 0

    monkeypatch.setattr(KeyDialog, "exec", key_exec)
    monkeypatch.setattr(NewPassphraseDialog, "exec", passphrase_exec)
    monkeypatch.setattr(LoginDialog, "exec", login_exec)
    monkeypatch.setattr(frontdesk.app, "_daily_backup", daily)
    monkeypatch.setattr(frontdesk.app, "_show_unexpected_errors", lambda: None)
    monkeypatch.setattr(frontdesk.app, "_settled", lambda **_k: None)
    monkeypatch.setattr(frontdesk.app, "LockAfterFirstPaint", lambda *_a: None)  # no lock
    monkeypatch.setattr(type(qapp), "exec", app_exec)  # the start returns at the window

    def run(db: Path, *, demo: bool = False, as_role: str | None = None) -> int:
        forget_all()  # a start of its own: no key held from before
        return run_gui(db, demo=demo, smoke=False, started=time.perf_counter(), as_role=as_role)

    started.run = run
    yield started
    stop_logging()


def encrypted_clinic(path: Path, clock) -> ClinicKey:
    """A clinic with its admin, encrypted with a key kept in this computer's keyring."""
    key = encryption.new_clinic_key()
    clinic = open_clinic(path, clock, new_key=key)
    clinic.staff.create_first_admin(*ADMIN)
    clinic.close()
    forget_all()
    return key


def no_main_window() -> bool:
    return not [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]


def test_an_encrypted_clinic_whose_key_is_in_the_keyring_starts_without_a_question(
    start: Start, db_path: Path, clock, prompts
) -> None:
    encrypted_clinic(db_path, clock)
    assert start.run(db_path) == 0
    assert start.key_dialogs == 0 and start.logins == ["sign in"]
    assert start.window.visible
    assert DEMO_PLAIN not in start.window.title
    assert "Recovery sheet" not in prompts.dialogs  # offered at set-up, not at every start
    assert prompts.asked == []  # and not asked to encrypt


def test_with_an_empty_keyring_the_key_dialog_says_a_wrong_key_and_opens_with_the_right_one(
    start: Start, db_path: Path, clock, test_keyring: Path
) -> None:
    key = encrypted_clinic(db_path, clock)
    fresh_keyring(test_keyring)  # another computer, or a reinstalled one
    another = ClinicKey.new().recovery_text()
    one_group_short = key.recovery_text()[:-6]
    start.keys = [one_group_short, another, key.recovery_text().lower()]
    assert start.run(db_path) == 0
    assert start.key_dialogs == 1
    assert "encrypted" in start.key_texts[0] and db_path.name in start.key_texts[0]
    first, second = start.key_errors
    assert "A recovery key has 80 letters and digits; 75 were typed." in first
    assert "belongs to another clinic database" in second
    assert start.window.visible and start.logins == ["sign in"]
    forget_all()
    encryption.unlock(db_path)  # the recovery key is kept in this keyring: not asked again


def test_cancelling_the_key_dialog_quits_with_nothing_open(
    start: Start, db_path: Path, clock, test_keyring: Path
) -> None:
    encrypted_clinic(db_path, clock)
    fresh_keyring(test_keyring)
    before = db_path.read_bytes()
    assert start.run(db_path) == 0  # the user's choice, not a failure
    assert start.key_dialogs == 1
    assert start.logins == [] and start.windows == [] and no_main_window()
    assert db_path.read_bytes() == before


def test_a_new_clinic_is_encrypted_with_a_key_in_the_keyring_and_offers_the_recovery_sheet(
    start: Start, db_path: Path, prompts
) -> None:
    assert not db_path.exists()
    assert start.run(db_path) == 0
    assert start.logins == ["create"] and start.passphrase_texts == []
    assert encryption.is_encrypted(db_path)
    assert b"Office admin" not in db_path.read_bytes()
    assert "Recovery sheet" in prompts.dialogs  # offered once the admin was made
    assert "No recovery sheet yet" in start.window.status  # it was closed unprinted
    forget_all()
    encryption.unlock(db_path)  # the key is in this computer's keyring
    # The next start asks nothing and offers no sheet again.
    prompts.dialogs.clear()
    assert start.run(db_path) == 0
    assert start.key_dialogs == 0 and start.logins == ["create", "sign in"]
    assert "Recovery sheet" not in prompts.dialogs
    assert "No recovery sheet yet" not in start.window.status


def test_a_new_clinic_without_a_keyring_asks_for_a_passphrase_and_each_start_asks_it_again(
    no_keyring, start: Start, db_path: Path, prompts
) -> None:
    assert encryption.keyring_problem() is not None
    start.passphrases = [("short", "short"), (PASSPHRASE, PASSPHRASE + "x"), (PASSPHRASE,) * 2]
    assert start.run(db_path) == 0
    [said] = start.passphrase_texts
    assert (
        "no keyring" in said
        and "a forgotten passphrase and a lost recovery sheet mean a lost database" in said
    )
    assert start.passphrase_errors == [
        "A passphrase needs at least 12 characters (a few words is best).",
        "The two passphrases differ.",
    ]
    assert encryption.is_encrypted(db_path) and start.logins == ["create"]
    assert "Recovery sheet" in prompts.dialogs
    # The next start: no keyring has the key, so the passphrase is asked (a wrong one said).
    start.keys = ["maple lantern orbit eight", PASSPHRASE]
    assert start.run(db_path) == 0
    assert start.key_dialogs == 1 and "no keyring" in start.key_texts[0]
    assert start.key_errors == [
        "That passphrase does not open clinic.sqlite3. Check it (or type the recovery key)."
    ]
    assert start.logins == ["create", "sign in"] and start.window.visible


def test_cancelling_the_passphrase_of_a_new_clinic_makes_no_database(
    no_keyring, start: Start, db_path: Path
) -> None:
    assert start.run(db_path) == 0
    assert not db_path.exists() and start.logins == [] and no_main_window()


def test_the_demo_stays_plain_says_so_and_is_never_asked(
    start: Start, tmp_path: Path, demo_template: Path, prompts, monkeypatch
) -> None:
    asked: list[Path] = []
    monkeypatch.setattr(frontdesk.app, "encrypt_after_sign_in", lambda c: asked.append(c.path))
    db = tmp_path / "demo.sqlite3"
    shutil.copy(demo_template, db)
    assert start.run(db, demo=True, as_role="admin") == 0
    assert DEMO_PLAIN in start.window.title
    assert asked == [] and prompts.asked == []
    assert not encryption.is_encrypted(db)


def test_a_new_demo_file_is_plain(start: Start, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(frontdesk.app, "make_clinic_key", lambda **_k: pytest.fail("a key"))
    db = tmp_path / "new-demo.sqlite3"
    assert start.run(db, demo=True, as_role="front_desk") == 0
    assert db.exists() and not encryption.is_encrypted(db)
    assert DEMO_PLAIN in start.window.title


@pytest.fixture
def plain_clinic(tmp_path: Path, demo_template: Path) -> Path:
    """A clinic's own plain database from before the update: the demo's accounts, not marked
    as the demo."""
    db = tmp_path / "clinic.sqlite3"
    shutil.copy(demo_template, db)
    conn = sqlite3.connect(db)
    conn.execute("DELETE FROM app_settings WHERE key = 'demo'")
    conn.commit()
    conn.close()
    return db


def test_a_non_admin_on_a_plain_clinic_is_not_asked_and_gets_a_status_line(
    start: Start, plain_clinic: Path, prompts, monkeypatch
) -> None:
    asked: list[Path] = []
    monkeypatch.setattr(frontdesk.app, "encrypt_after_sign_in", lambda c: asked.append(c.path))
    start.sign_in = ("reception", "encino-front-2026")
    assert start.run(plain_clinic) == 0
    assert asked == []
    assert start.window.status == PLAIN_FOR_STAFF
    assert DEMO_PLAIN not in start.window.title


@pytest.fixture
def encrypt_answer(monkeypatch) -> list[str]:
    """What the admin answers the question to encrypt: "encrypt" or "not now" (in turn)."""
    from frontdesk.ui.dialogs.encrypt_dialog import EncryptDialog

    answers: list[str] = []

    def exec_(dialog: EncryptDialog) -> int:
        dialog.show()
        if answers.pop(0) == "not now":
            dialog.later_button.click()
            return dialog.result()
        dialog.encrypt_button.click()
        assert dialog.wait(60)
        deadline = time.monotonic() + 30
        while dialog.report is None and time.monotonic() < deadline:
            QApplication.processEvents()
        assert dialog.report is not None, dialog.error.text()
        dialog.continue_button.click()
        return dialog.result()

    monkeypatch.setattr(EncryptDialog, "exec", exec_)
    return answers


def test_an_admin_on_a_plain_clinic_is_asked_and_not_now_goes_on_plainly(
    start: Start, plain_clinic: Path, encrypt_answer: list[str], prompts
) -> None:
    encrypt_answer.append("not now")
    start.sign_in = ("office", "encino-office-2026")
    assert start.run(plain_clinic) == 0
    assert encrypt_answer == []  # it was asked
    assert not encryption.is_encrypted(plain_clinic)
    assert start.window.visible and start.window.status.startswith("This clinic database is not")
    assert "Recovery sheet" not in prompts.dialogs
    encrypt_answer.append("not now")  # asked again at the next start
    assert start.run(plain_clinic) == 0
    assert encrypt_answer == []


def test_an_admin_who_encrypts_gets_the_clinic_reopened_encrypted_and_the_sheet_offered(
    start: Start, plain_clinic: Path, encrypt_answer: list[str], prompts
) -> None:
    backup = plain_clinic.parent / "backups"
    encrypt_answer.append("encrypt")
    start.sign_in = ("office", "encino-office-2026")
    assert start.run(plain_clinic) == 0
    assert encryption.is_encrypted(plain_clinic)
    assert b"Garc" not in plain_clinic.read_bytes()
    assert "Recovery sheet" in prompts.dialogs
    assert start.window.visible and start.window.status == ""
    assert not [p for p in backup.glob("*.sqlite3") if not encryption.is_encrypted(p)]
    # The next start opens it with the key from the keyring and asks nothing.
    prompts.dialogs.clear()
    assert start.run(plain_clinic) == 0
    assert start.key_dialogs == 0 and encrypt_answer == []
    assert "Recovery sheet" not in prompts.dialogs


def test_plain_copies_left_by_a_stop_after_the_switch_are_removed_at_the_next_start(
    start: Start, plain_clinic: Path, clock, prompts
) -> None:
    """The app stopped between the switch and the removal: a plain backup is still there."""
    from frontdesk.services.backups import BackupService
    from frontdesk.services.encrypt_existing import encrypt_existing

    plain_backup = BackupService(plain_clinic, clock).back_up_to(None)
    key = encryption.new_clinic_key()
    encrypt_existing(plain_clinic, key, clock)
    assert not plain_backup.exists()  # removed by the move itself ...
    plain_backup.write_bytes(b"SQLite format 3\x00" + bytes(4096 - 16))  # ... one more, plain
    start.sign_in = ("office", "encino-office-2026")
    assert start.run(plain_clinic) == 0
    assert not plain_backup.exists()
    [(_title, text)] = [w for w in prompts.warnings if w[0] == "Plain copies removed"]
    assert str(plain_backup) in text


def test_the_windows_daily_job_gets_a_typed_key_over_stdin_and_backs_up_encrypted(
    qtbot, no_keyring, tmp_path: Path, clock, prompts
) -> None:
    """A passphrase clinic (no keyring has its key): the window hands the key it holds to the
    daily job's stdin, never its arguments; the day's backup is made, encrypted."""
    from PySide6.QtCore import QProcess, QSettings

    from frontdesk.app import _daily_backup
    from frontdesk.domain.staff import Role
    from tests.conftest import member_with_role

    db = tmp_path / "clinic.sqlite3"
    key = encryption.passphrase_key(PASSPHRASE)
    clinic = open_clinic(db, clock, new_key=key)
    try:
        clinic.staff.create_first_admin(*ADMIN)
        settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(clinic, settings, today=lambda: clock().date(),
                            user=member_with_role(clinic, Role.ADMIN))  # fmt: skip
        qtbot.addWidget(window)
        window.show()
        _daily_backup(clinic, window)
        [process] = window.findChildren(QProcess)
        assert "--key-on-stdin" in process.arguments()
        assert not [a for a in process.arguments() if (key.secret.hex()[:16] in a)]
        qtbot.waitUntil(
            lambda: window.statusBar().currentMessage().startswith("Today's backup"), timeout=60000
        )
        assert prompts.warnings == []
        [backup] = clinic.backups.backups()
        assert backup.path.read_bytes()[:16] == key.salt  # encrypted with the clinic's key
    finally:
        clinic.close()
