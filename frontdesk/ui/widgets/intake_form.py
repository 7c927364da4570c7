"""The intake's answers: the face diagram with its region editor, grading and screening."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from frontdesk.domain.dates import DateFormatError, format_us, parse_date
from frontdesk.domain.intake import (
    FITZPATRICK_TYPES,
    GRADES,
    AcneStatus,
    Answer,
    Intake,
    Look,
    Region,
    RegionFinding,
    Screening,
    Subtype,
)
from frontdesk.ui.error_label import error_label
from frontdesk.ui.widgets.face_diagram import LOOK_COLOURS, FaceDiagram

ANSWER_LABELS = {Answer.UNKNOWN: "Not checked", Answer.YES: "Yes", Answer.NO: "No"}
SCREENING_ITEMS = (
    ("asked", "All these questions were asked"),
    ("isotretinoin", "Isotretinoin (now or before)"),
    ("cold_sores", "History of cold sores (HSV)"),
    ("pregnant_or_breastfeeding", "Pregnant or breastfeeding"),
    ("keloid_history", "History of keloids"),
    ("skin_infection", "Active skin infection"),
    ("recent_tan", "Recent tan"),
    ("photosensitising_drugs", "Photosensitising medication"),
)


def _answer_combo(name: str) -> QComboBox:
    combo = QComboBox()
    combo.setAccessibleName(name)
    for answer, label in ANSWER_LABELS.items():
        combo.addItem(label, answer)
    return combo


class IntakeForm(QWidget):
    changed = Signal()
    questions_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._intake = Intake()
        self._loading = False

        # -- where: the diagram and the chosen region's answers ----------------------------
        self.face = FaceDiagram()
        self.region_combo = QComboBox()
        self.region_combo.setAccessibleName("Region")
        for region in Region:
            self.region_combo.addItem(region.label, region)
        self.other_text = QLineEdit()
        self.other_text.setPlaceholderText("Where? e.g. neck, back")
        self.other_text.setAccessibleName("Other region")
        self.looks = {look: QCheckBox(look.label) for look in Look}
        self.subtypes = {sub: QCheckBox(sub.label.capitalize()) for sub in Subtype}
        self.blanches = _answer_combo("Blanches when pressed")
        self.felt = _answer_combo("Can be felt")

        region_box = QGroupBox("What is seen in this region")
        region_form = QFormLayout(region_box)
        region_form.addRow("&Region", self.region_combo)
        region_form.addRow("", self.other_text)
        looks_column = QVBoxLayout()
        looks_column.setSpacing(2)
        for box in self.looks.values():
            looks_column.addWidget(box)
        region_form.addRow("Marks", looks_column)
        subtypes_row = QHBoxLayout()
        for box in self.subtypes.values():
            subtypes_row.addWidget(box)
        subtypes_row.addStretch(1)
        region_form.addRow("Scar type", subtypes_row)
        region_form.addRow("&Blanches", self.blanches)
        region_form.addRow("Felt by &touch", self.felt)
        self.blanches.setToolTip("Does the mark fade when pressed? (PIE does, PIH does not)")
        self.felt.setToolTip("Can the mark be felt with a fingertip? (scars can, PIH/PIE not)")

        # -- grading, skin type, acne ------------------------------------------------------
        self.grade = QComboBox()
        self.grade.setAccessibleName("Goodman and Baron grade")
        self.grade.addItem("Not graded", None)
        for value, label in GRADES.items():
            self.grade.addItem(label, value)
        self.fitzpatrick = QComboBox()
        self.fitzpatrick.setAccessibleName("Fitzpatrick skin type")
        self.fitzpatrick.addItem("Not recorded", None)
        for n, name in enumerate(FITZPATRICK_TYPES, start=1):
            self.fitzpatrick.addItem(f"Type {name}", n)
        self.ask_button = QPushButton("As&k the questions…")
        self.ask_button.setAccessibleName("Fitzpatrick questions")
        self.acne = QComboBox()
        self.acne.setAccessibleName("Active acne")
        for status in AcneStatus:
            self.acne.addItem(status.label, status)
        grading = QGroupBox("Grading")
        grading_form = QFormLayout(grading)
        grading_form.addRow("&Grade (G&&B)", self.grade)
        skin_label = QLabel("Fit&zpatrick")
        skin_label.setBuddy(self.fitzpatrick)
        grading_form.addRow(skin_label, self.fitzpatrick)
        grading_form.addRow("", self.ask_button)
        grading_form.addRow("&Acne now", self.acne)

        # -- screening -----------------------------------------------------------------------
        self.screening = {key: QCheckBox(label) for key, label in SCREENING_ITEMS}
        self.stopped = QLineEdit()
        self.stopped.setPlaceholderText("stopped on MM/DD/YYYY")
        self.stopped.setToolTip("Leave empty if the patient is still taking it.")
        self.stopped.setAccessibleName("Isotretinoin stop date")
        self.stopped_error = error_label(wrap=False)
        screening = QGroupBox("Before any laser: screening")
        screening_layout = QVBoxLayout(screening)
        screening_layout.setSpacing(4)
        for key, box in self.screening.items():
            screening_layout.addWidget(box)
            if key == "isotretinoin":
                screening_layout.addWidget(self.stopped)
                screening_layout.addWidget(self.stopped_error)
        self.notes = QPlainTextEdit()
        self.notes.setAccessibleName("Intake notes")
        self.notes.setPlaceholderText("Notes")
        self.notes.setTabChangesFocus(True)
        self.notes.setFixedHeight(60)

        legend = QLabel(
            "  ".join(
                f"<span style='color:{LOOK_COLOURS[look].name()}'>&#9632;</span> {label}"
                for look, label in (
                    (Look.FLAT_BROWN, "PIH"),
                    (Look.FLAT_RED, "PIE"),
                    (Look.INDENTED, "indented"),
                    (Look.RAISED, "raised"),
                )
            )
        )
        legend.setObjectName("faceLegend")
        legend.setAlignment(Qt.AlignmentFlag.AlignCenter)
        where = QVBoxLayout()
        where.addWidget(self.face, 1)
        where.addWidget(legend)
        where.addWidget(region_box)
        answers = QVBoxLayout()
        answers.addWidget(grading)
        answers.addWidget(screening)
        answers.addWidget(self.notes)
        answers.addStretch(1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addLayout(where, 1)
        layout.addLayout(answers, 1)

        self.face.region_chosen.connect(self._region_chosen)
        self.region_combo.currentIndexChanged.connect(self._region_picked_in_list)
        for box in [*self.looks.values(), *self.subtypes.values()]:
            box.toggled.connect(self._region_edited)
        for combo in (self.blanches, self.felt):
            combo.currentIndexChanged.connect(self._region_edited)
        self.other_text.textChanged.connect(self._region_edited)
        for combo in (self.grade, self.fitzpatrick, self.acne):
            combo.currentIndexChanged.connect(self._general_edited)
        for box in self.screening.values():
            box.toggled.connect(self._general_edited)
        self.stopped.textChanged.connect(self._general_edited)
        self.notes.textChanged.connect(self._general_edited)
        self.ask_button.clicked.connect(self.questions_requested)
        self._show_region(Region.FOREHEAD)

    # -- the intake in and out --------------------------------------------------------------
    def intake(self) -> Intake:
        return self._intake

    def errors(self) -> dict[str, str]:
        return (
            {"isotretinoin_stopped": self.stopped_error.text()} if self.stopped_error.text() else {}
        )

    def load(self, intake: Intake) -> None:
        self._loading = True
        try:
            self._intake = intake
            self._set_combo(self.grade, intake.grade)
            self._set_combo(self.fitzpatrick, intake.fitzpatrick)
            self._set_combo(self.acne, intake.acne)
            s = intake.screening
            for key, box in self.screening.items():
                box.setChecked(bool(getattr(s, key)))
            self.stopped.setText(
                format_us(s.isotretinoin_stopped) if s.isotretinoin_stopped else ""
            )
            self.notes.setPlainText(intake.notes)
            marked = [r.region for r in intake.regions if not r.empty]
            self._show_region(marked[0] if marked else self.face.selected)
        finally:
            self._loading = False
        self._general_edited()

    def set_skin_type(self, skin_type: int) -> None:
        self._set_combo(self.fitzpatrick, skin_type)

    def set_read_only(self, read_only: bool) -> None:
        for widget in (
            *self.looks.values(),
            *self.subtypes.values(),
            *self.screening.values(),
            self.blanches,
            self.felt,
            self.other_text,
            self.grade,
            self.fitzpatrick,
            self.acne,
            self.stopped,
            self.ask_button,
        ):
            widget.setEnabled(not read_only)
        self.notes.setReadOnly(read_only)
        if not read_only:
            self._update_enabled()

    # -- region editing -----------------------------------------------------------------------
    def _region_chosen(self, region: Region) -> None:
        if region is not None and region is not self._current_region():
            self._show_region(region)

    def _region_picked_in_list(self, _index: int) -> None:
        if not self._loading:
            self._show_region(self._current_region())

    def _current_region(self) -> Region:
        return self.region_combo.currentData()

    def _show_region(self, region: Region) -> None:
        was_loading, self._loading = self._loading, True
        try:
            finding = self._intake.region(region)
            self._set_combo(self.region_combo, region)
            for look, box in self.looks.items():
                box.setChecked(look in finding.looks)
            for sub, box in self.subtypes.items():
                box.setChecked(sub in finding.subtypes)
            self._set_combo(self.blanches, finding.blanches)
            self._set_combo(self.felt, finding.felt)
            self.other_text.setText(finding.other_text)
            self.other_text.setVisible(region is Region.OTHER)
            self.face.show_intake(self._intake, region)
        finally:
            self._loading = was_loading
        self._update_enabled()

    def _update_enabled(self) -> None:
        indented = self.looks[Look.INDENTED].isChecked()
        for box in self.subtypes.values():
            box.setEnabled(indented and self.looks[Look.INDENTED].isEnabled())
        self.stopped.setEnabled(
            self.screening["isotretinoin"].isChecked()
            and self.screening["isotretinoin"].isEnabled()
        )

    def _region_edited(self, *_args) -> None:
        self._update_enabled()
        if self._loading:
            return
        region = self._current_region()
        indented = self.looks[Look.INDENTED].isChecked()
        finding = RegionFinding(
            region=region,
            looks=frozenset(look for look, box in self.looks.items() if box.isChecked()),
            subtypes=frozenset(
                sub for sub, box in self.subtypes.items() if box.isChecked() and indented
            ),
            blanches=self.blanches.currentData(),
            felt=self.felt.currentData(),
            other_text=self.other_text.text() if region is Region.OTHER else "",
        )
        self._intake = self._intake.with_region(finding)
        self.face.show_intake(self._intake, region)
        self.changed.emit()

    def _general_edited(self, *_args) -> None:
        self._update_enabled()
        if self._loading:
            return
        stopped = None
        self.stopped_error.setText("")
        text = self.stopped.text().strip()
        if text and self.screening["isotretinoin"].isChecked():
            try:
                stopped = parse_date(text)
            except DateFormatError as exc:
                self.stopped_error.setText(str(exc))
        self.stopped_error.setVisible(bool(self.stopped_error.text()))
        values = {key: box.isChecked() for key, box in self.screening.items()}
        self._intake = Intake(
            regions=self._intake.regions,
            grade=self.grade.currentData(),
            fitzpatrick=self.fitzpatrick.currentData(),
            acne=self.acne.currentData(),
            screening=Screening(isotretinoin_stopped=stopped, **values),
            notes=self.notes.toPlainText().strip(),
        )
        self.changed.emit()

    @staticmethod
    def _set_combo(combo: QComboBox, value) -> None:
        index = next((i for i in range(combo.count()) if combo.itemData(i) == value), 0)
        combo.setCurrentIndex(index)
