"""One calm look: Fusion, a light palette (dark when the system is dark), one accent."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

ACCENT = QColor("#2f6f8f")


def fusion_application(argv: list[str]) -> QApplication:
    """A new application in the clinic's look. Fusion is asked on its command line (`-style`),
    so Qt makes it for the first widget and Python never asks for the QStyle object: PySide6
    builds the Python side of QStyle on that first ask (~600 enum members, ~6 ms of a start)."""
    app = QApplication([*argv[:1], "-style", "Fusion"])
    _apply_palette(app)
    return app


def apply_style(app: QApplication) -> None:
    """The same look on an application made elsewhere (the tests', a script's)."""
    if app.style().name().lower() != "fusion":
        app.setStyle("Fusion")
    _apply_palette(app)


def _apply_palette(app: QApplication) -> None:
    dark = QGuiApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark
    palette = QPalette()
    if dark:
        base, window, text = QColor("#1f2326"), QColor("#2a2f33"), QColor("#e8eaed")
        alternate, mid = QColor("#262b2f"), QColor("#9aa0a6")
    else:
        base, window, text = QColor("#ffffff"), QColor("#f4f5f7"), QColor("#1d2125")
        alternate, mid = QColor("#f0f3f6"), QColor("#6b7178")
    for role, colour in (
        (QPalette.ColorRole.Window, window),
        (QPalette.ColorRole.Base, base),
        (QPalette.ColorRole.AlternateBase, alternate),
        (QPalette.ColorRole.Text, text),
        (QPalette.ColorRole.WindowText, text),
        (QPalette.ColorRole.ButtonText, text),
        (QPalette.ColorRole.Button, window),
        (QPalette.ColorRole.Mid, mid),
        (QPalette.ColorRole.PlaceholderText, mid),
        (QPalette.ColorRole.Highlight, ACCENT),
        (QPalette.ColorRole.HighlightedText, QColor("#ffffff")),
        (QPalette.ColorRole.Link, ACCENT),
        (QPalette.ColorRole.ToolTipBase, base),
        (QPalette.ColorRole.ToolTipText, text),
    ):
        palette.setColor(role, colour)
    # Disabled controls must look disabled: greyed text, flatter buttons.
    greyed = QColor("#9aa0a6") if not dark else QColor("#6b7178")
    for role in (
        QPalette.ColorRole.Text,
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.ButtonText,
    ):
        palette.setColor(QPalette.ColorGroup.Disabled, role, greyed)
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Base, window)
    app.setPalette(palette)
