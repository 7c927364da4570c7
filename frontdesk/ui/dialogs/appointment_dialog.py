"""One appointment opened: its details, what happened to it, and what can happen next."""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from frontdesk.domain.appointments import (
    NEXT_STATUSES,
    ListedAppointment,
    Status,
    status_refusal,
)
from frontdesk.domain.dates import format_clock, format_day, format_stamp
from frontdesk.domain.phones import display_phone
from frontdesk.services.calendar import CalendarService
from frontdesk.services.changes import Changes, Entity
from frontdesk.services.errors import ServiceError
from frontdesk.services.signed_in import SignedIn
from frontdesk.ui.error_label import error_label
from frontdesk.ui.operations import Operations
from frontdesk.ui.widgets.changed_elsewhere import ChangedElsewhereBanner

# What each status change is called on a button or in the menu.
STATUS_VERBS = {
    Status.BOOKED: "Book a&gain",
    Status.CONFIRMED: "Con&firmed",
    Status.ARRIVED: "A&rrived",
    Status.COMPLETED: "Co&mpleted",
    Status.NO_SHOW: "&No-show",
    Status.CANCELLED_BY_PATIENT: "Cancel (&patient asked)",
    Status.CANCELLED_BY_CLINIC: "Cancel (c&linic)",
}
# Going back a step is an undo, and is called one.
UNDO_VERBS = {
    (Status.CONFIRMED, Status.BOOKED): "Not con&firmed",
    (Status.ARRIVED, Status.BOOKED): "&Undo arrival",
    (Status.NO_SHOW, Status.BOOKED): "&Undo no-show",
    (Status.NO_SHOW, Status.ARRIVED): "A&rrived after all",
    (Status.COMPLETED, Status.ARRIVED): "&Not completed yet",
}


def status_verb(current: Status, to: Status) -> str:
    return UNDO_VERBS.get((current, to), STATUS_VERBS[to])


