"""The selected patient at a glance, beside the list."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedLayout,
    QVBoxLayout,
    QWidget,
)

from frontdesk.domain.dates import age_on, format_long, format_us
from frontdesk.domain.patients import Patient
from frontdesk.domain.phones import display_phone
from frontdesk.services.errors import ServiceError


def _stamp_date(stamp: str) -> str:
    return format_us(date.fromisoformat(stamp[:10])) if stamp else ""


class PatientDetailPane(QFrame):
    edit_requested = Signal(int)
    archive_requested = Signal(int)
    restore_requested = Signal(int)

    def __init__(
        self,
        today: Callable[[], date],
        progress: Callable[[int], str] | None = None,
        handouts: Callable[[int], str] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("patientDetail")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setMinimumWidth(320)
        self._today = today
        self._patient: Patient | None = None
        # Where the patient's CO2 series stands, looked up after the pane is shown: the laser
        # code loads on first use, never on the way to the first paint.
        self.progress = progress
        self.handouts = handouts
        self._progress_timer = QTimer(self)
        self._progress_timer.setSingleShot(True)
        self._progress_timer.timeout.connect(self._show_progress)

        self.empty = QLabel("Select a patient to see their details.\n\nCtrl+N registers a new one.")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setStyleSheet("color: palette(mid);")

        self.name = QLabel()
        self.name.setObjectName("detailName")
        self.name.setWordWrap(True)
        self.name.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.name.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.name.setFont(font)
        self.status = QLabel()
        self.status.setObjectName("detailStatus")

        self.values: dict[str, QLabel] = {}
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        for key, label in [
            ("dob", "Born"),
            ("age", "Age"),
            ("phone", "Phone"),
            ("email", "Email"),
            ("finding", "Latest finding"),
            ("series", "CO2 series"),
            ("handouts", "Handouts"),
            ("notes", "Notes"),
            ("registered", "Registered"),
            ("updated", "Last changed"),
            ("number", "Patient no."),
        ]:
            value = QLabel()
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setObjectName(f"detail_{key}")
            self.values[key] = value
            form.addRow(label, value)

        self.edit_button = QPushButton("&Edit…")
        self.edit_button.setAccessibleName("Edit patient")
        self.archive_button = QPushButton("&Archive…")
        self.archive_button.setAccessibleName("Archive patient")
        self.restore_button = QPushButton("&Restore")
        self.restore_button.setAccessibleName("Restore patient")
        self.edit_button.clicked.connect(lambda: self._emit(self.edit_requested))
        self.archive_button.clicked.connect(lambda: self._emit(self.archive_requested))
        self.restore_button.clicked.connect(lambda: self._emit(self.restore_requested))
        buttons = QHBoxLayout()
        buttons.addWidget(self.edit_button)
        buttons.addWidget(self.archive_button)
        buttons.addWidget(self.restore_button)
        buttons.addStretch(1)

        details = QWidget()
        column = QVBoxLayout(details)
        column.setContentsMargins(16, 16, 16, 16)
        column.setSpacing(8)
        column.addWidget(self.name)
        column.addWidget(self.status)
        column.addLayout(form)
        column.addStretch(1)
        column.addLayout(buttons)

        self._stack = QStackedLayout(self)
        self._stack.addWidget(self.empty)
        self._stack.addWidget(details)
        self.show_patient(None)

    @property
    def patient(self) -> Patient | None:
        return self._patient

    def show_patient(self, patient: Patient | None) -> None:
        self._patient = patient
        if patient is None:
            self._stack.setCurrentIndex(0)
            return
        self._stack.setCurrentIndex(1)
        self.name.setText(patient.full_name)
        self.status.setText(
            "Archived: hidden from the list and searches" if patient.archived else "Active patient"
        )
        self.values["dob"].setText(format_long(patient.dob))
        self.values["age"].setText(str(age_on(patient.dob, self._today())))
        self.values["phone"].setText(display_phone(patient.phone_e164) or "none given")
        self.values["email"].setText(patient.email or "none given")
        self.values["finding"].setText(patient.finding or "intake due")
        self.values["series"].setText("none" if self.progress is None else "…")
        self.values["handouts"].setText("none" if self.handouts is None else "…")
        if self.progress is not None or self.handouts is not None:
            self._progress_timer.start(0)
        self.values["notes"].setText(patient.notes or "no notes")
        self.values["registered"].setText(_stamp_date(patient.created_at))
        self.values["updated"].setText(_stamp_date(patient.updated_at))
        self.values["number"].setText(f"#{patient.id}")
        self.archive_button.setVisible(not patient.archived)
        self.restore_button.setVisible(patient.archived)

    def _show_progress(self) -> None:
        if self._patient is None:
            return
        for key, lookup in (("series", self.progress), ("handouts", self.handouts)):
            if lookup is None:
                continue
            try:
                said = lookup(self._patient.id)
            except ServiceError as exc:
                said = str(exc)
            self.values[key].setText(said or "none")

    def _emit(self, signal: Signal) -> None:
        if self._patient is not None:
            signal.emit(self._patient.id)
