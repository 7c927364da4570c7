"""Booking a patient in (or moving an appointment): who, what, when, with the free times shown."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from html import escape
from typing import TypeVar

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
    AppointmentType,
    ListedAppointment,
    in_sentence,
)
from frontdesk.domain.booking import say_day, say_span
from frontdesk.domain.dates import format_clock, format_day, format_moment
from frontdesk.domain.patients import Patient
from frontdesk.domain.slots import GRID_MINUTES
from frontdesk.services.calendar import CalendarService
from frontdesk.services.changes import Changes, Entity
from frontdesk.services.errors import ServiceError
from frontdesk.services.patients import PatientService
from frontdesk.services.signed_in import SignedIn
from frontdesk.ui.error_label import ERROR_STYLE
from frontdesk.ui.models.patients_model import COL_DOB, COL_NAME, COL_PHONE
from frontdesk.ui.operations import Operations
from frontdesk.ui.widgets.date_field import DateField
from frontdesk.ui.widgets.patient_picker import PatientPicker

T = TypeVar("T")

GOOD_STYLE = "color: #1b6e3a;"
WARN_STYLE = "color: #8a5300;"
FREE_SHOWN = 10
PER_DAY_SHOWN = 3
CHECK_FAILED = "The time could not be checked: try again."


def booked_line(listed: ListedAppointment, moved: bool) -> str:
    """The status-bar line of a saved booking or move, whoever opened the dialog."""
    a = listed.appointment
    return (
        f"{'Moved' if moved else 'Booked'}: {listed.patient_name}, {in_sentence(listed.type_name)},"
        f" {say_day(a.starts.date())} {say_span(a.starts, a.ends)}."
    )


class BookingDialog(QDialog):
    """Book mode picks patient, type and time; move mode (`moving`) only picks the time.

    Reads, the booking itself and a new caller's registration run through `ops` (the main
    window's): a refused booking is said under the time, where the desk is looking. `calendar`
    is read for its clock only; `patients` feeds the patient list (a read-only widget).
    """

    def __init__(
        self,
        calendar: CalendarService,
        patients: PatientService,
        actor: Callable[[], SignedIn],
        today: Callable[[], date],
        *,
        ops: Operations,
        patient: Patient | None = None,
        starts: datetime | None = None,
        type_code: str | None = None,
        moving: ListedAppointment | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("bookingDialog")
        self._ops = ops
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
        for t in self._read(lambda c: c.types()) or []:
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
        when_label = form.labelForField(when)
        if isinstance(when_label, QLabel):
            when_label.setBuddy(self.day)
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
        self.at.currentIndexChanged.connect(self._time_changed)
        # One signal only: the list is never rebuilt while one of its clicks is delivered.
        self.free.currentItemChanged.connect(lambda item, _previous: self._take_free(item))
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        # A booking made meanwhile elsewhere (another window, announced when this one is
        # used again) takes its time out of the list and may refuse the one chosen.
        self._ops.notifier.changes.connect(self._heard)

        if patient is not None:
            self.picker.choose(patient.id)
        self._show_patient()
        self._refresh()
        self.setMinimumWidth(560)
        if moving is None and patient is None:
            self.search.setFocus()
        else:
            self.at.setFocus()

    def _read(
        self, call: Callable[[CalendarService], T], refused: Callable[[str], None] | None = None
    ) -> T | None:
        """A read for the dialog's live feedback: None when refused, said by `refused` (next to
        what it is about) or not at all."""

        def said(exc: ServiceError) -> bool:
            if refused is not None:
                refused(str(exc))
            return True

        got = self._ops.read(
            self, lambda c: call(c.calendar), title=self.windowTitle(), on_refusal=said
        )
        return None if got is None else got.value

    def register_patient(self) -> QDialog:
        """The registration form over this dialog; the patient saved there (through `ops`,
        announced to every view) is chosen here."""
        from frontdesk.ui.dialogs.patient_dialog import PatientDialog  # loaded on first use

        dialog = PatientDialog(
            self._patients, self._actor, self._new_patient_today, parent=self, ops=self._ops
        )
        dialog.saved.connect(lambda stored: self.picker.choose(stored.id))
        dialog.finished.connect(dialog.deleteLater)
        self.patient_dialog = dialog
        dialog.open()  # window-modal: this booking stays as it is underneath
        return dialog

    # -- choosing ------------------------------------------------------------------------
    def _kind_index(self, code: str) -> int:
        return next((i for i in range(self.kind.count()) if self.kind.itemData(i).code == code), -1)

    def _type(self) -> AppointmentType:
        return self.kind.currentData()

    def _moving_id(self) -> int | None:
        return self.moving.appointment.id if self.moving else None

    def _first_free(self) -> datetime | None:
        code, minutes, now = self._type().code, self.minutes.value(), self._calendar.now()
        found = self._read(lambda c: c.next_free(code, now, 1, minutes, self._moving_id()))
        return found[0] if found else None

    def _fill_times(self) -> None:
        """The quarter hours of the chosen day's hours (the week's widest on a closed day)."""
        day = self.day.day()
        keep = self.at.currentData()
        office = self._read(lambda c: c.office(day, day))
        hours = office.hours_on(day) if office is not None else None
        week = office.hours if office is not None else None
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
        seen = self._read(lambda c: c.attendance(patient_id), self.attendance.setText)
        if seen is None:
            return
        text = f"History: {seen.summary}"
        coming = self._read(lambda c: c.upcoming(patient_id)) or []
        upcoming = [a for a in coming if a.appointment.id != self._moving_id()]
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

    def _heard(self, changes: Changes) -> None:
        if changes.touches(Entity.APPOINTMENT, Entity.OFFICE_HOURS, Entity.CLOSURE):
            self._refresh()

    def _time_changed(self) -> None:
        """A time chosen in the box is the one marked in the list, if listed."""
        self._check()
        chosen = self.chosen_start()
        self.free.blockSignals(True)
        self.free.setCurrentRow(-1)
        self.free.clearSelection()
        for row in range(self.free.count()):
            item = self.free.item(row)
            if item.data(Qt.ItemDataRole.UserRole) == chosen:
                self.free.setCurrentItem(item)
        self.free.blockSignals(False)

    def _list_free(self) -> None:
        """Free starts from the chosen time on, at most a few per day so the days show."""
        self.free.blockSignals(True)
        self.free.clear()
        code, starts, minutes = self._type().code, self.chosen_start(), self.minutes.value()
        found = self._read(
            lambda c: c.next_free(code, starts, FREE_SHOWN * 6, minutes, self._moving_id()),
            self.free.addItem,
        )
        if found is None:
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
            unreadable = f"Correct the day first: {self.day.error()}"
            self.verdict.setText(unreadable)
            self.verdict.setStyleSheet(ERROR_STYLE)
            self.ok.setEnabled(False)
            return unreadable
        starts = self.chosen_start()
        length = self.minutes.value()
        what = "it" if self.moving else f"a {length}-minute {in_sentence(self._type().name)}"
        refusals: list[str] = []
        checked = self._read(
            lambda c: (c.why_not(starts, length, moving=self._moving_id(), what=what),),
            refusals.append,
        )
        said = checked[0] if checked is not None else (refusals or [CHECK_FAILED])[0]
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
            self._list_free()  # the time may have just been taken: what is left
            return
        actor, starts = self._actor(), self.chosen_start()
        if self.moving is not None:
            a = self.moving.appointment
            saved = self._ops.write(
                self,
                lambda c: c.calendar.reschedule(actor, a.id, starts, a.version),
                title="Not moved",
                done=lambda listed: booked_line(listed, moved=True),
                on_refusal=self._refused,
            )
        else:
            assert self.patient is not None  # _check refuses without one
            patient_id, code = self.patient.id, self._type().code
            minutes, note = self.minutes.value(), self.note.text()
            saved = self._ops.write(
                self,
                lambda c: c.calendar.book(actor, patient_id, code, starts, minutes, note),
                title="Not booked",
                done=lambda listed: booked_line(listed, moved=False),
                on_refusal=self._refused,
            )
        if saved is None:
            return
        self.result_listed = saved.value
        self.accept()

    def _refused(self, exc: ServiceError) -> bool:
        """A refused booking is said under the time (someone may have just taken it), with
        the free times that are left."""
        self.verdict.setText(str(exc))
        self.verdict.setStyleSheet(ERROR_STYLE)
        self._list_free()
        return True
