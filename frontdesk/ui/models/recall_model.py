"""A recall list as a table: who to call, their phone, what is due and when."""

from __future__ import annotations

from typing import Any, ClassVar

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor

from frontdesk.domain.dates import format_day
from frontdesk.services.recall import RecallRow
from frontdesk.ui.models.row_table import RowTableModel

COL_PATIENT, COL_PHONE, COL_WHAT, COL_DUE = range(4)
OVERDUE_COLOUR = QColor("#b3261e")


class RecallModel(RowTableModel[RecallRow]):
    """A recall list arrives whole, worked out in the background in a few queries (see
    services/recall.py): its rows are small tuples, shown as they came."""

    headers: ClassVar[dict[int, str]] = {
        COL_PATIENT: "Patient",
        COL_PHONE: "Phone",
        COL_WHAT: "What",
        COL_DUE: "Due",
    }

    def cell(self, row: RecallRow, _number: int, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            due = format_day(row.due) + (" (overdue)" if row.overdue else "")
            return (row.patient_name, row.phone or "no phone", row.what, due)[column]
        if role == Qt.ItemDataRole.ForegroundRole and row.overdue and column == COL_DUE:
            return QBrush(OVERDUE_COLOUR)
        return None
