"""The clinic server did not answer at start: which server, why, and what can be done (Retry,
Settings, Quit). Nothing else is open meanwhile: no main window is half-built behind it."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from frontdesk.ui import prompts
from frontdesk.ui.widgets.heading import dialog_heading


@dataclass(frozen=True)
class ServerSettings:
    """What the next try uses: the address, the CA file ("" for none) and a password typed
    here ("" when none was: the keyring's is used)."""

    address: str
    ca_file: str
    password: str = ""


HEADING = "The clinic server does not answer"
WHAT_TO_DO = (
    "Nothing was opened. Check that the server computer is on and on the clinic's network,"
    " then choose Retry. If the server moved or its address changed, correct it under"
    " Settings."
)


class ServerUnreachableDialog(QDialog):
    """Retry (with the settings as shown), or Quit. The settings part is folded away until
    asked for: most of the time the server was only switched off."""

    def __init__(
        self,
        server: str,
        problem: str,
        address: str,
        ca_file: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("serverUnreachableDialog")
        self.setWindowTitle("Frontdesk: clinic server")
        self.setMinimumWidth(480)  # an address is read whole
        layout = QVBoxLayout(self)
        layout.setSpacing(8)
        layout.addWidget(dialog_heading(HEADING))
        where = QLabel(f"Server: {server}")
        where.setObjectName("serverName")
        where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(where)
        self.problem = QLabel(problem)
        self.problem.setObjectName("serverProblem")
        self.problem.setWordWrap(True)
        self.problem.setAccessibleName("What happened")
        layout.addWidget(self.problem)
        advice = QLabel(WHAT_TO_DO)
        advice.setWordWrap(True)
        layout.addWidget(advice)

        self.settings = QGroupBox("Settings")
        self.settings.setObjectName("serverSettings")
        form = QFormLayout(self.settings)
        self.address = QLineEdit(address)
        self.address.setObjectName("serverAddress")
        self.address.setAccessibleName("Server address")
        self.address.setPlaceholderText("postgresql://clinic_app@server/clinic")
        form.addRow("Server &address:", self.address)
        self.ca_file = QLineEdit(ca_file or "")
        self.ca_file.setObjectName("serverCaFile")
        self.ca_file.setAccessibleName("CA file")
        self.ca_file.setPlaceholderText("none (encrypted, server not checked)")
        browse = QPushButton("&Choose…")
        browse.setAccessibleName("Choose the CA file")
        browse.clicked.connect(self._choose_ca_file)
        row = QHBoxLayout()
        row.addWidget(self.ca_file, 1)
        row.addWidget(browse)
        ca_label = QLabel("&CA file:")
        ca_label.setBuddy(self.ca_file)
        form.addRow(ca_label, row)
        self.password = QLineEdit()
        self.password.setObjectName("serverPassword")
        self.password.setAccessibleName("Server password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("empty: the one this computer keeps")
        form.addRow("&Password:", self.password)
        self.settings.setVisible(False)
        layout.addWidget(self.settings)

        buttons = QDialogButtonBox()
        self.retry_button = buttons.addButton("&Retry", QDialogButtonBox.ButtonRole.AcceptRole)
        self.retry_button.setObjectName("retry")
        self.retry_button.setDefault(True)
        self.settings_button = buttons.addButton(
            "&Settings…", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.settings_button.setObjectName("settings")
        self.quit_button = buttons.addButton("&Quit", QDialogButtonBox.ButtonRole.RejectRole)
        self.quit_button.setObjectName("quit")
        for other in (self.settings_button, self.quit_button):
            other.setAutoDefault(False)  # Enter always means Retry
        self.retry_button.clicked.connect(self._retry)
        self.settings_button.clicked.connect(self.show_settings)
        self.quit_button.clicked.connect(self.reject)
        layout.addWidget(buttons)
        self.error = QLabel()
        self.error.setObjectName("serverSettingsError")
        self.error.setStyleSheet("color: #b00020")
        self.error.setVisible(False)
        layout.insertWidget(layout.count() - 1, self.error)
        self.retry_button.setFocus()

    def show_settings(self) -> None:
        self.settings.setVisible(True)
        self.settings_button.setEnabled(False)
        self.address.setFocus()
        self.adjustSize()

    def _choose_ca_file(self) -> None:
        chosen = prompts.open_file(
            self,
            "The clinic server's CA certificate",
            self.ca_file.text(),
            "Certificates (*.pem *.crt);;All files (*)",
        )
        if chosen:
            self.ca_file.setText(chosen)

    def _retry(self) -> None:
        if not self.address.text().strip():
            self.error.setText("Type the clinic server's address, or choose Quit.")
            self.error.setVisible(True)
            self.show_settings()
            return
        self.accept()

    def chosen(self) -> ServerSettings:
        return ServerSettings(
            self.address.text().strip(), self.ca_file.text().strip(), self.password.text()
        )

    @classmethod
    def ask(
        cls,
        server: str,
        problem: str,
        address: str,
        ca_file: str | None = None,
        parent: QWidget | None = None,
    ) -> ServerSettings | None:
        """The settings to try again with; None: Quit."""
        dialog = cls(server, problem, address, ca_file, parent)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.chosen()
