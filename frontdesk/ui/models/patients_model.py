"""The registry as a lazy table: a page of rows at a time, fetched as the view scrolls."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QBrush, QColor

from frontdesk.domain.dates import age_on, format_us
from frontdesk.domain.patients import Patient
from frontdesk.domain.phones import display_phone
from frontdesk.domain.search import Page, PageCursor, PatientSort
from frontdesk.services.errors import ServiceError
from frontdesk.services.patients import PatientService
from frontdesk.ui.operations import call_here, quietly

COL_NAME, COL_DOB, COL_PHONE, COL_EMAIL, COL_FINDING, COL_STATUS = range(6)
HEADERS = {
    COL_NAME: "Name",
    COL_DOB: "Date of birth (age)",
    COL_PHONE: "Phone",
    COL_EMAIL: "Email",
    COL_FINDING: "Latest finding",
    COL_STATUS: "Status",
}
SORT_BY_COLUMN = {
    COL_NAME: PatientSort.NAME,
    COL_DOB: PatientSort.DOB,
    COL_PHONE: PatientSort.PHONE,
    COL_EMAIL: PatientSort.EMAIL,
    COL_STATUS: PatientSort.STATUS,
}
PATIENT_ID_ROLE = Qt.ItemDataRole.UserRole + 1
PAGE_SIZE = 60  # about three screens of rows; more arrive as the view scrolls
ARCHIVED_COLOUR = QColor("#7a7f87")

Index = QModelIndex | QPersistentModelIndex


class PatientTableModel(QAbstractTableModel):
    def __init__(
        self,
        patients: PatientService,
        today: Callable[[], date],
        page_size: int = PAGE_SIZE,
    ) -> None:
        super().__init__()
        self._patients = patients
        self._today = today
        self._page_size = page_size
        self._text = ""
        self._include_archived = False
        self._sort = PatientSort.NAME
        self._descending = False
        self._rows: list[Patient] = []
        self._cells: dict[int, tuple[str, ...]] = {}  # display text, made once per shown row
        self._cursor: PageCursor | None = None
        self.capped = False  # sorted among the first matches only
        self.error = ""  # why the last read failed, in words for the desk

    # -- what to show ----------------------------------------------------------------
    def set_search(self, text: str) -> None:
        if text != self._text:
            self._text = text
            self.reload()

    def set_include_archived(self, include: bool) -> None:
        if include != self._include_archived:
            self._include_archived = include
            self.reload()

    @property
    def search_text(self) -> str:
        return self._text

    def reload(self, at_least: int = 0) -> None:
        """Query again from the top; keeps as many rows as were loaded when asked (refresh)."""
        page = self._fetch(None, max(self._page_size, at_least))
        self.beginResetModel()
        self._rows = page.rows if page else []
        self._cursor = page.next if page else None
        self.capped = page.capped if page else False
        self._cells.clear()
        self.endResetModel()

    def _fetch(self, cursor: PageCursor | None, limit: int) -> Page[Patient] | None:
        """A page, or None with `error` saying why (shown under the list, not in a box)."""

        def search() -> Page[Patient]:
            return self._patients.search(
                self._text,
                sort=self._sort,
                descending=self._descending,
                include_archived=self._include_archived,
                cursor=cursor,
                limit=limit,
            )

        self.error = ""
        got = call_here(None, search, title="Find a patient", on_refusal=self._refused)
        return None if got is None else got.value

    def _refused(self, exc: ServiceError) -> bool:
        self.error = str(exc)
        return True

    def refresh(self) -> None:
        self.reload(at_least=len(self._rows))

    def has_more(self) -> bool:
        return self._cursor is not None

    def patient_at(self, row: int) -> Patient | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def patient_by_id(self, patient_id: int) -> Patient | None:
        """The patient, whether or not the current search lists them."""
        return quietly(lambda: self._patients.get(patient_id))

    def row_of(self, patient_id: int) -> int | None:
        return next((i for i, p in enumerate(self._rows) if p.id == patient_id), None)

    # -- Qt model API --------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self._cursor is not None

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid() or self._cursor is None:
            return
        page = self._fetch(self._cursor, self._page_size)
        self._cursor = page.next if page else None
        if page and page.rows:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(page.rows) - 1)
            self._rows.extend(page.rows)
            self.endInsertRows()

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS.get(section)
        if orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole:
            return section + 1
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # Called for every cell and role on each repaint: answer the common roles first.
        if role == Qt.ItemDataRole.DisplayRole:
            row = index.row()
            if not index.isValid() or row >= len(self._rows):
                return None
            cells = self._cells.get(row)
            if cells is None:
                cells = self._cells[row] = self._display(self._rows[row])
            return cells[index.column()]
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        patient = self._rows[index.row()]
        if role == Qt.ItemDataRole.ForegroundRole and patient.archived:
            return QBrush(ARCHIVED_COLOUR)
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == COL_NAME:
            return f"{patient.full_name} (#{patient.id})"
        if role == PATIENT_ID_ROLE:
            return patient.id
        return None

    def _display(self, patient: Patient) -> tuple[str, ...]:
        return (
            patient.sort_name,
            f"{format_us(patient.dob)} ({age_on(patient.dob, self._today())})",
            display_phone(patient.phone_e164),
            patient.email,
            patient.finding or "intake due",
            "Archived" if patient.archived else "Active",
        )

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        sort = SORT_BY_COLUMN.get(column)
        if sort is None:
            return
        descending = order == Qt.SortOrder.DescendingOrder
        if (sort, descending) != (self._sort, self._descending):
            self._sort, self._descending = sort, descending
            self.reload()
