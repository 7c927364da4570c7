"""Patients: find anyone in a keystroke, register, correct, archive."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from frontdesk.domain.dates import format_day
from frontdesk.domain.patients import Patient
from frontdesk.domain.search import parse_query
from frontdesk.services.changes import Changes, Entity
from frontdesk.services.clinic import Clinic
from frontdesk.services.signed_in import SignedIn
from frontdesk.ui import prompts
from frontdesk.ui.models.patients_model import (
    COL_DOB,
    COL_EMAIL,
    COL_FINDING,
    COL_NAME,
    COL_PHONE,
    COL_STATUS,
    SORT_BY_COLUMN,
    PatientTableModel,
)
from frontdesk.ui.operations import Operations
from frontdesk.ui.patient_in_front import PatientInFront
from frontdesk.ui.widgets.lists import select_row, set_up_record_list
from frontdesk.ui.widgets.patient_detail import PatientDetailPane, PatientRecord
from frontdesk.ui.widgets.search_box import SearchBox

if TYPE_CHECKING:
    from frontdesk.ui.dialogs.patient_dialog import PatientDialog

# What the record in the details pane lists besides the patient's own row (which follows the
# patient in front): a change to one of these for a patient nobody named (another window's)
# may be theirs, and reads the record again.
LISTED_IN_RECORD = (
    Entity.APPOINTMENT,
    Entity.INTAKE,
    Entity.LASER_ELIGIBILITY,
    Entity.SERIES,
    Entity.SESSION,
    Entity.HANDOUT,
)


def concerns_record(changes: Changes, patient_id: int | None) -> bool:
    """Whether `changes` may have changed what the record of `patient_id` shows."""
    if patient_id is None:
        return False
    if changes.touches_patient(patient_id):
        return True
    return any(
        change.entity in LISTED_IN_RECORD and change.patient_id is None for change in changes.items
    )


class PatientTable(QTableView):
    """Enter opens the selected patient; Up from the first row goes back to the search box."""

    open_requested = Signal()
    leave_upwards = Signal()

    def keyPressEvent(self, event) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.open_requested.emit()
            return
        if event.key() == Qt.Key.Key_Up and self.currentIndex().row() <= 0:
            self.leave_upwards.emit()
            return
        super().keyPressEvent(event)


class PatientsTab(QWidget):
    message = Signal(str)  # for the status bar, after an action succeeded

    def __init__(
        self,
        ops: Operations,
        actor: Callable[[], SignedIn],
        today: Callable[[], date],
        progress: Callable[[int], str] | None = None,
        handouts: Callable[[int], str] | None = None,
        parent: QWidget | None = None,
        front: PatientInFront | None = None,
        record: Callable[[int], PatientRecord] | None = None,
    ) -> None:
        """`progress` and `handouts` tell where a patient's CO2 series stands and which
        handouts they were given, `record` reads the whole record, for the details pane.
        `front` is the main window's patient in front (the tab makes its own alone): the
        details pane always shows that patient. Every service call goes through `ops`; the
        tab refreshes from the changes it announces, its own writes' included."""
        super().__init__(parent)
        self.setObjectName("patientsTab")
        patients = ops.clinic.patients
        if front is None:  # alone: its own patient in front, following the changes itself
            front = PatientInFront(patients, self)
            ops.notifier.changes.connect(front.follow)
        self.front = front
        self._following = False  # selecting the row of the patient in front, not a pick
        self._typed = False  # the list changes because a person typed a search
        self._ops = ops
        self._actor = actor
        self._today = today
        self.dialog: PatientDialog | None = None

        self.model = PatientTableModel(patients, today)

        self.search = SearchBox()
        self.search.setObjectName("patientSearch")
        self.search.setPlaceholderText("Find a patient: name, phone, email or date of birth")
        self.search.setAccessibleName("Find patient")
        self.search.setClearButtonEnabled(True)
        self.show_archived = QCheckBox("Show archi&ved")
        self.show_archived.setAccessibleName("Show archived patients")
        self.count_label = QLabel()
        self.count_label.setObjectName("patientCount")
        self.new_button = QPushButton("&New patient…")
        self.new_button.setAccessibleName("New patient")

        self.table = PatientTable()
        set_up_record_list(self.table, "patientTable")
        self.table.setAccessibleName("Patients")
        self.table.setModel(self.model)
        # Indicator first: enabling sorting applies it, and the model is already in this order.
        self.table.horizontalHeader().setSortIndicator(COL_NAME, Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)
        header = self.table.horizontalHeader()
        self._sorted_by = (COL_NAME, Qt.SortOrder.AscendingOrder)
        header.sortIndicatorChanged.connect(self._sort_indicator_moved)
        widths = (
            (COL_NAME, 175),
            (COL_DOB, 130),
            (COL_PHONE, 115),
            (COL_EMAIL, 185),
            (COL_STATUS, 70),
        )
        for column, width in widths:
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(column, width)
        header.setSectionResizeMode(COL_FINDING, QHeaderView.ResizeMode.Stretch)

        self.detail = PatientDetailPane(today, progress, handouts, record=record)

        top = QHBoxLayout()
        top.setSpacing(8)
        top.addWidget(self.search, 1)
        top.addWidget(self.show_archived)
        top.addWidget(self.new_button)
        splitter = QSplitter()
        splitter.addWidget(self.table)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 1)  # a wider window widens the list
        splitter.setStretchFactor(1, 0)
        splitter.setSizes([900, 430])  # the record beside the list, appointments on one line
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(8)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.count_label)

        self.new_action = self._action(
            "&New patient…", QKeySequence.StandardKey.New, self.new_patient
        )
        self.open_action = self._action(
            "&Open patient…", QKeySequence.StandardKey.Open, self.open_selected
        )
        self.archive_action = self._action("&Archive patient…", None, self.archive_selected)
        self.restore_action = self._action("&Restore patient", None, self.restore_selected)

        self.search.textChanged.connect(self._search_changed)
        self.search.move_down.connect(self._walk_into_table)
        self.search.open_requested.connect(self._open_from_search)
        self.show_archived.toggled.connect(self._archived_toggled)
        self.new_button.clicked.connect(self.new_patient)
        self.table.open_requested.connect(self.open_selected)
        self.table.leave_upwards.connect(self.focus_search)
        self.table.doubleClicked.connect(lambda _index: self.open_selected())
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.model.modelReset.connect(self._after_reset)
        self.model.rowsInserted.connect(lambda *_: self._update_count())
        self.detail.edit_requested.connect(self.open_patient)
        self.detail.archive_requested.connect(self.archive_patient)
        self.detail.restore_requested.connect(self.restore_patient)
        ops.notifier.changes.connect(self._changes_heard)
        self.front.changed.connect(lambda _patient: self._show_front())
        self.front.updated.connect(lambda _patient: self._show_front())

        self.model.reload()
        self._show_front()

    def _action(self, text: str, shortcut, slot) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(shortcut)
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _sort_indicator_moved(self, column: int, order: Qt.SortOrder) -> None:
        """A column the list cannot be sorted by keeps the arrow where the order really is."""
        if column in SORT_BY_COLUMN:
            self._sorted_by = (column, order)
            return
        header = self.table.horizontalHeader()
        header.blockSignals(True)
        header.setSortIndicator(*self._sorted_by)
        header.blockSignals(False)

    # -- finding ----------------------------------------------------------------------------
    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def _search_changed(self, text: str) -> None:
        self._typed = True
        try:
            self.model.set_search(text)
        finally:
            self._typed = False

    def _archived_toggled(self, checked: bool) -> None:
        self.model.set_include_archived(checked)  # the patient in front stays in front

    def _walk_into_table(self) -> None:
        if self.model.rowCount() == 0:
            return
        self.table.setFocus()
        if not self.table.currentIndex().isValid():
            self._select_row(0)

    def _open_from_search(self) -> None:
        if not self.table.currentIndex().isValid() and self.model.rowCount() > 0:
            self._select_row(0)
        self.open_selected()

    def _after_reset(self) -> None:
        """A new search, a sort, a reload: the patient in front stays in front (highlighted
        if listed). Only a search typed down to one match puts that match in front."""
        self._update_count()
        if self._typed and self.model.rowCount() == 1:
            self._select_row(0)  # one match: show it straight away
            return
        self._highlight_front()
        self._update_actions()

    def _update_count(self) -> None:
        self.count_label.setText(self._count_text())

    def _count_text(self) -> str:
        if self.model.error:
            return self.model.error
        shown = self.model.rowCount()
        more = "+" if self.model.has_more() else ""
        noun = "patient" if shown == 1 and not more else "patients"
        text = f"{shown}{more} {noun}"
        typed = self.model.search_text.strip()
        if not typed:
            return text + (" (scroll for more)" if more else "")
        text += f" matching “{typed}”"
        if self.model.capped:
            text += " (sorted among the first matches only: type more to narrow them down)"
        if shown == 0:
            hint = parse_query(typed).hint or (
                "Try fewer letters, the phone number's last four digits, or Ctrl+N to register."
            )
            if not self.show_archived.isChecked():  # a trial looked for an archived patient
                hint += " Archived patients show once “Show archived” is ticked."
            text += ". " + hint
        return text

    def _select_row(self, row: int) -> None:
        index = self.model.index(row, COL_NAME)
        select_row(self.table, index)
        self.table.scrollTo(index)

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        """A row picked by a person puts that patient in front; unsaved work elsewhere (an
        intake) may keep the one in front, whose row is highlighted again."""
        if self._following or not current.isValid():
            return
        patient = self.model.patient_at(current.row())
        if patient is not None and not self.front.choose(patient):
            self._highlight_front()

    def _highlight_front(self) -> None:
        """The row of the patient in front, or none: never another row highlighted as if it
        were the one on show."""
        self._following = True
        try:
            row = self.model.row_of(self.front.id) if self.front.id is not None else None
            if row is None:
                self.table.selectionModel().clear()
            else:
                self._select_row(row)
        finally:
            self._following = False

    def _show_front(self) -> None:
        self._highlight_front()
        if self.detail.patient != self.front.patient:
            self.detail.show_patient(self.front.patient)
        self._update_actions()

    def _update_actions(self) -> None:
        """Menu entries for "the selected patient" are usable only when one is selected."""
        patient = self.detail.patient
        self.open_action.setEnabled(patient is not None)
        self.archive_action.setEnabled(patient is not None and not patient.archived)
        self.restore_action.setEnabled(patient is not None and patient.archived)

    def selected_patient(self) -> Patient | None:
        """The patient in front (shown in the details pane), listed or not."""
        return self.front.patient

    def select_patient(self, patient_id: int) -> bool:
        """Puts the patient in front if the list shows them (as a click on their row)."""
        row = self.model.row_of(patient_id)
        if row is None:
            return False
        self._select_row(row)
        return self.front.id == patient_id

    # -- writing ----------------------------------------------------------------------------
    def new_patient(self) -> PatientDialog:
        return self._open_dialog(None)

    def open_selected(self) -> PatientDialog | None:
        patient = self.selected_patient()
        return self.open_patient(patient.id) if patient else None

    def open_patient(self, patient_id: int) -> PatientDialog | None:
        got = self._ops.read(self, lambda c: c.patients.get(patient_id), title="Patient")
        return None if got is None else self._open_dialog(got.value)

    def _open_dialog(self, patient: Patient | None) -> PatientDialog:
        from frontdesk.ui.dialogs.patient_dialog import PatientDialog  # loaded on first use

        dialog = PatientDialog(
            self._ops.clinic.patients, self._actor, self._today, patient, self, ops=self._ops
        )
        dialog.saved.connect(lambda stored, new=patient is None: self._saved(stored, new))
        dialog.finished.connect(dialog.deleteLater)
        self.dialog = dialog
        dialog.open()  # window-modal, and the event loop keeps running
        return dialog

    def _saved(self, patient: Patient, new: bool) -> None:
        """Saved and announced (the list and the record already follow the changes)."""
        if new:
            self.front.choose(patient)  # the newcomer is the one the desk is talking to
            if self.model.row_of(patient.id) is None:
                # Show the newcomer even if the current search would hide them.
                self.search.setText(patient.last_name)
            self._show_front()
        verb = "registered" if new else "saved"
        self.message.emit(f"{patient.full_name} {verb}.")

    def archive_selected(self) -> None:
        patient = self.selected_patient()
        if patient:
            self.archive_patient(patient.id)

    def restore_selected(self) -> None:
        patient = self.selected_patient()
        if patient:
            self.restore_patient(patient.id)

    def archive_patient(self, patient_id: int) -> None:
        got = self._ops.read(self, lambda c: c.patients.get(patient_id), title="Archive")
        if got is None:
            return
        patient = got.value
        question = (
            f"Archive {patient.full_name} (born {format_day(patient.dob)})?\n\n"
            "Archived patients are kept with all their records but hidden from the list and"
            " from searches unless “Show archived” is ticked. You can restore them at any time."
        )
        if not prompts.confirm(self, "Archive patient", question, "&Archive"):
            return
        actor = self._actor()
        self._write(lambda c: c.patients.archive(actor, patient_id), "archived")

    def restore_patient(self, patient_id: int) -> None:
        actor = self._actor()
        self._write(lambda c: c.patients.restore(actor, patient_id), "restored")

    def _write(self, call: Callable[[Clinic], Patient], verb: str) -> None:
        """Archived or restored: still in front, no other row highlighted (the announced
        change reloads the list and the record)."""
        got = self._ops.write(self, call, title="Not saved")
        if got is not None:
            self.message.emit(f"{got.value.full_name} {verb}.")

    def _changes_heard(self, changes: Changes) -> None:
        """Refreshes from what was announced: the list when a patient or an intake (the
        finding column) changed, the record when it may show something that changed."""
        if changes.touches(Entity.PATIENT, Entity.INTAKE):
            self.model.refresh()  # the patient in front stays in front (see _after_reset)
        if changes.touches(Entity.PATIENT):
            self._show_front()  # as stored now (the patient in front followed the change)
        if concerns_record(changes, self.detail.patient.id if self.detail.patient else None):
            self.detail.show_patient(self.detail.patient)
