"""Register a new patient or correct one: every problem said next to its field."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from frontdesk.domain.dates import DateFormatError, age_on, format_long, parse_date
from frontdesk.domain.patients import Patient, PatientDraft
from frontdesk.domain.phones import PhoneError, parse_phone
from frontdesk.services.errors import PossibleDuplicate, ServiceError, ValidationFailed
from frontdesk.services.patients import PatientService
from frontdesk.services.signed_in import SignedIn
from frontdesk.ui import prompts
from frontdesk.ui.error_label import ERROR_STYLE

FIELDS = ("first_name", "last_name", "dob", "phone", "email", "notes")


class PatientDialog(QDialog):
    saved = Signal(object)  # the Patient as stored

    def __init__(
        self,
        patients: PatientService,
        actor: Callable[[], SignedIn],
        today: Callable[[], date],
        patient: Patient | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._patients = patients
        self._actor = actor
        self._today = today
        self._patient = patient
        self.setWindowTitle(f"Edit {patient.full_name}" if patient else "New patient")
        self.setObjectName("patientDialog")

        self.first_name = QLineEdit()
        self.last_name = QLineEdit()
        self.dob = QLineEdit()
        self.dob.setPlaceholderText("MM/DD/YYYY")
        self.phone = QLineEdit()
        self.phone.setPlaceholderText("(818) 555-0134")
        self.email = QLineEdit()
        self.email.setPlaceholderText("name@example.com")
        self.notes = QPlainTextEdit()
        self.notes.setTabChangesFocus(True)
        self.notes.setFixedHeight(72)
        self.age_hint = QLabel()
        self.age_hint.setObjectName("ageHint")

        self._errors: dict[str, QLabel] = {}
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.setVerticalSpacing(4)
        rows = [
            ("first_name", "&First name*", self.first_name),
            ("last_name", "&Last name*", self.last_name),
            ("dob", "Date of &birth*", self.dob),
            ("phone", "&Phone", self.phone),
            ("email", "&Email", self.email),
            ("notes", "N&otes", self.notes),
        ]
        for key, label, widget in rows:
            widget.setAccessibleName(label.replace("&", "").rstrip("*"))
            form.addRow(label, widget)
            if key == "dob":
                form.addRow("", self.age_hint)
            error = QLabel()
            error.setObjectName(f"{key}Error")
            error.setStyleSheet(ERROR_STYLE)
            error.hide()
            self._errors[key] = error
            form.addRow("", error)

        required = QLabel("* required")
        required.setStyleSheet("color: palette(mid);")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText("&Save")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 16)
        layout.setSpacing(8)
        layout.addLayout(form)
        layout.addWidget(required)
        layout.addWidget(self.buttons)

        if patient is not None:
            self._fill(patient.as_draft())
        self._initial = self.draft()
        for key in FIELDS:
            widget = getattr(self, key)
            signal = widget.textChanged
            signal.connect(lambda *_, k=key: self._clear_error(k))
        self.dob.textChanged.connect(self._update_age_hint)
        self.phone.editingFinished.connect(self._tidy_phone)
        self._update_age_hint()
        self.setMinimumWidth(460)

    # -- form state -----------------------------------------------------------------------
    def _fill(self, draft: PatientDraft) -> None:
        self.first_name.setText(draft.first_name)
        self.last_name.setText(draft.last_name)
        self.dob.setText(draft.dob)
        self.phone.setText(draft.phone)
        self.email.setText(draft.email)
        self.notes.setPlainText(draft.notes)

    def draft(self) -> PatientDraft:
        return PatientDraft(
            first_name=self.first_name.text(),
            last_name=self.last_name.text(),
            dob=self.dob.text(),
            phone=self.phone.text(),
            email=self.email.text(),
            notes=self.notes.toPlainText(),
        )

    def error_text(self, key: str) -> str:
        label = self._errors[key]
        return label.text() if not label.isHidden() else ""

    def _show_errors(self, errors: dict[str, str]) -> None:
        for key, label in self._errors.items():
            message = errors.get(key, "")
            label.setText(message)
            label.setVisible(bool(message))
        first_bad = next((k for k in FIELDS if k in errors), None)
        if first_bad:
            getattr(self, first_bad).setFocus()
        self.adjustSize()

    def _clear_error(self, key: str) -> None:
        self._errors[key].hide()

    def _update_age_hint(self) -> None:
        text = self.dob.text().strip()
        hint = ""
        if text:
            try:
                born = parse_date(text)
            except DateFormatError:
                hint = ""
            else:
                today = self._today()
                if born < today:
                    hint = f"{format_long(born)}: age {age_on(born, today)}"
        self.age_hint.setText(hint)
        self.age_hint.setVisible(bool(hint))

    def _tidy_phone(self) -> None:
        try:
            phone = parse_phone(self.phone.text())
        except PhoneError:
            return
        if phone is not None and phone.display != self.phone.text():
            self.phone.setText(phone.display)

    # -- saving -----------------------------------------------------------------------------
    def save(self) -> None:
        """Saves, or keeps the dialog open with the reasons; a refused save changes nothing."""
        draft = self.draft()
        try:
            stored = self._write(draft, confirm_duplicate=False)
        except PossibleDuplicate as dup:
            question = (
                f"{dup}\n\nIs this a different person with the same name and birthday?"
                " Save only if you are sure; otherwise cancel, then search for them to open the"
                " existing record."
            )
            if not prompts.confirm(self, "Possible duplicate", question, "&Save anyway"):
                return
            try:
                stored = self._write(draft, confirm_duplicate=True)
            except ServiceError as exc:
                self._refused(exc)
                return
        except ServiceError as exc:
            self._refused(exc)
            return
        self.saved.emit(stored)
        self.accept()

    def _write(self, draft: PatientDraft, confirm_duplicate: bool) -> Patient:
        if self._patient is None:
            return self._patients.register(
                self._actor(), draft, confirm_duplicate=confirm_duplicate
            )
        return self._patients.update(
            self._actor(),
            self._patient.id,
            draft,
            expected_version=self._patient.version,
            confirm_duplicate=confirm_duplicate,
        )

    def _refused(self, exc: ServiceError) -> None:
        if isinstance(exc, ValidationFailed):
            self._show_errors(exc.errors)
        else:
            prompts.warn(self, "Not saved", str(exc))

    def reject(self) -> None:
        """Escape or Cancel: typed work is only thrown away once the user says so."""
        if self.draft() != self._initial and not prompts.confirm(
            self,
            "Discard changes?",
            "What you typed in this form has not been saved.",
            "&Discard changes",
        ):
            return
        super().reject()

    def keyPressEvent(self, event) -> None:
        # Enter in a line edit saves; in the notes box it is a new line (handled there).
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not self.notes.hasFocus():
            self.save()
            return
        super().keyPressEvent(event)
