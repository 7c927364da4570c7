"""The calendar drawn as the desk reads it: days side by side, office hours, appointments."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from PySide6.QtCore import QEvent, QPoint, QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QContextMenuEvent,
    QFont,
    QFontMetrics,
    QHelpEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QStaticText,
)
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from frontdesk.domain.appointments import ListedAppointment, Status
from frontdesk.domain.booking import say_span
from frontdesk.domain.dates import format_moment
from frontdesk.domain.hours import OfficeCalendar, WeeklyHours, format_time
from frontdesk.domain.slots import GRID_MINUTES

HEADER = 40
GUTTER = 64
MIN_HOUR_PX = 40
DRAG_START_PX = 6
SHADE = QColor(120, 120, 120, 60)
NOW_LINE = QColor("#c62828")
TODAY_TINT = QColor(47, 127, 193, 22)
MISFIT = QColor("#b3261e")  # an appointment the hours or a closure no longer allow
STATUS_MARKS = {
    Status.CONFIRMED: "confirmed",
    Status.ARRIVED: "arrived",
    Status.COMPLETED: "done",
    Status.CANCELLED_BY_PATIENT: "cancelled",
    Status.CANCELLED_BY_CLINIC: "cancelled by clinic",
    Status.NO_SHOW: "no-show",
}
LANE = 0.38  # the share of a column a cancelled or missed block takes, at its right


@dataclass(frozen=True)
class Block:
    listed: ListedAppointment
    rect: QRectF


class WeekView(QWidget):
    """Days as columns, time running down; free time clicks to book, blocks drag to move.

    Keyboard: arrows move the cursor a quarter hour or a day, Enter books the cursor's time
    or opens the appointment under it, Page Up/Down go a period back or forward.
    """

    free_time_chosen = Signal(datetime)
    appointment_opened = Signal(int)
    appointment_selected = Signal(int)
    appointment_dropped = Signal(int, datetime)
    menu_requested = Signal(int, QPoint)
    period_step = Signal(int)  # -1 back, +1 forward
    walked_off = Signal(int)  # arrow past the first (-1) or last (+1) day shown
    drag_hint = Signal(str)  # where a dragged block would go, or why it cannot
    cursor_day_changed = Signal(date)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("weekView")
        self.setAccessibleName("Calendar")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.days: list[date] = []
        self.office = OfficeCalendar(WeeklyHours({}))
        self.appointments: list[ListedAppointment] = []
        # Cancelled and missed appointments are drawn faded and struck through, in a lane
        # beside what holds their time; the owner may hide them (show_inactive False).
        self.show_inactive = True
        self.today = date.today()
        self.now = datetime.now()
        self.first_hour = 9
        self.last_hour = 18
        # The keyboard cursor's time (QWidget.cursor() is the mouse pointer's shape).
        self.keyboard_cursor: datetime | None = None
        self.selected_id: int | None = None
        self._blocks: list[Block] = []
        self._press: QPointF | None = None
        self._dragging: Block | None = None
        self._drop_at: datetime | None = None
        self._colours: dict[str, QColor] = {}
        self._texts: dict[str, QStaticText] = {}
        self._pens: dict[tuple[str, bool], QPen] = {}
        self._fills: dict[tuple[str, bool], QColor] = {}
        self._misfit_pen = QPen(MISFIT, 2)
        self._misfit_pen.setStyle(Qt.PenStyle.DashLine)
        self._drop_refused: str | None = None
        self.ghost_text = ""  # what the moving block says while dragged (its new time)
        # Set by the owner: why an appointment cannot move to a time (None: it can).
        self.check_move: Callable[[ListedAppointment, datetime], str | None] | None = None

    # -- content ---------------------------------------------------------------------------
    def show_days(
        self,
        days: list[date],
        office: OfficeCalendar,
        appointments: list[ListedAppointment],
        today: date,
        now: datetime,
    ) -> None:
        self.days = list(days)
        self.office = office
        self.appointments = [
            a for a in appointments if self.show_inactive or a.appointment.status.holds_slot
        ]
        self.today = today
        self.now = now
        self._fit_hours()
        if self.keyboard_cursor is None or self.keyboard_cursor.date() not in self.days:
            first = today if today in self.days else self.days[0]
            self.keyboard_cursor = datetime.combine(first, time(self.first_hour))
        if self.selected_id is not None and not any(
            a.appointment.id == self.selected_id for a in self.appointments
        ):
            self.selected_id = None
        self._layout_blocks()
        self.update()

    def _fit_hours(self) -> None:
        opens = [h.opens for h in self.office.hours.days.values()]
        closes = [h.closes for h in self.office.hours.days.values()]
        for listed in self.appointments:
            opens.append(listed.appointment.starts.time())
            closes.append(listed.appointment.ends.time())
        self.first_hour = min((t.hour for t in opens), default=9)
        self.last_hour = max(
            (t.hour + (1 if t.minute else 0) for t in closes), default=self.first_hour + 8
        )
        self.last_hour = max(self.last_hour, self.first_hour + 1)

    def sizeHint(self) -> QSize:
        return QSize(720, HEADER + (self.last_hour - self.first_hour) * 56)

    def minimumSizeHint(self) -> QSize:
        return QSize(GUTTER + 120 * max(1, len(self.days)), HEADER + 8 * MIN_HOUR_PX // 2)

    # -- geometry ----------------------------------------------------------------------------
    def _column_width(self) -> float:
        return (self.width() - GUTTER) / max(1, len(self.days))

    def _hour_px(self) -> float:
        return (self.height() - HEADER - 1) / max(1, self.last_hour - self.first_hour)

    def _y_for(self, moment: time) -> float:
        hours = moment.hour + moment.minute / 60 - self.first_hour
        return HEADER + hours * self._hour_px()

    def rect_for(self, starts: datetime, ends: datetime) -> QRectF:
        column = self.days.index(starts.date())
        x = GUTTER + column * self._column_width()
        top = self._y_for(starts.time())
        return QRectF(x + 2, top + 1, self._column_width() - 5, self._y_for(ends.time()) - top - 2)

    def point_for(self, moment: datetime) -> QPoint:
        """Where a time sits on screen (the middle of its quarter hour): for tests and drops."""
        rect = self.rect_for(moment, moment + timedelta(minutes=GRID_MINUTES))
        return rect.center().toPoint()

    def time_at(self, pos: QPointF | QPoint) -> datetime | None:
        """The quarter hour under the point, or None outside the grid."""
        x, y = pos.x(), pos.y()
        if x < GUTTER or y < HEADER or not self.days:
            return None
        column = int((x - GUTTER) // self._column_width())
        if not 0 <= column < len(self.days):
            return None
        minutes = (y - HEADER) / self._hour_px() * 60
        quarter = int(minutes // GRID_MINUTES) * GRID_MINUTES
        total = self.first_hour * 60 + quarter
        if total >= self.last_hour * 60:
            return None
        return datetime.combine(self.days[column], time(total // 60, total % 60))

    def block_at(self, pos: QPointF | QPoint) -> Block | None:
        point = QPointF(pos)
        return next((b for b in reversed(self._blocks) if b.rect.contains(point)), None)

    def _layout_blocks(self) -> None:
        shown = [a for a in self.appointments if a.appointment.starts.date() in self.days]
        holding = [a for a in shown if a.appointment.status.holds_slot]
        inactive = [a for a in shown if not a.appointment.status.holds_slot]

        def beside(listed: ListedAppointment, others: list[ListedAppointment]) -> bool:
            a = listed.appointment
            return any(
                o.appointment.starts < a.ends and a.starts < o.appointment.ends for o in others
            )

        blocks = []
        # Cancelled and missed ones keep to a lane at the right: the rest of the column stays
        # free time to click on, and what holds the time is drawn (and hit) on top.
        for listed in inactive:
            rect = self.rect_for(listed.appointment.starts, listed.appointment.ends)
            rect.setLeft(rect.right() - rect.width() * LANE)
            blocks.append(Block(listed, rect))
        for listed in holding:
            rect = self.rect_for(listed.appointment.starts, listed.appointment.ends)
            if beside(listed, inactive):
                rect.setRight(rect.right() - rect.width() * LANE - 2)
            blocks.append(Block(listed, rect))
        self._blocks = blocks

    def resizeEvent(self, event) -> None:
        self._layout_blocks()
        super().resizeEvent(event)

    # -- painting ----------------------------------------------------------------------------
    def paintEvent(self, _event: QPaintEvent) -> None:
        bold, small = QFont(self.font()), QFont(self.font())
        bold.setBold(True)
        small.setPointSizeF(self.font().pointSizeF() * 0.85)
        struck_bold, struck_small = QFont(bold), QFont(small)
        struck_bold.setStrikeOut(True)
        struck_small.setStrikeOut(True)
        self._block_fonts = (bold, small)  # made once a paint, not once a block
        self._struck_fonts = (struck_bold, struck_small)
        self._faint_pen = QPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
        self._block_metrics = (QFontMetrics(bold), QFontMetrics(small))
        self._text_pen = QPen(self.palette().color(QPalette.ColorRole.Text))
        self._shade = _over(SHADE, self.palette().color(QPalette.ColorRole.Base))
        painter = QPainter(self)
        # Straight lines and small radii need no antialiasing: it would cost most of a repaint.
        palette = self.palette()
        painter.fillRect(self.rect(), palette.color(QPalette.ColorRole.Base))
        if not self.days:
            return
        self._paint_days(painter, palette)
        self._paint_hours(painter, palette)
        for block in self._blocks:
            if block is not self._dragging:
                self._paint_block(painter, block.listed, block.rect, palette)
        if self._dragging is not None and self._drop_at is not None:
            a = self._dragging.listed.appointment
            ghost = self.rect_for(self._drop_at, self._drop_at + (a.ends - a.starts))
            # Opaque, so its new time reads clearly over the blocks it passes.
            self._paint_block(painter, self._dragging.listed, ghost, palette, self._drop_at)
            if self._drop_refused:
                painter.fillRect(ghost, QColor(179, 38, 30, 60))
                refused = QPen(MISFIT, 2)
                refused.setStyle(Qt.PenStyle.DashLine)
                painter.setPen(refused)
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawRect(ghost.toRect().adjusted(1, 1, -1, -1))
        else:
            self.ghost_text = ""
        self._paint_cursor(painter, palette)
        self._paint_now(painter)

    def _paint_days(self, painter: QPainter, palette: QPalette) -> None:
        width = self._column_width()
        bottom = self.height() - 1
        bold = QFont(self.font())
        bold.setBold(True)
        for i, day in enumerate(self.days):
            x = GUTTER + i * width
            column = QRectF(x, HEADER, width, bottom - HEADER)
            if day == self.today:
                painter.fillRect(QRectF(x, 0, width, bottom), TODAY_TINT)
            hours = self.office.hours_on(day)
            if hours is None:
                painter.fillRect(column, self._shade)
                closure = self.office.closure_on(day)
                painter.setFont(self.font())
                painter.setPen(palette.color(QPalette.ColorRole.Text))
                painter.drawText(
                    column.adjusted(6, 8, -6, -6),
                    Qt.AlignmentFlag.AlignHCenter
                    | Qt.AlignmentFlag.AlignTop
                    | Qt.TextFlag.TextWordWrap,
                    f"Closed\n{closure.reason}" if closure else "Closed",
                )
            else:
                before = self._y_for(hours.opens)
                after = self._y_for(hours.closes)
                painter.fillRect(QRectF(x, HEADER, width, before - HEADER), self._shade)
                painter.fillRect(QRectF(x, after, width, bottom - after), self._shade)
                pause = hours.break_span
                if pause is not None:  # the break is closed time, said where it is
                    top, end = self._y_for(pause[0]), self._y_for(pause[1])
                    painter.fillRect(QRectF(x, top, width, end - top), self._shade)
                    painter.setFont(self.font())
                    painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
                    painter.drawText(
                        QRectF(x + 4, top, width - 8, end - top),
                        Qt.AlignmentFlag.AlignCenter,
                        painter.fontMetrics().elidedText(
                            f"Break {format_time(pause[0])}-{format_time(pause[1])}",
                            Qt.TextElideMode.ElideRight,
                            int(width - 8),
                        ),
                    )
            painter.setFont(bold if day == self.today else self.font())
            painter.setPen(
                palette.color(QPalette.ColorRole.Highlight)
                if day == self.today
                else palette.color(QPalette.ColorRole.Text)
            )
            label = f"{day:%a} {day.month}/{day.day}" + ("  today" if day == self.today else "")
            if hours is None:  # said in the header too, where blocks never cover it
                closure = self.office.closure_on(day)
                painter.drawText(
                    QRectF(x, 2, width, HEADER / 2), Qt.AlignmentFlag.AlignCenter, label
                )
                painter.setFont(self.font())
                painter.setPen(MISFIT)
                painter.drawText(
                    QRectF(x + 4, HEADER / 2, width - 8, HEADER / 2 - 2),
                    Qt.AlignmentFlag.AlignCenter,
                    painter.fontMetrics().elidedText(
                        f"Closed: {closure.reason}" if closure else "Closed",
                        Qt.TextElideMode.ElideRight,
                        int(width - 8),
                    ),
                )
            else:
                painter.drawText(QRectF(x, 0, width, HEADER), Qt.AlignmentFlag.AlignCenter, label)
            painter.setPen(palette.color(QPalette.ColorRole.Mid))
            painter.drawLine(QPointF(x, 0), QPointF(x, bottom))
        painter.setFont(self.font())

    def _paint_hours(self, painter: QPainter, palette: QPalette) -> None:
        light = QPen(palette.color(QPalette.ColorRole.Midlight))
        light.setStyle(Qt.PenStyle.DotLine)
        strong = QPen(palette.color(QPalette.ColorRole.Mid))
        text = palette.color(QPalette.ColorRole.Text)
        for hour in range(self.first_hour, self.last_hour + 1):
            y = self._y_for(time(hour)) if hour < 24 else self.height() - 1
            painter.setPen(strong)
            painter.drawLine(QPointF(GUTTER - 6, y), QPointF(self.width(), y))
            if hour < self.last_hour:
                half = self._y_for(time(hour, 30))
                painter.setPen(light)
                painter.drawLine(QPointF(GUTTER, half), QPointF(self.width(), half))
                painter.setPen(text)
                painter.drawText(
                    QRectF(0, y + 2, GUTTER - 10, 20),
                    Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop,
                    format_time(time(hour)).replace(":00", ""),
                )
        painter.setPen(strong)
        painter.drawLine(QPointF(0, HEADER), QPointF(self.width(), HEADER))

    def _paint_block(
        self,
        painter: QPainter,
        listed: ListedAppointment,
        rect: QRectF,
        palette: QPalette,
        moving_to: datetime | None = None,
    ) -> None:
        """Drawn for every block at every repaint: colours, pens and fonts are made once a
        paint (see paintEvent), text is measured only when it might not fit.

        `moving_to`: the block is being dragged there, and says its new time."""
        colour = self._colour(listed.colour)
        a = listed.appointment
        inactive = not a.status.holds_slot
        fits = inactive or moving_to is not None or self.fits(listed)
        faded = inactive or (a.starts < self.now and a.status is not Status.ARRIVED)
        # Whole pixels: fractional rectangles take the painter's slow path.
        box = rect.toRect()
        painter.fillRect(box, self._fills[colour.name(), faded])
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(self._pens[colour.name(), a.id == self.selected_id])
        painter.drawRect(box)
        if not fits:
            painter.setPen(self._misfit_pen)
            painter.drawRect(box.adjusted(1, 1, -1, -1))
        painter.fillRect(box.left(), box.top(), 4, box.height(), colour)
        if a.id == self.selected_id:
            painter.setPen(QPen(palette.color(QPalette.ColorRole.Highlight), 3))
            painter.drawRect(box.adjusted(-1, -1, 1, 1))
        painter.setPen(self._faint_pen if inactive else self._text_pen)
        left, top, width = rect.left() + 8, rect.top() + 1, int(rect.width() - 12)
        bold, small = self._struck_fonts if inactive else self._block_fonts
        bold_metrics, small_metrics = self._block_metrics
        line, second = bold_metrics.height(), small_metrics.height()
        painter.setFont(bold)
        self._text(
            painter, inactive, left, top, line, _fitted(bold_metrics, listed.patient_name, width)
        )
        if moving_to is not None:  # the new time, where the eye is while dragging
            ends = moving_to + (a.ends - a.starts)
            detail = [f"to {say_span(moving_to, ends)}"]
            self.ghost_text = f"{listed.patient_name} {detail[0]}"
        else:
            detail = [format_time(a.starts.time())]
        if moving_to is not None or rect.height() - 2 >= line + second - 2:
            if rect.height() - 2 >= line + 2 * second:
                detail.append(listed.type_name)
            mark = STATUS_MARKS.get(a.status)
            if mark and inactive:  # in a narrow lane: what happened comes first
                detail.insert(0, mark)
            elif mark and moving_to is None:
                detail.append(mark)
            if not fits:
                detail.append("outside hours")
            painter.setFont(small)
            self._text(
                painter, inactive, left, top + line - 1, second,
                _fitted(small_metrics, " · ".join(detail), width),
            )  # fmt: skip

    def _text(
        self, painter: QPainter, struck: bool, left: float, top: float, height: int, text: str
    ) -> None:
        """Kept laid-out text; struck-through text is drawn plainly (QStaticText puts its
        strike-out line elsewhere: the line was seen a column away from the words)."""
        if struck:
            painter.drawText(
                QRectF(left, top, 10_000, height),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop,
                text,
            )
        else:
            painter.drawStaticText(QPointF(left, top), self._static(text))

    def _static(self, text: str) -> QStaticText:
        """Laid-out text kept between repaints: names and times recur week after week."""
        found = self._texts.get(text)
        if found is None:
            if len(self._texts) > 4000:
                self._texts.clear()
            found = self._texts[text] = QStaticText(text)
            found.setTextFormat(Qt.TextFormat.PlainText)
        return found

    def _colour(self, name: str) -> QColor:
        colour = self._colours.get(name)
        if colour is None:
            colour = self._colours[name] = QColor(name)
            for selected in (False, True):
                self._pens[colour.name(), selected] = QPen(colour.darker(130), 2 if selected else 1)
            base = self.palette().color(QPalette.ColorRole.Base)
            for faded in (False, True):
                tint = QColor(colour)
                tint.setAlpha(70 if faded else 200)
                self._fills[colour.name(), faded] = _over(tint, base)
        return colour

    def fits(self, listed: ListedAppointment) -> bool:
        """Inside the office hours of an open day (hours or closures may change later)."""
        a = listed.appointment
        hours = self.office.hours_on(a.starts.date())
        return (
            hours is not None
            and a.ends.date() == a.starts.date()
            and hours.holds(a.starts.time(), a.ends.time())
        )

    def _paint_cursor(self, painter: QPainter, palette: QPalette) -> None:
        cursor = self.keyboard_cursor
        if cursor is None or cursor.date() not in self.days or not self.hasFocus():
            return
        rect = self.rect_for(cursor, cursor + timedelta(minutes=GRID_MINUTES))
        pen = QPen(palette.color(QPalette.ColorRole.Highlight), 2)
        pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(rect)

    def _paint_now(self, painter: QPainter) -> None:
        if self.now.date() not in self.days:
            return
        y = self._y_for(self.now.time())
        if y < HEADER or y > self.height():
            return
        column = self.days.index(self.now.date())
        x = GUTTER + column * self._column_width()
        painter.setPen(QPen(NOW_LINE, 2))
        painter.drawLine(QPointF(x, y), QPointF(x + self._column_width(), y))
        painter.setBrush(NOW_LINE)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.drawEllipse(QPointF(x, y), 4, 4)

    # -- mouse -------------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        if event.button() != Qt.MouseButton.LeftButton:
            super().mousePressEvent(event)
            return
        self._press = event.position()
        block = self.block_at(event.position())
        moment = self.time_at(event.position())
        if moment is not None:
            self._move_cursor_to(moment)
        if block is not None:
            self.select(block.listed.appointment.id)
        self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._press is None or not event.buttons() & Qt.MouseButton.LeftButton:
            return
        block = self._dragging or self.block_at(self._press)
        if block is None or not _movable(block.listed):
            return
        if self._dragging is None:
            if (event.position() - self._press).manhattanLength() < DRAG_START_PX:
                return
            self._dragging = block
        offset = self._press.y() - block.rect.top()
        top = QPointF(event.position().x(), event.position().y() - offset + 1)
        target = self.time_at(top)
        if target is not None and target != self._drop_at:
            self._drop_at = target
            self._drop_refused = self.check_move(block.listed, target) if self.check_move else None
            self.drag_hint.emit(self._drop_refused or f"Drop to move it to {format_moment(target)}")
        self.setCursor(Qt.CursorShape.ClosedHandCursor)
        self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        press, self._press = self._press, None
        dragging, drop_at, refused = self._dragging, self._drop_at, self._drop_refused
        self._dragging = self._drop_at = self._drop_refused = None
        self.unsetCursor()
        self.update()
        if event.button() != Qt.MouseButton.LeftButton or press is None:
            return
        if dragging is not None:
            if refused:
                self.drag_hint.emit(f"Not moved: {refused}")
            elif drop_at is not None and drop_at != dragging.listed.appointment.starts:
                self.appointment_dropped.emit(dragging.listed.appointment.id, drop_at)
            return
        if self.block_at(event.position()) is None:
            moment = self.time_at(event.position())
            if moment is not None:
                self.free_time_chosen.emit(moment)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        block = self.block_at(event.position())
        if block is not None:
            self.appointment_opened.emit(block.listed.appointment.id)

    def event(self, event: QEvent) -> bool:
        if isinstance(event, QHelpEvent) and event.type() == QEvent.Type.ToolTip:
            block = self.block_at(event.pos())
            if block is None:
                QToolTip.hideText()
            else:
                QToolTip.showText(event.globalPos(), describe(block.listed), self)
            return True
        return super().event(event)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        block = self.block_at(event.pos())
        if block is not None:
            self.select(block.listed.appointment.id)
            self.menu_requested.emit(block.listed.appointment.id, event.globalPos())

    # -- keyboard ----------------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        modified = event.modifiers() & (
            Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.ControlModifier
        )
        if self.keyboard_cursor is None or not self.days or modified:
            super().keyPressEvent(event)
            return
        step = {
            Qt.Key.Key_Up: timedelta(minutes=-GRID_MINUTES),
            Qt.Key.Key_Down: timedelta(minutes=GRID_MINUTES),
        }
        if key in step:
            moved = self.keyboard_cursor + step[Qt.Key(key)]
            if self.first_hour * 60 <= moved.hour * 60 + moved.minute < self.last_hour * 60:
                self._move_cursor_to(moved)
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            step_days = 1 if key == Qt.Key.Key_Right else -1
            i = self.days.index(self.keyboard_cursor.date()) + step_days
            if 0 <= i < len(self.days):
                self._move_cursor_to(datetime.combine(self.days[i], self.keyboard_cursor.time()))
            else:
                self.walked_off.emit(1 if i >= len(self.days) else -1)
        elif key == Qt.Key.Key_PageDown:
            self.period_step.emit(1)
        elif key == Qt.Key.Key_PageUp:
            self.period_step.emit(-1)
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            under = self._at_cursor()
            if under is not None:
                self.appointment_opened.emit(under.appointment.id)
            else:
                self.free_time_chosen.emit(self.keyboard_cursor)
        elif key == Qt.Key.Key_Menu:
            under = self._at_cursor()
            if under is not None:
                rect = self.rect_for(under.appointment.starts, under.appointment.ends)
                self.menu_requested.emit(
                    under.appointment.id, self.mapToGlobal(rect.center().toPoint())
                )
        else:
            super().keyPressEvent(event)
            return
        self.update()

    def _at_cursor(self) -> ListedAppointment | None:
        if self.keyboard_cursor is None:
            return None
        return next(
            (
                a
                for a in self.appointments
                if a.appointment.status.holds_slot  # a cancelled one leaves the time free
                and a.appointment.starts <= self.keyboard_cursor < a.appointment.ends
            ),
            None,
        )

    def _move_cursor_to(self, moment: datetime, select: bool = True) -> None:
        day_changed = self.keyboard_cursor is None or self.keyboard_cursor.date() != moment.date()
        self.keyboard_cursor = moment
        under = self._at_cursor()
        if under is not None and select:
            self.select(under.appointment.id)
        if day_changed:
            self.cursor_day_changed.emit(moment.date())
        self.update()

    def place_cursor(self, moment: datetime, select: bool = True) -> None:
        """Puts the keyboard cursor on a time shown (e.g. after choosing a day elsewhere).

        `select=False` leaves the selection alone (paging through weeks selects nothing)."""
        if moment.date() in self.days:
            self._move_cursor_to(moment, select)

    def select(self, appointment_id: int | None) -> None:
        if appointment_id == self.selected_id:
            return
        self.selected_id = appointment_id
        if appointment_id is not None:
            self.appointment_selected.emit(appointment_id)
        self.update()

    def focusInEvent(self, event) -> None:
        self.update()
        super().focusInEvent(event)

    def focusOutEvent(self, event) -> None:
        self.update()
        super().focusOutEvent(event)

    def block_rect(self, appointment_id: int) -> QRect:
        block = next(b for b in self._blocks if b.listed.appointment.id == appointment_id)
        return block.rect.toRect()


def _over(tint: QColor, base: QColor) -> QColor:
    """The opaque colour a translucent tint makes over the base: painted without blending."""
    share = tint.alpha() / 255
    return QColor(
        round(tint.red() * share + base.red() * (1 - share)),
        round(tint.green() * share + base.green() * (1 - share)),
        round(tint.blue() * share + base.blue() * (1 - share)),
    )


def _fitted(metrics: QFontMetrics, text: str, width: int) -> str:
    """The text, cut with an ellipsis only when it is too wide (measuring is cheaper)."""
    if metrics.horizontalAdvance(text) <= width:
        return text
    return metrics.elidedText(text, Qt.TextElideMode.ElideRight, width)


def describe(listed: ListedAppointment) -> str:
    a = listed.appointment
    span = say_span(a.starts, a.ends)
    return f"{listed.patient_name}\n{span} {listed.type_name}\n{a.status.label}" + (
        f"\n{a.note}" if a.note else ""
    )


def _movable(listed: ListedAppointment) -> bool:
    return listed.appointment.status.movable
