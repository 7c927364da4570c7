"""Shown instead of the app when the clinic's file is damaged: never start on it silently."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from frontdesk.domain.dates import format_clock, format_day
from frontdesk.services import encryption
from frontdesk.services.backups import BackupService, Damage
from frontdesk.services.errors import ServiceError
from frontdesk.ui import prompts
from frontdesk.ui.error_label import error_label
from frontdesk.ui.operations import call_here, quietly
from frontdesk.ui.widgets.heading import dialog_heading


def _when(backup) -> str:
    return f"{format_day(backup.taken.date())} at {format_clock(backup.taken.time())}"


class RestoreDialog(QDialog):
    def __init__(
        self, backups: BackupService, damage: Damage, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Frontdesk - the clinic database is damaged")
        self._backups = backups
        self._damage = damage
        self.restored_from: Path | None = None
        self.saved_as: Path | None = None

        title = dialog_heading("The clinic database is damaged")
        self.what = what = QLabel(
            f"Frontdesk did not open {damage.path} because it is {damage.problem}."
            " It never works on a damaged file."
        )
        latest = damage.latest_good
        if latest is not None:
            offer = (
                f"The latest good backup was taken {_when(latest)}:\n{latest.path}\n\n"
                "Restoring puts it in place of the damaged file, which is kept beside it for"
                " whoever repairs it. What was saved after the backup is not in it."
            )
        else:
            offer = (
                f"No good backup was found in {backups.folder()}. Choose a backup file,"
                " or quit and ask whoever looks after this computer."
            )
        self.offer = QLabel(offer)
        self.error = error_label()
        for label in (what, self.offer, self.error):
            label.setWordWrap(True)

        self.buttons = QDialogButtonBox()
        self.restore_button: QPushButton | None = None
        if latest is not None:
            self.restore_button = self.buttons.addButton(
                "&Restore this backup", QDialogButtonBox.ButtonRole.AcceptRole
            )
            self.restore_button.clicked.connect(lambda: self.restore(latest.path))
            self.restore_button.setDefault(True)
        self.choose_button = self.buttons.addButton(
            "&Choose another backup…", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.choose_button.clicked.connect(self.choose)
        quit_button = self.buttons.addButton("&Quit", QDialogButtonBox.ButtonRole.RejectRole)
        quit_button.clicked.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 16)
        layout.setSpacing(8)
        for widget in (title, what, self.offer, self.error, self.buttons):
            layout.addWidget(widget)
        self.setMinimumWidth(520)

    def choose(self) -> None:
        folder = quietly(self._backups.folder) or Path.home()  # the damaged file may not say
        path = prompts.open_file(
            self, "Choose a backup to restore", str(folder),
            "Frontdesk backups (*.sqlite3);;All files (*)",
        )  # fmt: skip
        if path:
            self.restore(Path(path))

    def restore(self, backup: Path) -> None:
        if not self._key_held(backup):
            return
        got = call_here(
            self,
            lambda: self._backups.restore(backup),
            title="Not restored",
            on_refusal=self._refused,
        )
        if got is None:
            return
        self.saved_as = got.value
        self.restored_from = backup
        kept = f" The damaged file is kept as {self.saved_as}." if self.saved_as else ""
        prompts.inform(
            self, "Backup restored", f"The clinic database was restored from {backup}.{kept}"
        )
        self.accept()

    def _key_held(self, backup: Path) -> bool:
        """An encrypted backup whose key this computer does not have (the database's own is
        damaged, or this is another computer): its recovery key is asked for first, and kept
        in this keyring. False: cancelled, nothing restored."""
        missing: list[ServiceError] = []

        def note(exc: ServiceError) -> bool:
            missing.append(exc)
            return True

        call_here(self, lambda: encryption.unlock(backup), title="Not opened", on_refusal=note)
        if not missing:
            return True
        from frontdesk.ui.dialogs.key_dialog import KeyDialog

        no_keyring = getattr(missing[0], "no_keyring", None)
        return KeyDialog.ask(backup, self, no_keyring=no_keyring, what="backup")

    def _refused(self, exc: ServiceError) -> bool:
        self.error.setText(str(exc))  # under the offer, the dialog stays open
        self.error.show()
        return True
