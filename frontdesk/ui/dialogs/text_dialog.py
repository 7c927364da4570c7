"""A sentence asked for before a step that needs one: an addendum, why a series pauses or ends."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from frontdesk.services.errors import ServiceError


class TextDialog(QDialog):
    """`save(text)` does the work; a refusal is shown here and the dialog stays open."""

    def __init__(
        self,
        title: str,
        question: str,
        accept_label: str,
        save: Callable[..., object],
        choices: list[tuple[str, object]] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """With `choices` ((label, value) pairs) a list comes first; `save(text, value)`."""
        super().__init__(parent)
        self.setObjectName("textDialog")
        self.setWindowTitle(title)
        self._save = save
        asked = QLabel(question)
        asked.setWordWrap(True)
        self.choice = QComboBox()
        self.choice.setAccessibleName("Which one")
        for label, value in choices or []:
            self.choice.addItem(label, value)
        self.choice.setVisible(bool(choices))
        self.text = QPlainTextEdit()
        self.text.setAccessibleName(title)
        self.text.setTabChangesFocus(True)
        self.text.setFixedHeight(96)
        asked.setBuddy(self.text)
        self.error = QLabel()
        self.error.setObjectName("textDialogError")
        self.error.setStyleSheet("color: #b3261e;")
        self.error.setWordWrap(True)
        self.error.hide()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText(accept_label)
        self.text.textChanged.connect(self.error.hide)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 16)
        layout.setSpacing(8)
        layout.addWidget(self.choice)
        layout.addWidget(asked)
        layout.addWidget(self.text)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.setMinimumWidth(420)

    def _accept(self) -> None:
        try:
            if self.choice.count():
                self._save(self.text.toPlainText(), self.choice.currentData())
            else:
                self._save(self.text.toPlainText())
        except ServiceError as exc:
            self.error.setText(str(exc))
            self.error.show()
            return
        self.accept()
