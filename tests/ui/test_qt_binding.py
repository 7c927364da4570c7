"""The Qt binding must not leak references to None/True/False (PySide6 6.12.0 on Python 3.11
does, and the app then dies with "none_dealloc" after a few minutes of use)."""

from __future__ import annotations

import sys

from PySide6.QtCore import QModelIndex
from PySide6.QtWidgets import QLabel

from frontdesk.ui.models.patients_model import PatientTableModel
from tests.conftest import NOW

CALLS = 2000


def test_void_calls_keep_none_and_bools_alive(qtbot, clinic) -> None:
    label = QLabel()
    qtbot.addWidget(label)
    model = PatientTableModel(clinic.patients, lambda: NOW.date())
    before = (sys.getrefcount(None), sys.getrefcount(True), sys.getrefcount(False))
    for _ in range(CALLS):
        label.setText("x")
        model.beginResetModel()
        model.endResetModel()
        label.isVisible()
        model.canFetchMore(QModelIndex())
    after = (sys.getrefcount(None), sys.getrefcount(True), sys.getrefcount(False))
    lost = [b - a for b, a in zip(before, after, strict=True)]
    assert all(n < CALLS // 2 for n in lost), f"references lost per kind: {lost}"
