"""The clinic's name, address and phone: printed in the header of every handout."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from frontdesk.domain.handouts import ClinicInfo
from frontdesk.domain.staff import Staff
from frontdesk.services.errors import ServiceError
from frontdesk.services.handouts import HandoutService


class ClinicDialog(QDialog):
    def __init__(
        self,
        handouts: HandoutService,
        actor: Callable[[], Staff],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("clinicDialog")
        self.setWindowTitle("Clinic details")
        self._handouts = handouts
        self._actor = actor
        info = handouts.clinic_info()
        self.name = QLineEdit(info.name)
        self.address = QLineEdit(info.address)
        self.phone = QLineEdit(info.phone)
        form = QFormLayout()
        for label, field, accessible in (
            ("&Name:", self.name, "Clinic name"),
            ("&Address:", self.address, "Clinic address"),
            ("&Phone:", self.phone, "Clinic phone"),
        ):
            field.setAccessibleName(accessible)
            field.setMinimumWidth(320)
            form.addRow(label, field)
            form.labelForField(field).setBuddy(field)
        note = QLabel("Printed at the top of every handout, with the office hours.")
        note.setWordWrap(True)
        self.error = QLabel()
        self.error.setStyleSheet("color: #b3261e;")
        self.error.setWordWrap(True)
        self.error.hide()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 16)
        layout.setSpacing(8)
        layout.addWidget(note)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def save(self) -> None:
        info = ClinicInfo(self.name.text(), self.address.text(), self.phone.text())
        try:
            self._handouts.set_clinic_info(self._actor(), info)
        except ServiceError as exc:
            self.error.setText(str(exc))
            self.error.show()
            return
        self.accept()
