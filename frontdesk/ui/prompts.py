"""Every modal question the app asks goes through here, so tests can answer it."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget


def confirm(
    parent: QWidget | None, title: str, text: str, accept_label: str, reject_label: str = ""
) -> bool:
    """Yes/no with named buttons; the safe answer (keep as it was) is the default."""
    box = QMessageBox(QMessageBox.Icon.Question, title, text, parent=parent)
    accept = box.addButton(accept_label, QMessageBox.ButtonRole.AcceptRole)
    if reject_label:
        keep = box.addButton(reject_label, QMessageBox.ButtonRole.RejectRole)
        box.setEscapeButton(keep)
        box.setDefaultButton(keep)
    else:
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    return box.clickedButton() is accept


def warn(parent: QWidget | None, title: str, text: str) -> None:
    QMessageBox.warning(parent, title, text)


def inform(parent: QWidget | None, title: str, text: str) -> None:
    QMessageBox.information(parent, title, text)


def save_file(parent: QWidget | None, title: str, suggested: str, file_filter: str) -> str:
    """The path chosen to save to, or "" when the user cancelled. A bare file name is offered
    in the user's Documents folder: never in the folder the program was started from, where
    an export of patients' names would be left beside the program."""
    path, _ = QFileDialog.getSaveFileName(parent, title, str(in_documents(suggested)), file_filter)
    return path


def in_documents(suggested: str) -> Path:
    """`suggested` where a save dialog should open on it: as given if it names a folder."""
    given = Path(suggested)
    if given.is_absolute() or given.parent != Path("."):
        return given
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    folder = Path(documents) if documents and Path(documents).is_dir() else Path.home()
    return folder / given


def open_file(parent: QWidget | None, title: str, folder: str, file_filter: str) -> str:
    """The path of an existing file chosen to open, or "" when the user cancelled."""
    path, _ = QFileDialog.getOpenFileName(parent, title, folder, file_filter)
    return path


def choose_folder(parent: QWidget | None, title: str, start: str) -> str:
    """The folder chosen, or "" when the user cancelled."""
    return QFileDialog.getExistingDirectory(parent, title, start)
