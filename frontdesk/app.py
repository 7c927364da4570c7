"""Composition root: open the database, build the services, build the main window."""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QEventLoop, QObject, QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QWidget
from shiboken6 import isValid

from frontdesk.domain.staff import Role
from frontdesk.paths import settings_path
from frontdesk.peak_memory import peak_mib
from frontdesk.services import encryption
from frontdesk.services.clinic import Clinic, open_clinic
from frontdesk.services.clock import clinic_now
from frontdesk.services.errors import ServiceError
from frontdesk.storage.engine import sqlite3
from frontdesk.ui import prompts
from frontdesk.ui.style import apply_style, fusion_application

if TYPE_CHECKING:
    from frontdesk.services.signed_in import SignedIn
    from frontdesk.storage.clinic_keys import ClinicKey
    from frontdesk.ui.lock import LockGuard
    from frontdesk.ui.main_window import MainWindow
    from frontdesk.workstation import Opening

log = logging.getLogger(__name__)


class _QuitAfterFirstPaint(QObject):
    """--smoke: prove the window really draws, then leave.

    It runs an event loop of its own: quitting the application's loop would make every event
    loop started later in the same process return at once (a test process goes on)."""

    def __init__(self, started: float) -> None:
        super().__init__()
        self._started = started
        self._done = False
        self._loop = QEventLoop()

    def run(self, first: QWidget) -> int:
        """Until `first` has painted; then it is closed, as the process ending would."""
        self._loop.exec()
        first.close()
        first.deleteLater()
        return 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and not self._done:
            self._done = True
            elapsed = (time.perf_counter() - self._started) * 1000
            print(
                f"first paint after {elapsed:.0f} ms, memory peak {peak_mib():.1f} MiB", flush=True
            )
            QTimer.singleShot(0, self._loop.quit)
        return False


class LockAfterFirstPaint(QObject):
    """The inactivity lock (ui/lock.py) watches every event of the application: each one then
    passes through Python. Set up once the main window has painted, that costs nothing on the
    way to the first window (~20 ms over the hundreds of events of a first show); nobody can
    use a window before it shows. A window that never paints (started minimized) is guarded
    after `LATEST_MS` all the same."""

    LATEST_MS = 1000

    def __init__(self, window: MainWindow, clinic: Clinic) -> None:
        super().__init__(window)
        self._window = window
        self._clinic = clinic
        self.guard: LockGuard | None = None
        self._latest = QTimer(self)
        self._latest.setSingleShot(True)
        self._latest.timeout.connect(self.install)
        self._latest.start(self.LATEST_MS)
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            self._latest.start(0)  # once this paint is done
        return False

    def install(self) -> None:
        if self.guard is not None:
            return
        from frontdesk.ui.lock import LockGuard

        window, login = self._window, self._clinic.login
        self._latest.stop()
        self.guard = LockGuard(
            window, login, window.session, login.lock_minutes(), window.lock_action
        )
        window.lock_minutes_changed.connect(self.guard.set_minutes)

    def stop(self) -> None:
        self._latest.stop()
        self._window.removeEventFilter(self)
        if self.guard is not None:
            self.guard.stop()


def _show_unexpected_errors() -> None:
    """A bug must never end as a silent traceback: it is logged, said in words with the log
    file's name, and the app keeps running."""
    previous = sys.excepthook

    def hook(kind, value, trace) -> None:
        from frontdesk.ui.operations import unexpected

        log.error("unexpected error", exc_info=(kind, value, trace))
        previous(kind, value, trace)  # full details on stderr for the developers
        prompts.warn(None, "Frontdesk: something went wrong", unexpected(value))

    sys.excepthook = hook


def build_window(clinic: Clinic, settings: QSettings, user: SignedIn) -> MainWindow:
    from frontdesk.ui.main_window import MainWindow  # after the sign-in screen has painted

    return MainWindow(clinic, settings, today=lambda: clinic_now().date(), user=user)


