"""Intake: PIH or true scars? Record what is seen, see the advice live, keep the history."""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from frontdesk.domain.assessment import Assessment, assess
from frontdesk.domain.dates import format_day
from frontdesk.domain.intake import Intake, RecordedIntake
from frontdesk.domain.patients import Patient
from frontdesk.domain.staff import Role
from frontdesk.services.changes import Changes, Entity
from frontdesk.services.errors import ServiceError
from frontdesk.services.signed_in import SignedIn
from frontdesk.ui import prompts
from frontdesk.ui.error_label import ERROR_COLOUR
from frontdesk.ui.operations import Operations
from frontdesk.ui.patient_in_front import PatientInFront
from frontdesk.ui.widgets.intake_form import IntakeForm
from frontdesk.ui.widgets.patient_picker import PatientPicker


def assessment_html(result: Assessment) -> str:
    """The live advice: findings, recommendation, reasons, then what needs the doctor's eye."""
    e = html.escape
    parts = [
        f"<p><b>Finding:</b> {e(result.summary)}</p>",
        f"<p><b>{e(result.recommendation)}</b></p>",
    ]
    if result.reasons:
        parts.append("<ul>" + "".join(f"<li>{e(r)}</li>" for r in result.reasons) + "</ul>")
    if result.contradictions:
        items = "".join(f"<li>{e(c)}</li>" for c in result.contradictions)
        parts.append(
            f"<p style='color:{ERROR_COLOUR}'><b>Contradictory answers</b></p><ul "
            f"style='color:{ERROR_COLOUR}'>{items}</ul>"
        )
    if result.warnings:
        items = "".join(f"<li>{e(w)}</li>" for w in result.warnings)
        parts.append(
            f"<p style='color:#8a5a00'><b>For the doctor</b></p><ul "
            f"style='color:#8a5a00'>{items}</ul>"
        )
    return "".join(parts)


