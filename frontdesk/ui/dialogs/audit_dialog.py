"""The audit trail for the admin: who did what to which record, filtered, and its chain checked."""

from __future__ import annotations

import csv
import os
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QModelIndex, Qt
from PySide6.QtGui import QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from frontdesk.domain.audit import AuditEntry, Tampering
from frontdesk.domain.clinic import CLINIC_TZ
from frontdesk.domain.patients import Patient
from frontdesk.services.audit import AuditCheck, AuditCursor, AuditFilter
from frontdesk.services.changes import Changes
from frontdesk.services.clinic import Clinic
from frontdesk.services.errors import NotAllowed, ServiceError
from frontdesk.services.patients import PatientService
from frontdesk.services.signed_in import SignedIn
from frontdesk.ui import prompts
from frontdesk.ui.error_label import ERROR_COLOUR, error_label
from frontdesk.ui.models.audit_model import (
    COL_ACTION,
    COL_WHAT,
    COL_WHEN,
    COL_WHO,
    CSV_HEADERS,
    AuditModel,
    LineWords,
    details,
    say_when,
)
from frontdesk.ui.models.patients_model import COL_DOB, COL_NAME
from frontdesk.ui.operations import BackgroundCall, Operations
from frontdesk.ui.widgets.date_field import DateField
from frontdesk.ui.widgets.lists import set_up_record_list
from frontdesk.ui.widgets.patient_picker import PatientPicker

DAYS_SHOWN = 30  # the default window: the last month of work
EXPORT_PAGE = 1000  # lines read per query while exporting (off the GUI thread)
CHECKING = "Checking the audit chain…"
ANSWER_WAIT_S = 5.0  # a background call's answer reaches the GUI thread in far less
INTACT_STYLE = "color: #1b7f3b; font-weight: bold;"
BUSY_STYLE = "color: palette(mid); font-weight: bold;"
BROKEN_STYLE = f"color: {ERROR_COLOUR}; font-weight: bold;"
HINT_STYLE = "color: palette(mid);"
ANY_PATIENT = "Any patient"
NO_LINE = "Select a line to see every value it recorded, before and after."
PICKER_ROWS = 4
WHAT_MAX_WIDTH = 300  # long patient names elide; the pane below shows them whole


def _clinic_today() -> date:
    return datetime.now(CLINIC_TZ).date()


