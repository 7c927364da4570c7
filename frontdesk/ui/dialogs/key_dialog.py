"""The clinic's key, asked of a person: typed from the recovery sheet when this computer does
not have it (`KeyDialog`), or a new passphrase chosen where no keyring can keep a new clinic's
key (`NewPassphraseDialog`). Nothing typed here is shown, logged or written anywhere."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtGui import QFontDatabase, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from frontdesk.services import encryption
from frontdesk.services.errors import ServiceError
from frontdesk.services.typed_key import unlock_with_typed
from frontdesk.ui.error_label import error_label
from frontdesk.ui.operations import call_here
from frontdesk.ui.widgets.heading import dialog_heading
from frontdesk.ui.widgets.sign_in_form import busy

PASSPHRASES_DIFFER = "The two passphrases differ."


def _wrapped(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    return label


class KeyDialog(QDialog):
    """Accepted once the typed recovery key (or the clinic's passphrase) opened `path`; the
    key is then held by this process and, for a recovery key, kept in this computer's keyring
    so it is not asked again. A wrong key is said under the field, which keeps the text for
    correcting. Rejected: nothing was opened (the app quits)."""

    def __init__(
        self,
        path: Path,
        parent: QWidget | None = None,
        *,
        no_keyring: str | None = None,
        what: str = "clinic database",
        unlock: Callable[[Path, str], object] = unlock_with_typed,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("keyDialog")
        self.setWindowTitle("Frontdesk - the clinic's key")
        self._path = path
        self._unlock = unlock
        heading = dialog_heading("This computer does not have the clinic's key")
        explain = (
            f"The {what} {path.name} is encrypted. Type the recovery key printed on the"
            " clinic's recovery sheet (16 groups of five letters and digits); dashes, spaces"
            " and capitals do not matter."
        )
        if no_keyring:
            explain += f"\n\n{no_keyring} If the clinic chose a passphrase, type it instead."
        else:
            explain += " If the clinic uses a passphrase, type it instead."
        self.explain = _wrapped(explain)
        self.error = error_label("keyError")
        self.error.setAccessibleName("Recovery key problem")
        self.field = QLineEdit()
        self.field.setObjectName("recoveryKey")
        self.field.setAccessibleName("Recovery key or passphrase")
        self.field.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.field.setPlaceholderText("XXXXX-XXXXX-XXXXX-…")
        self.field.setEchoMode(QLineEdit.EchoMode.PasswordEchoOnEdit)
        # The whole key in view (16 groups and their dashes), to check it group by group.
        self.field.setMinimumWidth(self.field.fontMetrics().horizontalAdvance("X" * 97))
        self.field.textEdited.connect(lambda _text: self.error.hide())

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.open_button = QPushButton("&Open")
        self.open_button.setObjectName("openWithKey")
        self.buttons.addButton(self.open_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.open_button.clicked.connect(self.try_key)
        self.buttons.rejected.connect(self.reject)

        label = QLabel("&Recovery key:")
        label.setBuddy(self.field)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 16)
        layout.setSpacing(8)
        layout.addWidget(heading)
        layout.addWidget(self.explain)
        layout.addSpacing(4)
        layout.addWidget(label)
        layout.addWidget(self.field)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.open_button.setDefault(True)  # once inside the dialog: Enter presses it

    @classmethod
    def ask(
        cls, path: Path, parent: QWidget | None = None, *, no_keyring: str | None = None,
        what: str = "clinic database",
    ) -> bool:  # fmt: skip
        """True once `path` opens (its key held); False when cancelled."""
        dialog = cls(path, parent, no_keyring=no_keyring, what=what)
        return dialog.exec() == QDialog.DialogCode.Accepted

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.field.setFocus()

    def try_key(self) -> None:
        typed = self.field.text()
        with busy(self.open_button, self.field):  # Argon2 for a passphrase: about a second
            got = call_here(
                self,
                lambda: self._unlock(self._path, typed),
                title="Not opened",
                on_refusal=self._refused,
            )
        if got is not None:
            self.accept()
        else:
            self.field.setFocus()

    def _refused(self, exc: ServiceError) -> bool:
        self.error.setText(str(exc))  # the field keeps what was typed, to correct one group
        self.error.show()
        self.adjustSize()
        return True


class NewPassphraseDialog(QDialog):
    """A new clinic on a computer with no keyring: the admin chooses the passphrase the key is
    made from (typed twice). Accepted with `key` set; rejected, no database is made."""

    def __init__(
        self,
        no_keyring: str,
        parent: QWidget | None = None,
        *,
        make_key: Callable[[str], object] = encryption.passphrase_key,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("newPassphraseDialog")
        self.setWindowTitle("Frontdesk - a passphrase for the clinic database")
        self._make_key = make_key
        self.key: object | None = None
        heading = dialog_heading("Choose the clinic's passphrase")
        self.explain = _wrapped(
            f"Frontdesk encrypts the clinic database, so that a lost laptop or backup drive"
            f" shows nothing. {no_keyring}\n\n"
            "Instead, choose a passphrase: it is asked at every start of Frontdesk (and by its"
            " commands), and nothing opens the database or its backups without it. A few"
            " unrelated words are easy to type and hard to guess. Write it down and keep it"
            " locked away: a forgotten passphrase means a lost database."
        )
        self.error = error_label("passphraseError")
        self.error.setAccessibleName("Passphrase problem")
        self.passphrase = QLineEdit()
        self.repeat = QLineEdit()
        for field, name in ((self.passphrase, "Passphrase"), (self.repeat, "Repeat passphrase")):
            field.setEchoMode(QLineEdit.EchoMode.Password)
            field.setAccessibleName(name)
            field.setMinimumWidth(280)
            field.textEdited.connect(lambda _text: self.error.hide())
        self.passphrase.setObjectName("newPassphrase")
        self.repeat.setObjectName("repeatPassphrase")
        self.passphrase.setPlaceholderText(
            f"at least {encryption.MIN_PASSPHRASE} characters, a few words"
        )

        form = QFormLayout()
        form.addRow("&Passphrase:", self.passphrase)
        form.addRow("&Repeat it:", self.repeat)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = QPushButton("&Use this passphrase")
        self.ok_button.setObjectName("usePassphrase")
        self.buttons.addButton(self.ok_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok_button.clicked.connect(self.choose)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 16)
        layout.setSpacing(8)
        layout.addWidget(heading)
        layout.addWidget(self.explain)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.ok_button.setDefault(True)  # once inside the dialog: Enter presses it
        self.setMinimumWidth(480)

    @classmethod
    def ask(cls, no_keyring: str, parent: QWidget | None = None) -> object | None:
        """The key made from the chosen passphrase; None when cancelled."""
        dialog = cls(no_keyring, parent)
        dialog.exec()
        return dialog.key

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.passphrase.setFocus()

    def choose(self) -> None:
        passphrase, repeat = self.passphrase.text(), self.repeat.text()
        problem = encryption.passphrase_problem(passphrase)
        if problem is None and passphrase != repeat:
            problem = PASSPHRASES_DIFFER
        if problem is not None:
            self._say(problem)
            (self.repeat if problem == PASSPHRASES_DIFFER else self.passphrase).setFocus()
            return
        with busy(self.ok_button):
            got = call_here(
                self,
                lambda: self._make_key(passphrase),
                title="Passphrase not used",
                on_refusal=lambda exc: self._say(str(exc)),
            )
        if got is not None:
            self.key = got.value
            self.accept()

    def _say(self, text: str) -> bool:
        self.error.setText(text)
        self.error.show()
        self.adjustSize()
        return True
