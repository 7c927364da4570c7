"""A file to save is offered in the user's Documents folder, never where the program started
(a trial: the audit trail's CSV export, names included, opened in the checkout's folder)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QStandardPaths

from frontdesk.ui.prompts import in_documents


def test_a_bare_name_is_offered_in_documents(qapp) -> None:
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    offered = in_documents("audit-trail-2026-12-06.csv")
    assert offered.name == "audit-trail-2026-12-06.csv"
    assert offered.parent in (Path(documents), Path.home())
    assert offered.parent != Path.cwd() or Path.cwd() in (Path(documents), Path.home())
    assert offered.is_absolute()


def test_a_name_with_its_folder_is_kept(qapp, tmp_path) -> None:
    assert in_documents(str(tmp_path / "day-sheet.pdf")) == tmp_path / "day-sheet.pdf"
