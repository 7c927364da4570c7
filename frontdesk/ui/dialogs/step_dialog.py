"""A small dialog that does one service step on OK: refused, it says why and stays open."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QVBoxLayout, QWidget

from frontdesk.services.errors import ServiceError
from frontdesk.ui.error_label import error_label


class StepDialog(QDialog):
    """Subclasses add their fields to `self.body`, then call `finish()`; OK runs `attempt`."""

    def __init__(self, title: str, accept_label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.error = error_label()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText(accept_label)
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        self.body = QVBoxLayout(self)
        self.body.setContentsMargins(16, 16, 16, 16)
        self.body.setSpacing(8)
        self.setMinimumWidth(420)

    def finish(self) -> None:
        """The error line and the buttons, below the subclass's fields."""
        self.body.addWidget(self.error)
        self.body.addWidget(self.buttons)
        # A minimum set by hand stops the layout's own: the fields' room (labels included, at
        # any scaling) is the least the dialog may shrink to, never squeezed under 420.
        self.setMinimumWidth(max(420, self.body.minimumSize().width()))

    def attempt(self) -> None:
        raise NotImplementedError

    def _accept(self) -> None:
        self._run(self.attempt)

    def _run(self, step: Callable[[], object]) -> None:
        try:
            step()
        except ServiceError as exc:
            self.error.setText(str(exc))
            self.error.show()
            return
        self.accept()
