"""The admin's settings: how soon the app locks itself, and where backups go (and one now)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from frontdesk.domain.accounts import LOCK_MINUTES_RANGE
from frontdesk.domain.dates import format_moment
from frontdesk.services.clinic import Clinic
from frontdesk.services.errors import ServiceError
from frontdesk.services.signed_in import SignedIn
from frontdesk.ui import prompts
from frontdesk.ui.error_label import error_label
from frontdesk.ui.operations import BackgroundCall, Operations


class AdminSettingsDialog(QDialog):
    lock_minutes_changed = Signal(int)
    message = Signal(str)

    def __init__(
        self,
        ops: Operations,
        current: Callable[[], SignedIn],
        parent: QWidget | None = None,
    ) -> None:
        """Every call through `ops`: the settings saved as one write, a backup in the
        background (the window stays usable while a large file is copied and checked)."""
        super().__init__(parent)
        self.setWindowTitle("Lock delay and backups")
        self._ops = ops
        self._current = current
        self.job: BackgroundCall | None = None
        got = ops.read(
            self,
            lambda c: (c.login.lock_minutes(), c.backups.folder()),
            title="Lock delay and backups",
        )
        self._saved_minutes, self._saved_folder = got.value if got else (10, Path.home())

        self.lock_minutes = QSpinBox()
        self.lock_minutes.setRange(*LOCK_MINUTES_RANGE)
        self.lock_minutes.setSuffix(" min without use")
        self.lock_minutes.setValue(self._saved_minutes)
        self.lock_minutes.setAccessibleName("Lock after")
        self.lock_minutes.setMaximumWidth(240)
        self.folder = QLineEdit(str(self._saved_folder))
        self.folder.setAccessibleName("Backup folder")
        self.folder.setMinimumWidth(320)
        choose = QPushButton("C&hoose…")
        choose.clicked.connect(self._choose_folder)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(choose)
        form = QFormLayout()
        form.addRow("&Lock after:", self.lock_minutes)
        label = form.labelForField(self.lock_minutes)
        if isinstance(label, QLabel):
            label.setBuddy(self.lock_minutes)
        folder_label = QLabel("Backup &folder:")
        folder_label.setBuddy(self.folder)
        form.addRow(folder_label, folder_row)

        explain = QLabel(
            "A checked backup is taken at the first start of each day and before every update"
            " of the database; 7 daily, 4 weekly and 12 monthly ones are kept. A folder on"
            " another disk or a network drive protects against this computer's disk failing."
        )
        explain.setWordWrap(True)
        self.backup_list = QListWidget()
        self.backup_list.setAccessibleName("Backups in the folder")
        self.backup_list.setMaximumHeight(140)
        self.backup_now = QPushButton("&Back up now")
        self.backup_now.clicked.connect(self.start_backup)
        self.backup_now.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)  # busy: a backup's length is not known in advance
        self.progress.setMaximumHeight(12)
        self.progress.setTextVisible(False)
        self.progress.hide()
        now_row = QHBoxLayout()
        now_row.addWidget(self.backup_now)
        now_row.addWidget(self.progress, 1)
        now_row.addStretch(1)

        self.error = error_label()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Close
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 16)
        layout.setSpacing(8)
        layout.addLayout(form)
        layout.addWidget(explain)
        layout.addWidget(QLabel("Backups there, newest first:"))
        layout.addWidget(self.backup_list)
        layout.addLayout(now_row)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self._list_backups()

    def _list_backups(self) -> None:
        self.backup_list.clear()
        got = self._ops.read(
            self, lambda c: c.backups.backups()[:20], title="Backups", on_refusal=self._refusal
        )
        for backup in got.value if got else []:
            self.backup_list.addItem(
                f"{format_moment(backup.taken)}  {backup.reason}  {backup.path.name}"
            )
        if not self.backup_list.count():
            self.backup_list.addItem("No backup yet.")

    def _choose_folder(self) -> None:
        chosen = prompts.choose_folder(self, "Folder for the backups", self.folder.text())
        if chosen:
            self.folder.setText(chosen)

    def _refused(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()

    def _refusal(self, exc: ServiceError) -> bool:
        self._refused(str(exc))  # under the form, not in a box
        return True

    def save(self) -> None:
        """Both settings in one write, each checked by the service; a refusal leaves the
        dialog open and changes nothing."""
        self.error.hide()
        actor, minutes = self._current(), self.lock_minutes.value()
        folder = Path(self.folder.text().strip()).expanduser()

        def save_both(c: Clinic) -> bool:
            changed_minutes = minutes != c.login.lock_minutes()
            if changed_minutes:
                c.login.set_lock_minutes(actor, minutes)
            if folder != c.backups.folder():
                c.backups.set_folder(actor, folder)
            return changed_minutes

        got = self._ops.write(
            self,
            save_both,
            title="Not saved",
            on_refusal=self._refusal,
        )
        if got is None:
            return
        self._saved_folder = folder
        if got.value:
            self.lock_minutes_changed.emit(minutes)
        self.message.emit("Lock delay and backup folder saved.")
        self.accept()

    def start_backup(self) -> None:
        """Off the GUI thread: a large database takes a while to copy and check."""
        self.error.hide()
        typed = Path(self.folder.text().strip()).expanduser()
        if typed != self._saved_folder:
            self._refused(f"Save first: backups still go to {self._saved_folder}.")
            return
        self.backup_now.setEnabled(False)
        self.progress.show()
        actor = self._current()
        self.job = self._ops.in_background(
            self,
            lambda c: c.backups.back_up_now(actor),
            title="Backup",
            busy="Backing up and checking the copy…",
            on_done=self._backup_done,
            on_refusal=self._backup_refused,
        )

    def _backup_refused(self, exc: ServiceError) -> bool:
        self._backup_ended()
        return self._refusal(exc)

    def _backup_ended(self) -> None:
        self.job = None
        self.backup_now.setEnabled(True)
        self.progress.hide()

    def _backup_done(self, result: object) -> None:
        self._backup_ended()
        self._list_backups()
        self.message.emit(f"Backed up and checked: {result}")
