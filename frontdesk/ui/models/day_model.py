"""One day's appointments as a table, cancelled ones included: what the desk calls through."""

from __future__ import annotations

from typing import Any, ClassVar

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor

from frontdesk.domain.appointments import ListedAppointment
from frontdesk.domain.booking import say_span
from frontdesk.domain.phones import display_phone
from frontdesk.ui.models.row_table import RowTableModel

COL_TIME, COL_PATIENT, COL_PHONE, COL_TYPE, COL_STATUS, COL_NOTE = range(6)
HEADERS = {
    COL_TIME: "Time",
    COL_PATIENT: "Patient",
    COL_PHONE: "Phone",
    COL_TYPE: "Type",
    COL_STATUS: "Status",
    COL_NOTE: "Note",
}
APPOINTMENT_ID_ROLE = Qt.ItemDataRole.UserRole + 1
FREED_COLOUR = QColor("#7a7f87")  # cancelled and missed: listed, but they hold no time


class DayModel(RowTableModel[ListedAppointment]):
    """A day holds a few dozen appointments at most, so the rows are read in one go."""

    headers: ClassVar[dict[int, str]] = HEADERS

    def _rows_changed(self) -> None:
        self._rows.sort(key=lambda r: (r.appointment.starts, r.appointment.id))
        self._texts = [_texts(r) for r in self._rows]  # views ask for each cell many times

    def listed_at(self, row: int) -> ListedAppointment | None:
        return self.row_at(row)

    def row_of(self, appointment_id: int) -> int | None:
        return next(
            (i for i, r in enumerate(self._rows) if r.appointment.id == appointment_id), None
        )

    def cell(self, listed: ListedAppointment, number: int, column: int, role: int) -> Any:
        a = listed.appointment
        if role == Qt.ItemDataRole.DisplayRole:
            return self._texts[number][column]
        if role == Qt.ItemDataRole.ForegroundRole and not a.status.holds_slot:
            return QBrush(FREED_COLOUR)
        if role == Qt.ItemDataRole.DecorationRole and column == COL_TYPE:
            return QColor(listed.colour)
        if role == Qt.ItemDataRole.ToolTipRole and column == COL_NOTE and a.note:
            return a.note
        if role == APPOINTMENT_ID_ROLE:
            return a.id
        return None


def _texts(listed: ListedAppointment) -> tuple[str, ...]:
    a = listed.appointment
    return (
        say_span(a.starts, a.ends),
        listed.patient_name,
        display_phone(listed.phone),
        listed.type_name,
        a.status.label + (" (late)" if a.late else ""),
        a.note,
    )