class IntakeTab(QWidget):
    message = Signal(str)

    def __init__(
        self,
        ops: Operations,
        actor: Callable[[], SignedIn],
        today: Callable[[], date],
        parent: QWidget | None = None,
        front: PatientInFront | None = None,
    ) -> None:
        """`front` is the main window's patient in front (the tab makes its own alone).
        Every service call goes through `ops`; the tab refreshes from announced changes."""
        super().__init__(parent)
        self.setObjectName("intakeTab")
        patients = ops.clinic.patients
        if front is None:  # alone: its own patient in front, following the changes itself
            front = PatientInFront(patients, self)
            ops.notifier.changes.connect(front.follow)
        self.front = front
        self._ops = ops
        self._actor = actor
        self._today = today
        self.viewing: RecordedIntake | None = None  # the stored version on screen
        self.editing: str = ""  # "", "new" or "correct"
        self.dialog: QDialog | None = None  # the small dialog open on top, if any
        self._saved_answers = Intake()

        # -- left: pick a patient, see their earlier intakes --------------------------------
        self.picker = PatientPicker(
            patients, today, "intakePatients", "for the intake", front=self.front
        )
        self.search, self.model, self.patients = (
            self.picker.search,
            self.picker.model,
            self.picker.table,
        )
        self.history = QListWidget()
        self.history.setObjectName("intakeHistory")
        self.history.setAccessibleName("Earlier intakes")
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.picker, 3)
        left_layout.addWidget(QLabel("Intakes, newest first"))
        left_layout.addWidget(self.history, 2)

        # -- middle: the answers -------------------------------------------------------------
        self.heading = QLabel("Choose a patient on the left to record or read an intake.")
        self.heading.setObjectName("intakeHeading")
        self.heading.setWordWrap(True)
        font = self.heading.font()
        font.setBold(True)
        self.heading.setFont(font)
        self.form = IntakeForm()
        self.new_button = QPushButton("&New intake")
        self.correct_button = QPushButton("&Correct this intake")
        self.save_button = QPushButton("&Save intake")
        self.save_button.setDefault(True)
        self.cancel_button = QPushButton("Cance&l")
        self.cancel_button.setToolTip("Leave without saving (Escape)")
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.correct_button)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.save_button)
        middle = QWidget()
        middle_layout = QVBoxLayout(middle)
        middle_layout.setContentsMargins(0, 0, 0, 0)
        middle_layout.addWidget(self.heading)
        form_scroll = QScrollArea()  # small screens scroll instead of cutting off answers
        form_scroll.setWidget(self.form)
        form_scroll.setWidgetResizable(True)
        form_scroll.setFrameShape(QFrame.Shape.NoFrame)
        middle_layout.addWidget(form_scroll, 1)
        middle_layout.addLayout(buttons)

        # -- right: the advice, live, and the laser gate -------------------------------------
        self.advice = QLabel()
        self.advice.setObjectName("intakeAdvice")
        self.advice.setWordWrap(True)
        self.advice.setTextFormat(Qt.TextFormat.RichText)
        self.advice.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.eligibility = QLabel()
        self.eligibility.setObjectName("laserEligibility")
        self.eligibility.setWordWrap(True)
        self.override_button = QPushButton("&Override (doctor)…")
        self.override_button.setAccessibleName("Override the laser check")
        advice_box = QFrame()
        advice_box.setFrameShape(QFrame.Shape.StyledPanel)
        advice_layout = QVBoxLayout(advice_box)
        title = QLabel("<b>Assessment</b> (updates as you answer)")
        title.setWordWrap(True)
        advice_layout.addWidget(title)
        advice_layout.addWidget(self.advice)
        gate = QLabel(
            "<b>Laser today</b> (from the newest saved intake, not the answers on screen)"
        )
        gate.setWordWrap(True)
        advice_layout.addWidget(gate)
        advice_layout.addWidget(self.eligibility)
        advice_layout.addWidget(self.override_button, 0, Qt.AlignmentFlag.AlignLeft)
        advice_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(advice_box)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(220)

        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(middle)
        splitter.addWidget(scroll)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 4)
        splitter.setStretchFactor(2, 2)
        splitter.setSizes([262, 668, 230])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(splitter)

        self.save_action = QAction("&Save intake", self)
        self.save_action.setShortcut(QKeySequence.StandardKey.Save)
        self.save_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.save_action.triggered.connect(self.save)
        self.addAction(self.save_action)
        self.new_action = QAction("New &intake", self)
        self.new_action.setShortcut(QKeySequence("Ctrl+Shift+N"))
        self.new_action.triggered.connect(self.start_new)
        self.correct_action = QAction("&Correct this intake", self)
        self.correct_action.setShortcut(QKeySequence("Ctrl+E"))
        self.correct_action.triggered.connect(self.start_correction)
        self.cancel_action = QAction("Cancel", self)
        self.cancel_action.setShortcut(QKeySequence(Qt.Key.Key_Escape))
        self.cancel_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.cancel_action.triggered.connect(self.cancel)
        self.addAction(self.cancel_action)
        self.questions_action = QAction("Ask the &Fitzpatrick questions…", self)
        self.questions_action.triggered.connect(self._ask_fitzpatrick)
        self.override_action = QAction("&Override the laser check (doctor)…", self)
        self.override_action.triggered.connect(self._override)

        # Another patient put in front (here or in another tab) asks first when answers on
        # screen are unsaved; refused, the patient in front stays and so do the answers.
        self.front.add_guard(self._may_leave)
        self.front.changed.connect(self._patient_changed)
        self.front.updated.connect(lambda _patient: self._show_state())
        self.history.currentItemChanged.connect(self._history_chosen)
        self.form.changed.connect(self._answers_changed)
        self.form.questions_requested.connect(self._ask_fitzpatrick)
        self.new_button.clicked.connect(self.start_new)
        self.correct_button.clicked.connect(self.start_correction)
        self.save_button.clicked.connect(self.save)
        self.cancel_button.clicked.connect(self.cancel)
        self.override_button.clicked.connect(self._override)
        ops.notifier.changes.connect(self._changes_heard)

        self._show_state()
        if self.front.patient is not None:  # built after a patient was put in front
            self._load_history(select_newest=True)

    # -- choosing the patient and the version ---------------------------------------------
    @property
    def patient(self) -> Patient | None:
        """The patient in front: the intake on screen is theirs."""
        return self.front.patient

    def choose_patient(self, patient_id: int) -> bool:
        if not self.picker.choose(patient_id):  # not found by the list: straight from the file
            self.front.choose_id(patient_id)
        return self.front.id == patient_id

    def _patient_changed(self, _patient: Patient | None) -> None:
        """Another patient in front (the guard already asked about unsaved answers)."""
        self.editing = ""
        self._load_history(select_newest=True)

    def _load_history(self, select_newest: bool) -> None:
        records = self._fill_history()
        if records and select_newest:
            self._select_record(records[0].id)  # shows it, read-only
        elif self._is_doctor():
            self.start_new(ask=False)
        else:
            self.viewing, self.editing = None, ""
            self.form.load(Intake())
            self._show_state()

    def _fill_history(self) -> list[RecordedIntake]:
        """The list of the patient's intakes as stored now; the answers on screen and the
        version being read or corrected stay as they are."""
        self.history.blockSignals(True)
        self.history.clear()
        records: list[RecordedIntake] = []
        patient = self.patient
        if patient is not None:
            got = self._ops.read(self, lambda c: c.intakes.history(patient.id), title="Intake")
            records = got.value if got is not None else []
        for record in records:
            when = format_day(date.fromisoformat(record.recorded_at[:10]))
            item = QListWidgetItem(
                f"{when}  {record.summary}\n    version {record.version}, {record.staff_name}"
            )
            item.setData(Qt.ItemDataRole.UserRole, record)
            item.setToolTip(
                f"Version {record.version} of {record.recorded_at[:10]},"
                f" recorded by {record.staff_name}: {record.summary}"
            )
            self.history.addItem(item)
            if self.viewing is not None and record.id == self.viewing.id:
                self.history.setCurrentItem(item)
        self.history.blockSignals(False)
        return records

    def _select_record(self, intake_id: int) -> None:
        """Shows the stored version `intake_id` (read only), as a click on its row would."""
        for row in range(self.history.count()):
            item = self.history.item(row)
            if item.data(Qt.ItemDataRole.UserRole).id == intake_id:
                if self.history.currentItem() is item:
                    self._history_chosen(item)
                else:
                    self.history.setCurrentItem(item)
                return

    def _history_chosen(self, item: QListWidgetItem | None, previous=None) -> None:
        if item is None:
            return
        if not self._may_leave():
            self.history.blockSignals(True)  # stay where we were, answers untouched
            self.history.setCurrentItem(previous)
            if previous is None:
                self.history.clearSelection()
            self.history.blockSignals(False)
            return
        record: RecordedIntake = item.data(Qt.ItemDataRole.UserRole)
        self.viewing = record
        self.editing = ""
        self._saved_answers = record.intake
        self.form.load(record.intake)
        self._show_state()

    # -- modes: read, new, correct ---------------------------------------------------------
    def _is_doctor(self) -> bool:
        return self._actor().role is Role.DOCTOR

    def start_new(self, ask: bool = True) -> None:
        if self.patient is None or not self._is_doctor() or (ask and not self._may_leave()):
            return
        self.viewing = None
        self.editing = "new"
        self._saved_answers = Intake()
        self.history.blockSignals(True)
        self.history.clearSelection()
        self.history.setCurrentRow(-1)
        self.history.blockSignals(False)
        self.form.load(Intake())
        self._show_state()

    def start_correction(self) -> None:
        if self.viewing is None or not self._is_doctor():
            return
        if not self._is_newest(self.viewing):
            self.message.emit("Only the newest version of an intake can be corrected.")
            return
        self.editing = "correct"
        self._show_state()

    def cancel(self) -> None:
        """Leave the new intake or the correction unsaved (asks if answers were given)."""
        if not self.editing or not self._may_leave():
            return
        self.editing = ""
        self._load_history(select_newest=True)
        if self.history.count() == 0:
            self.editing = ""
            self.form.load(Intake())
            self._show_state()

    def _is_newest(self, record: RecordedIntake) -> bool:
        return not any(
            other.original_id == record.original_id and other.version > record.version
            for other in (
                self.history.item(i).data(Qt.ItemDataRole.UserRole)
                for i in range(self.history.count())
            )
        )

    def has_unsaved_answers(self) -> bool:
        return bool(self.editing) and self.form.intake() != self._saved_answers

    def _may_leave(self) -> bool:
        if not self.has_unsaved_answers():
            return True
        return prompts.confirm(
            self, "Discard this intake?", "The answers on screen have not been saved.", "&Discard"
        )

    def _show_state(self) -> None:
        editing = bool(self.editing)
        self.form.set_read_only(not editing)
        has_patient = self.patient is not None
        doctor = self._is_doctor()
        self.new_button.setEnabled(has_patient and doctor)
        self.new_action.setEnabled(has_patient and doctor)
        only_doctor = (
            ""
            if doctor
            else "Only the doctor records intakes: choose the doctor at the desk (Ctrl+Shift+D)."
        )
        for widget in (self.new_button, self.correct_button, self.save_button):
            widget.setToolTip(only_doctor)
        self.cancel_button.setEnabled(editing)
        self.cancel_action.setEnabled(editing)
        can_correct = (
            self.viewing is not None and not editing and doctor and self._is_newest(self.viewing)
        )
        self.correct_button.setEnabled(can_correct)
        self.correct_action.setEnabled(can_correct)
        self.save_button.setEnabled(editing and has_patient)
        self.save_action.setEnabled(editing and has_patient)
        self.questions_action.setEnabled(editing and has_patient)
        self._show_heading()
        self._answers_changed()
        self._show_eligibility()

    def _show_heading(self) -> None:
        patient = self.patient
        if patient is None:
            self.heading.setText("Choose a patient on the left to record or read an intake.")
        elif not self.editing and self.viewing is None:
            self.heading.setText(
                f"{patient.full_name}: no intake yet (intake due). The doctor records intakes."
            )
        elif self.editing == "new":
            self.heading.setText(f"{patient.full_name}: new intake")
        elif self.editing == "correct" and self.viewing:
            self.heading.setText(
                f"{patient.full_name}: correcting version"
                f" {self.viewing.version} (saved as version"
                f" {self.viewing.version + 1})"
            )
        elif self.viewing:
            when = format_day(date.fromisoformat(self.viewing.recorded_at[:10]))
            self.heading.setText(
                f"{patient.full_name}: intake of {when}, version"
                f" {self.viewing.version}, by {self.viewing.staff_name}"
                " (read only)"
            )

    def _answers_changed(self) -> None:
        self.advice.setText(assessment_html(assess(self.form.intake(), self._today())))

    def _show_eligibility(self) -> None:
        if self.patient is None:
            self.eligibility.setText("")
            self.override_button.hide()
            self.override_action.setEnabled(False)
            return
        patient_id = self.patient.id
        got = self._ops.read(
            self,
            lambda c: c.intakes.eligibility(patient_id),
            title="Laser today",
            on_refusal=self._eligibility_unknown,
        )
        if got is None:
            return
        verdict = got.value
        lines = "".join(f"<li>{html.escape(r)}</li>" for r in verdict.reasons)
        if verdict.warnings:
            lines += "".join(
                f"<li style='color:#8a5a00'>{html.escape(w)}</li>" for w in verdict.warnings
            )
        if verdict.overridden:
            head = (
                f"<b style='color:#2e7d32'>Yes, by the doctor's decision:</b> "
                f"{html.escape(verdict.overridden)}"
            )
        elif verdict.allowed:
            head = "<b style='color:#2e7d32'>Yes</b>"
        else:
            head = f"<b style='color:{ERROR_COLOUR}'>Not yet</b>"
        self.eligibility.setText(f"{head}<ul>{lines}</ul>")
        has_intake = self.history.count() > 0
        may_override = not verdict.allowed and has_intake and self._is_doctor()
        self.override_button.setVisible(not verdict.allowed and has_intake)
        self.override_button.setEnabled(may_override)
        self.override_action.setEnabled(may_override)
        self.override_button.setToolTip(
            ""
            if self._actor().role is Role.DOCTOR
            else "Only the doctor can override; choose the doctor at the desk (Ctrl+Shift+D)."
        )

    def _eligibility_unknown(self, exc: ServiceError) -> bool:
        self.eligibility.setText(str(exc))  # said where the answer would be
        return True

    # -- saving ------------------------------------------------------------------------------
    def save(self) -> RecordedIntake | None:
        """Saved and announced: the history follows the announced intake (see
        `_changes_heard`); then the version just saved is shown, read only."""
        patient = self.patient
        if not self.editing or patient is None:
            return None
        problems = self.form.errors()
        if problems:
            prompts.warn(self, "Not saved", " ".join(problems.values()))
            return None
        answers, actor = self.form.intake(), self._actor()
        viewing = self.viewing if self.editing == "correct" else None
        got = self._ops.write(
            self,
            lambda c: (
                c.intakes.correct(actor, viewing.id, answers)
                if viewing is not None
                else c.intakes.record(actor, patient.id, answers)
            ),
            title="Not saved",
        )
        if got is None:
            return None
        stored = got.value
        self.editing = ""
        self._saved_answers = stored.intake
        self._select_record(stored.id)
        verb = "corrected" if stored.version > 1 else "saved"
        self.message.emit(f"Intake of {patient.full_name} {verb}: {stored.summary}.")
        return stored

    def _ask_fitzpatrick(self) -> None:
        from frontdesk.ui.dialogs.fitzpatrick_dialog import FitzpatrickDialog

        if not self.editing:
            return
        dialog = FitzpatrickDialog(self)
        dialog.chosen.connect(self.form.set_skin_type)
        dialog.finished.connect(dialog.deleteLater)
        self.dialog = dialog
        dialog.open()

    def _override(self) -> None:
        from frontdesk.ui.dialogs.override_dialog import OverrideDialog

        if self.patient is None or not self._is_doctor():
            return
        patient_id = self.patient.id
        got = self._ops.read(
            self,
            lambda c: (c.intakes.latest(patient_id), c.intakes.eligibility(patient_id)),
            title="Override",
        )
        if got is None:
            return
        latest, verdict = got.value
        if latest is None:
            return
        dialog = OverrideDialog(verdict.reasons, verdict.warnings, self)
        dialog.reason_given.connect(
            lambda reason, seen=latest.id: self._record_override(seen, reason)
        )
        dialog.finished.connect(dialog.deleteLater)
        self.dialog = dialog
        dialog.open()

    def _record_override(self, intake_id: int, reason: str) -> None:
        """Recorded and announced: the laser line follows the announced change."""
        patient = self.patient
        if patient is None:
            return
        actor = self._actor()
        got = self._ops.write(
            self,
            lambda c: c.intakes.override_no(actor, patient.id, intake_id, reason),
            title="Not recorded",
        )
        if got is not None:
            self.message.emit(f"Laser override recorded for {patient.full_name}.")

    def staff_changed(self) -> None:
        if self.patient is not None and not self.editing and self.viewing is None:
            self._load_history(select_newest=True)  # the doctor may start the intake now
        else:
            self._show_state()

    def _changes_heard(self, changes: Changes) -> None:
        """Refreshes from what was announced: the picker when a patient changed; the
        history and the laser line when the patient in front's intakes or override did.
        Answers being typed are never replaced: only the list beside them is."""
        if changes.touches(Entity.PATIENT):
            self.model.refresh()  # the picker highlights the patient in front again
        patient = self.patient
        if patient is None or not changes.touches(Entity.INTAKE, Entity.LASER_ELIGIBILITY):
            return
        if not (changes.everything or patient.id in changes.patients() or _unnamed(changes)):
            return
        if self.editing:
            self._fill_history()
            self._show_state()
        else:
            self._load_history(select_newest=True)


def _unnamed(changes: Changes) -> bool:
    """An intake change that names no patient (another window's): it may be anyone's."""
    return any(
        change.entity in (Entity.INTAKE, Entity.LASER_ELIGIBILITY) and change.patient_id is None
        for change in changes.items
    )
