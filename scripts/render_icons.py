"""Renders resources/icons/frontdesk.svg to the PNG sizes Linux menus ask for.

Run after changing the SVG and commit the PNGs (tests/ui/test_icon.py compares them):
    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/render_icons.py
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

from frontdesk.bundled import ICON_NAME, ICON_SIZES

ICONS = Path(__file__).resolve().parents[1] / "resources" / "icons"


def render(svg: bytes, size: int) -> QImage:
    """The SVG drawn antialiased on a transparent square of `size` px."""
    renderer = QSvgRenderer(QByteArray(svg))
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    return image


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    _app = QGuiApplication(sys.argv[:1])
    svg = (ICONS / f"{ICON_NAME}.svg").read_bytes()
    for size in ICON_SIZES:
        out = ICONS / f"{ICON_NAME}-{size}.png"
        if not render(svg, size).save(str(out)):
            print(f"could not write {out}", file=sys.stderr)
            return 1
        print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
