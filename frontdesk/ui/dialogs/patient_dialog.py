"""Register a new patient or correct one: every problem said next to its field.

Who they are and how to reach them on the left; the optional registration details (language,
address, emergency contact, how they heard of us, consent to texts and email) on the right,
so that the form stays within a 1366x768 screen. A possible duplicate (same name and birthday,
same phone or same email) is said inside the form, with the record found one click away.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from frontdesk.domain.dates import DateFormatError, age_on, format_day, format_long, parse_date
from frontdesk.domain.patients import (
    HEARD_FROM,
    LANGUAGES,
    Patient,
    PatientDraft,
    duplicate_reasons,
    validate,
)
from frontdesk.domain.phones import PhoneError, parse_phone
from frontdesk.services.changes import Changes, Entity
from frontdesk.services.errors import PossibleDuplicate, ServiceError, ValidationFailed
from frontdesk.services.patients import PatientService
from frontdesk.services.signed_in import SignedIn
from frontdesk.ui import prompts
from frontdesk.ui.error_label import ERROR_STYLE
from frontdesk.ui.operations import Operations
from frontdesk.ui.widgets.changed_elsewhere import ChangedElsewhereBanner

FIELDS = (
    "first_name",
    "last_name",
    "dob",
    "phone",
    "email",
    "language",
    "notes",
    "address",
    "emergency_name",
    "emergency_phone",
    "heard_from",
    "heard_from_other",
    "consent_sms",
    "consent_email",
)
TYPED_LABELS = {  # how the note after "Open the existing record" names what was typed
    "phone": "phone",
    "email": "email",
    "address": "address",
    "emergency_name": "emergency contact",
    "emergency_phone": "emergency phone",
    "notes": "notes",
}
WARNING_STYLE = (
    "QFrame#duplicateWarning { background: #fff4e0; border: 1px solid #d9a441;"
    " border-radius: 4px; }"
)
SHOWN_MATCHES = 3


class PatientDialog(QDialog):
    saved = Signal(object)  # the Patient as stored
    existing_opened = Signal(object)  # the Patient whose record replaced the form

    def __init__(
        self,
        patients: PatientService,
        actor: Callable[[], SignedIn],
        today: Callable[[], date],
        patient: Patient | None = None,
        parent: QWidget | None = None,
        *,
        ops: Operations,
    ) -> None:
        """The save and the existing record's read run through `ops` (the main window's): the
        save on a connection of its own, announced to every view. `patients` is not used: it
        stays first so that the openers' positional calls keep working."""
        super().__init__(parent)
        self._ops = ops
        self._actor = actor
        self._today = today
        self._patient = patient
        self._matches: list[Patient] = []
        self._warned: object = None  # the form's fields when the duplicate warning was shown
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
        self.language = QComboBox()
        for code, label in LANGUAGES.items():
            self.language.addItem(label, code)
        self.notes = QPlainTextEdit()
        self.notes.setTabChangesFocus(True)
        self.notes.setFixedHeight(72)
        self.age_hint = QLabel()
        self.age_hint.setObjectName("ageHint")

        self.address = QLineEdit()
        self.address.setPlaceholderText("Street, city, state, ZIP")
        self.emergency_name = QLineEdit()
        self.emergency_name.setPlaceholderText("Name, and how they are related")
        self.emergency_phone = QLineEdit()
        self.emergency_phone.setPlaceholderText("(818) 555-0199")
        self.heard_from = QComboBox()
        for code, label in HEARD_FROM.items():
            self.heard_from.addItem(label, code)
        self.heard_from_other = QLineEdit()
        self.heard_from_other.setPlaceholderText("Where? (e.g. a radio ad)")
        self.consent_sms = QCheckBox("&Text messages")
        self.consent_email = QCheckBox("E&mail")

        self._errors: dict[str, QLabel] = {}
        left = self._form(
            [
                ("first_name", "&First name*", self.first_name),
                ("last_name", "&Last name*", self.last_name),
                ("dob", "Date of &birth*", self.dob),
                ("phone", "&Phone", self.phone),
                ("email", "&Email", self.email),
                ("language", "Lan&guage", self.language),
                ("notes", "N&otes", self.notes),
            ]
        )
        consent = QHBoxLayout()
        consent.addWidget(self.consent_sms)
        consent.addWidget(self.consent_email)
        consent.addStretch(1)
        right = self._form(
            [
                ("address", "&Address", self.address),
                ("emergency_name", "Emergency &contact", self.emergency_name),
                ("emergency_phone", "Emergenc&y phone", self.emergency_phone),
                ("heard_from", "&Heard of us", self.heard_from),
                ("heard_from_other", "", self.heard_from_other),
                ("consent_sms", "May contact by", consent),
            ]
        )
        self._errors["consent_email"] = self._errors["consent_sms"]
        for widget, name in (
            (self.language, "Preferred language"),
            (self.emergency_name, "Emergency contact"),
            (self.emergency_phone, "Emergency contact's phone"),
            (self.heard_from, "How they heard of the clinic"),
            (self.heard_from_other, "How they heard of the clinic, other"),
            (self.consent_sms, "May contact by text message"),
            (self.consent_email, "May contact by email"),
        ):
            widget.setAccessibleName(name)
        more = QGroupBox("More details (all optional)")
        more.setObjectName("moreDetails")
        more.setLayout(right)
        columns = QHBoxLayout()
        columns.setSpacing(16)
        columns.addLayout(left, 1)
        columns.addWidget(more, 1, Qt.AlignmentFlag.AlignTop)

        self.duplicate_box = QFrame()
        self.duplicate_box.setObjectName("duplicateWarning")
        self.duplicate_box.setStyleSheet(WARNING_STYLE)
        self.duplicate_text = QLabel()
        self.duplicate_text.setObjectName("duplicateText")
        self.duplicate_text.setWordWrap(True)
        self.duplicate_text.setTextFormat(Qt.TextFormat.RichText)
        self.duplicate_choice = QComboBox()
        self.duplicate_choice.setAccessibleName("Which existing record")
        self.open_existing_button = QPushButton("Open the e&xisting record")
        self.save_anyway_button = QPushButton("Save as a &new patient anyway")
        self.open_existing_button.clicked.connect(self.open_existing)
        self.save_anyway_button.clicked.connect(self.save_anyway)
        duplicate_buttons = QHBoxLayout()
        duplicate_buttons.addWidget(self.duplicate_choice, 1)
        duplicate_buttons.addWidget(self.open_existing_button)
        duplicate_buttons.addWidget(self.save_anyway_button)
        box = QVBoxLayout(self.duplicate_box)
        box.setContentsMargins(8, 8, 8, 8)
        box.addWidget(self.duplicate_text)
        box.addLayout(duplicate_buttons)
        self.duplicate_box.hide()

        self.opened_note = QLabel()
        self.opened_note.setObjectName("openedExistingNote")
        self.opened_note.setWordWrap(True)
        self.opened_note.setStyleSheet("color: #8a5300;")
        self.opened_note.hide()

        # Said at once when this record is saved at another desk or window meanwhile.
        self.elsewhere = ChangedElsewhereBanner("&Load the saved version")
        self.elsewhere.reload_requested.connect(self.load_saved_version)
        self._newer: Patient | None = None
        ops.changed_elsewhere.connect(self._heard_elsewhere)

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
        layout.addWidget(self.elsewhere)
        layout.addWidget(self.opened_note)
        layout.addLayout(columns)
        layout.addWidget(self.duplicate_box)
        layout.addWidget(required)
        layout.addWidget(self.buttons)

        if patient is not None:
            self._fill(patient.as_draft())
        self._initial = self.draft()
        for key in FIELDS:
            self._watch(key)
        self.dob.textChanged.connect(self._update_age_hint)
        self.phone.editingFinished.connect(lambda: self._tidy_phone(self.phone))
        self.emergency_phone.editingFinished.connect(lambda: self._tidy_phone(self.emergency_phone))
        self.heard_from.currentIndexChanged.connect(self._update_other)
        self._update_age_hint()
        self._update_other()
        self.setMinimumWidth(760)

    def _form(self, rows: list[tuple[str, str, QWidget | QLayout]]) -> QFormLayout:
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.setVerticalSpacing(4)
        for key, label, widget in rows:
            if isinstance(widget, QWidget) and label:  # a layout row names its own fields
                widget.setAccessibleName(label.replace("&", "").rstrip("*"))
            form.addRow(label, widget)
            if key == "dob":
                form.addRow("", self.age_hint)
            error = QLabel()
            error.setObjectName(f"{key}Error")
            error.setStyleSheet(ERROR_STYLE)
            error.setWordWrap(True)
            # The fields only grow when they expand: a wrapped message must too, or it is
            # squeezed to its first guess ("Last name is required." cut through its lines).
            error.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
            error.hide()
            self._errors[key] = error
            form.addRow("", error)
        return form

    def _watch(self, key: str) -> None:
        widget = getattr(self, key)
        if isinstance(widget, QComboBox):
            signal = widget.currentIndexChanged
        elif isinstance(widget, QCheckBox):
            signal = widget.toggled
        else:
            signal = widget.textChanged
        signal.connect(lambda *_, k=key: self._changed(k))

    # -- form state -----------------------------------------------------------------------
    def _fill(self, draft: PatientDraft) -> None:
        self.first_name.setText(draft.first_name)
        self.last_name.setText(draft.last_name)
        self.dob.setText(draft.dob)
        self.phone.setText(draft.phone)
        self.email.setText(draft.email)
        self.notes.setPlainText(draft.notes)
        self.language.setCurrentIndex(max(0, self.language.findData(draft.language)))
        self.address.setText(draft.address)
        self.emergency_name.setText(draft.emergency_name)
        self.emergency_phone.setText(draft.emergency_phone)
        self.heard_from.setCurrentIndex(max(0, self.heard_from.findData(draft.heard_from)))
        self.heard_from_other.setText(draft.heard_from_other)
        self.consent_sms.setChecked(draft.consent_sms)
        self.consent_email.setChecked(draft.consent_email)

    def draft(self) -> PatientDraft:
        other = self.heard_from.currentData() == "other"
        return PatientDraft(
            first_name=self.first_name.text(),
            last_name=self.last_name.text(),
            dob=self.dob.text(),
            phone=self.phone.text(),
            email=self.email.text(),
            notes=self.notes.toPlainText(),
            language=self.language.currentData(),
            address=self.address.text(),
            emergency_name=self.emergency_name.text(),
            emergency_phone=self.emergency_phone.text(),
            heard_from=self.heard_from.currentData(),
            heard_from_other=self.heard_from_other.text() if other else "",
            consent_sms=self.consent_sms.isChecked(),
            consent_email=self.consent_email.isChecked(),
        )

    def error_text(self, key: str) -> str:
        label = self._errors[key]
        return label.text() if not label.isHidden() else ""

    def _show_errors(self, errors: dict[str, str]) -> None:
        for key, label in self._errors.items():
            message = errors.get(key, "")
            if key == "consent_email" and not message:
                continue  # one line for both boxes: consent_sms's
            label.setText(message)
            label.setVisible(bool(message))
        first_bad = next((k for k in FIELDS if k in errors), None)
        if first_bad:
            getattr(self, first_bad).setFocus()

    def _changed(self, key: str) -> None:
        self._errors[key].hide()
        if self.duplicate_box.isVisible() and self._warned != self._fields_now():
            self.duplicate_box.hide()  # the warning was about what was typed then

    def _fields_now(self):
        """The form as it would be saved (None while it would be refused): a phone tidied
        when leaving its field is the same number."""
        return validate(self.draft(), self._today()).fields

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

    def _update_other(self) -> None:
        other = self.heard_from.currentData() == "other"
        self.heard_from_other.setVisible(other)

    def _tidy_phone(self, field: QLineEdit) -> None:
        try:
            phone = parse_phone(field.text())
        except PhoneError:
            return
        if phone is not None and phone.display != field.text():
            field.setText(phone.display)

    # -- saving -----------------------------------------------------------------------------
    def save(self) -> None:
        """Saves, or keeps the dialog open with the reasons; a refused save changes nothing."""
        self._save(confirm_duplicate=False)

    def save_anyway(self) -> None:
        """The desk checked the possible duplicate: a different person. Saves what is typed."""
        self._save(confirm_duplicate=True)

    def _save(self, confirm_duplicate: bool) -> None:
        write = self._write(self.draft(), confirm_duplicate)
        got = self._ops.write(
            self, lambda c: write(c.patients), title="Not saved", on_refusal=self._refused
        )
        if got is None:
            return
        self.saved.emit(got.value)
        self.accept()

    def _write(
        self, draft: PatientDraft, confirm_duplicate: bool
    ) -> Callable[[PatientService], Patient]:
        """The save as a call (it may run on a connection of its own): what is typed, by
        whom, over which version, read here on the GUI thread."""
        actor = self._actor()
        if self._patient is None:
            return lambda patients: patients.register(
                actor, draft, confirm_duplicate=confirm_duplicate, by_contact=True
            )
        patient_id, version = self._patient.id, self._patient.version
        return lambda patients: patients.update(
            actor,
            patient_id,
            draft,
            expected_version=version,
            confirm_duplicate=confirm_duplicate,
            by_contact=True,
        )

    def _warn_duplicate(self, matches: list[Patient]) -> None:
        """Nothing saved: who was found and why, with the way to their record."""
        self._matches = list(matches)
        fields = self._warned = self._fields_now()
        lines = []
        for match in matches[:SHOWN_MATCHES]:
            why = " and ".join(duplicate_reasons(fields, match)) if fields else ""
            archived = ", archived" if match.archived else ""
            lines.append(
                f"<b>{escape(match.full_name)}</b> (#{match.id}{archived}), born"
                f" {escape(format_day(match.dob))}" + (f": {escape(why)}" if why else "")
            )
        more = len(matches) - SHOWN_MATCHES
        if more > 0:
            lines.append(f"and {more} more")
        self.duplicate_text.setText(
            "<b>Not saved yet: this may be someone already registered.</b><br>"
            + "<br>".join(lines)
            + "<br>Open their record, or save as a new patient if this is someone else."
        )
        self.duplicate_choice.clear()
        for match in matches:
            self.duplicate_choice.addItem(
                f"{match.full_name} (#{match.id}), born {format_day(match.dob)}", match.id
            )
        self.duplicate_choice.setVisible(len(matches) > 1)
        self.save_anyway_button.setText(
            "Save as a &new patient anyway" if self._patient is None else "Save &anyway"
        )
        self.duplicate_box.show()
        self.open_existing_button.setFocus()

    def open_existing(self) -> None:
        """The form becomes the existing record (as stored now); nothing typed is saved, and
        what was typed differently is listed so that it can be added by hand."""
        if not self._matches:
            return
        chosen = self.duplicate_choice.currentData() or self._matches[0].id
        got = self._ops.read(self, lambda c: c.patients.get(chosen), title="Not opened")
        if got is None:
            return
        existing = got.value
        typed = self.draft()
        stored = existing.as_draft()
        differing = [
            f"{label} {getattr(typed, key)!s}".replace("\n", " ")
            for key, label in TYPED_LABELS.items()
            if getattr(typed, key).strip() and getattr(typed, key).strip() != getattr(stored, key)
        ]
        self._patient = existing
        self._matches = []
        self.setWindowTitle(f"Edit {existing.full_name}")
        self._fill(stored)
        self._initial = self.draft()
        self.duplicate_box.hide()
        for label in self._errors.values():
            label.hide()
        note = f"This is the record of {existing.full_name} (#{existing.id}) as stored."
        if differing:
            note += " Not saved from the form: " + "; ".join(differing) + "."
        self.opened_note.setText(note)
        self.opened_note.show()
        self.existing_opened.emit(existing)

    def _refused(self, exc: ServiceError) -> bool:
        """Field errors next to their fields, a possible duplicate with the way to their
        record; anything else (changed elsewhere, not allowed) is said in a box."""
        if isinstance(exc, PossibleDuplicate):
            self._warn_duplicate(exc.matches)
            return True
        if isinstance(exc, ValidationFailed):
            self._show_errors(exc.errors)
            return True
        return False

    # -- changed at another desk --------------------------------------------------------------
    def _heard_elsewhere(self, changes: Changes) -> None:
        """Another desk or window saved: if it was this record, say so now, typing kept."""
        patient = self._patient
        if patient is None or not self.isVisible():
            return
        if not (changes.everything or patient.id in changes.ids(Entity.PATIENT)):
            return
        patient_id = patient.id
        got = self._ops.read(
            self, lambda c: c.patients.get(patient_id), title="Patient", on_refusal=lambda _e: True
        )
        if got is None or got.value.version == patient.version:
            return  # not this record after all (SQLite says only "something changed")
        self._newer = got.value
        self.elsewhere.say(
            f"{got.value.full_name}'s record was just saved at another desk or window. What"
            " you typed is still here, but saving it now would undo their change, so it would"
            " be refused: load the saved version, then make your change again."
        )

    def load_saved_version(self) -> None:
        """The form becomes the record as saved elsewhere (asked first if typing would go)."""
        newer = self._newer
        if newer is None:
            return
        if self.draft() != self._initial and not prompts.confirm(
            self,
            "Load the saved version?",
            "What you typed in this form will be replaced by the record as saved at the other"
            " desk.",
            "&Load the saved version",
        ):
            return
        self._patient, self._newer = newer, None
        self.setWindowTitle(f"Edit {newer.full_name}")
        self._fill(newer.as_draft())
        self._initial = self.draft()
        for label in self._errors.values():
            label.hide()
        self.elsewhere.hide()

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
