"""Printing a patient's handout: which one, in which language, then preview, print or PDF."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from html import escape
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from frontdesk.domain.dates import format_stamp
from frontdesk.domain.handouts import Kind, Language
from frontdesk.domain.patients import Patient
from frontdesk.handouts.render import Handout
from frontdesk.services.clinic import Clinic
from frontdesk.services.errors import ServiceError
from frontdesk.services.handouts import HandoutService
from frontdesk.services.signed_in import SignedIn
from frontdesk.ui import printing, prompts
from frontdesk.ui.error_label import error_label
from frontdesk.ui.operations import Operations
from frontdesk.ui.page_breaks import keep_headings_with_text

T = TypeVar("T")


class HandoutDialog(QDialog):
    """Every handout printed or saved is recorded on the patient; a preview alone is not."""

    recorded = Signal(str)  # what was done, for the status bar

    def __init__(
        self,
        handouts: HandoutService,
        actor: Callable[[], SignedIn],
        patient: Patient,
        kind: Kind = Kind.DARK_MARKS,
        parent: QWidget | None = None,
        *,
        ops: Operations,
    ) -> None:
        """Every call runs through `ops` (the main window's): a print is recorded on a
        connection of its own and announced to every view (the patient's record lists it).
        `handouts` is not used: it stays first so that the openers' positional calls keep
        working."""
        super().__init__(parent)
        self._ops = ops
        self.setObjectName("handoutDialog")
        self.setWindowTitle(f"Handout for {patient.full_name}")
        self._actor = actor
        self.patient = patient
        self.kind = QComboBox()
        self.kind.setAccessibleName("Handout")
        for k in Kind:
            self.kind.addItem(k.label, k)
        self.kind.setCurrentIndex(self.kind.findData(kind))
        self.language = QComboBox()
        self.language.setAccessibleName("Language")
        for lang in Language:
            self.language.addItem(lang.label, lang)
        remembered = self._quietly(lambda c: c.handouts.language_of(patient.id))
        self.language.setCurrentIndex(self.language.findData(remembered or Language.ENGLISH))
        form = QFormLayout()
        form.addRow("&Handout:", self.kind)
        form.addRow("&Language:", self.language)
        for field in (self.kind, self.language):
            label = form.labelForField(field)
            if isinstance(label, QLabel):
                label.setBuddy(field)
        self.preview_button = QPushButton("Pre&view…")
        self.print_button = QPushButton("&Print…")
        self.pdf_button = QPushButton("Save as P&DF…")
        row = QHBoxLayout()
        for button in (self.preview_button, self.print_button, self.pdf_button):
            row.addWidget(button)
        self.printed = QListWidget()
        self.printed.setObjectName("handoutsPrinted")
        self.printed.setAccessibleName("Handouts printed for this patient")
        self.printed.setMaximumHeight(110)
        self.printed.setWordWrap(True)
        self.printed.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.error = error_label()
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 16)
        layout.setSpacing(8)
        layout.addWidget(QLabel(f"<b>{escape(patient.full_name)}</b>"))
        info = self._quietly(lambda c: c.handouts.clinic_info())
        if info is not None:  # the header as it will print (none said when unreadable)
            phones = info.phone + (
                f", after hours {info.after_hours_phone}" if info.after_hours_phone else ""
            )
            header = QLabel(
                f"Header: {info.name}, {info.full_address}, {phones} (File > Clinic details)"
            )
            header.setTextFormat(Qt.TextFormat.PlainText)
            header.setWordWrap(True)
            header.setStyleSheet("color: palette(mid);")
            layout.addWidget(header)
        layout.addLayout(form)
        layout.addLayout(row)
        layout.addWidget(self.error)
        layout.addWidget(QLabel("Printed or saved before:"))
        layout.addWidget(self.printed)
        layout.addWidget(close)
        self.setMinimumWidth(560)
        self.preview_button.clicked.connect(self.preview)
        self.print_button.clicked.connect(self.print_now)
        self.pdf_button.clicked.connect(self.save_pdf)
        self._show_printed()

    def chosen(self) -> tuple[Kind, Language]:
        return self.kind.currentData(), self.language.currentData()

    def _quietly(self, call: Callable[[Clinic], T]) -> T | None:
        """A read whose refusal needs no words (what it would show is left out): None."""
        got = self._ops.read(self, call, title="Handout", on_refusal=lambda _exc: True)
        return None if got is None else got.value

    def _handout(self) -> Handout | None:
        kind, language = self.chosen()
        patient_id = self.patient.id
        got = self._ops.read(
            self,
            lambda c: c.handouts.render(kind, patient_id, language),
            title="Handout",
            on_refusal=lambda exc: self._fail(f"The handout could not be made: {exc}"),
        )
        if got is None:
            return None
        return replace(got.value, html=keep_headings_with_text(got.value.html))

    def preview(self) -> None:
        handout = self._handout()
        if handout is None:
            return
        printed = printing.print_preview(
            handout.html,
            self,
            title=handout.title,
            page_numbers=True,
            page_words=handout.page_words,
        )
        if printed:  # printed from the preview's own button
            self._record("printed")

    def print_now(self) -> None:
        handout = self._handout()
        if handout is None:
            return
        if printing.print_dialog(
            handout.html,
            self,
            title=handout.title,
            page_numbers=True,
            page_words=handout.page_words,
        ):
            self._record("printed")

    def save_pdf(self) -> None:
        handout = self._handout()
        if handout is None:
            return
        kind, language = self.chosen()
        name = f"{self.patient.last_name}-{kind.value}-{language.value}.pdf".replace(" ", "-")
        chosen = prompts.save_file(self, "Save the handout as PDF", name, "PDF (*.pdf)")
        if not chosen:
            return
        try:
            printing.save_pdf(
                handout.html,
                Path(chosen),
                title=handout.title,
                page_numbers=True,
                page_words=handout.page_words,
            )
        except OSError as exc:
            self._fail(f"The PDF was not saved: {exc}")
            return
        self._record("pdf")

    def _record(self, how: str) -> None:
        kind, language = self.chosen()
        actor, patient_id = self._actor(), self.patient.id
        got = self._ops.write(
            self,
            lambda c: c.handouts.record(actor, patient_id, kind, language, how),
            title="Not recorded",
            on_refusal=lambda exc: self._fail(str(exc)),
        )
        if got is None:
            return
        self.error.hide()
        self._show_printed()
        verb = "printed" if how == "printed" else "saved as PDF"
        self.recorded.emit(f"{kind.label} ({language.label}) {verb} for {self.patient.full_name}.")

    def _fail(self, text: str) -> bool:
        """Said under the buttons, not in a box (True: shown)."""
        self.error.setText(text)
        self.error.show()
        return True

    def _prints_unreadable(self, exc: ServiceError) -> bool:
        self.printed.addItem(str(exc))  # said in the list it would fill
        return True

    def _show_printed(self) -> None:
        self.printed.clear()
        patient_id = self.patient.id
        got = self._ops.read(
            self,
            lambda c: c.handouts.prints(patient_id),
            title="Handouts printed",
            on_refusal=self._prints_unreadable,
        )
        if got is None:
            return
        done = got.value
        for p in done:
            verb = "printed" if p.how == "printed" else "saved as PDF"
            self.printed.addItem(
                f"{format_stamp(p.at)} {p.kind.label} ({p.language.label}),"
                f" {verb} by {p.staff_name}"
            )
        if not done:
            self.printed.addItem("None yet.")
