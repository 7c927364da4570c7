"""A day as the desk types it: '1/15/2027', '01/15/27' or '2027-01-15', with the weekday and
the full date said beside it as it is typed, a refusal in words when it cannot be read, and a
calendar pop-up for those who would rather click.

It replaces QDateEdit, whose sections took '01/15/2027' typed from the wrong section as
December 15. The API follows QDateEdit's (`date()`, `setDate()`, `dateChanged`, minimum and
maximum dates) so swapping one for the other is a small change. While the text cannot be
read, `date()` keeps the last day that could and `isValid()` is False: a dialog disables its
OK button on `validityChanged`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from PySide6.QtCore import QDate, QPoint, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCalendarWidget,
    QFrame,
    QGridLayout,
    QLabel,
    QLineEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from frontdesk.domain.clinic import CLINIC_TZ
from frontdesk.domain.dates import DateFormatError, format_day, format_us, parse_typed_day
from frontdesk.ui.error_label import error_label

PLACEHOLDER = "MM/DD/YYYY"
# `date` is also the name of QDateEdit's method the field keeps: inside the class a Python
# day is written `Day`.
Day = date


def _clinic_today() -> date:
    return datetime.now(CLINIC_TZ).date()


def to_qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def to_date(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


class CalendarPopup(QFrame):
    """A calendar in a pop-up window: arrows move the day, Enter takes it, Escape closes.
    (A QMenu would take the arrow keys and Enter for its own items.)"""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent, Qt.WindowType.Popup)
        self.setObjectName("dateFieldPopup")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.calendar = QCalendarWidget()
        self.calendar.setObjectName("dateFieldCalendar")
        self.calendar.setGridVisible(True)
        self.calendar.setVerticalHeaderFormat(QCalendarWidget.VerticalHeaderFormat.NoVerticalHeader)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(1, 1, 1, 1)
        layout.addWidget(self.calendar)
        self.setFocusProxy(self.calendar)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.close()
            return
        super().keyPressEvent(event)


class DateField(QWidget):
    """A line edit for one day, the day said beside it, and a calendar button.

    `dateChanged(QDate)` is emitted whenever the day kept changes (typed, clicked or set);
    `validityChanged(bool)` when the text becomes readable or unreadable; `errorChanged(str)`
    when the sentence refusing it changes ("" once it is readable).
    """

    dateChanged = Signal(QDate)
    validityChanged = Signal(bool)
    errorChanged = Signal(str)

    def __init__(
        self,
        day: Day | QDate | None = None,
        *,
        today: Callable[[], Day] = _clinic_today,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._today = today
        self._day: Day = _as_date(day) if day is not None else today()
        self._valid = True
        self._error = ""
        self._minimum: Day | None = None
        self._maximum: Day | None = None

        self.edit = QLineEdit()
        self.edit.setObjectName("dateFieldEdit")
        self.edit.setPlaceholderText(PLACEHOLDER)
        self.edit.setMaxLength(16)
        width = self.edit.fontMetrics().horizontalAdvance("00/00/0000") + 24
        self.edit.setFixedWidth(width)
        self.calendar_button = QToolButton()
        self.calendar_button.setObjectName("dateFieldCalendarButton")
        self.calendar_button.setText("▾")
        self.calendar_button.setToolTip("Pick the day on a calendar")
        self.calendar_button.setAccessibleName("Pick the day on a calendar")
        self.calendar_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes field to field
        self.popup = CalendarPopup(self)
        self.calendar = self.popup.calendar
        self.said = QLabel()
        self.said.setObjectName("dateFieldSaid")
        self.said.setTextFormat(Qt.TextFormat.PlainText)
        # As wide as the longest weekday and date, so the row does not jump while typing.
        self.said.setMinimumWidth(self.said.fontMetrics().horizontalAdvance("Wed, Sep 30, 2026"))
        # A refusal goes on its own line below, whole (a row beside the field has no room).
        self.refusal = error_label("dateFieldError", wrap=False)
        self.refusal.setTextFormat(Qt.TextFormat.PlainText)

        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setHorizontalSpacing(4)
        layout.setVerticalSpacing(2)
        layout.addWidget(self.edit, 0, 0)
        layout.addWidget(self.calendar_button, 0, 1)
        layout.addWidget(self.said, 0, 2)
        layout.addWidget(self.refusal, 1, 0, 1, 3)
        layout.setColumnMinimumWidth(2, self.said.minimumWidth() + 4)
        layout.setColumnStretch(2, 1)
        self.said.setIndent(4)
        self.setFocusProxy(self.edit)

        self.edit.textEdited.connect(self._typed)
        self.edit.editingFinished.connect(self._tidy)
        self.calendar_button.clicked.connect(self.open_calendar)
        self.calendar.clicked.connect(self._picked)
        self.calendar.activated.connect(self._picked)
        self._show(self._day)

    # -- QDateEdit's API ----------------------------------------------------------------------
    def date(self) -> QDate:
        """The day kept: the last one typed that could be read (see `isValid`)."""
        return to_qdate(self._day)

    def setDate(self, day: Day | QDate) -> None:
        """Shows `day` as MM/DD/YYYY and keeps it (a day outside the range is kept but refused
        in words, so the caller sees why rather than a silently different day)."""
        self._show(_as_date(day))

    def minimumDate(self) -> QDate:
        return to_qdate(self._minimum or date.min)

    def maximumDate(self) -> QDate:
        return to_qdate(self._maximum or date.max)

    def setMinimumDate(self, day: Day | QDate) -> None:
        self._minimum = _as_date(day)
        self._recheck()

    def setMaximumDate(self, day: Day | QDate) -> None:
        self._maximum = _as_date(day)
        self._recheck()

    def setDateRange(self, first: Day | QDate, last: Day | QDate) -> None:
        self._minimum, self._maximum = _as_date(first), _as_date(last)
        self._recheck()

    def setAccessibleName(self, name: str) -> None:
        super().setAccessibleName(name)
        self.edit.setAccessibleName(name)
        self.calendar_button.setAccessibleName(f"{name}: pick the day on a calendar")

    # -- more than QDateEdit ------------------------------------------------------------------
    def day(self) -> Day:
        """The day kept, as a Python date."""
        return self._day

    def isValid(self) -> bool:
        """True when the text is a day that can be kept (readable and within the range)."""
        return self._valid

    def error(self) -> str:
        """Why the text is refused, in words ("" when it is not)."""
        return self._error

    def text(self) -> str:
        return self.edit.text()

    def said_text(self) -> str:
        """What is said with the field: the day in full beside it, or why it is refused."""
        return self._error or self.said.text()

    # -- inside ---------------------------------------------------------------------------------
    def _show(self, day: Day) -> None:
        self.edit.setText(format_us(day))
        self._take(day)

    def _typed(self, text: str) -> None:
        try:
            day = parse_typed_day(text, self._today())
        except DateFormatError as exc:
            self._refuse(str(exc))
            return
        self._take(day)

    def _take(self, day: Day) -> None:
        out_of_range = self._out_of_range(day)
        changed = day != self._day
        self._day = day
        if out_of_range:
            self._refuse(out_of_range)
        else:
            self.said.setText(format_day(day))
            self._set_valid(True, "")
        if changed:
            self.dateChanged.emit(to_qdate(day))

    def _refuse(self, sentence: str) -> None:
        self.said.clear()  # no day is said while none can be read
        self._set_valid(False, sentence)

    def _set_valid(self, valid: bool, error: str) -> None:
        said_before, self._error = self._error, error
        self.refusal.setText(error)
        self.refusal.setVisible(bool(error))
        if valid != self._valid:
            self._valid = valid
            self.validityChanged.emit(valid)
        if error != said_before:
            self.errorChanged.emit(error)

    def _out_of_range(self, day: Day) -> str:
        if self._minimum is not None and day < self._minimum:
            return f"Choose {format_day(self._minimum)} or later."
        if self._maximum is not None and day > self._maximum:
            return f"Choose {format_day(self._maximum)} or earlier."
        return ""

    def _recheck(self) -> None:
        self.calendar.setDateRange(self.minimumDate(), self.maximumDate())
        self._typed(self.edit.text())

    def _tidy(self) -> None:
        """Leaving the field writes a readable day the one way (01/15/27 -> 01/15/2027)."""
        if self._valid and self.edit.text() != format_us(self._day):
            self.edit.setText(format_us(self._day))

    def open_calendar(self) -> None:
        """The calendar below the field (above it when the screen ends), on the day kept."""
        self.calendar.setDateRange(self.minimumDate(), self.maximumDate())
        self.calendar.setSelectedDate(self.date())
        self.popup.adjustSize()
        below = self.edit.mapToGlobal(QPoint(0, self.edit.height()))
        screen = self.screen().availableGeometry() if self.screen() else None
        if screen is not None:
            if below.y() + self.popup.height() > screen.bottom():
                below.setY(self.edit.mapToGlobal(QPoint(0, 0)).y() - self.popup.height())
            below.setX(max(screen.left(), min(below.x(), screen.right() - self.popup.width())))
        self.popup.move(below)
        self.popup.show()
        self.calendar.setFocus()

    def _picked(self, value: QDate) -> None:
        self.popup.close()
        self._show(to_date(value))
        self.edit.setFocus()


def _as_date(value: date | QDate) -> date:
    return to_date(value) if isinstance(value, QDate) else value
