"""Choosing a patient where work is done on one: the registry's search, in a short list."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import QModelIndex, Signal
from PySide6.QtWidgets import QHeaderView, QTableView, QVBoxLayout, QWidget

from frontdesk.domain.patients import Patient
from frontdesk.services.patients import PatientService
from frontdesk.ui.models.patients_model import COL_DOB, COL_NAME, PatientTableModel
from frontdesk.ui.patient_in_front import PatientInFront
from frontdesk.ui.widgets.lists import select_row, set_up_record_list
from frontdesk.ui.widgets.search_box import SearchBox


class PatientPicker(QWidget):
    """Type to search (same rules as the Patients tab), Down or Enter to walk into the list.

    `chosen` carries the patient picked, or None when the list no longer shows one.

    With a `front` (a tab of the main window), a row clicked puts that patient in front, and
    the list follows the patient in front: a reload or a new search never picks anyone.
    """

    chosen = Signal(object)

    def __init__(
        self,
        patients: PatientService,
        today: Callable[[], date],
        name: str,
        what_for: str,
        columns: tuple[int, ...] = (COL_NAME, COL_DOB),
        page_size: int = 50,
        parent: QWidget | None = None,
        front: PatientInFront | None = None,
    ) -> None:
        super().__init__(parent)
        self.front = front
        self._following = False  # selecting the row of the patient in front, not a pick
        self.search = SearchBox()
        self.search.setPlaceholderText("Find the patient: name, phone or date of birth")
        self.search.setAccessibleName(f"Find patient {what_for}")
        self.search.setClearButtonEnabled(True)
        self.model = PatientTableModel(patients, today, page_size=page_size)
        self.table = QTableView()
        set_up_record_list(self.table, name)
        self.table.setAccessibleName("Patients found")
        self.table.setModel(self.model)
        for column in range(self.model.columnCount()):
            self.table.setColumnHidden(column, column not in columns)
        header = self.table.horizontalHeader()
        header.hide()  # name and birthday speak for themselves in a short list
        header.setSectionResizeMode(COL_NAME, QHeaderView.ResizeMode.Stretch)
        for column in columns[1:]:
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.search)
        layout.addWidget(self.table, 1)

        self.search.textChanged.connect(self.model.set_search)
        self.search.move_down.connect(self.walk_in)
        self.search.open_requested.connect(self.walk_in)
        self.table.selectionModel().currentRowChanged.connect(self._row_changed)
        self.model.modelReset.connect(self._list_changed)
        self.model.reload()
        if front is not None:
            front.changed.connect(lambda _patient: self.follow_front())
            self.follow_front()

    @property
    def patient(self) -> Patient | None:
        index = self.table.currentIndex()
        return self.model.patient_at(index.row()) if index.isValid() else None

    def choose(self, patient_id: int) -> bool:
        """Selects the patient, searching for them by name when the list does not show them."""
        row = self.model.row_of(patient_id)
        if row is None:
            found = self.model.patient_by_id(patient_id)
            if found is None:
                return False
            self.search.setText(f"{found.first_name} {found.last_name}")
            row = self.model.row_of(patient_id)
            if row is None:
                return False
        select_row(self.table, self.model.index(row, COL_NAME))
        return True

    def walk_in(self) -> None:
        if self.model.rowCount():
            self.table.setFocus()
            first = self.model.patient_at(0)
            if not self.table.currentIndex().isValid() and first is not None:
                self.choose(first.id)

    def follow_front(self) -> None:
        """Highlights the patient in front if listed (searching for them by name if the list
        hides them); nobody else stays highlighted as if they were the one in front."""
        if self.front is None:
            return
        self._following = True
        try:
            if self.front.id is None or not self.choose(self.front.id):
                self.table.selectionModel().clear()
        finally:
            self._following = False

    def _row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        patient = self.model.patient_at(current.row()) if current.isValid() else None
        if self.front is not None:
            if patient is None or self._following:
                return
            if not self.front.choose(patient):  # kept by unsaved work: back to the one in front
                self.follow_front()
            return
        self.chosen.emit(patient)

    def _list_changed(self) -> None:
        """A new search that no longer lists the patient: nobody is chosen any more (with a
        front, the patient in front stays in front, highlighted again if listed)."""
        if self.front is not None:
            self._following = True
            try:
                row = self.model.row_of(self.front.id) if self.front.id is not None else None
                if row is not None:
                    select_row(self.table, self.model.index(row, COL_NAME))
            finally:
                self._following = False
            return
        self.chosen.emit(self.patient)
