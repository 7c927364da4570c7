"""The window icon comes from the package's PNGs, every size the menus and task bars use."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QColor, QIcon, QImage
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication, QWidget

from frontdesk.bundled import ICON_SIZES, icon_png, icon_svg
from frontdesk.ui.icon import app_icon


def test_the_app_icon_holds_every_rendered_size(qapp: QApplication) -> None:
    icon = app_icon()
    assert not icon.isNull()
    assert set(icon.availableSizes()) == {QSize(size, size) for size in ICON_SIZES}
    assert icon.pixmap(16, 16).toImage().pixelColor(8, 8).alpha() == 255  # drawn, not blank


def test_a_window_shown_with_it_carries_it(qtbot) -> None:
    previous = QApplication.windowIcon()
    QApplication.setWindowIcon(app_icon())
    try:
        window = QWidget()
        qtbot.addWidget(window)
        assert QSize(32, 32) in window.windowIcon().availableSizes()
    finally:
        QApplication.setWindowIcon(previous if not previous.isNull() else QIcon())


def test_the_pngs_are_the_svg_rendered(qapp: QApplication) -> None:
    """The committed PNGs match the SVG (run scripts/render_icons.py after changing it)."""
    from scripts.render_icons import render

    renderer = QSvgRenderer(icon_svg())
    assert renderer.isValid()
    for size in (16, 64, 256):
        committed = QImage.fromData(icon_png(size)).convertToFormat(
            QImage.Format.Format_ARGB32_Premultiplied
        )
        fresh = render(icon_svg(), size)
        assert committed.size() == fresh.size()
        differing = [
            (x, y)
            for y in range(size)
            for x in range(size)
            if _far(committed.pixelColor(x, y), fresh.pixelColor(x, y))
        ]
        assert len(differing) <= size * size // 200  # a few antialiased edges may differ


def _far(one: QColor, other: QColor) -> bool:
    def channels(colour: QColor) -> tuple[int, int, int, int]:
        return colour.red(), colour.green(), colour.blue(), colour.alpha()

    return any(abs(a - b) > 24 for a, b in zip(channels(one), channels(other), strict=True))
