"""The clinic's name, full address and phones: printed on every handout."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLabel, QLineEdit, QWidget

from frontdesk.domain.handouts import ClinicInfo
from frontdesk.services.signed_in import SignedIn
from frontdesk.ui.dialogs.step_dialog import StepDialog
from frontdesk.ui.operations import Operations


class ClinicDialog(StepDialog):
    """Read and saved through `ops` (the main window's): a refusal (a missing phone, a
    ZIP code of four digits) is said in the dialog's line, a save announced to every view."""

    def __init__(
        self,
        ops: Operations,
        actor: Callable[[], SignedIn],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Clinic details", "&Save", parent)
        self.setObjectName("clinicDialog")
        self._ops = ops
        self._actor = actor
        self.save_button = self.ok
        got = ops.read(self, lambda c: c.handouts.clinic_info(), title="Clinic details")
        info = got.value if got is not None else ClinicInfo("", "", "")
        self.name = QLineEdit(info.name)
        self.address = QLineEdit(info.address)
        self.address.setPlaceholderText("16133 Ventura Blvd, Suite 100")
        self.city = QLineEdit(info.city)
        self.city.setPlaceholderText("Encino")
        self.state = QLineEdit(info.state)
        self.state.setPlaceholderText("CA")
        self.state.setMaxLength(2)
        self.state.setFixedWidth(48)
        self.zip_code = QLineEdit(info.zip_code)
        self.zip_code.setPlaceholderText("91436")
        self.zip_code.setMaxLength(10)
        self.zip_code.setFixedWidth(96)
        self.phone = QLineEdit(info.phone)
        self.after_hours_phone = QLineEdit(info.after_hours_phone)
        self.after_hours_phone.setPlaceholderText("Optional: a line answered after hours")
        town = QHBoxLayout()
        town.setSpacing(8)
        town.addWidget(self.city, 1)
        state_label = QLabel("S&tate:")
        state_label.setBuddy(self.state)
        town.addWidget(state_label)
        town.addWidget(self.state)
        zip_label = QLabel("&ZIP:")
        zip_label.setBuddy(self.zip_code)
        town.addWidget(zip_label)
        town.addWidget(self.zip_code)
        form = QFormLayout()
        for label, field, accessible in (
            ("&Name:", self.name, "Clinic name"),
            ("Street &address:", self.address, "Clinic street address"),
            ("&City:", self.city, "Clinic city"),
            ("&Phone:", self.phone, "Clinic phone"),
            ("A&fter hours:", self.after_hours_phone, "After-hours phone"),
        ):
            field.setAccessibleName(accessible)
            field.setMinimumWidth(320 if field is not self.city else 160)
            form.addRow(label, town if field is self.city else field)
            title = form.labelForField(town if field is self.city else field)
            if isinstance(title, QLabel):
                title.setBuddy(field)
        self.state.setAccessibleName("Clinic state")
        self.zip_code.setAccessibleName("Clinic ZIP code")
        note = QLabel(
            "Printed at the top and at the end of every handout, with the office hours; the"
            " consultation handout gives the street address as where to come."
        )
        note.setWordWrap(True)
        self.body.addWidget(note)
        self.body.addLayout(form)
        self.finish()

    def save(self) -> None:
        self._accept()

    def typed(self) -> ClinicInfo:
        return ClinicInfo(
            self.name.text(),
            self.address.text(),
            self.phone.text(),
            city=self.city.text(),
            state=self.state.text(),
            zip_code=self.zip_code.text(),
            after_hours_phone=self.after_hours_phone.text(),
        )

    def attempt(self) -> bool:
        actor, info = self._actor(), self.typed()
        return self.write(self._ops, lambda c: c.handouts.set_clinic_info(actor, info))
