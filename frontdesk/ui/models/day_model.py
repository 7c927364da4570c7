"""One day's appointments as a table, cancelled ones included: what the desk calls through."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from frontdesk.domain.appointments import ListedAppointment
from frontdesk.domain.booking import say_span
from frontdesk.domain.phones import display_phone

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

Index = QModelIndex | QPersistentModelIndex


class DayModel(QAbstractTableModel):
    """A day holds a few dozen appointments at most, so the rows are read in one go."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._rows: list[ListedAppointment] = []
        self._texts: list[tuple[str, ...]] = []

    def set_rows(self, rows: list[ListedAppointment]) -> None:
        self.beginResetModel()
        self._rows = sorted(rows, key=lambda r: (r.appointment.starts, r.appointment.id))
        self._texts = [_texts(r) for r in self._rows]  # views ask for each cell many times
        self.endResetModel()

    def listed_at(self, row: int) -> ListedAppointment | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, appointment_id: int) -> int | None:
        return next(
            (i for i, r in enumerate(self._rows) if r.appointment.id == appointment_id), None
        )

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return HEADERS.get(section)
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        listed = self._rows[index.row()]
        a = listed.appointment
        if role == Qt.ItemDataRole.DisplayRole:
            return self._texts[index.row()][index.column()]
        if role == Qt.ItemDataRole.ForegroundRole and not a.status.holds_slot:
            return QBrush(FREED_COLOUR)
        if role == Qt.ItemDataRole.DecorationRole and index.column() == COL_TYPE:
            return QColor(listed.colour)
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == COL_NOTE and a.note:
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
