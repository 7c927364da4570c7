"""The patient in front, their whole record at a glance: details, appointments to come and
past, the CO2 series, the intake and the handouts given; and the desk's steps from there."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial

from PySide6.QtCore import QSize, Qt, QTimer, Signal, SignalInstance
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QGridLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStackedLayout,
    QVBoxLayout,
    QWidget,
)

from frontdesk.domain.appointments import ListedAppointment
from frontdesk.domain.dates import age_on, format_day, format_moment
from frontdesk.domain.patients import Patient
from frontdesk.domain.phones import display_phone
from frontdesk.services.errors import ServiceError
from frontdesk.ui.operations import call_here


@dataclass(frozen=True)
class PatientRecord:
    """What the pane shows beside the patient's own fields (read through the services)."""

    upcoming: list[ListedAppointment] = field(default_factory=list)  # soonest first
    past: list[ListedAppointment] = field(default_factory=list)  # newest first
    series: str = ""  # where the CO2 series stands, '' when none
    intake: str = ""  # the newest intake in a line, '' when none
    handouts: list[str] = field(default_factory=list)  # newest first
    now: datetime | None = None


def _stamp_date(stamp: str) -> str:
    return format_day(date.fromisoformat(stamp[:10])) if stamp else ""


def appointment_line(listed: ListedAppointment) -> str:
    """'Mon, Dec 7, 2026, 10:00 am - Consultation - Booked'."""
    a = listed.appointment
    return f"{format_moment(a.starts)} - {listed.type_name} - {a.status.label}"


PAST = "Past and cancelled"


class _Fields(QScrollArea):
    """Asks for the height of all its fields (a plain scroll area asks for a fixed guess)."""

    def sizeHint(self) -> QSize:
        inner = self.widget()
        if inner is None:
            return QSize(0, 0)
        hint = inner.sizeHint()
        layout = inner.layout()
        # The fields' own width is the viewport's (the area resizes them to it). Not asked of
        # viewport(): its first call makes PySide6 set up every QWidget class (~8 ms).
        width = inner.width()
        if layout is not None and layout.hasHeightForWidth() and width > 0:
            # At the width it has, wrapped lines take more height than at the width it asked
            # for: asking for that keeps a scroll bar (which cut the text) from appearing.
            return QSize(hint.width(), max(hint.height(), layout.heightForWidth(width)) + 2)
        return QSize(hint.width(), hint.height() + 2)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.updateGeometry()  # the height it needs follows its width


