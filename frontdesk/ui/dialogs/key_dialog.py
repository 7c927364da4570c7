"""The clinic's key, asked of a person: typed from the recovery sheet when this computer does
not have it, or the daily passphrase where no keyring keeps it (`KeyDialog`); or a new
passphrase chosen where no keyring can keep a new clinic's key (`NewPassphraseDialog`).
Nothing typed here is logged or written anywhere; a passphrase is masked unless asked."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
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


@dataclass(frozen=True)
class Opened:
    """What the key dialog ended with: true once the file opened; `remembered` when this
    computer's keyring now keeps the key (a recovery key typed where a keyring works), so the
    caller may say it will not be asked again here."""

    opened: bool
    remembered: bool = False

    def __bool__(self) -> bool:
        return self.opened


class KeyDialog(QDialog):
    """Accepted once the typed recovery key (or the clinic's passphrase) opened `path`; the
    key is then held by this process and, for a recovery key, kept in this computer's keyring
    so it is not asked again (`remembered` says whether it is). Rejected: nothing was opened
    (the app quits).

    Where this computer has a keyring (`no_keyring` None), the key is missing because this is
    another computer: the recovery key is asked for, in plain view, to check group by group.
    Where it has none (`no_keyring` says so), the clinic most likely uses a passphrase typed at
    every start: this is then the daily passphrase prompt, masked (a box shows it), with the
    recovery key as the fallback. A wrong entry is said under the field, which keeps the text
    as typed (cursor at its end) for correcting."""

    def __init__(
        self,
        path: Path,
        parent: QWidget | None = None,
        *,
        no_keyring: str | None = None,
        what: str = "clinic database",
        unlock: Callable[[Path, str], object] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("keyDialog")
        self.setWindowTitle("Frontdesk - the clinic's key")
        self._path = path
        self.passphrase_expected = bool(no_keyring)
        self._unlock = unlock or partial(
            unlock_with_typed, passphrase_expected=self.passphrase_expected
        )
        self.remembered = False
        self.error = error_label("keyError")
        self.field = QLineEdit()
        self.field.setObjectName("recoveryKey")
        self.field.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        # The whole key in view (16 groups and their dashes), to check it group by group.
        self.field.setMinimumWidth(self.field.fontMetrics().horizontalAdvance("X" * 97))
        self.field.textEdited.connect(lambda _text: self.error.hide())
        self.show_typed = QCheckBox("&Show what I type")
        self.show_typed.setObjectName("showTyped")
        self.show_typed.toggled.connect(self._show_typed)
        self.fallback: QLabel | None = None  # the recovery key, where a passphrase is expected
        if self.passphrase_expected:
            heading = dialog_heading("Type the clinic's passphrase")
            every_start = " So the clinic's passphrase is asked at every start."
            self.explain = _wrapped(
                f"The {what} {path.name} is encrypted. {no_keyring}"
                + (every_start if what == "clinic database" else "")
            )
            self.fallback = _wrapped("Or type the recovery key from the clinic's recovery sheet.")
            label = QLabel("&Passphrase:")
            self.field.setAccessibleName("Passphrase or recovery key")
            self.error.setAccessibleName("Passphrase problem")
            self.field.setEchoMode(QLineEdit.EchoMode.Password)
        else:
            heading = dialog_heading("This computer does not have the clinic's key")
            self.explain = _wrapped(
                f"The {what} {path.name} is encrypted. Type the recovery key printed on the"
                " clinic's recovery sheet (16 groups of five letters and digits); dashes,"
                " spaces and capitals do not matter. If the clinic uses a passphrase, type it"
                " instead."
            )
            label = QLabel("&Recovery key:")
            self.field.setAccessibleName("Recovery key or passphrase")
            self.error.setAccessibleName("Recovery key problem")
            self.field.setPlaceholderText("XXXXX-XXXXX-XXXXX-…")
            self.field.setEchoMode(QLineEdit.EchoMode.Normal)  # checked group by group
            self.show_typed.hide()

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.open_button = QPushButton("&Open")
        self.open_button.setObjectName("openWithKey")
        self.buttons.addButton(self.open_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.open_button.clicked.connect(self.try_key)
        self.buttons.rejected.connect(self.reject)

        label.setBuddy(self.field)
        self.heading, self.field_label = heading, label
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 16)
        layout.setSpacing(8)
        layout.addWidget(heading)
        layout.addWidget(self.explain)
        layout.addSpacing(4)
        layout.addWidget(label)
        layout.addWidget(self.field)
        if self.fallback is not None:
            layout.addWidget(self.show_typed)
            layout.addWidget(self.fallback)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.open_button.setDefault(True)  # once inside the dialog: Enter presses it

    @classmethod
    def ask(
        cls, path: Path, parent: QWidget | None = None, *, no_keyring: str | None = None,
        what: str = "clinic database",
    ) -> bool:  # fmt: skip
        """True once `path` opens (its key held); False when cancelled."""
        return bool(cls.asked(path, parent, no_keyring=no_keyring, what=what))

    @classmethod
    def asked(
        cls, path: Path, parent: QWidget | None = None, *, no_keyring: str | None = None,
        what: str = "clinic database",
    ) -> Opened:  # fmt: skip
        """As `ask`, and whether this computer now remembers the key."""
        dialog = cls(path, parent, no_keyring=no_keyring, what=what)
        opened = dialog.exec() == QDialog.DialogCode.Accepted
        return Opened(opened, opened and dialog.remembered)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.field.setFocus()

    def _show_typed(self, shown: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        self.field.setEchoMode(mode)

    def try_key(self) -> None:
        typed = self.field.text()
        with busy(self.open_button, self.field):  # Argon2 for a passphrase: about a second
            got = call_here(
                self,
                lambda: (self._unlock(self._path, typed), encryption.in_keyring(self._path)),
                title="Not opened",
                on_refusal=self._refused,
            )
        if got is not None:
            self.remembered = got.value[1]
            self.accept()
        else:  # the text stays as typed, the cursor at its end: one group to correct
            self.field.setFocus(Qt.FocusReason.OtherFocusReason)
            self.field.deselect()
            self.field.end(False)

    def _refused(self, exc: ServiceError) -> bool:
        self.error.setText(str(exc))
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
            " commands). Without the passphrase or the recovery key (on the recovery sheet"
            " Frontdesk offers to print), nothing opens the database or its backups. A few"
            " unrelated words are easy to type and hard to guess. Write it down and keep it"
            " locked away: a forgotten passphrase and a lost recovery sheet mean a lost"
            " database."
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
