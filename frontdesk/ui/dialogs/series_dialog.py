"""How many sessions: opening a CO2 series (with the suggestion and why) or extending one."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QFormLayout, QLabel, QSpinBox, QWidget

from frontdesk.domain.co2 import MAX_SESSIONS, MIN_SESSIONS
from frontdesk.ui.dialogs.step_dialog import StepDialog


class SeriesDialog(StepDialog):
    """`save(sessions)` is the opener's write through the window's `Operations` (it says a
    refusal in this dialog's error line, `show_refusal`) and returns False when refused: the
    dialog then stays open."""

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
        super().__init__(title, accept_label, parent)
        self.setObjectName("seriesDialog")
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
        planned = QLabel("&Planned:")
        planned.setBuddy(self.sessions)
        form.addRow(planned, self.sessions)
        self.body.addWidget(why)
        if warnings:
            warned = QLabel("For the doctor's attention:\n" + "\n".join(f"- {w}" for w in warnings))
            warned.setWordWrap(True)
            warned.setStyleSheet("color: #8a5300;")
            self.body.addWidget(warned)
        self.body.addLayout(form)
        self.finish()

    def attempt(self) -> object:
        return self._save(self.sessions.value())