class PatientDetailPane(QFrame):
    edit_requested = Signal(int)
    archive_requested = Signal(int)
    restore_requested = Signal(int)
    book_requested = Signal(int)  # patient id
    move_requested = Signal(object)  # the ListedAppointment selected
    cancel_requested = Signal(object)  # the ListedAppointment selected
    handout_requested = Signal(int)
    intake_requested = Signal(int)
    series_requested = Signal(int)

    def __init__(
        self,
        today: Callable[[], date],
        progress: Callable[[int], str] | None = None,
        handouts: Callable[[int], str] | None = None,
        parent: QWidget | None = None,
        record: Callable[[int], PatientRecord] | None = None,
    ) -> None:
        """`record` reads the appointments, series, intake and handouts of a patient (the
        main window gives it); `progress` and `handouts` are the older one-line lookups."""
        super().__init__(parent)
        self.setObjectName("patientDetail")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setMinimumWidth(320)
        self._today = today
        self._patient: Patient | None = None
        self.record: PatientRecord | None = None
        # The record is read after the pane is shown: the laser code loads on first use,
        # never on the way to the first paint.
        self.progress = progress
        self.handouts = handouts
        self.lookup = record
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
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        for key, label in [
            ("dob", "Born"),
            ("phone", "Phone"),
            ("email", "Email"),
            ("finding", "Latest finding"),
            ("intake", "Intake"),
            ("series", "CO2 series"),
            ("handouts", "Handouts"),
            ("notes", "Notes"),
        ]:
            value = QLabel()
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setObjectName(f"detail_{key}")
            self.values[key] = value
            form.addRow(label, value)
        # Said once, in the small line at the foot of the record.
        for key in ("age", "registered", "updated", "number"):
            self.values[key] = QLabel()
            self.values[key].setObjectName(f"detail_{key}")
        self.footer = QLabel()
        self.footer.setObjectName("detailFooter")
        self.footer.setWordWrap(True)
        self.footer.setStyleSheet("color: palette(mid);")

        self.appointments_title = QLabel("<b>Appointments</b>")
        self.appointments = QListWidget()
        self.appointments.setObjectName("detailAppointments")
        self.appointments.setAccessibleName("The patient's appointments")
        self.appointments.setMinimumHeight(72)  # three lines at least
        # The list takes what the fields leave (its own wish of 192 px is not asked for).
        self.appointments.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Ignored)
        self.appointments.setWordWrap(True)
        self.appointments.currentItemChanged.connect(lambda *_: self._update_buttons())

        def button(text: str, name: str, accessible: str) -> QPushButton:
            made = QPushButton(text)
            made.setObjectName(name)
            made.setAccessibleName(accessible)
            return made

        self.book_button = button("&Book…", "detailBook", "Book an appointment")
        self.move_button = button("&Move…", "detailMove", "Move the selected appointment")
        self.cancel_button = button("&Cancel appt…", "detailCancel", "Cancel the appointment")
        self.handout_button = button("&Handout…", "detailHandout", "Print a handout")
        self.intake_button = button("&Intake", "detailIntake", "Open the intake")
        self.series_button = button("&Series", "detailSeries", "Open the CO2 series")
        self.edit_button = button("&Edit…", "detailEdit", "Edit patient")
        self.archive_button = button("&Archive…", "detailArchive", "Archive patient")
        self.restore_button = button("&Restore", "detailRestore", "Restore patient")
        self.move_button.setToolTip("Select an appointment still to come in the list above.")
        self.cancel_button.setToolTip("Select an appointment still to come in the list above.")
        for made, signal in (
            (self.edit_button, self.edit_requested),
            (self.archive_button, self.archive_requested),
            (self.restore_button, self.restore_requested),
            (self.book_button, self.book_requested),
            (self.handout_button, self.handout_requested),
            (self.intake_button, self.intake_requested),
            (self.series_button, self.series_requested),
        ):
            made.clicked.connect(lambda _=False, s=signal: self._emit(s))
        self.move_button.clicked.connect(lambda: self._emit_selected(self.move_requested))
        self.cancel_button.clicked.connect(lambda: self._emit_selected(self.cancel_requested))
        buttons = QGridLayout()
        buttons.setSpacing(8)
        for row, trio in enumerate(
            (
                (self.book_button, self.move_button, self.cancel_button),
                (self.handout_button, self.intake_button, self.series_button),
                (self.edit_button, self.archive_button, self.restore_button),
            )
        ):
            for place, made in enumerate(trio):
                buttons.addWidget(made, row, place)

        # The name, the appointments and the buttons always in sight; on a small screen the
        # fields scroll in their own area and the appointments list shows fewer rows.
        fields = QWidget()
        form.setContentsMargins(0, 0, 0, 0)
        fields.setLayout(form)
        self.fields = _Fields()
        self.fields.setObjectName("detailFields")
        self.fields.setWidget(fields)
        self.fields.setWidgetResizable(True)
        self.fields.setFrameShape(QFrame.Shape.NoFrame)
        self.fields.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.fields.setMinimumHeight(64)
        page = QWidget()
        column = QVBoxLayout(page)
        column.setContentsMargins(16, 16, 16, 8)
        column.setSpacing(8)
        column.addWidget(self.name)
        column.addWidget(self.status)
        column.addWidget(self.fields)
        column.addWidget(self.appointments_title)
        column.addWidget(self.appointments, 1)
        column.addWidget(self.footer)
        column.addLayout(buttons)

        self._stack = QStackedLayout(self)
        self._stack.addWidget(self.empty)
        self._stack.addWidget(page)
        self.show_patient(None)

    @property
    def patient(self) -> Patient | None:
        return self._patient

    def show_patient(self, patient: Patient | None) -> None:
        self._patient = patient
        if patient is None:
            self.record = None
            self._stack.setCurrentIndex(0)
            return
        self._stack.setCurrentIndex(1)
        self.name.setText(patient.full_name)
        self.status.setText(
            "Archived: hidden from the list and searches" if patient.archived else "Active patient"
        )
        age = age_on(patient.dob, self._today())
        self.values["dob"].setText(f"{format_day(patient.dob)} (age {age})")
        self.values["age"].setText(str(age))
        self.values["phone"].setText(display_phone(patient.phone_e164) or "none given")
        self.values["email"].setText(patient.email or "none given")
        self.values["finding"].setText(patient.finding or "intake due")
        waiting = self.lookup is not None
        self.values["intake"].setText("…" if waiting else "none")
        self.values["series"].setText("none" if self.progress is None and not waiting else "…")
        self.values["handouts"].setText("none" if self.handouts is None and not waiting else "…")
        if waiting or self.progress is not None or self.handouts is not None:
            self._progress_timer.start(0)
        self.values["notes"].setText(patient.notes or "no notes")
        self.values["registered"].setText(_stamp_date(patient.created_at))
        self.values["updated"].setText(_stamp_date(patient.updated_at))
        self.values["number"].setText(f"#{patient.id}")
        self.footer.setText(
            f"Patient #{patient.id} · registered {_stamp_date(patient.created_at)}"
            f" · last changed {_stamp_date(patient.updated_at)}"
        )
        self.archive_button.setVisible(not patient.archived)
        self.restore_button.setVisible(patient.archived)
        self.fields.updateGeometry()  # the scroll area asks for its fields' new height
        self._update_buttons()

    def _show_progress(self) -> None:
        if self._patient is None:
            return
        if self.lookup is not None:
            self._show_record()
            return
        patient_id = self._patient.id
        for key, lookup in (("series", self.progress), ("handouts", self.handouts)):
            if lookup is None:
                continue
            label = self.values[key]

            def refused(exc: ServiceError, label: QLabel = label) -> bool:
                label.setText(str(exc))  # said in its own line, not in a box
                return True

            got = call_here(
                self, partial(lookup, patient_id), title="Patient record", on_refusal=refused
            )
            if got is not None:
                label.setText(got.value or "none")

    def _unreadable(self, exc: ServiceError) -> bool:
        """The record refused (e.g. the database is busy): said in its own lines."""
        for key in ("intake", "series", "handouts"):
            self.values[key].setText(str(exc))
        return True

    def show_record_now(self) -> None:
        """Reads the record at once (the timer does it after the first paint)."""
        self._progress_timer.stop()
        self._show_progress()

    def _show_record(self) -> None:
        assert self._patient is not None and self.lookup is not None
        kept = self.selected_appointment()
        self.appointments.clear()
        lookup, patient_id = self.lookup, self._patient.id
        got = call_here(
            self, lambda: lookup(patient_id), title="Patient record", on_refusal=self._unreadable
        )
        if got is None:
            self.record = None
            self._update_buttons()
            return
        record = self.record = got.value
        self.values["intake"].setText(record.intake or "none yet")
        self.values["series"].setText(record.series or "none")
        self.values["handouts"].setText("\n".join(record.handouts) or "none given")
        self.fields.updateGeometry()
        self.appointments_title.setText(
            f"<b>Appointments</b>: {len(record.upcoming)} to come,"
            f" {len(record.past)} past or cancelled"
        )
        if not record.upcoming and not record.past:
            self._add_heading("No appointments yet: Book… makes one.")
        if record.upcoming:
            self._add_heading("To come")
            for listed in record.upcoming:
                self._add_appointment(listed)
        if record.past:
            # A cancelled visit next month is not to come: listed here, struck through.
            self._add_heading(PAST)
            for listed in record.past:
                self._add_appointment(listed)
        if kept is not None:
            for row in range(self.appointments.count()):
                item = self.appointments.item(row)
                listed = item.data(Qt.ItemDataRole.UserRole)
                if listed is not None and listed.appointment.id == kept.appointment.id:
                    self.appointments.setCurrentItem(item)
        self._update_buttons()

    def _add_heading(self, text: str) -> None:
        item = QListWidgetItem(text)
        item.setFlags(Qt.ItemFlag.NoItemFlags)
        font = item.font()
        font.setBold(True)
        item.setFont(font)
        self.appointments.addItem(item)

    def _add_appointment(self, listed: ListedAppointment) -> None:
        item = QListWidgetItem(appointment_line(listed))
        item.setData(Qt.ItemDataRole.UserRole, listed)
        item.setToolTip(appointment_line(listed))
        if listed.appointment.status.cancelled:
            font = item.font()
            font.setStrikeOut(True)
            item.setFont(font)
        self.appointments.addItem(item)

    def appointment_lines(self) -> list[str]:
        """What the list says, headings included (for tests and the screen reader)."""
        return [self.appointments.item(i).text() for i in range(self.appointments.count())]

    def select_appointment(self, appointment_id: int) -> bool:
        for row in range(self.appointments.count()):
            listed = self.appointments.item(row).data(Qt.ItemDataRole.UserRole)
            if listed is not None and listed.appointment.id == appointment_id:
                self.appointments.setCurrentRow(row)
                return True
        return False

    def selected_appointment(self) -> ListedAppointment | None:
        item = self.appointments.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def _update_buttons(self) -> None:
        selected = self.selected_appointment()
        to_come = selected is not None and selected.appointment.status.movable
        has_patient = self._patient is not None
        for made in (self.book_button, self.handout_button, self.intake_button,
                     self.series_button):  # fmt: skip
            made.setEnabled(has_patient)
        self.book_button.setEnabled(self._patient is not None and not self._patient.archived)
        self.move_button.setEnabled(to_come)
        self.cancel_button.setEnabled(to_come)

    def _emit(self, signal: SignalInstance) -> None:
        if self._patient is not None:
            signal.emit(self._patient.id)

    def _emit_selected(self, signal: SignalInstance) -> None:
        selected = self.selected_appointment()
        if selected is not None and self._patient is not None:
            signal.emit(selected)
