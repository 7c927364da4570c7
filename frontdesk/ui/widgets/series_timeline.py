"""A CO2 series drawn on a time line: sessions done and planned, results windows, today.

Everything drawn is also listed by `items()` as (kind, date), so tests can read the picture
without comparing pixels: "done" and "planned" sessions, "results" (the first day of a done
session's results window), "full" (full results expected) and "today".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta
from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QHelpEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
)
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from frontdesk.domain.co2 import Series, SeriesStatus, results_window
from frontdesk.domain.dates import format_day
from frontdesk.domain.hours import OfficeCalendar
from frontdesk.ui.style import ACCENT

PAD_X = 16  # left and right of the axis: room for the first and last labels
PAD_Y = 4
RADIUS = 9  # of a session's circle
BAND_H = 10  # height of a results window's band
GAP = 4
TODAY_COLOUR = QColor("#c62828")  # the week view's "now" red
FULL_COLOUR = QColor("#1b6e3a")
STATUS_COLOURS = {
    SeriesStatus.PAUSED: QColor("#8a5300"),
    SeriesStatus.ENDED: QColor("#b3261e"),
}
MIN_HEIGHT = 110
MIN_MONTHS = 12  # the axis shows at least a year, even for a series with little on it
TODAY_REACH = relativedelta(months=12)  # today further past the end than this is not shown
HINT = "No CO2 series yet."
BAND_FILL = QColor(ACCENT.red(), ACCENT.green(), ACCENT.blue(), 60)
BAND_EDGE = QColor(ACCENT.red(), ACCENT.green(), ACCENT.blue(), 150)
LEGEND = {
    "done": "done",
    "planned": "planned",
    "results": "results visible",
    "full": "full results",
}
LEGEND_ICON = 14


def say_date(day: date) -> str:
    """'Mon, Mar 1, 2027', the app's one way."""
    return format_day(day)


@dataclass(frozen=True)
class Mark:
    """One thing drawn that has a tooltip: a session's circle, a results band, a marker."""

    kind: str
    day: date
    rect: QRectF
    tip: str