def open_or_restore(
    db_path: Path,
    *,
    quiet: bool,
    checked: Callable[[], str | None] | None = None,
    new_key: ClinicKey | None = None,
) -> Clinic | None:
    """The clinic, or None when it cannot be opened: a network drive is refused, and a damaged
    file is never opened silently: the restore dialog offers the latest good backup.

    A file or folder this user may not write to is not damage: it is said as such, with what
    to do, and no restore is offered (a restore could not be written there either)."""
    from frontdesk.services.clinic import DatabaseRefused
    from frontdesk.storage.filesystems import path_problem

    problem = path_problem(db_path)
    if problem is not None:
        print(f"frontdesk: {problem}", file=sys.stderr)
        if not quiet:
            prompts.warn(None, "Frontdesk cannot use this database", problem)
        return None
    while True:
        try:
            return open_clinic(db_path, checked=checked, new_key=new_key)
        except DatabaseRefused as refused:
            log.warning("database refused: %s", refused)
            print(refused, file=sys.stderr)
            if quiet:
                return None
            if refused.damage is None:
                QMessageBox.critical(None, "Frontdesk", str(refused))
                return None
            from frontdesk.services.backups import BackupService
            from frontdesk.ui.dialogs.restore_dialog import RestoreDialog

            dialog = RestoreDialog(BackupService(db_path), refused.damage)
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return None
            checked = None  # the restored file is checked afresh
        except ServiceError as exc:  # the update failed, or its backup could not be taken
            log.warning("database not opened: %s", exc)
            print(f"frontdesk: {exc}", file=sys.stderr)
            if not quiet:
                prompts.warn(None, "Frontdesk could not open the clinic database", str(exc))
            return None
        except (sqlite3.Error, OSError) as exc:
            message = f"The clinic database at {db_path} could not be opened:\n{exc}"
            print(message, file=sys.stderr)
            if not quiet:
                QMessageBox.critical(None, "Frontdesk", message)
            return None


def login_dialog(clinic: Clinic):
    from frontdesk.services.demo_accounts import DEMO_LOGINS
    from frontdesk.ui.dialogs.login_dialog import LoginDialog

    demo = DEMO_LOGINS if clinic.login.is_demo() else ()
    return LoginDialog(clinic.login, clinic.staff, demo, clinic_name=clinic.login.clinic_name())


def sign_in(clinic: Clinic, as_role: str | None, smoke: bool) -> SignedIn | None:
    """Who works in this window: the login dialog, or the demo's `--as ROLE` shortcut."""
    if as_role:
        try:
            return clinic.login.sign_in_demo(Role(as_role))
        except ServiceError as exc:
            log.warning("--as %s refused: %s", as_role, exc)
            print(f"frontdesk: {exc}", file=sys.stderr)
            if not smoke:
                QMessageBox.critical(None, "Frontdesk", str(exc))
            return None
    dialog = login_dialog(clinic)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.signed_in


