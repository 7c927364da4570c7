"""The standard Fitzpatrick questions, so the skin type is asked rather than guessed."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from frontdesk.domain.fitzpatrick import QUESTIONS, skin_type
from frontdesk.domain.intake import fitzpatrick_label


class FitzpatrickDialog(QDialog):
    chosen = Signal(int)  # skin type 1-6

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Fitzpatrick skin type: questions")
        self.setObjectName("fitzpatrickDialog")
        intro = QLabel("Ask each question and pick the answer closest to the patient's own.")
        intro.setWordWrap(True)
        form = QFormLayout()
        self.answers: list[QComboBox] = []
        for question, options in QUESTIONS:
            combo = QComboBox()
            combo.addItem("(choose)", None)
            for score, option in enumerate(options):
                combo.addItem(option, score)
            combo.setAccessibleName(question)
            combo.currentIndexChanged.connect(self._update)
            self.answers.append(combo)
            form.addRow(question, combo)
        self.result_label = QLabel()
        self.result_label.setObjectName("fitzpatrickResult")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 16)
        layout.setSpacing(8)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.result_label)
        layout.addWidget(self.buttons)
        self._update()

    def scores(self) -> list[int] | None:
        values = [combo.currentData() for combo in self.answers]
        return None if any(v is None for v in values) else values

    def _update(self) -> None:
        scores = self.scores()
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(scores is not None)
        if scores is None:
            missing = sum(combo.currentData() is None for combo in self.answers)
            noun = "question" if missing == 1 else "questions"
            self.result_label.setText(f"{missing} {noun} still to answer.")
        else:
            kind = skin_type(scores)
            self.result_label.setText(
                f"Score {sum(scores)}: Fitzpatrick {fitzpatrick_label(kind)}."
            )

    def _accept(self) -> None:
        scores = self.scores()
        if scores is not None:
            self.chosen.emit(skin_type(scores))
            self.accept()