class AppointmentDialog(QDialog):
    """Status changes and moves are handed to the calendar tab, which asks and reports; the
    note is saved here, through `ops` (the main window's), a refusal said under it.
    `calendar` is read for its clock only: what is still ahead."""

    def __init__(
        self,
        calendar: CalendarService,
        actor: Callable[[], SignedIn],
        listed: ListedAppointment,
        change_status: Callable[[ListedAppointment, Status], ListedAppointment | None],
        move: Callable[[ListedAppointment], object],
        parent: QWidget | None = None,
        *,
        ops: Operations,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("appointmentDialog")
        self.setWindowTitle("Appointment")
        self._ops = ops
        self._calendar = calendar
        self._actor = actor
        self._change_status = change_status
        self._move = move
        self.listed = listed

        self.title = QLabel()
        self.title.setObjectName("appointmentTitle")
        self.title.setWordWrap(True)
        self.details = QFormLayout()
        self.phone = QLabel()
        self.kind = QLabel()
        self.status = QLabel()
        self.status.setObjectName("appointmentStatus")
        self.note = QLineEdit()
        self.note.setAccessibleName("Note")
        self.save_note = QPushButton("&Save note")
        note_row = QHBoxLayout()
        note_row.addWidget(self.note, 1)
        note_row.addWidget(self.save_note)
        self.details.addRow("Phone:", self.phone)
        self.details.addRow("Type:", self.kind)
        self.details.addRow("Status:", self.status)
        self.details.addRow("Note:", note_row)
        self.history = QListWidget()
        self.history.setObjectName("appointmentHistory")
        self.history.setAccessibleName("What happened to this appointment")
        self.history.setMinimumHeight(90)
        self.history.setWordWrap(True)
        self.actions_row = QGridLayout()  # status changes, three to a row, then "Move…"
        self.actions_row.setSpacing(8)
        self.move_button = QPushButton("M&ove…")
        self.move_button.clicked.connect(self._move_clicked)
        self.error = error_label()
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        self.save_note.clicked.connect(self._save_note)
        # Said at once when this appointment is changed at another desk or window meanwhile.
        self.elsewhere = ChangedElsewhereBanner("S&how the change")
        self.elsewhere.reload_requested.connect(self.show_saved_version)
        self._newer: ListedAppointment | None = None
        ops.changed_elsewhere.connect(self._heard_elsewhere)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 16)
        layout.setSpacing(8)
        layout.addWidget(self.elsewhere)
        layout.addWidget(self.title)
        layout.addLayout(self.details)
        layout.addWidget(QLabel("History:"))
        layout.addWidget(self.history)
        layout.addLayout(self.actions_row)
        layout.addWidget(self.error)
        layout.addWidget(close)
        self.status_buttons: dict[Status, QPushButton] = {}
        self.setMinimumWidth(480)
        self._show()

    def _show(self) -> None:
        a = self.listed.appointment
        self.title.setText(
            f"<b>{escape(self.listed.patient_name)}</b><br>"
            f"{format_day(a.starts.date())},"
            f" {format_clock(a.starts.time())}-{format_clock(a.ends.time())}"
        )
        self.phone.setText(display_phone(self.listed.phone) or "no phone on file")
        self.kind.setText(f"{self.listed.type_name} ({a.minutes} min)")
        self.status.setText(a.status.label + (" - late, under 24 hours before" if a.late else ""))
        self.note.setText(a.note)
        self.history.clear()

        def said(exc: ServiceError) -> bool:
            self.history.addItem(str(exc))
            return True

        got = self._ops.read(
            self, lambda c: c.calendar.history(a.id), title="Appointment", on_refusal=said
        )
        for at, who, what in got.value if got is not None else []:
            self.history.addItem(f"{format_stamp(at)}  {who}: {what}")
        while (item := self.actions_row.takeAt(0)) is not None:
            widget = item.widget()
            if widget is not None and widget is not self.move_button:
                widget.deleteLater()
        self.status_buttons = {}
        now = self._calendar.now()
        for n, status in enumerate(NEXT_STATUSES[a.status]):
            button = QPushButton(status_verb(a.status, status))
            refused = status_refusal(a, status, now)
            button.setEnabled(refused is None)  # greyed, with the reason on hover
            button.setToolTip(refused or "")
            button.clicked.connect(lambda _=False, s=status: self._status_clicked(s))
            self.actions_row.addWidget(button, n // 3, n % 3)
            self.status_buttons[status] = button
        count = len(NEXT_STATUSES[a.status])
        self.actions_row.addWidget(self.move_button, count // 3, count % 3)
        self.move_button.setEnabled(a.status in (Status.BOOKED, Status.CONFIRMED))

    def _status_clicked(self, status: Status) -> None:
        typed = self.note.text()
        unsaved = typed != self.listed.appointment.note
        changed = self._change_status(self.listed, status)
        if changed is not None:
            self.listed = changed
            self._show()
            if unsaved:
                self.note.setText(typed)  # not saved yet: kept for "Save note"

    def _move_clicked(self) -> None:
        self.accept()  # the move dialog takes over
        self._move(self.listed)

    def _save_note(self) -> None:
        a, actor, note = self.listed.appointment, self._actor(), self.note.text()
        saved = self._ops.write(
            self,
            lambda c: c.calendar.set_note(actor, a.id, note, a.version),
            title="Note not saved",
            done="Note saved.",
            on_refusal=self._refused,
        )
        if saved is None:
            return
        self.listed = saved.value
        self.error.hide()
        self._show()

    def _heard_elsewhere(self, changes: Changes) -> None:
        """Another desk or window saved: if it was this appointment, say so now and how it
        stands; the note being typed stays."""
        a = self.listed.appointment
        if not self.isVisible():
            return
        if not (changes.everything or a.id in changes.ids(Entity.APPOINTMENT)):
            return
        got = self._ops.read(
            self, lambda c: c.calendar.get(a.id), title="Appointment", on_refusal=lambda _e: True
        )
        if got is None or got.value.appointment.version == a.version:
            return  # not this appointment after all (SQLite says only "something changed")
        newer = self._newer = got.value
        b = newer.appointment
        self.elsewhere.say(
            "This appointment was just changed at another desk or window: now"
            f" {b.status.label.lower()}, {format_day(b.starts.date())} at"
            f" {format_clock(b.starts.time())}. What you typed is still here; show the change"
            " before changing it again."
        )

    def show_saved_version(self) -> None:
        """The appointment as saved elsewhere; a note typed and not yet saved stays typed."""
        newer = self._newer
        if newer is None:
            return
        typed = self.note.text()
        unsaved = typed != self.listed.appointment.note
        self.listed, self._newer = newer, None
        self._show()
        if unsaved:
            self.note.setText(typed)
        self.error.hide()
        self.elsewhere.hide()

    def _refused(self, exc: ServiceError) -> bool:
        """Said under the note, where the desk is typing (e.g. changed at another desk)."""
        self.error.setText(str(exc))
        self.error.show()
        return True
