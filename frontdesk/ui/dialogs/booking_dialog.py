"""Booking a patient in (or moving an appointment): who, what, when, with the free times shown."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from frontdesk.domain.appointments import (
    MAX_MINUTES,
    MIN_MINUTES,
    MINUTES_STEP,
    ListedAppointment,
    in_sentence,
)
from frontdesk.domain.booking import say_day, say_span
from frontdesk.domain.dates import format_clock, format_day, format_moment
from frontdesk.domain.patients import Patient
from frontdesk.domain.slots import GRID_MINUTES
from frontdesk.services.calendar import CalendarService
from frontdesk.services.errors import ServiceError
from frontdesk.services.patients import PatientService
from frontdesk.services.signed_in import SignedIn
from frontdesk.ui.error_label import ERROR_STYLE
from frontdesk.ui.models.patients_model import COL_DOB, COL_NAME, COL_PHONE
from frontdesk.ui.widgets.date_field import DateField
from frontdesk.ui.widgets.patient_picker import PatientPicker

GOOD_STYLE = "color: #1b6e3a;"
WARN_STYLE = "color: #8a5300;"
FREE_SHOWN = 10
PER_DAY_SHOWN = 3


class BookingDialog(QDialog):
    """Book mode picks patient, type and time; move mode (`moving`) only picks the time."""

    def __init__(
        self,
        calendar: CalendarService,
        patients: PatientService,
        actor: Callable[[], SignedIn],
        today: Callable[[], date],
        *,
        patient: Patient | None = None,
        starts: datetime | None = None,
        type_code: str | None = None,
        moving: ListedAppointment | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("bookingDialog")
        self._calendar = calendar
        self._patients = patients
        self._actor = actor
        self._new_patient_today = today
        self.moving = moving
        self.patient: Patient | None = patient
        self.result_listed: ListedAppointment | None = None
        self.setWindowTitle("Move the appointment" if moving else "Book an appointment")

        self.picker = PatientPicker(
            patients,
            today,
            "bookingPatients",
            "to book",
            columns=(COL_NAME, COL_DOB, COL_PHONE),
            page_size=30,
        )
        self.picker.table.setFixedHeight(130)
        self.search, self.model, self.results = (
            self.picker.search,
            self.picker.model,
            self.picker.table,
        )
        self.who = QLabel()
        self.who.setObjectName("bookingPatient")
        self.who.setWordWrap(True)
        self.attendance = QLabel()
        self.attendance.setObjectName("bookingAttendance")

        self.kind = QComboBox()
        self.kind.setAccessibleName("Appointment type")
        for t in calendar.types():
            self.kind.addItem(f"{t.name} ({t.minutes} min)", t)
        self.minutes = QSpinBox()
        self.minutes.setAccessibleName("Length in minutes")
        self.minutes.setRange(MIN_MINUTES, MAX_MINUTES)
        self.minutes.setSingleStep(MINUTES_STEP)
        self.minutes.setSuffix(" min")
        # Typed as the desk writes dates (1/15/2027, 01/15/27, 2027-01-15), said beside it.
        self.day = DateField(today=today)
        self.day.setAccessibleName("Day")
        self.at = QComboBox()
        self.at.setAccessibleName("Start time")
        self.note = QLineEdit()
        self.note.setAccessibleName("Note")
        self.note.setPlaceholderText("Optional, e.g. prefers Spanish")
        self.free = QListWidget()
        self.free.setObjectName("freeTimes")
        self.free.setAccessibleName("Next free times")
        self.free.setFixedHeight(150)
        self.verdict = QLabel()
        self.verdict.setObjectName("bookingVerdict")
        self.verdict.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("&Move here" if moving else "&Book")

        form = QFormLayout()
        form.setSpacing(8)
        when = QHBoxLayout()
        when.addWidget(self.day, 1)
        when.addWidget(self.at)
        for label, field in (
            ("&Type:", self.kind),
            ("&Length:", self.minutes),
            ("&Day and time:", when),
            ("N&ote:", self.note),
        ):
            form.addRow(label, field)
            buddy = form.labelForField(field)
            if isinstance(buddy, QLabel) and isinstance(field, QWidget):
                buddy.setBuddy(field)
        form.labelForField(when).setBuddy(self.day)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 16)
        layout.setSpacing(8)
        if moving is None:
            find = QLabel("&Patient:")
            find.setBuddy(self.search)
            # A new caller is registered from here; the type, day and time chosen stay.
            self.new_patient_button = QPushButton("New patie&nt…")
            self.new_patient_button.setAccessibleName("Register a new patient")
            self.new_patient_button.clicked.connect(self.register_patient)
            above = QHBoxLayout()
            above.addWidget(find)
            above.addStretch(1)
            above.addWidget(self.new_patient_button)
            layout.addLayout(above)
            layout.addWidget(self.picker)
        layout.addWidget(self.who)
        layout.addWidget(self.attendance)
        layout.addLayout(form)
        free_label = QLabel("Next &free times (click one to take it):")
        free_label.setBuddy(self.free)
        layout.addWidget(free_label)
        layout.addWidget(self.free)
        layout.addWidget(self.verdict)
        layout.addWidget(self.buttons)

        if moving is not None:
            a = moving.appointment
            self.kind.setCurrentIndex(max(0, self._kind_index(a.type_code)))
            self.kind.setEnabled(False)
            self.minutes.setValue(a.minutes)
            self.minutes.setEnabled(False)
            self.note.setText(a.note)
            self.note.setEnabled(False)
            self.who.setText(
                f"<b>{escape(moving.patient_name)}</b>: {escape(moving.type_name)},"
                f" now {format_day(a.starts.date())}, {say_span(a.starts, a.ends)}"
            )
        else:
            if type_code is not None:
                self.kind.setCurrentIndex(max(0, self._kind_index(type_code)))
            self.minutes.setValue(self._type().minutes)
        # Without a time asked for, the dialog opens on the first free one.
        first = starts or self._first_free() or self._calendar.now()
        self.day.setDate(first.date())
        self._fill_times()
        self._set_time(first.time())

        self.picker.chosen.connect(self._patient_chosen)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.minutes.valueChanged.connect(self._refresh)
        self.day.dateChanged.connect(self._day_changed)
        self.day.errorChanged.connect(lambda _said: self._check())
        self.at.currentIndexChanged.connect(self._check)
        # One signal only: the list is never rebuilt while one of its clicks is delivered.
        self.free.currentItemChanged.connect(lambda item, _previous: self._take_free(item))
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)

        if patient is not None:
            self.picker.choose(patient.id)
        self._show_patient()
        self._refresh()
        self.setMinimumWidth(560)
        if moving is None and patient is None:
            self.search.setFocus()
        else:
            self.at.setFocus()

    def register_patient(self):
        """The registration form over this dialog; the patient saved there is chosen here."""
        from frontdesk.ui.dialogs.patient_dialog import PatientDialog  # loaded on first use

        dialog = PatientDialog(self._patients, self._actor, self._new_patient_today, parent=self)
        dialog.saved.connect(lambda stored: self.picker.choose(stored.id))
        dialog.finished.connect(dialog.deleteLater)
        self.patient_dialog = dialog
        dialog.open()  # window-modal: this booking stays as it is underneath
        return dialog

    # -- choosing ------------------------------------------------------------------------
    def _kind_index(self, code: str) -> int:
        return next((i for i in range(self.kind.count()) if self.kind.itemData(i).code == code), -1)

    def _type(self):
        return self.kind.currentData()

    def _first_free(self) -> datetime | None:
        try:
            found = self._calendar.next_free(
                self._type().code,
                self._calendar.now(),
                1,
                minutes=self.minutes.value(),
                moving=self.moving.appointment.id if self.moving else None,
            )
        except ServiceError:
            return None
        return found[0] if found else None

    def _fill_times(self) -> None:
        """The quarter hours of the chosen day's hours (the week's widest on a closed day)."""
        day = self.day.day()
        keep = self.at.currentData()
        try:
            hours = self._calendar.office(day, day).hours_on(day)
            week = self._calendar.hours()
        except ServiceError:
            hours, week = None, None
        first = hours.opens if hours else (week.earliest if week else None) or time(9)
        last = hours.closes if hours else (week.latest if week else None) or time(17)
        self.at.blockSignals(True)
        self.at.clear()
        moment = datetime.combine(day, first)
        while moment.time() < last and moment.date() == day:
            self.at.addItem(format_clock(moment.time()), moment.hour * 60 + moment.minute)
            moment += timedelta(minutes=GRID_MINUTES)
        self.at.blockSignals(False)
        if keep is not None:
            self.at.setCurrentIndex(max(0, self.at.findData(keep)))

    def _set_time(self, wanted: time) -> None:
        """Items hold minutes after midnight; a time off the list is added once, in order."""
        minutes = wanted.hour * 60 + wanted.minute
        index = self.at.findData(minutes)
        if index < 0:
            index = next(
                (i for i in range(self.at.count()) if self.at.itemData(i) > minutes),
                self.at.count(),
            )
            self.at.insertItem(index, format_clock(wanted), minutes)
        self.at.setCurrentIndex(index)

    def chosen_start(self) -> datetime:
        minutes = self.at.currentData() or 0
        return datetime.combine(self.day.day(), time(minutes // 60, minutes % 60))

    def set_start(self, moment: datetime, list_free: bool = True) -> None:
        self.day.blockSignals(True)
        self.day.setDate(moment.date())
        self.day.blockSignals(False)
        self._fill_times()
        self.at.blockSignals(True)
        self._set_time(moment.time())
        self.at.blockSignals(False)
        if list_free:
            self._list_free()
        self._check()

    def _day_changed(self) -> None:
        self._fill_times()
        self._refresh()

    def choose_patient(self, patient_id: int) -> bool:
        return self.picker.choose(patient_id)

    def _patient_chosen(self, patient: Patient | None) -> None:
        if self.moving is None:
            self.patient = patient
        self._show_patient()
        self._check()

    def _show_patient(self) -> None:
        if self.moving is not None:
            patient_id = self.moving.appointment.patient_id
        elif self.patient is not None:
            self.who.setText(
                f"<b>{escape(self.patient.full_name)}</b>, born {self.patient.dob:%m/%d/%Y}"
            )
            patient_id = self.patient.id
        else:
            self.who.setText("Find the patient above, or register a new caller with New patient…")
            self.attendance.clear()
            return
        try:
            seen = self._calendar.attendance(patient_id)
        except ServiceError as exc:
            self.attendance.setText(str(exc))
            return
        text = f"History: {seen.summary}"
        try:
            upcoming = [
                a
                for a in self._calendar.upcoming(patient_id)
                if self.moving is None or a.appointment.id != self.moving.appointment.id
            ]
        except ServiceError:
            upcoming = []
        for listed in upcoming[:3]:
            a = listed.appointment
            text += f"\nAlready booked: {format_moment(a.starts)}, {listed.type_name}"
        self.attendance.setText(text)
        self.attendance.setStyleSheet(WARN_STYLE if seen.no_shows or seen.late_cancels else "")

    def _kind_changed(self) -> None:
        self.minutes.setValue(self._type().minutes)
        self._refresh()

    def _take_free(self, item: QListWidgetItem | None) -> None:
        moment = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        if moment is not None and moment != self.chosen_start():
            self.set_start(moment, list_free=False)

    # -- checking --------------------------------------------------------------------------
    def _refresh(self) -> None:
        self._list_free()
        self._check()

    def _list_free(self) -> None:
        """Free starts from the chosen time on, at most a few per day so the days show."""
        self.free.blockSignals(True)
        self.free.clear()
        try:
            found = self._calendar.next_free(
                self._type().code,
                self.chosen_start(),
                FREE_SHOWN * 6,
                minutes=self.minutes.value(),
                moving=self.moving.appointment.id if self.moving else None,
            )
        except ServiceError as exc:
            self.free.addItem(str(exc))
            self.free.blockSignals(False)
            return
        per_day: dict[date, int] = {}
        for moment in found:
            if self.moving is not None and moment == self.moving.appointment.starts:
                continue  # where it already is
            if per_day.get(moment.date(), 0) == PER_DAY_SHOWN:
                continue
            per_day[moment.date()] = per_day.get(moment.date(), 0) + 1
            item = QListWidgetItem(f"{format_day(moment.date())}  {format_clock(moment.time())}")
            item.setData(Qt.ItemDataRole.UserRole, moment)
            self.free.addItem(item)
            if moment == self.chosen_start():
                self.free.setCurrentItem(item)
            if self.free.count() == FREE_SHOWN:
                break
        if not found:
            self.free.addItem("No free time in the next two years for this length.")
        self.free.blockSignals(False)

    def _check(self) -> str | None:
        if not self.day.isValid():  # the day's own sentence is beside it, in red
            said = f"Correct the day first: {self.day.error()}"
            self.verdict.setText(said)
            self.verdict.setStyleSheet(ERROR_STYLE)
            self.ok.setEnabled(False)
            return said
        starts = self.chosen_start()
        length = self.minutes.value()
        what = "it" if self.moving else f"a {length}-minute {in_sentence(self._type().name)}"
        try:
            said = self._calendar.why_not(
                starts,
                length,
                moving=self.moving.appointment.id if self.moving else None,
                what=what,
            )
        except ServiceError as exc:
            said = str(exc)
        if said is None and self.moving is None and self.patient is None:
            said = "Choose the patient first."
        if said is None:
            ends = starts + timedelta(minutes=length)
            self.verdict.setText(f"Free: {say_day(starts.date())}, {say_span(starts, ends)}.")
            self.verdict.setStyleSheet(GOOD_STYLE)
        else:
            self.verdict.setText(said)
            self.verdict.setStyleSheet(ERROR_STYLE)
        self.ok.setEnabled(said is None)
        return said

    def _accept(self) -> None:
        if self._check() is not None:
            return
        try:
            if self.moving is not None:
                a = self.moving.appointment
                self.result_listed = self._calendar.reschedule(
                    self._actor(), a.id, self.chosen_start(), a.version
                )
            else:
                assert self.patient is not None
                self.result_listed = self._calendar.book(
                    self._actor(),
                    self.patient.id,
                    self._type().code,
                    self.chosen_start(),
                    minutes=self.minutes.value(),
                    note=self.note.text(),
                )
        except ServiceError as exc:
            self.verdict.setText(str(exc))
            self.verdict.setStyleSheet(ERROR_STYLE)
            self._list_free()  # someone else may have just taken it: show what is left
            return
        self.accept()
