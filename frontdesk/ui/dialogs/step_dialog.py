"""A small dialog that does one write on OK: refused, it says why and stays open."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QVBoxLayout, QWidget

from frontdesk.services.clinic import Clinic
from frontdesk.services.errors import ServiceError
from frontdesk.ui.error_label import error_label
from frontdesk.ui.operations import Operations


class StepDialog(QDialog):
    """Subclasses add their fields to `self.body`, then call `finish()`; OK runs `attempt`.

    The step is a write through the main window's `Operations` (`self.write(ops, ...)`, or a
    callback of the opener's that does one): `ops` runs it, says a refusal, announces it. The
    dialog itself runs nothing on a connection of its own."""

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

    def attempt(self) -> object:
        """The step: `self.write(ops, ...)`, or the opener's callback that writes through its
        `ops`. False: refused (already said), the dialog stays open; anything else accepts it."""
        raise NotImplementedError

    def _accept(self) -> None:
        if self.attempt() is not False:
            self.accept()

    def write(self, ops: Operations, call: Callable[[Clinic], object]) -> bool:
        """The step as a write through the window's `ops` (announced to every view); a
        refusal is said in the error line. For `attempt` to return."""
        return (
            ops.write(self, call, title=self.windowTitle(), on_refusal=self.show_refusal)
            is not None
        )

    def show_refusal(self, exc: ServiceError) -> bool:
        """Said in the error line (True: shown), for `ops` and the openers' callbacks."""
        self.error.setText(str(exc))
        self.error.show()
        return True
