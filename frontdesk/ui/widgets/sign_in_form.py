"""Username, password and one button: the login dialog and the inactivity lock both use it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from frontdesk.services.errors import ServiceError
from frontdesk.services.login import LoginService
from frontdesk.services.signed_in import SignedIn
from frontdesk.ui.error_label import error_label
from frontdesk.ui.operations import call_here


@contextmanager
def busy(*widgets: QWidget) -> Iterator[None]:
    """A password check takes ~0.1 s on purpose: show that it is working, take no second click."""
    for widget in widgets:
        widget.setEnabled(False)
        widget.repaint()  # the event loop does not run until the check returns
    QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        yield
    finally:
        QApplication.restoreOverrideCursor()
        for widget in widgets:
            widget.setEnabled(True)


class SignInForm(QWidget):
    """Signs a staff member in through `LoginService.sign_in`, so every try is audited.

    Refused, it says why in plain words and keeps the username; Enter in either field tries.
    """

    signed_in = Signal(object)  # the SignedIn the login service issued
    refused = Signal(str)  # the sentence shown (the owner may want to resize)

    def __init__(
        self,
        login: LoginService,
        *,
        username: str = "",
        unlocking: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("signInForm")
        self._login = login
        self._unlocking = unlocking
        self._working = False

        self.username = QLineEdit(username)
        self.username.setAccessibleName("Username")
        self.username.setObjectName("username")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName("Password")
        self.password.setObjectName("password")
        for field in (self.username, self.password):
            field.setMinimumWidth(240)
        self.username.setInputMethodHints(
            Qt.InputMethodHint.ImhNoAutoUppercase | Qt.InputMethodHint.ImhPreferLowercase
        )

        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.setVerticalSpacing(8)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.addRow("&Username:", self.username)
        form.addRow("&Password:", self.password)

        self.error = error_label("signInError")
        self.error.setAccessibleName("Sign-in problem")

        self.button = QPushButton("&Unlock" if unlocking else "&Sign in")
        self.button.setObjectName("signInButton")
        self.button.setDefault(True)
        self.button.setAutoDefault(True)
        self.button.clicked.connect(self.submit)
        # A box, so the owner can add its own button (Cancel, Sign out) in the platform order.
        self.buttons = QDialogButtonBox()
        self.buttons.addButton(self.button, QDialogButtonBox.ButtonRole.AcceptRole)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.setTabOrder(self.username, self.password)
        self.setTabOrder(self.password, self.button)

    # -- helpers for the owner ------------------------------------------------------------
    def set_username(self, text: str) -> None:
        self.username.setText(text)

    def focus_first_empty(self) -> None:
        """The username when it is blank, else the password (the lock screen knows the user)."""
        if not self.username.text().strip():
            self.username.setFocus()
        else:
            self.password.setFocus()

    def error_text(self) -> str:
        return "" if self.error.isHidden() else self.error.text()

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.setAccessibleDescription(message)
        self.error.setVisible(bool(message))
        if message:
            self.refused.emit(message)

    # -- signing in ------------------------------------------------------------------------
    def submit(self) -> None:
        """Tries what is typed; a blank field is pointed at, not sent (nor audited)."""
        if not self.username.text().strip():
            self.show_error("Type your username.")
            self.username.setFocus()
            return
        if not self.password.text():
            self.show_error("Type your password.")
            self.password.setFocus()
            return
        self.sign_in_with(self.username.text(), self.password.text())

    def sign_in_with(self, username: str, password: str) -> SignedIn | None:
        """Signs in with these credentials (the demo's buttons pass their own password)."""
        if self._working:
            return None
        self.username.setText(username)
        self._working = True
        try:
            with busy(self.button):
                got = call_here(
                    self,
                    lambda: self._login.sign_in(username, password, unlocking=self._unlocking),
                    title="Not signed in",
                    on_refusal=self._refused,
                )
        finally:
            self._working = False
        if got is None:
            return None
        member = got.value
        self.show_error("")
        self.password.clear()
        self.signed_in.emit(member)
        return member

    def _refused(self, refused: ServiceError) -> bool:
        """A wrong password, or the database said no: said under the fields."""
        self.show_error(str(refused))
        self.password.clear()
        self.password.setFocus()
        return True

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # A line edit passes Enter on to its parent: sign in here, so a dialog around this
        # form does not press its default button a second time.
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()
            self.submit()
            return
        super().keyPressEvent(event)