class SeriesTimeline(QWidget):
    """Months left to right; circles are sessions (filled: done, hollow: planned)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("seriesTimeline")
        self.setAccessibleName("CO2 series timeline")
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.series: Series | None = None
        self.today = date.today()
        self._done: list[date] = []
        self._planned: list[date] = []
        self._results: list[tuple[date, date]] = []
        self._full: date | None = None
        self._first = self._last = self.today
        self._marks: list[Mark] = []
        self.setMinimumHeight(self._needed_height())

    # -- content ---------------------------------------------------------------------------
    def show_series(
        self,
        series: Series | None,
        office: OfficeCalendar | None,
        today: date,
        booked: date | None = None,
    ) -> None:
        """`booked`: the day the next session is booked for, if it is (drawn there). The
        office (hours and closures) places the planned sessions: needed with a series."""
        self.series = series
        self.today = today
        if series is None or office is None:
            self.series = None
            self._done, self._planned, self._results, self._full = [], [], [], None
        else:
            self._done = [s.day for s in series.sessions]
            projected = series.projected_dates(office, today, booked)
            # A paused or ended series plans nothing more: projected_dates says only what was done.
            self._planned = projected[len(self._done) :]
            self._results = [results_window(day) for day in self._done]
            # A paused series has no final session yet: no full-results date to show.
            paused = series.status is SeriesStatus.PAUSED
            self._full = None if paused else series.full_results(office, today, booked)
            self._span()
        self.setAccessibleDescription(self.summary())
        self.update()

    def _span(self) -> None:
        """From the month the series opened to a little after full results."""
        assert self.series is not None
        days = [self.series.opened_on, *self._done, *self._planned]
        days += [end for _start, end in self._results]
        if self._full is not None:
            days.append(self._full)
        start = min(days).replace(day=1) - relativedelta(months=1)
        end = max(days) + relativedelta(months=2)
        end = max(end, start + relativedelta(months=MIN_MONTHS))
        if start <= self.today <= end + TODAY_REACH:
            end = max(end, self.today + relativedelta(months=1))
        self._first, self._last = start, end.replace(day=1)

    def items(self) -> list[tuple[str, date]]:
        """What is drawn, as (kind, date): done, planned, results, full, today."""
        if self.series is None:
            return []
        drawn = [("done", d) for d in self._done]
        drawn += [("planned", d) for d in self._planned]
        drawn += [("results", start) for start, _end in self._results]
        if self._full is not None:
            drawn.append(("full", self._full))
        if self._today_shown():
            drawn.append(("today", self.today))
        return drawn

    def status_text(self) -> str:
        """The line above the axis: how far along, or why it stopped."""
        s = self.series
        if s is None:
            return HINT
        why = f": {s.reason.strip()}" if s.reason.strip() else ""
        if s.status is SeriesStatus.PAUSED:
            return f"Paused after {s.done} of {s.planned}{why}"
        if s.status is SeriesStatus.ENDED:
            return f"Ended early after {s.done} of {s.planned}{why}"
        if s.status is SeriesStatus.COMPLETED:
            return f"Completed: {s.done} of {s.planned} sessions done"
        if not s.done:
            return f"Not started: {s.planned} sessions planned"
        return f"{s.done} of {s.planned} sessions done"

    def summary(self) -> str:
        """The picture in words, for screen readers."""
        if self.series is None:
            return HINT
        parts = [self.status_text()]
        parts += [f"session {i} done {say_date(d)}" for i, d in enumerate(self._done, 1)]
        first_planned = len(self._done) + 1
        parts += [
            f"session {i} planned {say_date(d)}" for i, d in enumerate(self._planned, first_planned)
        ]
        if self._full is not None:
            parts.append(f"full results about {self._full:%B %Y}")
        return ". ".join(parts) + "."

    def _today_shown(self) -> bool:
        return self.series is not None and self._first <= self.today <= self._last

    # -- geometry ----------------------------------------------------------------------------
    def _line(self) -> int:
        return QFontMetrics(self.font()).height()

    def _small_font(self) -> QFont:
        small = QFont(self.font())
        small.setPointSizeF(self.font().pointSizeF() * 0.9)
        return small

    def _needed_height(self) -> int:
        """Status line, marker labels, results band, circles, session dates, months."""
        line = self._line()
        small = QFontMetrics(self._small_font()).height()
        rows = line + GAP + small + GAP + BAND_H + 2 * RADIUS + GAP + 2 * small
        return max(MIN_HEIGHT, PAD_Y + rows + PAD_Y)

    def sizeHint(self) -> QSize:
        return QSize(700, max(120, self._needed_height()))

    def minimumSizeHint(self) -> QSize:
        return QSize(360, self._needed_height())

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.FontChange:
            self.setMinimumHeight(self._needed_height())
            self.updateGeometry()
        super().changeEvent(event)

    def _rows(self) -> dict[str, float]:
        """Top of each row, spread over the height the widget was given."""
        line = self._line()
        small = QFontMetrics(self._small_font()).height()
        spare = max(0, self.height() - self._needed_height())
        top = PAD_Y + spare / 2
        rows = {"status": top}
        rows["markers"] = rows["status"] + line + GAP
        rows["band"] = rows["markers"] + small + GAP
        rows["axis"] = rows["band"] + BAND_H + RADIUS
        rows["dates"] = rows["axis"] + RADIUS + GAP
        rows["months"] = rows["dates"] + small
        return rows

    def x_for(self, day: date) -> float:
        """Where a day sits on the axis."""
        width = self.width() - 2 * PAD_X
        total = max(1, (self._last - self._first).days)
        return PAD_X + (day - self._first).days / total * width

    def point_for(self, kind: str, day: date) -> QPointF:
        """The middle of what is drawn for (kind, day): for tests and tooltips."""
        self._layout()
        mark = next(m for m in self._marks if m.kind == kind and m.day == day)
        return mark.rect.center()

    def tip_at(self, pos: QPointF) -> str:
        """The tooltip of what is under a point ("" for nothing)."""
        self._layout()
        point = QPointF(pos)
        # Circles before bands: a circle drawn over a band wins.
        for mark in sorted(self._marks, key=lambda m: m.kind == "results"):
            if mark.rect.contains(point):
                return mark.tip
        return ""

    def _layout(self) -> None:
        """The hit areas of what is drawn at the current size."""
        self._marks = []
        if self.series is None:
            return
        rows = self._rows()
        axis = rows["axis"]
        hit = RADIUS + 2
        status = QRectF(0, rows["status"], self.width(), self._line())
        self._marks.append(Mark("status", self.today, status, self.status_text()))
        for number, day in enumerate(self._done, 1):
            x = self.x_for(day)
            rect = QRectF(x - hit, axis - hit, 2 * hit, 2 * hit)
            self._marks.append(
                Mark("done", day, rect, f"Session {number} - {say_date(day)} - done")
            )
        for number, day in enumerate(self._planned, len(self._done) + 1):
            x = self.x_for(day)
            rect = QRectF(x - hit, axis - hit, 2 * hit, 2 * hit)
            tip = f"Session {number} - {say_date(day)} - planned (due)"
            self._marks.append(Mark("planned", day, rect, tip))
        for number, (start, end) in enumerate(self._results, 1):
            left, right = self.x_for(start), self.x_for(end)
            rect = QRectF(left, rows["band"], max(2.0, right - left), BAND_H)
            tip = (
                f"Results of session {number} show from {say_date(start)}"
                f" to {say_date(end)} (3 to 6 months after it)"
            )
            self._marks.append(Mark("results", start, rect, tip))
        if self._full is not None:
            x = self.x_for(self._full)
            rect = QRectF(x - hit, axis - hit, 2 * hit, 2 * hit)
            tip = f"Full results about {self._full:%B %Y}: 12 months after the final session"
            self._marks.append(Mark("full", self._full, rect, tip))
        if self._today_shown():
            x = self.x_for(self.today)
            rect = QRectF(x - 3, rows["markers"], 6, axis + RADIUS - rows["markers"])
            self._marks.append(Mark("today", self.today, rect, f"Today, {say_date(self.today)}"))

    # -- painting ----------------------------------------------------------------------------
    def paintEvent(self, _event: QPaintEvent) -> None:
        palette = self.palette()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), palette.color(QPalette.ColorRole.Base))
        text = palette.color(QPalette.ColorRole.Text)
        if self.series is None:
            painter.setPen(palette.color(QPalette.ColorRole.Mid))
            painter.drawText(QRectF(self.rect()), Qt.AlignmentFlag.AlignCenter, HINT)
            return
        self._layout()
        rows = self._rows()
        small = self._small_font()
        self._paint_status(painter, palette)
        self._paint_months(painter, palette, rows, small)
        self._paint_bands(painter)
        self._paint_today(painter, rows)
        self._paint_sessions(painter, palette, rows, small)
        self._paint_markers(painter, rows, small, text)

    def _paint_status(self, painter: QPainter, palette: QPalette) -> None:
        """The status on the left; a legend on the right when there is room for it."""
        assert self.series is not None
        rows = self._rows()
        rect = QRectF(PAD_X, rows["status"], self.width() - 2 * PAD_X, self._line())
        bold = QFont(self.font())
        bold.setBold(True)
        status = self.status_text()
        room = rect.width()
        painter.setFont(self._small_font())
        metrics = painter.fontMetrics()
        legend = [(kind, LEGEND[kind]) for kind in LEGEND if self._shows(kind)]
        legend_w = sum(LEGEND_ICON + 4 + metrics.horizontalAdvance(t) + 12 for _k, t in legend)
        if QFontMetrics(bold).horizontalAdvance(status) + 24 + legend_w <= room:
            room -= legend_w + 24
            x = rect.right() - legend_w + 12
            centre_y = rect.center().y()
            for kind, label in legend:
                self._paint_symbol(painter, palette, kind, QPointF(x + LEGEND_ICON / 2, centre_y))
                x += LEGEND_ICON + 4
                width = metrics.horizontalAdvance(label)
                painter.setPen(palette.color(QPalette.ColorRole.Text))
                painter.drawText(
                    QRectF(x, rect.top(), width + 1, rect.height()),
                    Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                    label,
                )
                x += width + 12
        painter.setFont(bold)
        painter.setPen(
            STATUS_COLOURS.get(self.series.status, palette.color(QPalette.ColorRole.Text))
        )
        painter.drawText(
            QRectF(rect.left(), rect.top(), room, rect.height()),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            painter.fontMetrics().elidedText(status, Qt.TextElideMode.ElideRight, int(room)),
        )
        painter.setFont(self.font())

    def _shows(self, kind: str) -> bool:
        return {
            "done": bool(self._done),
            "planned": bool(self._planned),
            "results": bool(self._results),
            "full": self._full is not None,
        }[kind]

    def _paint_symbol(
        self, painter: QPainter, palette: QPalette, kind: str, centre: QPointF, radius: float = 5
    ) -> None:
        """The same symbols on the axis and in the legend."""
        if kind == "done":
            painter.setPen(QPen(ACCENT.darker(120), 1.5))
            painter.setBrush(ACCENT)
            painter.drawEllipse(centre, radius, radius)
        elif kind == "planned":
            outline = QPen(ACCENT, 1.5)
            outline.setStyle(Qt.PenStyle.DashLine)
            painter.setPen(outline)
            painter.setBrush(palette.color(QPalette.ColorRole.Base))
            painter.drawEllipse(centre, radius, radius)
        elif kind == "results":
            painter.setPen(QPen(BAND_EDGE, 1))
            painter.setBrush(BAND_FILL)
            painter.drawRoundedRect(
                QRectF(
                    centre.x() - radius * 1.4, centre.y() - radius * 0.6, radius * 2.8, radius * 1.2
                ),
                2,
                2,
            )
        elif kind == "full":
            painter.setPen(QPen(FULL_COLOUR.darker(120), 1.5))
            painter.setBrush(FULL_COLOUR)
            x, y = centre.x(), centre.y()
            painter.drawPolygon(
                [
                    QPointF(x, y - radius),
                    QPointF(x + radius, y),
                    QPointF(x, y + radius),
                    QPointF(x - radius, y),
                ]
            )
        painter.setBrush(Qt.BrushStyle.NoBrush)

    def _paint_months(
        self, painter: QPainter, palette: QPalette, rows: dict[str, float], small: QFont
    ) -> None:
        axis = rows["axis"]
        mid = palette.color(QPalette.ColorRole.Mid)
        painter.setPen(QPen(mid, 1))
        painter.drawLine(QPointF(PAD_X, axis), QPointF(self.width() - PAD_X, axis))
        painter.setFont(small)
        metrics = painter.fontMetrics()
        label_w = metrics.horizontalAdvance("May 2027") + 12
        months = (self._last.year - self._first.year) * 12 + self._last.month - self._first.month
        month_px = (self.width() - 2 * PAD_X) / max(1, months)
        step = next((s for s in (1, 2, 3, 4, 6, 12) if s * month_px >= label_w), 24)
        grid = QPen(mid, 1)
        grid.setStyle(Qt.PenStyle.DotLine)
        label_top = rows["months"]
        last_right = float("-inf")
        day = self._first
        while day <= self._last:
            x = self.x_for(day)
            labelled = (day.month - 1) % step == 0 if step <= 12 else day.month == 1
            painter.setPen(QPen(mid, 1))
            tick = 5 if labelled else 3
            painter.drawLine(QPointF(x, axis - tick), QPointF(x, axis + tick))
            if labelled:
                painter.setPen(grid)
                painter.drawLine(QPointF(x, rows["band"]), QPointF(x, axis - tick))
                text = f"{day:%b %Y}"
                width = metrics.horizontalAdvance(text)
                left = min(max(2.0, x - width / 2), self.width() - width - 2)
                if left > last_right + 8:
                    painter.setPen(mid)
                    painter.drawText(
                        QRectF(left, label_top, width + 1, metrics.height()),
                        Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                        text,
                    )
                    last_right = left + width
            day += relativedelta(months=1)
        painter.setFont(self.font())

    def _paint_bands(self, painter: QPainter) -> None:
        painter.setPen(QPen(BAND_EDGE, 1))
        painter.setBrush(BAND_FILL)
        for mark in self._marks:
            if mark.kind == "results":
                painter.drawRoundedRect(mark.rect.adjusted(0.5, 0.5, -0.5, -0.5), 3, 3)
        painter.setBrush(Qt.BrushStyle.NoBrush)

    def _paint_today(self, painter: QPainter, rows: dict[str, float]) -> None:
        if not self._today_shown():
            return
        x = self.x_for(self.today)
        painter.setPen(QPen(TODAY_COLOUR, 2))
        painter.drawLine(QPointF(x, rows["markers"]), QPointF(x, rows["axis"] + RADIUS + 2))

    def _paint_sessions(
        self, painter: QPainter, palette: QPalette, rows: dict[str, float], small: QFont
    ) -> None:
        axis = rows["axis"]
        text = palette.color(QPalette.ColorRole.Text)
        number_font = QFont(small)
        number_font.setBold(True)
        last_right = float("-inf")
        sessions = [("done", d) for d in self._done] + [("planned", d) for d in self._planned]
        for number, (kind, day) in enumerate(sessions, 1):
            centre = QPointF(self.x_for(day), axis)
            self._paint_symbol(painter, palette, kind, centre, RADIUS)
            painter.setFont(number_font)
            painter.setPen(QColor("#ffffff") if kind == "done" else text)
            painter.drawText(
                QRectF(centre.x() - RADIUS, axis - RADIUS, 2 * RADIUS, 2 * RADIUS),
                Qt.AlignmentFlag.AlignCenter,
                str(number),
            )
            # The day under the circle, unless it would run into the one before (tooltip has it).
            painter.setFont(small)
            metrics = painter.fontMetrics()
            label = f"{day:%b} {day.day}"
            width = metrics.horizontalAdvance(label)
            left = min(max(2.0, centre.x() - width / 2), self.width() - width - 2)
            if left > last_right + 6:
                painter.setPen(text)
                painter.drawText(
                    QRectF(left, rows["dates"], width + 1, metrics.height()),
                    Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                    label,
                )
                last_right = left + width
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setFont(self.font())

    def _paint_markers(
        self, painter: QPainter, rows: dict[str, float], small: QFont, text: QColor
    ) -> None:
        """The full-results diamond, and the labels of it and of today above the band."""
        painter.setFont(small)
        metrics = painter.fontMetrics()
        top, height = rows["markers"], metrics.height()
        taken: list[tuple[float, float]] = []
        if self._full is not None:
            x, axis = self.x_for(self._full), rows["axis"]
            painter.setPen(QPen(FULL_COLOUR.darker(120), 1.5))
            painter.setBrush(FULL_COLOUR)
            r = RADIUS - 1
            painter.drawPolygon(
                [
                    QPointF(x, axis - r),
                    QPointF(x + r, axis),
                    QPointF(x, axis + r),
                    QPointF(x - r, axis),
                ]
            )
            painter.setBrush(Qt.BrushStyle.NoBrush)
            label = f"Full results ~{self._full:%b %Y}"
            width = metrics.horizontalAdvance(label)
            left = min(max(2.0, x - width / 2), self.width() - width - 2)
            painter.setPen(FULL_COLOUR)
            painter.drawText(
                QRectF(left, top, width + 1, height),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                label,
            )
            taken.append((left, left + width))
        if self._today_shown():
            x = self.x_for(self.today)
            label = "Today"
            width = metrics.horizontalAdvance(label)
            # Right of the line if there is room, else left of it; dropped if both collide.
            for left in (x + 4, x - 4 - width):
                clear = all(left + width + 4 < a or left - 4 > b for a, b in taken)
                if left >= 0 and left + width <= self.width() and clear:
                    painter.setPen(TODAY_COLOUR)
                    painter.drawText(
                        QRectF(left, top, width + 1, height),
                        Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                        label,
                    )
                    break
        painter.setPen(text)
        painter.setFont(self.font())

    # -- tooltips ----------------------------------------------------------------------------
    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            tip = self.tip_at(QPointF(event.pos()))
            if tip:
                QToolTip.showText(event.globalPos(), tip, self)
            else:
                QToolTip.hideText()
            return True
        return super().event(event)

    def resizeEvent(self, event) -> None:
        self._layout()
        super().resizeEvent(event)