def _date_field(name: str, today: Callable[[], date]) -> DateField:
    field = DateField(today=today)  # typed as the desk writes dates, said in full beside it
    field.setAccessibleName(name)
    return field


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(text: str) -> str:
    """A spreadsheet would run a cell starting with = + - @ as a formula (a patient's note
    could be '=HYPERLINK(...)'): such a cell gets a leading apostrophe."""
    return f"'{text}" if text.startswith(_FORMULA_START) else text


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[str]]) -> int:
    """Writes the file whole or not at all, readable by its owner only (0600): a private
    temporary file beside it, then renamed over it. UTF-8 with a BOM, for Excel's sake.
    `rows` may be read as they are written (a failure reading them leaves no file)."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".audit-", suffix=".csv.part")
    written = 0
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8-sig") as out:
            writer = csv.writer(out)
            writer.writerow(header)
            for row in rows:
                writer.writerow([_cell(c) for c in row])
                written += 1
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return written


@dataclass(frozen=True)
class Exported:
    """What an export did: how many lines went to the file, or why none did."""

    lines: int
    problem: str = ""  # in words: the file could not be written


def export_lines(
    clinic: Clinic,
    actor: SignedIn,
    where: AuditFilter,
    words: LineWords,
    path: Path,
    taken_back: list[Path],
) -> Exported:
    """Off the GUI thread, on a connection of its own: every line matching `where`, newest
    first, page by page (keyset, each page below the last), written to `path` and recorded
    in the trail; a file whose export could not be recorded is taken back (`taken_back`
    says so to whoever hears of the refusal). A refusal while reading leaves no file."""

    def rows() -> Iterator[tuple[str, ...]]:
        """Page by page as the file is written: one page in memory, however many lines."""
        below: AuditCursor | None = None
        while True:
            page = clinic.audit.search(actor, where, EXPORT_PAGE, below=below, count=False)
            words.patients.update(page.patients)
            yield from (words.csv_row(e) for e in page.entries)
            if len(page.entries) < EXPORT_PAGE:
                return
            below = page.next

    try:
        written = write_csv(path, CSV_HEADERS, rows())
    except OSError as exc:
        return Exported(0, _said_os_error(exc, path))
    try:  # no export goes unrecorded
        clinic.audit.record_export(actor, where, written, path)
    except BaseException:
        path.unlink(missing_ok=True)
        taken_back.append(path)
        raise
    return Exported(written)


def checked_chain(clinic: Clinic, actor: SignedIn) -> AuditCheck:
    """Off the GUI thread: the whole check, for someone who may read the trail (asked first,
    by reading its newest line: a refusal is said and recorded before anything is walked)."""
    clinic.audit.search(actor, AuditFilter(), 1, count=False)
    return clinic.audit.check()


class AuditDialog(QDialog):
    """Read-only: filters narrow the lines, the pane shows one line whole, nothing is changed.

    A role that may not read the trail sees the refusal sentence and nothing else.
    """

    def __init__(
        self,
        patients: PatientService,
        current: Callable[[], SignedIn],
        parent: QWidget | None = None,
        *,
        ops: Operations,
        today: Callable[[], date] = _clinic_today,
        page_size: int = 200,
    ) -> None:
        """Every call goes through `ops`, on this window's connection or a worker's (the
        patient picker, a shared widget, still takes `patients`)."""
        super().__init__(parent)
        self._ops = ops  # the one way this view runs a service call
        self._current = current
        self._today = today
        self._quiet = False  # True while several filters are set at once: one query after
        self._joining = False  # True while the From and To days bound each other
        self._newer_lines = False  # lines were written since the pages shown were read
        self.patient_id: int | None = None
        self.check_job: BackgroundCall | None = None
        self.setWindowTitle("Audit trail")
        self.setObjectName("auditDialog")

        self.model = AuditModel(ops, current, page_size=page_size, parent=self)
        self.content = QWidget()
        self.content.setObjectName("auditContent")
        self._build_content(patients)

        self.refusal = QLabel()
        self.refusal.setObjectName("auditRefusal")
        self.refusal.setAccessibleName("Why the audit trail is not shown")
        self.refusal.setWordWrap(True)
        self.refusal.setMinimumWidth(420)
        self.refusal.hide()

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.button(QDialogButtonBox.StandardButton.Close).setAutoDefault(False)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 16)
        layout.setSpacing(8)
        layout.addWidget(self.content, 1)
        layout.addWidget(self.refusal)
        layout.addWidget(self.buttons)

        self.model.refused.connect(self._show_refusal)
        self._start()

    # -- building ---------------------------------------------------------------------------
    def _build_content(self, patients: PatientService) -> None:
        self.picker = PatientPicker(
            patients,
            self._today,
            "auditPatients",
            "to filter the audit trail",
            columns=(COL_NAME, COL_DOB),
            page_size=30,
        )
        self.picker.model.set_include_archived(True)  # an archived patient's trail matters too
        table = self.picker.table  # four whole rows: a sliver of a fifth looks like a glitch
        table.setFixedHeight(
            PICKER_ROWS * table.verticalHeader().defaultSectionSize() + 2 * table.frameWidth()
        )
        self.picker.setMinimumWidth(340)
        self.patient_label = QLabel(ANY_PATIENT)
        self.patient_label.setObjectName("auditPatient")
        self.patient_label.setAccessibleName("Patient filter")
        self.patient_label.setStyleSheet("font-weight: bold;")
        self.any_patient = QPushButton("&Any patient")
        self.any_patient.setObjectName("anyPatientButton")
        self.any_patient.setAccessibleName("Show lines about any patient")
        self.any_patient.setAutoDefault(False)
        self.any_patient.setEnabled(False)
        patient_title = QLabel("Pa&tient:")
        patient_title.setBuddy(self.picker.search)
        patient_row = QHBoxLayout()
        patient_row.setSpacing(8)
        patient_row.addWidget(patient_title)
        patient_row.addWidget(self.patient_label, 1)
        patient_row.addWidget(self.any_patient)
        patient_box = QVBoxLayout()
        patient_box.setSpacing(8)
        patient_box.addLayout(patient_row)
        patient_box.addWidget(self.picker)

        self.staff_combo = QComboBox()
        self.staff_combo.setObjectName("auditStaff")
        self.staff_combo.setAccessibleName("Staff member")
        self.staff_combo.setMinimumWidth(220)
        self.first_day = _date_field("From", self._today)
        self.first_day.setObjectName("auditFrom")
        self.last_day = _date_field("To", self._today)
        self.last_day.setObjectName("auditTo")
        form = QFormLayout()
        form.setSpacing(8)
        form.addRow("&Staff member:", self.staff_combo)
        form.addRow("&From:", self.first_day)
        form.addRow("T&o:", self.last_day)
        for field in (self.staff_combo, self.first_day, self.last_day):
            label = form.labelForField(field)
            if isinstance(label, QLabel):
                label.setBuddy(field)
        self.count = QLabel()
        self.count.setObjectName("auditCount")
        self.count.setAccessibleName("How many lines match")
        self.count.setStyleSheet(HINT_STYLE)
        self.count.setWordWrap(True)
        right = QVBoxLayout()
        right.setSpacing(8)
        right.addLayout(form)
        right.addStretch(1)
        right.addWidget(self.count)

        filters = QHBoxLayout()
        filters.setSpacing(16)
        filters.addLayout(patient_box, 3)
        filters.addLayout(right, 2)

        self.table = QTableView()
        set_up_record_list(self.table, "auditTable")
        self.table.setAccessibleName("Audit trail lines, newest first")
        self.table.setModel(self.model)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.setMinimumHeight(160)  # five lines; it takes what the screen leaves

        pane_title = QLabel("&Details of the selected line:")
        self.pane = QPlainTextEdit()
        self.pane.setObjectName("auditDetails")
        self.pane.setAccessibleName("Details of the selected line")
        self.pane.setReadOnly(True)
        self.pane.setPlaceholderText(NO_LINE)
        self.pane.setFixedHeight(130)
        self.pane.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        pane_title.setBuddy(self.pane)

        self.check_button = QPushButton("Check the &chain")
        self.check_button.setObjectName("checkChainButton")
        self.check_button.setAccessibleName("Check the audit trail's chain")
        self.check_button.setAutoDefault(False)
        self.chain = QLabel()
        self.chain.setObjectName("auditChain")
        self.chain.setAccessibleName("Result of the chain check")
        self.chain.setWordWrap(True)
        self.error = error_label("auditError")
        self.export_button = QPushButton("&Export to CSV…")
        self.export_button.setObjectName("exportCsvButton")
        self.export_button.setAccessibleName("Export the lines shown to a CSV file")
        self.export_button.setToolTip("Every line matching the filters above (Ctrl+E)")
        self.export_button.setShortcut(QKeySequence("Ctrl+E"))
        self.export_button.setAutoDefault(False)
        self.exported = QLabel()
        self.exported.setObjectName("auditExported")
        self.exported.setAccessibleName("Result of the export")
        self.exported.setStyleSheet(HINT_STYLE)
        self.exported.setWordWrap(True)
        self.export_job: BackgroundCall | None = None
        check_row = QHBoxLayout()
        check_row.setSpacing(8)
        check_row.addWidget(self.check_button)
        check_row.addWidget(self.chain, 1)
        export_row = QHBoxLayout()
        export_row.setSpacing(8)
        export_row.addWidget(self.export_button)
        export_row.addWidget(self.exported, 1)

        layout = QVBoxLayout(self.content)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addWidget(pane_title)
        layout.addWidget(self.pane)
        layout.addWidget(self.error)
        layout.addLayout(check_row)
        layout.addLayout(export_row)
        QWidget.setTabOrder(self.picker.search, self.picker.table)
        QWidget.setTabOrder(self.picker.table, self.any_patient)
        QWidget.setTabOrder(self.any_patient, self.staff_combo)
        QWidget.setTabOrder(self.staff_combo, self.first_day)
        QWidget.setTabOrder(self.first_day, self.last_day)
        QWidget.setTabOrder(self.last_day, self.table)
        QWidget.setTabOrder(self.table, self.pane)
        QWidget.setTabOrder(self.pane, self.check_button)
        QWidget.setTabOrder(self.check_button, self.export_button)

    def _start(self) -> None:
        """One look at the newest line: refused, nothing else is shown; else the defaults."""
        actor = self._current()
        got = self._ops.read(
            self,
            lambda c: c.audit.search(actor, AuditFilter(), 1, count=False),
            title="The audit trail was not read",
            on_refusal=self._said_here,
        )
        if self.refused:
            return
        newest = got.value if got is not None else None
        self._fill_staff()
        last = self._today()
        anchor = last
        if newest is not None and newest.entries:
            anchor = datetime.fromisoformat(newest.entries[0].at).date()
            last = max(last, anchor)
        self._quiet = True
        self.first_day.setDate(anchor - timedelta(days=DAYS_SHOWN - 1))
        self.last_day.setDate(last)
        self._join_days()
        self._quiet = False

        self.picker.chosen.connect(self._patient_chosen)
        self.any_patient.clicked.connect(self.clear_patient)
        self.staff_combo.currentIndexChanged.connect(lambda _i: self.apply_filters())
        for field in (self.first_day, self.last_day):
            field.dateChanged.connect(lambda _day: self._days_changed())
            field.errorChanged.connect(lambda _said: self._days_changed())
        self.table.selectionModel().currentRowChanged.connect(self._line_changed)
        self.model.modelReset.connect(self._after_reset)
        self.model.rowsInserted.connect(lambda *_a: self._say_count())
        self.check_button.clicked.connect(self.check_chain)
        self.export_button.clicked.connect(self.export_csv)
        self._ops.notifier.changes.connect(self._data_changed)
        self.apply_filters()
        self._fit_columns()
        self._fit_screen()

    def _fit_screen(self) -> None:
        """1040 x 760 where the screen allows; on a 1366 x 768 laptop with a taskbar it keeps
        room for the title bar (the table gives up the height)."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        width, height = 1040, 760
        if screen is not None:
            room = screen.availableGeometry()
            width = min(width, room.width() - 32)
            height = min(height, room.height() - 48)
        self.resize(max(width, self.minimumSizeHint().width()), height)

    def _fill_staff(self) -> None:
        """Everyone who ever worked here, switched-off accounts too: their lines remain."""
        self.staff_combo.addItem("Anyone", None)
        got = self._ops.read(
            self,
            lambda c: c.staff.accounts(),
            title="The staff list was not read",
            on_refusal=self._said_here,
        )
        if got is None:
            return
        names = {}
        for account in sorted(got.value, key=lambda a: a.staff.name.casefold()):
            member = account.staff
            names[member.id] = member.name
            label = member.label + ("" if member.active else " – switched off")
            self.staff_combo.addItem(label, member.id)
        self.model.set_staff_names(names)

    def _fit_columns(self) -> None:
        """Wide enough for what the first page shows; the changes take the rest."""
        for column in (COL_WHEN, COL_WHO, COL_ACTION, COL_WHAT):
            self.table.resizeColumnToContents(column)
        if self.table.columnWidth(COL_WHAT) > WHAT_MAX_WIDTH:
            self.table.setColumnWidth(COL_WHAT, WHAT_MAX_WIDTH)
        self.table.horizontalHeader().setMinimumSectionSize(60)

    # -- filters ----------------------------------------------------------------------------
    def current_filter(self) -> AuditFilter:
        return AuditFilter(
            patient_id=self.patient_id,
            staff_id=self.staff_combo.currentData(),
            first_day=self.first_day.day().isoformat(),
            last_day=self.last_day.day().isoformat(),
        )

    def days_readable(self) -> bool:
        return self.first_day.isValid() and self.last_day.isValid()

    def apply_filters(self) -> None:
        """Narrows the lines; while a day is refused (said beside it) the lines stay as they
        were and nothing can be exported, so no export ever differs from the fields."""
        if self._quiet:
            return
        self.export_button.setEnabled(self.days_readable() and self.export_job is None)
        if not self.days_readable():
            return
        self.error.hide()
        self.model.set_filter(self.current_filter())

    def choose_patient(self, patient: Patient | None) -> None:
        """Only the lines about this patient (None: about anyone, or no one)."""
        self.patient_id = patient.id if patient else None
        self.patient_label.setText(patient.full_name if patient else ANY_PATIENT)
        self.any_patient.setEnabled(patient is not None)
        self.apply_filters()

    def clear_patient(self) -> None:
        self._quiet = True
        self.picker.search.clear()
        self.picker.table.clearSelection()
        self._quiet = False
        self.choose_patient(None)
        self.picker.search.setFocus()

    def _patient_chosen(self, patient: Patient | None) -> None:
        # A new search that lists someone else keeps the filter: only a choice changes it.
        if patient is not None and patient.id != self.patient_id:
            self.choose_patient(patient)

    def _join_days(self) -> None:
        """From may not pass To: each readable day bounds the other, and a day past it is
        refused beside it in a sentence ("Choose Thu, Nov 26, 2026 or earlier.")."""
        if self.last_day.isValid():
            self.first_day.setMaximumDate(self.last_day.day())
        if self.first_day.isValid():
            self.last_day.setMinimumDate(self.first_day.day())

    def _days_changed(self) -> None:
        if self._joining:
            return
        self._joining = True
        try:
            self._join_days()
        finally:
            self._joining = False
        self.apply_filters()

    # -- the table and the pane -------------------------------------------------------------
    def _after_reset(self) -> None:
        self._newer_lines = False
        self._say_count()
        if self.model.rowCount():
            self.table.selectRow(0)
            self.table.scrollToTop()
        else:
            self._line_changed(QModelIndex(), QModelIndex())

    def _data_changed(self, changes: Changes) -> None:
        """Every change writes lines: the first page is read again; deeper in the trail the
        admin keeps their place, told that newer lines are waiting."""
        if not changes or self.refused or not self.days_readable():
            return
        if self.model.pages_read <= 1:
            self.model.reload()
        else:
            self._newer_lines = True
            self._say_count()

    def _say_count(self) -> None:
        total, shown = self.model.total, self.model.rowCount()
        if self.model.error:
            self.count.setText("")
            self._show_error(self.model.error)
            return
        if total == 0:
            said = "No lines match these filters."
        elif self.model.more_than_total:
            said = (
                f"More than {total:,} lines, newest first; {shown:,} read so far (scroll for more)."
            )
        elif shown >= total:
            said = f"{total:,} line{'s' if total != 1 else ''}, newest first."
        else:
            said = f"{total:,} lines, newest first; {shown:,} read so far (scroll for more)."
        if self._newer_lines:
            said += " Newer lines were written since: change a filter to see them."
        self.count.setText(said)

    @property
    def entry(self) -> AuditEntry | None:
        index = self.table.currentIndex()
        return self.model.entry_at(index.row()) if index.isValid() else None

    def _line_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        entry = self.model.entry_at(current.row()) if current.isValid() else None
        if entry is None:
            self.pane.clear()
            return
        heading = (
            f"Line #{entry.id}, {say_when(entry.at)}: {self.model.who(entry)},"
            f" {self.model.action(entry)}, {self.model.what(entry)}"
        )
        self.pane.setPlainText(f"{heading}\n{details(entry)}")

    def detail_text(self) -> str:
        return self.pane.toPlainText()

    # -- the export -------------------------------------------------------------------------
    def export_csv(self) -> None:
        """Every line matching the filters, with the values as shown, to a CSV file of the
        admin's choosing, read and written off the GUI thread; the export itself is recorded
        in the trail (or the file is taken back)."""
        if not self.days_readable() or self.export_job is not None:
            return
        where = self.current_filter()
        chosen = prompts.save_file(
            self,
            "Export the audit trail",
            f"audit-trail-{self._today().isoformat()}.csv",
            "CSV files (*.csv)",
        )
        if not chosen:
            return
        path = Path(chosen)
        if path.suffix.lower() != ".csv":
            path = path.with_name(path.name + ".csv")
        actor = self._current()
        words = LineWords(self.model.words.staff)  # its own: the worker fills in patients
        words.patients = dict(self.model.words.patients)
        taken_back: list[Path] = []
        self.exported.setText(f"Exporting to {path.name}…")
        self.exported.setStyleSheet(HINT_STYLE)
        self.export_button.setEnabled(False)
        self.export_job = self._ops.in_background(
            self,
            lambda c: export_lines(c, actor, where, words, path, taken_back),
            title="The audit trail was not exported",
            busy=f"Exporting the audit trail to {path.name}…",
            on_done=lambda done: self._exported(done, path),
            on_refusal=lambda exc: self._export_refused(exc, taken_back),
        )
        self.export_job.ended.connect(lambda _outcome: self._export_ended())

    def _export_ended(self) -> None:
        self.export_job = None
        self.apply_filters()  # the button again, as the days allow

    def _exported(self, done: Exported, path: Path) -> None:
        if done.problem:
            self._export_failed(done.problem)
            return
        lines = done.lines
        self.exported.setText(f"{lines} line{'s' if lines != 1 else ''} exported to {path}.")
        self.exported.setStyleSheet(HINT_STYLE)
        # Its own line is now the newest (an event line: no record changed, nothing announced).
        self.model.reload()

    def _export_refused(self, exc: ServiceError, taken_back: list[Path]) -> bool:
        self._export_failed(f"{exc} The file was not kept." if taken_back else str(exc))
        return True

    def _export_failed(self, text: str) -> None:
        self.exported.setText(text)
        self.exported.setStyleSheet(f"color: {ERROR_COLOUR};")

    # -- the chain --------------------------------------------------------------------------
    def check_chain(self) -> None:
        """Walks every line from the first, off the GUI thread (the dialog stays in use); says
        which line, if any, was changed or removed, whether the trail's end is where it was
        remembered, and which records differ from it."""
        if self.check_job is not None:
            return
        actor = self._current()
        self.check_button.setEnabled(False)
        self.chain.setText(CHECKING)
        self.chain.setStyleSheet(BUSY_STYLE)
        self.check_job = self._ops.in_background(
            self,
            lambda c: checked_chain(c, actor),
            title="The audit trail was not checked",
            busy=CHECKING,
            on_done=self._chain_checked,
            on_refusal=self._chain_refused,
        )
        self.check_job.ended.connect(lambda _outcome: self._check_ended())

    def _check_ended(self) -> None:
        self.check_job = None
        self.check_button.setEnabled(True)
        if self.chain.text() == CHECKING:  # failed unexpectedly: said in a message box
            self.chain.clear()

    def _chain_refused(self, exc: ServiceError) -> bool:
        self._say_chain(str(exc), ok=False)
        return True

    def _chain_checked(self, found: AuditCheck) -> None:
        broken = found.problem
        if isinstance(broken, Tampering):  # the chain holds; its anchor or the records do not
            # One line beside the button (it has room for no more); the findings in the
            # details pane below, which scrolls.
            said = []
            if broken.anchor:
                said.append("the end of the audit trail was cut off or rewritten")
            if broken.rows:
                count = len(broken.rows) + broken.more_rows
                said.append(f"{count} record{'s' if count != 1 else ''} differ from the trail")
            self._say_chain(
                f"Changed behind Frontdesk's back: {' and '.join(said)} (see below).", ok=False
            )
            self.pane.setPlainText(f"{broken.summary(50)}\n\nTell the clinic's admin.")
        elif broken is not None:
            self._say_chain(str(broken), ok=False)
        else:
            lines = found.lines or 0
            self._say_chain(
                f"The audit trail is intact ({lines:,} line{'s' if lines != 1 else ''}).",
                ok=True,
            )

    def wait_for_check(self, seconds: float | None = None) -> None:
        """The chain check, if any, has ended and its answer is shown (tests, closing)."""
        job = self.check_job
        _deliver(job, seconds, lambda: self.check_job is job)

    def _say_chain(self, text: str, *, ok: bool) -> None:
        self.chain.setText(text)
        self.chain.setStyleSheet(INTACT_STYLE if ok else BROKEN_STYLE)

    # -- refusals ---------------------------------------------------------------------------
    def _said_here(self, exc: ServiceError) -> bool:
        """A refusal hides the trail and says why; anything else is said above the buttons."""
        if isinstance(exc, NotAllowed):
            self._show_refusal(str(exc))
        else:
            self._show_error(str(exc))
        return True

    def _show_refusal(self, text: str) -> None:
        self.content.hide()
        self.refusal.setText(text)
        self.refusal.show()
        self.adjustSize()

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()

    @property
    def refused(self) -> bool:
        return not self.refusal.isHidden()

    def wait_for_export(self, seconds: float | None = None) -> None:
        """The export, if any, has ended and its answer is shown: closing the dialog
        mid-export leaves the file recorded (or taken back), never half-done."""
        job = self.export_job
        _deliver(job, seconds, lambda: self.export_job is job)

    def done(self, result: int) -> None:
        self.wait_for_export()
        super().done(result)

    def column_texts(self, column: int) -> list[str]:
        return [self.model.index(r, column).data() for r in range(self.model.rowCount())]


def _deliver(
    call: BackgroundCall | None, seconds: float | None, pending: Callable[[], bool]
) -> None:
    """Waits for `call` to end, then hands its answer to the GUI thread's callbacks now
    (the answer is posted just after the call ends: a moment's wait for it, at most
    ANSWER_WAIT_S, until `pending()` says it has been taken)."""
    if call is None or not call.wait(seconds):
        return
    deadline = time.monotonic() + ANSWER_WAIT_S
    while pending() and time.monotonic() < deadline:
        QCoreApplication.sendPostedEvents()
        time.sleep(0.001)


def _said_os_error(exc: OSError, path: Path) -> str:
    reason = exc.strerror or str(exc)
    return f"{path} could not be written ({reason}). Choose another folder; nothing was exported."
