"""How every list of records behaves: whole rows, one at a time, read-only cells."""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractItemView, QTableView


def set_up_record_list(view: QTableView, name: str) -> None:
    view.setObjectName(name)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.verticalHeader().hide()
