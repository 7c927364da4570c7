"""The doctor lets laser go ahead despite a "no", and writes down why."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from frontdesk.ui.error_label import error_label

MIN_REASON = 15  # characters: "ok" is not a reason


class OverrideDialog(QDialog):
    reason_given = Signal(str)

    def __init__(
        self,
        reasons: tuple[str, ...],
        warnings: tuple[str, ...] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Override the laser check")
        self.setObjectName("overrideDialog")
        text = "The check says no:\n" + "\n".join(f"- {r}" for r in reasons)
        if warnings:
            text += "\n\nAlso for your attention:\n" + "\n".join(f"- {w}" for w in warnings)
        why_not = QLabel(text + "\n\nWhy may laser go ahead anyway?")
        why_not.setWordWrap(True)
        self.reason = QPlainTextEdit()
        self.reason.setAccessibleName("Reason for the override")
        self.reason.setTabChangesFocus(True)
        self.reason.setFixedHeight(90)
        self.error = error_label(wrap=False)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Record override")
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 16)
        layout.setSpacing(8)
        layout.addWidget(why_not)
        layout.addWidget(self.reason)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.setMinimumWidth(420)

    def _accept(self) -> None:
        text = self.reason.toPlainText().strip()
        if len(text) < MIN_REASON:
            self.error.setText("Write down the reason in a sentence: it is kept in the record.")
            self.error.show()
            return
        self.reason_given.emit(text)
        self.accept()
