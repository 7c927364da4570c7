"""The strip an open dialog shows when its record was saved at another desk or window.

Said at once, above the form, with what was typed left as it is; one button loads the saved
version (the dialog asks first when that would throw typing away). Saving over the other
change stays refused by the record's version check until then.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

STYLE = (
    "QFrame#changedElsewhere { background: #fff4e0; border: 1px solid #d9a441;"
    " border-radius: 4px; }"
)


class ChangedElsewhereBanner(QFrame):
    """Hidden until `say`; `reload_requested` when the desk asks for the saved version."""

    reload_requested = Signal()

    def __init__(self, button_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("changedElsewhere")
        self.setStyleSheet(STYLE)
        self.setAccessibleName("Changed elsewhere")
        self.text = QLabel()
        self.text.setObjectName("changedElsewhereText")
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.reload_button = QPushButton(button_text)
        self.reload_button.setObjectName("loadSavedVersion")
        self.reload_button.clicked.connect(self.reload_requested.emit)
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 8, 8, 8)
        row.setSpacing(8)
        row.addWidget(self.text, 1)
        row.addWidget(self.reload_button, 0, Qt.AlignmentFlag.AlignVCenter)
        self.hide()

    def say(self, text: str) -> None:
        self.text.setText(text)
        self.show()
