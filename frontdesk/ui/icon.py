"""The application's icon for its windows (and the task bar), from the package's PNGs.

Built from the pre-rendered sizes rather than the SVG, so Qt picks a crisp one for each place
and no SVG icon-engine plug-in is needed. Files on disk (the checkout, an installed wheel) are
only read when a size is first drawn, so the icon costs start-up nothing.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize
from PySide6.QtGui import QIcon, QPixmap

from frontdesk.bundled import ICON_SIZES, icon_file


def app_icon() -> QIcon:
    """Every size of the icon in one QIcon: `QApplication.setWindowIcon(app_icon())`."""
    icon = QIcon()
    for size in ICON_SIZES:
        image = icon_file(size)
        if isinstance(image, Path):
            icon.addFile(str(image), QSize(size, size))
        else:  # inside a zipped package: read now, there is no file to come back to
            pixmap = QPixmap()
            if pixmap.loadFromData(image.read_bytes(), "PNG"):
                icon.addPixmap(pixmap)
    return icon