def run_gui(
    db_path: Path,
    *,
    demo: bool,
    smoke: bool,
    started: float,
    as_role: str | None = None,
    checked: Callable[[], str | None] | None = None,
    server: Opening | None = None,
) -> int:
    """The window on a clinic database file, or on the clinic server (`server`: then the
    file's own steps, its key, encryption, restore and daily backup, are not taken)."""
    existing = QApplication.instance()
    if isinstance(existing, QApplication):  # a test's
        app = existing
        apply_style(app)
    else:
        app = fusion_application(sys.argv)
    app.setApplicationName("Frontdesk")
    app.setOrganizationName("Frontdesk")
    from frontdesk.ui.icon import app_icon  # its PNGs are read when a size is first drawn

    app.setWindowIcon(app_icon())
    app.setDesktopFileName("frontdesk")  # the .desktop entry's icon in the task bar
    # Qt's own file dialogs: the system's are separate programs the lock could not cover.
    app.setAttribute(Qt.ApplicationAttribute.AA_DontUseNativeDialogs)
    if not smoke:
        _show_unexpected_errors()
    if server is not None:
        opened = open_server_or_ask(server, quiet=smoke or bool(as_role))
        if opened is None:
            return 2
        clinic = opened
        db_path = clinic.path  # this workstation's own files for the server: logs, settings
        try:
            db_path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            log.warning("no folder for this workstation's files: %s", exc)
        _start_logging(db_path)
    else:
        if os.access(db_path.parent, os.W_OK):  # else the opening says why, or makes it
            _start_logging(db_path)
        stopped = unlock_or_ask(db_path, quiet=smoke)
        if stopped is not None:
            return stopped
        new_key, stopped = key_for_new_clinic(db_path, demo=demo, quiet=smoke)
        if stopped is not None:
            return stopped
        opened = open_or_restore(db_path, quiet=smoke, checked=checked, new_key=new_key)
        if opened is None:
            log.warning("not started: the database could not be opened")
            return 2
        clinic = opened
        _start_logging(db_path)  # the same file as above, or the first line in a new folder
    on_file = clinic.server is None
    try:
        if on_file and encryption.is_encrypted(db_path):
            say_plaintext_removed(db_path, quiet=smoke)
        if on_file and not demo:
            say_if_demo_in_clinic_file(clinic, db_path, quiet=smoke)
        if demo and on_file:
            from frontdesk.services.demo import fill_demo_clinic  # only when asked for

            added = fill_demo_clinic(clinic)
            if added:
                print(f"demo clinic: {added} patients added to {db_path}", flush=True)
        watcher = _QuitAfterFirstPaint(started) if smoke else None
        if watcher is not None and not as_role:
            dialog = login_dialog(clinic)  # the first window anyone sees: it must paint
            dialog.installEventFilter(watcher)
            dialog.show()
            return watcher.run(dialog)
        first_admin = not as_role and clinic.staff.needs_first_admin()
        user = sign_in(clinic, as_role, smoke)
        if user is None:
            log.info("nobody signed in: the window was not opened")
            return 2 if as_role else 0
        plain_after_sign_in = False
        sheet_missing = False
        if not on_file:
            pass  # the server's data is the server's: no file to encrypt or sheet to print
        elif first_admin and encryption.is_encrypted(db_path):
            sheet_missing = not offer_sheet(clinic)
        elif not smoke and plain_clinic(clinic):
            if user.role is Role.ADMIN:
                reopened = encrypt_after_sign_in(clinic)
                if reopened is None:
                    return 2
                clinic = reopened
                plain_after_sign_in = plain_clinic(clinic)
            else:
                plain_after_sign_in = True
        log.info("window opened for staff #%s (%s)", user.id, user.role.value)
        settings = QSettings(str(settings_path(db_path)), QSettings.Format.IniFormat)
        window = build_window(clinic, settings, user)
        if (
            clinic.login.is_demo() and clinic.server is None
        ):  # a file's encryption, not the server's
            window.setWindowTitle(f"{window.windowTitle()} ({DEMO_PLAIN})")
        guard = LockAfterFirstPaint(window, clinic)
        if watcher is not None:
            window.installEventFilter(watcher)
        window.show()
        if watcher is None:
            _settled(freeze=True)
        if clinic.migration_backup:
            window.show_message(
                f"Database updated; a copy of the old one is at {clinic.migration_backup}"
            )
        if plain_after_sign_in:
            window.show_message(PLAIN_FOR_ADMIN if user.role is Role.ADMIN else PLAIN_FOR_STAFF)
        if sheet_missing:
            window.show_message(NO_SHEET_YET)
        if clinic.start_notes and not smoke:  # e.g. a damaged -wal file found at start
            prompts.warn(window, "Some recent changes are missing", "\n\n".join(clinic.start_notes))
        if watcher is not None:
            painted = watcher.run(window)
            _settled(freeze=False)
            guard.stop()
            return painted
        if on_file:  # the server's backups are the server's (not a workstation's file)
            _daily_backup(clinic, window)
        return app.exec()
    finally:
        clinic.close()
        if smoke:  # a check run, often inside a test process that goes on
            from frontdesk.logs import stop_logging

            stop_logging()


def open_server_or_ask(opening: Opening, *, quiet: bool) -> Clinic | None:
    """The clinic on the server, remembered as this workstation's server once it opened.
    A server that does not answer is said in the dialog naming it (Retry, Settings, Quit);
    quiet (`--as`, `--smoke`) it is said on stderr. None: nothing was opened."""
    from frontdesk.services.clinic import DatabaseRefused, ServerUnreachable
    from frontdesk.storage.server_address import AddressUnreadable, address_for_people
    from frontdesk.workstation import Workstation, open_on_server, prepare, remember

    while True:
        try:
            clinic = open_on_server(opening)
        except (ServerUnreachable, DatabaseRefused) as exc:
            log.info("clinic server not opened: %s", exc)  # said just below
            print(f"frontdesk: {exc}", file=sys.stderr)
            if quiet:
                return None
            from frontdesk.ui.dialogs.server_unreachable_dialog import ServerUnreachableDialog

            chosen = ServerUnreachableDialog.ask(
                address_for_people(opening.address), str(exc), opening.address, opening.ca_file
            )
            if chosen is None:
                log.info("not started: the clinic server was not reached")
                return None
            given = chosen.address
            if chosen.password:
                from frontdesk.storage.server_address import with_password

                given = with_password(given, chosen.password)
            try:
                opening = prepare(given, chosen.ca_file or None)
            except AddressUnreadable as unreadable:
                prompts.warn(None, "Frontdesk", str(unreadable))
            continue
        try:
            remember(Workstation(opening.address, opening.ca_file))
        except OSError as exc:  # the window still opens; the next start asks again
            log.warning("the server was not remembered: %s", exc)
        return clinic


