"""One look for what the desk must fix: the same red, hidden until there is something to say."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel

ERROR_COLOUR = "#b3261e"
ERROR_STYLE = f"color: {ERROR_COLOUR};"


def error_label(name: str = "", *, wrap: bool = True) -> QLabel:
    label = QLabel()
    if name:
        label.setObjectName(name)
    label.setStyleSheet(ERROR_STYLE)
    label.setWordWrap(wrap)
    label.hide()
    return label
