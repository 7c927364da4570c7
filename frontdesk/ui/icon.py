"""The application's icon for its windows (and the task bar), from the package's PNGs.

Built from the pre-rendered sizes rather than the SVG, so Qt picks a crisp one for each place
and no SVG icon-engine plug-in is needed.
"""

from __future__ import annotations

from PySide6.QtGui import QIcon, QPixmap

from frontdesk.bundled import ICON_SIZES, icon_png


def app_icon() -> QIcon:
    """Every size of the icon in one QIcon: `QApplication.setWindowIcon(app_icon())`."""
    icon = QIcon()
    for size in ICON_SIZES:
        pixmap = QPixmap()
        if pixmap.loadFromData(icon_png(size), "PNG"):
            icon.addPixmap(pixmap)
    return icon