DEMO_PLAIN = "demo: not encrypted"
PLAIN_FOR_STAFF = (
    "This clinic database is not encrypted yet: the admin is asked to encrypt it when they"
    " next sign in."
)
PLAIN_FOR_ADMIN = (
    "This clinic database is not encrypted yet: Frontdesk asks again at the next start."
)
NO_KEY_QUIET = "frontdesk: {said}"
NO_SHEET_YET = (
    "No recovery sheet yet: print it from Admin > Print the recovery sheet… (without it, a lost"
    " key means a lost database)."
)


def unlock_or_ask(db_path: Path, *, quiet: bool) -> int | None:
    """Before anything reads an encrypted database: its key from this computer's keyring,
    else typed from the recovery sheet (or the clinic's passphrase) in the key dialog. None
    to go on; else the exit status (cancelled: 0, nothing half-open; a check run cannot ask: 2).
    """
    try:
        encryption.unlock(db_path)
        return None
    except OSError:  # a folder, or a file this user may not read: the opening says which
        return None
    except encryption.ClinicKeyMissing as missing:
        log.info("the clinic key is not in this computer's keyring: asked for")
        if quiet:
            print(NO_KEY_QUIET.format(said=missing), file=sys.stderr)
            return 2
        from frontdesk.ui.dialogs.key_dialog import KeyDialog

        if KeyDialog.ask(db_path, no_keyring=missing.no_keyring):
            return None
        log.info("not started: no key typed")
        return 0


def make_clinic_key(parent: QWidget | None = None, *, quiet: bool = False) -> ClinicKey | None:
    """A new key for the clinic's database: kept in this computer's keyring; where there is
    none, made from a passphrase the admin chooses (said why). None: cancelled (or a check run,
    which cannot ask)."""
    problem = encryption.keyring_problem()
    if problem is None:
        try:
            return encryption.new_clinic_key()
        except encryption.NoKeyring as exc:
            problem = str(exc)
    log.warning("no keyring for the clinic key: a passphrase is asked for")
    if quiet:
        print(f"frontdesk: {problem} A new clinic needs a passphrase: start it without --smoke.",
              file=sys.stderr)  # fmt: skip
        return None
    from frontdesk.ui.dialogs.key_dialog import NewPassphraseDialog

    return NewPassphraseDialog.ask(problem, parent)  # type: ignore[return-value]


def key_for_new_clinic(
    db_path: Path, *, demo: bool, quiet: bool
) -> tuple[ClinicKey | None, int | None]:
    """A new clinic's database is encrypted from its first byte: its key is made before the
    file. The demo stays plain (its patients are made up, its passwords public)."""
    from frontdesk.storage.filesystems import path_problem

    new = not db_path.exists() or (db_path.is_file() and db_path.stat().st_size == 0)
    if demo or not new or path_problem(db_path) is not None:  # the opening says what is wrong
        return None, None
    key = make_clinic_key(quiet=quiet)
    if key is None:
        log.info("not started: no key for the new clinic")
        return None, 2 if quiet else 0
    return key, None


def plain_clinic(clinic: Clinic) -> bool:
    """A clinic's own database still in plain SQLite (the demo stays plain, and says so)."""
    return not encryption.is_encrypted(clinic.path) and not clinic.login.is_demo()


def offer_sheet(clinic: Clinic, parent: QWidget | None = None) -> bool:
    """The recovery sheet, offered once the key exists: without it, a lost key (a broken disk,
    a new computer) means a lost database."""
    from frontdesk.ui.recovery_sheet import offer_recovery_sheet

    text = encryption.recovery_text_for(clinic.path)
    if text is None:
        return False
    made = offer_recovery_sheet(
        parent,  # type: ignore[arg-type]
        text,
        clinic.login.clinic_name(),
        clinic.path.name,
    )
    log.info("recovery sheet %s", "made" if made else "not made")
    return made


