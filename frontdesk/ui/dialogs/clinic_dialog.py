"""The clinic's name, address and phone: printed in the header of every handout."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QWidget

from frontdesk.domain.handouts import ClinicInfo
from frontdesk.services.handouts import HandoutService
from frontdesk.services.signed_in import SignedIn
from frontdesk.ui.dialogs.step_dialog import StepDialog


class ClinicDialog(StepDialog):
    def __init__(
        self,
        handouts: HandoutService,
        actor: Callable[[], SignedIn],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Clinic details", "&Save", parent)
        self.setObjectName("clinicDialog")
        self._handouts = handouts
        self._actor = actor
        self.save_button = self.ok
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
        self.body.addWidget(note)
        self.body.addLayout(form)
        self.finish()

    def save(self) -> None:
        self._accept()

    def attempt(self) -> None:
        info = ClinicInfo(self.name.text(), self.address.text(), self.phone.text())
        self._handouts.set_clinic_info(self._actor(), info)
