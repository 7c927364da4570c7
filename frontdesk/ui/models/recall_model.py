"""A recall list as a table: who to call, their phone, what is due and when."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from frontdesk.services.sessions import RecallRow

COL_PATIENT, COL_PHONE, COL_WHAT, COL_DUE = range(4)
HEADERS = {COL_PATIENT: "Patient", COL_PHONE: "Phone", COL_WHAT: "What", COL_DUE: "Due"}
OVERDUE_COLOUR = QColor("#b3261e")

Index = QModelIndex | QPersistentModelIndex


class RecallModel(QAbstractTableModel):
    """A recall list is short (the clinic's running series), so it is read in one go."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._rows: list[RecallRow] = []

    def set_rows(self, rows: list[RecallRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_at(self, row: int) -> RecallRow | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

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
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            due = f"{row.due:%m/%d/%Y}" + (" (overdue)" if row.overdue else "")
            return (row.patient_name, row.phone or "no phone", row.what, due)[index.column()]
        if role == Qt.ItemDataRole.ForegroundRole and row.overdue and index.column() == COL_DUE:
            return QBrush(OVERDUE_COLOUR)
        return None
