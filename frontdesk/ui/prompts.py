"""Every modal question the app asks goes through here, so tests can answer it."""

from __future__ import annotations

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget


def confirm(parent: QWidget | None, title: str, text: str, accept_label: str) -> bool:
    box = QMessageBox(QMessageBox.Icon.Question, title, text, parent=parent)
    accept = box.addButton(accept_label, QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    return box.clickedButton() is accept


def warn(parent: QWidget | None, title: str, text: str) -> None:
    QMessageBox.warning(parent, title, text)


def inform(parent: QWidget | None, title: str, text: str) -> None:
    QMessageBox.information(parent, title, text)


def save_file(parent: QWidget | None, title: str, suggested: str, file_filter: str) -> str:
    """The path chosen to save to, or "" when the user cancelled."""
    path, _ = QFileDialog.getSaveFileName(parent, title, suggested, file_filter)
    return path
