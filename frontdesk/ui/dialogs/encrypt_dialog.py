"""Asked of the admin at the first start on a plain clinic database: encrypt it now?

Shown before any main window exists (so there is no `Operations`): the move runs on a thread
of its own while this dialog keeps painting, and a refusal is said the way the helper in
ui/operations.py says every refusal. The key comes from whoever opens the dialog
(`make_key`: the keyring, or a passphrase where there is none); this module never sees how,
but says beforehand when there is no keyring, since a passphrase then changes every start.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from frontdesk.services import encryption
from frontdesk.services.backups import BackupService
from frontdesk.services.clock import Clock
from frontdesk.services.encrypt_existing import ClinicKey, EncryptionReport, encrypt_existing
from frontdesk.services.errors import ServiceError
from frontdesk.ui.error_label import error_label
from frontdesk.ui.operations import call_here, quietly, say_refusal
from frontdesk.ui.widgets.heading import dialog_heading

TITLE = "Not encrypted"
BUSY = (
    "Encrypting… Frontdesk is writing the encrypted copy and checking it row by row against"
    " the database. A large clinic takes a few minutes; please wait."
)


class _Ended(QObject):
    """Carries the move's outcome from its thread to the dialog's (queued)."""

    ended = Signal(object)


class EncryptDialog(QDialog):
    def __init__(
        self,
        path: Path,
        clock: Clock,
        make_key: Callable[[], ClinicKey | None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Frontdesk - encrypt the clinic database")
        self._path = path
        self._clock = clock
        self._make_key = make_key
        self._thread: threading.Thread | None = None
        self._ended = _Ended()
        self._ended.ended.connect(self._finished, Qt.ConnectionType.QueuedConnection)
        self.report: EncryptionReport | None = None

        title = dialog_heading("Encrypt the clinic database")
        folder = quietly(BackupService(path, clock).folder)
        self.why = QLabel(
            "The clinic database and its backups are stored as plain files: anyone who has"
            " this computer or a backup drive can read every patient's name and notes."
            " Encrypted, a lost laptop or backup drive shows nothing."
        )
        # Each path on a line of its own: wrapped inside a sentence it broke at a slash.
        where = [f"Database:\t{path}"] + ([f"Backups:\t{folder}"] if folder else [])
        self.files = QLabel("\n".join(where))
        self.files.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.files.setAccessibleName("Files")
        self.what = QLabel(
            "Frontdesk writes an encrypted copy of the database beside it and checks it row"
            " by row against the original. Only then does the copy take the database's place,"
            " and the plain database and its plain backups are removed (you will see which"
            " files). Next, you print the recovery sheet: with its recovery key the database"
            " and its backups open on another computer."
        )
        self.no_keyring = QLabel(
            "<b>This computer has no keyring to keep the clinic's key, so after “Encrypt now”"
            " you choose a passphrase: it is typed at every start of Frontdesk.</b>"
            " The recovery sheet opens the database if it is ever forgotten."
        )
        self.no_keyring.setTextFormat(Qt.TextFormat.RichText)
        self.no_keyring.setObjectName("encryptNoKeyring")
        self.no_keyring.setVisible(encryption.keyring_problem() is not None)
        self.later = QLabel("“Not now” changes nothing; Frontdesk asks again at the next start.")
        self.busy = QLabel(BUSY)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)  # no steps to count: moving while the work goes on
        self.progress.setTextVisible(False)
        self.progress.setAccessibleName("Encrypting")
        self.error = error_label("encrypt_error")
        self.outcome = QLabel()
        self.next = QLabel()
        self.removed = QPlainTextEdit()
        self.removed.setReadOnly(True)
        self.removed.setAccessibleName("Files removed")
        wrapped = (self.why, self.what, self.no_keyring, self.later, self.busy, self.outcome)
        for label in (*wrapped, self.next):
            label.setWordWrap(True)
        for hidden in (self.busy, self.progress, self.outcome, self.removed, self.next):
            hidden.hide()

        self.buttons = QDialogButtonBox()
        self.encrypt_button: QPushButton = self.buttons.addButton(
            "&Encrypt now", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.encrypt_button.setDefault(True)
        self.encrypt_button.clicked.connect(self.encrypt)
        self.later_button: QPushButton = self.buttons.addButton(
            "&Not now", QDialogButtonBox.ButtonRole.RejectRole
        )
        self.later_button.setAutoDefault(False)
        self.later_button.clicked.connect(self.reject)
        self.continue_button: QPushButton = self.buttons.addButton(
            "&Continue", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.continue_button.clicked.connect(self.accept)
        self.continue_button.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 16)
        layout.setSpacing(8)
        shown: tuple[QWidget, ...] = (
            title, self.why, self.files, self.what, self.no_keyring, self.later, self.busy,
            self.progress, self.error, self.outcome, self.removed, self.next, self.buttons,
        )  # fmt: skip
        for widget in shown:
            layout.addWidget(widget)
        self.setMinimumWidth(560)

    # -- the move ------------------------------------------------------------------------
    def running(self) -> bool:
        return self._thread is not None

    def encrypt(self) -> None:
        """The key first (None: the admin cancelled, nothing happens), then the move on a
        thread of its own; the dialog keeps painting and takes no second click meanwhile."""
        if self.running() or self.report is not None:
            return
        self.error.hide()
        got = call_here(self, self._make_key, title=TITLE, on_refusal=self._refused)
        if got is None or got.value is None:
            return
        key = got.value
        path, clock, ended = self._path, self._clock, self._ended

        def work() -> None:
            try:
                outcome: object = encrypt_existing(path, key, clock)
            except BaseException as exc:  # handed to the dialog's thread, said in words there
                outcome = exc
            ended.ended.emit(outcome)

        self._set_busy(True)
        self._thread = threading.Thread(target=work, name="frontdesk-encrypt", daemon=True)
        self._thread.start()

    def wait(self, seconds: float | None = None) -> bool:
        """For tests: whether the move's thread has ended (its answer may still be on its
        way to this dialog)."""
        thread = self._thread
        if thread is None:
            return True
        thread.join(seconds)
        return not thread.is_alive()

    def _finished(self, outcome: object) -> None:
        self._thread = None
        self._set_busy(False)
        if isinstance(outcome, EncryptionReport):
            self._show_done(outcome)
            return
        assert isinstance(outcome, BaseException)
        say_refusal(self, TITLE, outcome, self._refused)

    def _refused(self, exc: ServiceError) -> bool:
        self.error.setText(str(exc))  # under the explanation; the dialog stays open
        self.error.show()
        return True

    def _set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        self.progress.setVisible(busy)
        self.later.setVisible(not busy)
        self.encrypt_button.setEnabled(not busy)
        self.later_button.setEnabled(not busy)
        self._fit()

    def _show_done(self, report: EncryptionReport) -> None:
        self.report = report
        rows = f"{report.rows_checked:,} {'row' if report.rows_checked == 1 else 'rows'}"
        tables = f"{report.tables} {'table' if report.tables == 1 else 'tables'}"
        removed = (
            "These plain files were removed:"
            if report.removed
            else "No plain copies were left to remove."
        )
        self.outcome.setText(
            "The clinic database is encrypted: its encrypted copy was checked against the"
            f" plain file ({rows} in {tables}) and then took its place. {removed}"
        )
        self.next.setText(
            "Next: print the recovery sheet and keep it somewhere safe. Without it the"
            " database and its backups cannot be opened on another computer."
        )
        self.removed.setPlainText("\n".join(str(p) for p in report.removed))
        lines = min(max(len(report.removed), 1), 8)  # a long list scrolls
        self.removed.setFixedHeight(self.removed.fontMetrics().lineSpacing() * lines + 16)
        self.removed.setVisible(bool(report.removed))
        self.outcome.show()
        self.next.show()
        for widget in (
            self.why, self.files, self.what, self.no_keyring, self.later,
            self.encrypt_button, self.later_button,
        ):  # fmt: skip
            widget.hide()
        self.continue_button.setText("&Continue to the recovery sheet")
        self.continue_button.show()
        self.continue_button.setDefault(True)
        self.continue_button.setFocus()
        self._fit()

    def _fit(self) -> None:
        """Taller or shorter with the lines now shown: none of them cut off."""
        layout = self.layout()
        if layout is not None:
            layout.activate()
        self.adjustSize()

    # -- closing ---------------------------------------------------------------------------
    def reject(self) -> None:
        """Escape and "Not now"; never while the move runs (it finishes or changes nothing,
        and the admin is told which)."""
        if self.running():
            return
        if self.report is not None:  # encrypted: closing is going on
            self.accept()
            return
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.running():
            event.ignore()
            return
        super().closeEvent(event)


def ask_to_encrypt(
    parent: QWidget | None,
    path: Path,
    clock: Clock,
    make_key: Callable[[], ClinicKey | None],
) -> EncryptionReport | None:
    """The admin's choice at the first start on a plain database: the report of the move
    once it is done (the file is then encrypted and its key held), or None for "Not now"
    (nothing changed; asked again at the next start)."""
    dialog = EncryptDialog(path, clock, make_key, parent)
    try:
        dialog.exec()
        return dialog.report
    finally:
        dialog.deleteLater()
