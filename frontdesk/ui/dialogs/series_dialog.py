"""How many sessions: opening a CO2 series (with the suggestion and why) or extending one."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from frontdesk.domain.co2 import MAX_SESSIONS, MIN_SESSIONS
from frontdesk.services.errors import ServiceError


class SeriesDialog(QDialog):
    def __init__(
        self,
        title: str,
        explanation: str,
        sessions: int,
        lowest: int,
        accept_label: str,
        save: Callable[[int], object],
        warnings: tuple[str, ...] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("seriesDialog")
        self.setWindowTitle(title)
        self._save = save
        why = QLabel(explanation)
        why.setObjectName("seriesWhy")
        why.setWordWrap(True)
        self.sessions = QSpinBox()
        self.sessions.setAccessibleName("Planned sessions")
        self.sessions.setRange(max(MIN_SESSIONS, lowest), MAX_SESSIONS)
        self.sessions.setValue(max(sessions, self.sessions.minimum()))
        self.sessions.setSuffix(" sessions")
        form = QFormLayout()
        form.addRow("&Planned:", self.sessions)
        form.labelForField(self.sessions).setBuddy(self.sessions)
        self.error = QLabel()
        self.error.setStyleSheet("color: #b3261e;")
        self.error.setWordWrap(True)
        self.error.hide()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText(accept_label)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 16)
        layout.setSpacing(8)
        layout.addWidget(why)
        if warnings:
            warned = QLabel("For the doctor's attention:\n" + "\n".join(f"- {w}" for w in warnings))
            warned.setWordWrap(True)
            warned.setStyleSheet("color: #8a5300;")
            layout.addWidget(warned)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.setMinimumWidth(420)

    def _accept(self) -> None:
        try:
            self._save(self.sessions.value())
        except ServiceError as exc:
            self.error.setText(str(exc))
            self.error.show()
            return
        self.accept()