def encrypt_after_sign_in(clinic: Clinic) -> Clinic | None:
    """The first start after the update, an admin signed in to a plain database: asked to
    encrypt it (into a new file, checked row by row, then switched; the plain files removed
    only after the check). The clinic is closed meanwhile (nothing may have the file open) and
    reopened: encrypted, with the recovery sheet offered (the dialog has listed what was
    removed); or plain after "Not now" (asked again next start). None: it could not be
    reopened (said)."""
    from frontdesk.ui.dialogs.encrypt_dialog import ask_to_encrypt

    path, clock = clinic.path, clinic.now
    clinic.close()
    report = ask_to_encrypt(None, path, clock, make_clinic_key)
    reopened = open_or_restore(path, quiet=False)
    if reopened is None:
        return None
    if report is None or not encryption.is_encrypted(path):
        log.info("the database stays plain for now")
        return reopened
    log.info("the clinic database was encrypted; %d plain files removed", len(report.removed))
    offer_sheet(reopened)  # the dialog has listed what was removed, and leads on to it
    return reopened


def say_plaintext_removed(db_path: Path, *, quiet: bool) -> None:
    """An encrypted database with plain copies left beside it (the app stopped between the
    switch and their removal): they go now, and whoever starts Frontdesk is told. When they
    cannot go (the encrypted file is damaged: they may be the only good copy), that is said."""
    from frontdesk.services.encrypt_existing import remove_plaintext_leftovers

    try:
        removed = remove_plaintext_leftovers(db_path)
    except ServiceError as exc:
        log.warning("plain leftovers kept: %s", exc)
        print(f"frontdesk: {exc}", file=sys.stderr)
        if not quiet:
            prompts.warn(None, "Plain copies kept", str(exc))
        return
    if removed:
        log.info("plain leftovers removed: %d files", len(removed))
        print(f"frontdesk: {len(removed)} unencrypted copies removed.", file=sys.stderr)
        if not quiet:
            say_removed(removed, None)


def say_removed(removed: list[Path], parent: QWidget | None) -> None:
    if not removed:
        return
    names = "\n".join(f"  {path}" for path in removed)
    prompts.inform(
        parent,
        "Plain copies removed",
        "The clinic database is encrypted. These unencrypted files were removed, so that"
        f" nothing readable is left behind:\n{names}",
    )


def _settled(*, freeze: bool) -> None:
    """The window is up: collecting is on again (cli.main turned it off for the start), and
    what the start made stays for the whole session, so the collector need not walk it again
    (shorter pauses while typing). A check run (--smoke) freezes nothing: it may run inside a
    test process that goes on. Its collector is back on once the window has painted: turned
    on before, its first collection walks everything the start made (~11 ms) before the
    paint, a wait no real start has (the freeze spares it)."""
    import gc

    if freeze:
        gc.freeze()
    gc.enable()


def _start_logging(db_path: Path) -> None:
    """The log beside the database; a folder Frontdesk cannot write to is said by the opening
    (with what to do), so a log that cannot be made there stops nothing."""
    from frontdesk.logs import start_logging

    try:
        start_logging(db_path)
    except OSError as exc:
        print(
            f"frontdesk: no log file beside the database ({exc.strerror or exc}).", file=sys.stderr
        )


def say_if_demo_in_clinic_file(clinic: Clinic, db_path: Path, *, quiet: bool) -> bool:
    """The clinic's own database path holding the demo (as `scripts/start.sh` made it before the
    demo had a file of its own): its passwords are public, so the admin is told how to move on.
    Said at every start until the file is moved; the demo itself keeps working."""
    from frontdesk.paths import demo_db_path, is_default_db

    if not is_default_db(db_path) or not clinic.login.is_demo():
        return False
    text = demo_in_clinic_file(db_path, demo_db_path())
    print(f"frontdesk: {text}", file=sys.stderr)
    if not quiet:
        prompts.inform(None, "This is the demo clinic", text)
    return True


def demo_in_clinic_file(db_path: Path, demo_path: Path) -> str:
    return (
        f"{db_path} is the demo clinic: its patients are made up and its passwords are public,"
        " so it must not hold the clinic's real patients. The clinic's own database should be"
        " a new one.\n\n"
        f"To make it: close Frontdesk, rename {db_path.name} to {demo_path.name} (in"
        f" {db_path.parent}, replacing any older demo there; the demo then opens with"
        " `frontdesk --demo`), and start Frontdesk"
        " again: it creates a new, empty database and asks for the admin account.\n\n"
        "If real patients were already entered here, keep this file as it is and ask whoever"
        " looks after Frontdesk before renaming it."
    )


