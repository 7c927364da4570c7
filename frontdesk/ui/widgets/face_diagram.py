"""The face diagram of the intake: click a region (or use the arrow keys) to record it.

Drawn from resources/face.svg (package data, read through frontdesk.bundled); each region is
the SVG group "region-<name>", rendered once per size into a mask that serves both to colour
it and to hit-test clicks.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent, QPen
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QSizePolicy, QWidget

from frontdesk.bundled import face_svg
from frontdesk.domain.intake import Intake, Look, Region

# One colour per kind of mark, the same wherever findings are shown.
LOOK_COLOURS = {
    Look.INDENTED: QColor("#2f6f8f"),
    Look.RAISED: QColor("#8a4fa3"),
    Look.FLAT_BROWN: QColor("#9a6a3a"),
    Look.FLAT_RED: QColor("#d0607a"),
}
EMPTY_COLOUR = QColor(200, 205, 212, 90)
DIAGRAM_REGIONS = [r for r in Region if r is not Region.OTHER]


class FaceDiagram(QWidget):
    region_chosen = Signal(object)  # Region

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("faceDiagram")
        self.setAccessibleName("Face diagram: choose a region")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(200, 250)
        self._renderer = QSvgRenderer(QByteArray(face_svg()))
        self._masks: dict[Region, QImage] = {}
        self._mask_size = QSize()
        self._intake = Intake()
        self._selected: Region = Region.FOREHEAD

    def sizeHint(self) -> QSize:
        return QSize(300, 380)

    @property
    def selected(self) -> Region:
        return self._selected

    def show_intake(self, intake: Intake, selected: Region | None = None) -> None:
        self._intake = intake
        if selected is not None:
            self._selected = selected
        self.update()

    def select(self, region: Region) -> None:
        if region is not self._selected:
            self._selected = region
            self.update()
        self.region_chosen.emit(region)

    # -- geometry ---------------------------------------------------------------------
    def _face_rect(self) -> QRectF:
        """The SVG's box scaled to fit the widget, centred, aspect kept."""
        view = self._renderer.viewBoxF()
        scale = min(self.width() / view.width(), self.height() / view.height())
        w, h = view.width() * scale, view.height() * scale
        return QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)

    def _region_masks(self) -> dict[Region, QImage]:
        if self._mask_size != self.size():
            self._masks = {}
            for region in DIAGRAM_REGIONS:
                element = f"region-{region.value}"
                image = QImage(self.size(), QImage.Format.Format_ARGB32_Premultiplied)
                image.fill(Qt.GlobalColor.transparent)
                painter = QPainter(image)
                self._renderer.render(painter, element, self._element_rect(element))
                painter.end()
                self._masks[region] = image
            self._mask_size = self.size()
        return self._masks

    def region_at(self, point: QPointF) -> Region | None:
        x, y = int(point.x()), int(point.y())
        if not (0 <= x < self.width() and 0 <= y < self.height()):
            return None
        for region, mask in self._region_masks().items():
            if mask.pixelColor(x, y).alpha() > 0:
                return region
        return None

    def region_centre(self, region: Region) -> QPointF:
        """Where a click lands on that region (used by tests and the keyboard focus ring)."""
        mask = self._region_masks()[region]
        points = [
            (x, y)
            for y in range(0, mask.height(), 3)
            for x in range(0, mask.width(), 3)
            if mask.pixelColor(x, y).alpha() > 0
        ]
        x, y = points[len(points) // 2]
        return QPointF(x, y)

    # -- drawing ----------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._renderer.render(painter, "outline", self._element_rect("outline"))
        for region, mask in self._region_masks().items():
            painter.drawImage(0, 0, self._tinted(mask, self._colour(region)))
        self._renderer.render(painter, "labels", self._element_rect("labels"))
        if self._selected in self._masks:
            self._draw_selection(painter)
        painter.end()

    def _element_rect(self, element: str) -> QRectF:
        rect = self._face_rect()
        view = self._renderer.viewBoxF()
        scale = rect.width() / view.width()
        bounds = self._renderer.boundsOnElement(element)
        return QRectF(
            rect.left() + (bounds.left() - view.left()) * scale,
            rect.top() + (bounds.top() - view.top()) * scale,
            bounds.width() * scale,
            bounds.height() * scale,
        )

    def _colour(self, region: Region) -> QColor:
        looks = self._intake.region(region).looks
        for look in (Look.INDENTED, Look.RAISED, Look.FLAT_BROWN, Look.FLAT_RED):
            if look in looks:
                colour = QColor(LOOK_COLOURS[look])
                colour.setAlpha(150)
                return colour
        return EMPTY_COLOUR

    @staticmethod
    def _tinted(mask: QImage, colour: QColor) -> QImage:
        tinted = QImage(mask)
        painter = QPainter(tinted)
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceIn)
        painter.fillRect(tinted.rect(), colour)
        painter.end()
        return tinted

    def _draw_selection(self, painter: QPainter) -> None:
        """A ring around the chosen region; dotted around the diagram when it has focus."""
        pen = QPen(self.palette().highlight().color(), 3)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        bounds = self._element_rect(f"region-{self._selected.value}")
        painter.drawRoundedRect(bounds.adjusted(-4, -4, 4, 4), 6, 6)
        if self.hasFocus():
            pen.setStyle(Qt.PenStyle.DotLine)
            pen.setWidth(1)
            painter.setPen(pen)
            painter.drawRect(self.rect().adjusted(1, 1, -2, -2))

    # -- input ------------------------------------------------------------------------
    def mousePressEvent(self, event) -> None:
        region = self.region_at(event.position())
        if region is not None:
            self.setFocus(Qt.FocusReason.MouseFocusReason)
            self.select(region)

    def keyPressEvent(self, event) -> None:
        """Arrow keys move to the nearest region in that direction, as seen on screen."""
        direction = {
            Qt.Key.Key_Right: (1, 0),
            Qt.Key.Key_Left: (-1, 0),
            Qt.Key.Key_Down: (0, 1),
            Qt.Key.Key_Up: (0, -1),
        }.get(event.key())
        if direction is None or self._selected not in DIAGRAM_REGIONS:
            super().keyPressEvent(event)
            return
        target = self.neighbour(self._selected, direction)
        if target is not None:
            self.select(target)

    def neighbour(self, region: Region, direction: tuple[int, int]) -> Region | None:
        here = self._element_rect(f"region-{region.value}").center()
        best: tuple[float, Region] | None = None
        for other in DIAGRAM_REGIONS:
            if other is region:
                continue
            there = self._element_rect(f"region-{other.value}").center()
            dx, dy = there.x() - here.x(), there.y() - here.y()
            along = dx * direction[0] + dy * direction[1]
            if along <= 2:
                continue  # not in that direction
            across = abs(dx * direction[1]) + abs(dy * direction[0])
            if across > along:
                continue  # more sideways than in that direction
            score = along + 2 * across
            if best is None or score < best[0]:
                best = (score, other)
        return best[1] if best else None
