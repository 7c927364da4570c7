"""The bottom row of a dialog that saves as it goes: what the last step did, and Close."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QHBoxLayout, QLabel


def status_and_close(
    dialog: QDialog, name: str, accessible: str
) -> tuple[QLabel, QDialogButtonBox, QHBoxLayout]:
    """Close is never the default button: Enter in a field must not close the dialog."""
    status = QLabel()
    status.setObjectName(name)
    status.setAccessibleName(accessible)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    buttons.button(QDialogButtonBox.StandardButton.Close).setAutoDefault(False)
    buttons.rejected.connect(dialog.reject)
    row = QHBoxLayout()
    row.setSpacing(8)
    row.addWidget(status, 1)
    row.addWidget(buttons)
    return status, buttons, row