def _daily_backup(clinic: Clinic, window: MainWindow) -> None:
    """Each day (at the first start, and hourly after for a window left open for days): the
    day's backup (its full check reads the whole file) and a check of the whole audit chain,
    in a process of its own (daily_job.py), so that the window answers every keystroke
    meanwhile. The chain's check is noted beside the database once it found the trail intact:
    a second start the same day does not check it again. Whether the day's backup is still
    due is asked by the job (the backup folder may be a slow network drive); once a job has
    said, the window asks no more that day. A failure is said once a day, not once an hour:
    nobody should come back to a pile of boxes."""
    from PySide6.QtCore import QProcess

    from frontdesk.daily_job import chain_due

    running: list[QProcess] = []
    done_on: dict[str, date | None] = {"backed_up": None, "checked": None, "warned": None}

    def warn_once(title: str, text: str) -> None:
        today = clinic.now().date()
        if done_on["warned"] != today:
            done_on["warned"] = today
            prompts.warn(window, title, text)

    def start() -> None:
        if running:
            return
        now = clinic.now()
        today = now.date()
        backup_due = done_on["backed_up"] != today
        # Once a day in this window, even when it found the trail broken (said once a day).
        check_chain = chain_due(clinic.path, today) and done_on["checked"] != today
        if not (backup_due or check_chain):
            return
        process = QProcess(window)
        process.setProgram(sys.executable)
        check = ["--check-chain"] if check_chain else []
        process.setArguments(
            ["-m", "frontdesk.daily_job", str(clinic.path), now.isoformat(), *check]
        )
        from frontdesk.services.typed_key import key_as_hex

        key = key_as_hex(clinic.path)  # typed this run: not in any keyring the job could ask
        if key is not None:
            process.setArguments([*process.arguments(), "--key-on-stdin"])
        process.finished.connect(lambda code, _status: finished(process, code, today))
        process.errorOccurred.connect(lambda error: failed_to_start(process, error))
        running.append(process)
        log.info("daily job started%s", " with the chain check" if check_chain else "")
        process.start()
        if key is not None:
            process.write(f"{key}\n".encode("ascii"))
            process.closeWriteChannel()

    def failed_to_start(process: QProcess, error: QProcess.ProcessError) -> None:
        if error != QProcess.ProcessError.FailedToStart:
            return  # a crash ends in finished() too
        finished(process, -1, None)

    def finished(process: QProcess, code: int, day: date | None) -> None:
        if process not in running:
            return
        running.remove(process)
        if not isValid(process):  # the window closed during the job: the process went with it
            log.info("daily job stopped: the window closed")
            return
        out = bytes(process.readAllStandardOutput().data()).decode("utf-8", "replace")
        err = bytes(process.readAllStandardError().data()).decode("utf-8", "replace")
        process.deleteLater()
        said = _answer(out) if code == 0 else None
        if said is None:
            log.error("daily job ended without an answer (exit %s): %s", code, err[-4000:])
            warn_once(
                "Daily backup failed",
                "Today's backup and check did not finish. Frontdesk tries again every hour.",
            )
            return
        if said.get("failed"):
            log.warning("daily backup refused: %s", said["failed"])
            warn_once(
                "Daily backup failed", f"{said['failed']}\n\nFrontdesk tries again every hour."
            )
            return
        done_on["backed_up"] = day  # made now, or found already made that day
        if "--check-chain" in process.arguments():  # a failed backup leaves it for the retry
            done_on["checked"] = day
        if said.get("backup"):
            log.info("daily backup saved: %s", said["backup"])
            window.show_message(f"Today's backup is saved: {said['backup']}")
        if said.get("broken"):
            log.warning("daily check: the audit trail was changed: %s", said["broken"])
            warn_once(
                "The audit trail has been changed",
                f"{said['broken']}\n\nSomeone changed the database behind Frontdesk's back. Tell"
                " the clinic's admin; `frontdesk audit verify` lists everything found.",
            )
        elif "--check-chain" in process.arguments():
            log.info("daily check: the audit trail is intact")

    start()
    timer = QTimer(window)
    timer.setObjectName("dailyJob")
    timer.setInterval(60 * 60 * 1000)
    timer.timeout.connect(start)
    timer.start()
    window.setProperty("dailyBackup", timer)


def _answer(out: str) -> dict[str, str | None] | None:
    """The daily job's last line of output, read as its JSON answer."""
    lines = out.strip().splitlines()
    try:
        answer = json.loads(lines[-1]) if lines else None
    except ValueError:
        return None
    return answer if isinstance(answer, dict) else None
