"""A sentence asked for before a step that needs one: an addendum, why a series pauses or ends."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtWidgets import QComboBox, QLabel, QPlainTextEdit, QWidget

from frontdesk.ui.dialogs.step_dialog import StepDialog


class TextDialog(StepDialog):
    """`save(text)` is the opener's write through the window's `Operations` (it says a
    refusal in this dialog's error line, `show_refusal`) and returns False when refused: the
    dialog then stays open."""

    def __init__(
        self,
        title: str,
        question: str,
        accept_label: str,
        save: Callable[..., object],
        choices: Sequence[tuple[str, object]] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """With `choices` ((label, value) pairs) a list comes first; `save(text, value)`."""
        super().__init__(title, accept_label, parent)
        self.setObjectName("textDialog")
        self._save = save
        asked = QLabel(question)
        asked.setWordWrap(True)
        self.choice = QComboBox()
        self.choice.setAccessibleName("Which one")
        for label, value in choices or []:
            self.choice.addItem(label, value)
        self.choice.setVisible(bool(choices))
        self.text = QPlainTextEdit()
        self.text.setAccessibleName(title)
        self.text.setTabChangesFocus(True)
        self.text.setFixedHeight(96)
        asked.setBuddy(self.text)
        self.error.setObjectName("textDialogError")
        self.text.textChanged.connect(self.error.hide)
        self.body.addWidget(self.choice)
        self.body.addWidget(asked)
        self.body.addWidget(self.text)
        self.finish()

    def attempt(self) -> object:
        if self.choice.count():
            return self._save(self.text.toPlainText(), self.choice.currentData())
        return self._save(self.text.toPlainText())
