"""Office hours, closures and appointment types: what the calendar lets the desk book."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, time
from itertools import pairwise
from typing import TypeVar

from PySide6.QtCore import QDate, QLocale, Qt, QTime
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QDateTimeEdit,
    QDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QTabWidget,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from frontdesk.domain.appointments import (
    MAX_MINUTES,
    MIN_MINUTES,
    MINUTES_STEP,
    AppointmentType,
    ListedAppointment,
)
from frontdesk.domain.dates import format_clock, format_day, format_moment
from frontdesk.domain.hours import (
    WEEKDAY_NAMES,
    Closure,
    DayHours,
    WeeklyHours,
    format_time,
)
from frontdesk.domain.phones import display_phone
from frontdesk.services.calendar import MAX_REASON, CalendarService
from frontdesk.services.changes import Entity
from frontdesk.services.errors import ServiceError, ValidationFailed
from frontdesk.services.signed_in import SignedIn
from frontdesk.ui import prompts
from frontdesk.ui.dialogs.status_row import status_and_close
from frontdesk.ui.error_label import error_label
from frontdesk.ui.operations import Operations
from frontdesk.ui.widgets.date_field import DateField, to_qdate

T = TypeVar("T")

US_LOCALE = QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)
TIME_FORMAT = "h:mm ap"  # 10:00 am, as everywhere else
QUARTER = 15
# Mnemonics of the weekday labels; W, C and Y belong to the tabs.
DAY_LABELS = ("&Monday", "&Tuesday", "W&ednesday", "T&hursday", "&Friday", "S&aturday", "Su&nday")
CLOSED_DEFAULT = (time(10), time(17))  # what a closed day offers when it is ticked open
AFTERNOON_DEFAULT = (time(14), time(17))  # what the second span offers when it is ticked
ASK_ROWS = 12  # booked appointments named in the question before a closure; more are counted
OUTSIDE_ROWS = 6  # visible at once; more scroll
OUTSIDE_MAX_WIDTH = 720
OUTSIDE_TITLE = "These booked appointments are now outside the office hours:"
OUTSIDE_HINT = "Nothing was cancelled or moved: call each patient to find them a new time."
HOURS_SAVED = "Office hours saved."
TYPES_SAVED = "Appointment types saved."


def describe_closure(closure: Closure) -> str:
    """'Thu, Nov 26, 2026: Thanksgiving Day' or
    'Mon, Dec 21, 2026 – Thu, Dec 24, 2026 (4 days): ...'."""
    first, last = closure.first, closure.last
    if first == last:
        when = format_day(first)
    else:
        days = (last - first).days + 1
        when = f"{format_day(first)} – {format_day(last)} ({days} days)"
    return f"{when}: {closure.reason}"


def describe_appointment(listed: ListedAppointment) -> str:
    """'Fri, Dec 4, 2026, 3:30 pm - María García - Free consultation - (818) 555-0134'."""
    starts = listed.appointment.starts
    parts = [format_moment(starts), listed.patient_name, listed.type_name]
    phone = display_phone(listed.phone)
    if phone:
        parts.append(phone)
    return " - ".join(parts)


def _affected(booked: Sequence[ListedAppointment]) -> list[str]:
    """Day by day, one short line a patient (a message box wraps long ones):
    'Fri, Dec 4, 2026:' then '   3:30 pm  María García, (818) 555-0134'."""
    lines: list[str] = []
    day = None
    for listed in booked:
        starts = listed.appointment.starts
        if starts.date() != day:
            day = starts.date()
            lines.append(f"{format_day(day)}:")
        phone = display_phone(listed.phone) or "no phone on file"
        lines.append(f"   {format_clock(starts.time())}  {listed.patient_name}, {phone}")
    return lines


def _spans_problem(spans: list[tuple[time, time]]) -> str:
    """The day's spans in the desk's words, or '' when they make a day."""
    (opens, closes) = spans[0]
    if closes == opens:
        return "Opens and closes at the same time: untick Open to close the day."
    if closes < opens:
        return "Closing time must be after opening time."
    if len(spans) > 1:
        again, last = spans[1]
        if again <= closes:
            return (
                f"After the break it opens again at {format_time(again)}: that is not after"
                f" {format_time(closes)}, when the first span closes."
            )
        if last <= again:
            return "The second span must close after it opens again."
    return ""


def _to_time(value: QTime) -> time:
    return time(value.hour(), value.minute())


def _to_qtime(value: time) -> QTime:
    return QTime(value.hour, value.minute)


def _to_date(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


def _tab_chain(widgets: Sequence[QWidget]) -> None:
    for before, after in pairwise(widgets):
        QWidget.setTabOrder(before, after)


def _button(text: str, name: str) -> QPushButton:
    button = QPushButton(text)
    button.setObjectName(name)
    button.setAutoDefault(False)  # Enter is routed by the dialog: never "Close" by accident
    return button


class QuarterHourEdit(QTimeEdit):
    """A time on the quarter-hour grid: the arrows move the minutes by 15."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setLocale(US_LOCALE)
        self.setDisplayFormat(TIME_FORMAT)
        self.setTime(QTime(10, 0))

    def stepBy(self, steps: int) -> None:
        if self.currentSection() != QDateTimeEdit.Section.MinuteSection:
            super().stepBy(steps)
            return
        now = self.time().hour() * 60 + self.time().minute()
        # Off-grid times snap to the grid on the first step, in the direction asked.
        slot = now // QUARTER + steps if steps > 0 else -(-now // QUARTER) + steps
        total = min(max(slot * QUARTER, 0), 24 * 60 - QUARTER)
        self.setTime(QTime(total // 60, total % 60))

    def stepEnabled(self) -> QAbstractSpinBox.StepEnabledFlag:
        if self.currentSection() != QDateTimeEdit.Section.MinuteSection:
            return super().stepEnabled()
        # Minutes carry into the hour: 10:00 steps down to 9:45, only the day's ends stop.
        now = self.time().hour() * 60 + self.time().minute()
        flags = QAbstractSpinBox.StepEnabledFlag.StepNone
        if now > 0:
            flags |= QAbstractSpinBox.StepEnabledFlag.StepDownEnabled
        if now < 24 * 60 - QUARTER:
            flags |= QAbstractSpinBox.StepEnabledFlag.StepUpEnabled
        return flags


class OfficeSettingsDialog(QDialog):
    """Each section saves on its own through `ops`, which announces the change (the calendar
    redraws from it) and puts the status-bar line; a refusal is said in the section's own
    error line."""

    status: QLabel  # the last save's result, beside Close
    closure_error: QLabel

    def __init__(
        self,
        ops: Operations,
        actor: Callable[[], SignedIn],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._ops = ops
        self._today = ops.clinic.calendar.today  # the clock: closures are listed from today
        self._actor = actor
        self.setWindowTitle("Office hours and closures")
        self.setObjectName("officeSettingsDialog")
        self._loaded_hours = WeeklyHours({})
        self._loaded_types: list[AppointmentType] = []

        self.tabs = QTabWidget()
        self.tabs.setObjectName("officeSettingsTabs")
        self.tabs.addTab(self._build_hours_page(), "&Weekly hours")
        self.tabs.addTab(self._build_closures_page(), "&Closures")
        self.tabs.addTab(self._build_types_page(), "Appointment t&ypes")
        self.tabs.currentChanged.connect(lambda _: self.status.clear())

        self.outside_title = QLabel(OUTSIDE_TITLE)
        self.outside_title.setObjectName("outsideTitle")
        self.outside_title.setStyleSheet("font-weight: bold;")
        self.outside_list = QListWidget()
        self.outside_list.setObjectName("outsideList")
        self.outside_list.setAccessibleName("Booked appointments outside the office hours")
        self.outside_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.outside_title.setBuddy(self.outside_list)
        self.outside_hint = QLabel(OUTSIDE_HINT)
        self.outside_hint.setStyleSheet("color: palette(mid);")
        self.outside_box = QWidget()
        self.outside_box.setObjectName("outsideBox")
        outside = QVBoxLayout(self.outside_box)
        outside.setContentsMargins(0, 0, 0, 0)
        outside.setSpacing(8)
        outside.addWidget(self.outside_title)
        outside.addWidget(self.outside_list)
        outside.addWidget(self.outside_hint)
        self.outside_box.hide()

        self.status, self.buttons, bottom = status_and_close(
            self, "officeSettingsStatus", "Result of the last save"
        )

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 16)
        layout.setSpacing(8)
        layout.addWidget(self.tabs)
        layout.addWidget(self.outside_box)
        layout.addLayout(bottom)

        self._load_hours()
        self._load_closures()
        self._load_types()

    # -- weekly hours -----------------------------------------------------------------------
    def _build_hours_page(self) -> QWidget:
        page = QWidget()
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(8)
        for column, heading in ((2, "Opens"), (4, "Closes"), (5, "Break, then"), (6, "Opens"),
                                (8, "Closes")):  # fmt: skip
            label = QLabel(heading)
            label.setStyleSheet("color: palette(mid);")
            grid.addWidget(label, 0, column)
        self.open_boxes: list[QCheckBox] = []
        self.opens: list[QuarterHourEdit] = []
        self.closes: list[QuarterHourEdit] = []
        # An optional second span a day (10:00 am-1:00 pm, then 2:00 pm-5:00 pm): a break.
        self.second_boxes: list[QCheckBox] = []
        self.second_opens: list[QuarterHourEdit] = []
        self.second_closes: list[QuarterHourEdit] = []
        self.hour_errors: list[QLabel] = []
        for day, name in enumerate(WEEKDAY_NAMES):
            row = 1 + 2 * day
            box = QCheckBox("Open")
            box.setAccessibleName(f"{name}: open")
            opens = QuarterHourEdit()
            opens.setAccessibleName(f"{name} opens at")
            closes = QuarterHourEdit()
            closes.setAccessibleName(f"{name} closes at")
            second = QCheckBox("and")
            second.setAccessibleName(f"{name}: a break, then open again")
            second.setToolTip("Closed for a break, then open again (two spans that day)")
            second_opens = QuarterHourEdit()
            second_opens.setAccessibleName(f"{name} opens again at")
            second_closes = QuarterHourEdit()
            second_closes.setAccessibleName(f"{name} closes (second span) at")
            day_label = QLabel(DAY_LABELS[day])
            day_label.setBuddy(box)
            error = error_label(f"hoursError{day}", wrap=False)
            box.toggled.connect(lambda on, d=day: self._day_toggled(d, on))
            second.toggled.connect(lambda _on, d=day: self._day_toggled(d, None))
            for edit in (opens, closes, second_opens, second_closes):
                edit.timeChanged.connect(lambda _t, d=day: self.hour_errors[d].hide())
            grid.addWidget(day_label, row, 0)
            grid.addWidget(box, row, 1)
            grid.addWidget(opens, row, 2)
            grid.addWidget(QLabel("to"), row, 3)
            grid.addWidget(closes, row, 4)
            grid.addWidget(second, row, 5)
            grid.addWidget(second_opens, row, 6)
            grid.addWidget(QLabel("to"), row, 7)
            grid.addWidget(second_closes, row, 8)
            grid.addWidget(error, row + 1, 1, 1, 8)
            self.open_boxes.append(box)
            self.opens.append(opens)
            self.closes.append(closes)
            self.second_boxes.append(second)
            self.second_opens.append(second_opens)
            self.second_closes.append(second_closes)
            self.hour_errors.append(error)
        grid.setColumnStretch(9, 1)

        self.save_hours_button = _button("&Save hours", "saveHoursButton")
        self.save_hours_button.clicked.connect(self.save_hours)
        self.hours_error = error_label("hoursError", wrap=False)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.save_hours_button)

        layout = QVBoxLayout(page)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(8)
        layout.addLayout(grid)
        layout.addWidget(self.hours_error)
        layout.addStretch(1)
        layout.addLayout(buttons)
        # Down the week row by row: open?, opens, closes, a break?, opens, closes; then Save.
        chain: list[QWidget] = []
        for day in range(7):
            chain += [self.open_boxes[day], self.opens[day], self.closes[day]]
            chain += [self.second_boxes[day], self.second_opens[day], self.second_closes[day]]
        chain.append(self.save_hours_button)
        _tab_chain(chain)
        return page

    def _day_toggled(self, day: int, on: bool | None) -> None:
        """Open or not (None: as ticked); the second span is editable when ticked too."""
        if on is None:
            on = self.open_boxes[day].isChecked()
        self.opens[day].setEnabled(on)
        self.closes[day].setEnabled(on)
        self.second_boxes[day].setEnabled(on)
        twice = on and self.second_boxes[day].isChecked()
        self.second_opens[day].setEnabled(twice)
        self.second_closes[day].setEnabled(twice)
        self.hour_errors[day].hide()

    def _read(self, call: Callable[[CalendarService], T], error: QLabel) -> T | None:
        """A read for the form: None when refused, the refusal said in `error`."""
        got = self._ops.read(
            self, lambda c: call(c.calendar), title=self.windowTitle(), on_refusal=self._in(error)
        )
        return None if got is None else got.value

    def _in(self, error: QLabel) -> Callable[[ServiceError], bool]:
        """A refusal said in a section's error line rather than a message box."""

        def said(exc: ServiceError) -> bool:
            self._show(error, str(exc))
            return True

        return said

    def _load_hours(self) -> None:
        hours = self._read(lambda c: c.hours(), self.hours_error)
        if hours is None:
            return
        self._loaded_hours = hours
        for day in range(7):
            span = hours.on(day)
            spans = span.spans if span else (CLOSED_DEFAULT,)
            (opens, closes), (again, last) = (
                spans[0],
                spans[1] if len(spans) > 1 else (AFTERNOON_DEFAULT),
            )
            self.open_boxes[day].setChecked(span is not None)
            self.second_boxes[day].setChecked(len(spans) > 1)
            self._day_toggled(day, span is not None)
            self.opens[day].setTime(_to_qtime(opens))
            self.closes[day].setTime(_to_qtime(closes))
            self.second_opens[day].setTime(_to_qtime(again))
            self.second_closes[day].setTime(_to_qtime(last))
            self.hour_errors[day].hide()

    def hours_error_text(self, weekday: int) -> str:
        label = self.hour_errors[weekday]
        return label.text() if not label.isHidden() else ""

    def entered_hours(self) -> tuple[WeeklyHours | None, dict[int, str]]:
        """The hours as ticked and typed, or the problem with each day that has one."""
        days: dict[int, DayHours] = {}
        errors: dict[int, str] = {}
        for day in range(7):
            if not self.open_boxes[day].isChecked():
                continue
            opens = _to_time(self.opens[day].time())
            closes = _to_time(self.closes[day].time())
            spans = [(opens, closes)]
            if self.second_boxes[day].isChecked():
                spans.append(
                    (_to_time(self.second_opens[day].time()),
                     _to_time(self.second_closes[day].time()))
                )  # fmt: skip
            if any(t.minute % QUARTER for span in spans for t in span):
                errors[day] = "Use quarter hours: :00, :15, :30 or :45."
                continue
            said = _spans_problem(spans)
            if said:
                errors[day] = said
                continue
            days[day] = DayHours.from_spans(spans)
        return (None, errors) if errors else (WeeklyHours(days), {})

    def save_hours(self) -> None:
        """Saves the week; lists the booked appointments that no longer fit. Cancels nothing."""
        self.status.clear()
        self.hours_error.hide()
        hours, errors = self.entered_hours()
        for day, label in enumerate(self.hour_errors):
            self._show(label, errors.get(day, ""))
        if hours is None:
            self.closes[min(errors)].setFocus()
            self.adjustSize()
            return
        if dict(hours.days) == dict(self._loaded_hours.days):
            self.status.setText("Nothing to save: the hours are as they were.")
            return
        actor = self._actor()
        saved = self._ops.write(
            self,
            lambda c: c.calendar.set_hours(actor, hours),
            title="Hours not saved",
            done=HOURS_SAVED,
            on_refusal=self._in(self.hours_error),
        )
        if saved is None:
            return
        self._load_hours()
        self._show_outside(saved.value)
        self.status.setText(HOURS_SAVED)

    # -- closures ---------------------------------------------------------------------------
    def _build_closures_page(self) -> QWidget:
        page = QWidget()
        today = to_qdate(self._today())
        list_label = QLabel("Closed &days, from today on:")
        self.closure_list = QListWidget()
        self.closure_list.setObjectName("closureList")
        self.closure_list.setAccessibleName("Closures from today on")
        self.closure_list.setMinimumWidth(360)
        self.closure_list.setMinimumHeight(5 * self.closure_list.fontMetrics().lineSpacing() + 8)
        list_label.setBuddy(self.closure_list)
        self.remove_closure_button = _button("Re&move…", "removeClosureButton")
        self.remove_closure_button.setAccessibleName("Remove the selected closure")
        self.remove_closure_button.setEnabled(False)
        self.remove_closure_button.clicked.connect(self.remove_closure)
        self.closure_list.itemSelectionChanged.connect(
            lambda: self.remove_closure_button.setEnabled(self.selected_closure() is not None)
        )
        remove_row = QHBoxLayout()
        remove_row.addStretch(1)
        remove_row.addWidget(self.remove_closure_button)

        # Typed days are the days kept (QDateEdit took 01/14/2027 as 12/14/2027).
        self.first_day = DateField(today, today=self._today)
        self.last_day = DateField(today, today=self._today)
        for edit, name in (
            (self.first_day, "First closed day"),
            (self.last_day, "Last closed day"),
        ):
            edit.setAccessibleName(name)
            edit.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
            edit.dateChanged.connect(lambda _d: self.closure_error.hide())
        self.first_day.dateChanged.connect(self._first_day_moved)
        self.reason = QLineEdit()
        self.reason.setObjectName("closureReason")
        self.reason.setAccessibleName("Reason for the closure")
        self.reason.setPlaceholderText("e.g. Staff training")
        self.reason.setMaxLength(MAX_REASON)
        self.reason.textChanged.connect(lambda _t: self.closure_error.hide())
        self.add_closure_button = _button("&Add closure", "addClosureButton")
        self.add_closure_button.clicked.connect(self.add_closure)
        self.closure_error = error_label("closureError", wrap=False)

        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.setHorizontalSpacing(8)
        form.setVerticalSpacing(8)
        form.addRow("&First day", self.first_day)
        form.addRow("&Last day", self.last_day)
        form.addRow("&Reason", self.reason)
        add_row = QHBoxLayout()
        add_row.addStretch(1)
        add_row.addWidget(self.add_closure_button)
        heading = QLabel("Add a closure")
        heading.setStyleSheet("font-weight: bold;")

        layout = QVBoxLayout(page)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(8)
        layout.addWidget(list_label)
        layout.addWidget(self.closure_list, 1)
        layout.addLayout(remove_row)
        layout.addSpacing(8)
        layout.addWidget(heading)
        layout.addLayout(form)
        layout.addWidget(self.closure_error)
        layout.addLayout(add_row)
        chain = [
            self.closure_list,
            self.remove_closure_button,
            self.first_day,
            self.last_day,
            self.reason,
            self.add_closure_button,
        ]
        _tab_chain(chain)
        return page

    def _first_day_moved(self, first: QDate) -> None:
        if self.last_day.date() < first:
            self.last_day.setDate(first)

    def _load_closures(self, select: int | None = None) -> None:
        self.closure_list.clear()
        today = self._today()
        closures = self._read(lambda c: c.closures(first=today), self.closure_error)
        if closures is None:
            return
        for closure in closures:
            item = QListWidgetItem(describe_closure(closure))
            item.setData(Qt.ItemDataRole.UserRole, closure.id)
            self.closure_list.addItem(item)
            if closure.id == select:
                self.closure_list.setCurrentItem(item)
        if self.closure_list.count() == 0:
            empty = QListWidgetItem("No closures ahead: the office keeps its weekly hours.")
            empty.setFlags(Qt.ItemFlag.NoItemFlags)
            self.closure_list.addItem(empty)
        self.remove_closure_button.setEnabled(self.selected_closure() is not None)

    def selected_closure(self) -> int | None:
        item = self.closure_list.currentItem()
        if item is None or not item.isSelected():
            return None
        return item.data(Qt.ItemDataRole.UserRole)

    def closure_ids(self) -> list[int]:
        found = []
        for row in range(self.closure_list.count()):
            value = self.closure_list.item(row).data(Qt.ItemDataRole.UserRole)
            if value is not None:
                found.append(value)
        return found

    def add_closure(self) -> None:
        self.status.clear()
        for field in (self.first_day, self.last_day):
            if not field.isValid():
                self._show(self.closure_error, field.error() or "Enter the day as MM/DD/YYYY.")
                field.setFocus()
                return
        first, last = _to_date(self.first_day.date()), _to_date(self.last_day.date())
        if last < first:
            self._show(self.closure_error, "The last day comes before the first day.")
            self.last_day.setFocus()
            return
        closure = Closure(first, last, self.reason.text().strip())
        if closure.reason and not self._closing_anyway(closure):
            return
        actor, added_line = self._actor(), f"Closure added: {describe_closure(closure)}"
        saved = self._ops.write(
            self,
            lambda c: c.calendar.add_closure(actor, closure),
            title="Closure not added",
            done=added_line,
            on_refusal=self._closure_refused,
        )
        if saved is None:
            return
        added = max(saved.changes.ids(Entity.CLOSURE), default=None)
        self.reason.clear()
        self.closure_error.hide()
        self._load_closures(select=added)
        self._show_outside(saved.value)
        self.status.setText(added_line)

    def _closure_refused(self, exc: ServiceError) -> bool:
        """Said under the form; the field it is about gets the focus."""
        self._show(self.closure_error, str(exc))
        if isinstance(exc, ValidationFailed):
            (self.reason if "reason" in exc.errors else self.last_day).setFocus()
        return True

    def _closing_anyway(self, closure: Closure) -> bool:
        """Days with bookings: the patients are named (time, phone) and the desk asked first."""
        booked = self._read(
            lambda c: c.booked_between(closure.first, closure.last), self.closure_error
        )
        if booked is None:
            return False
        if not booked:
            return True
        lines = _affected(booked[:ASK_ROWS])
        if len(booked) > ASK_ROWS:
            lines.append(f"… and {len(booked) - ASK_ROWS} more")
        many = len(booked) > 1
        days = "those days" if closure.first != closure.last else "that day"
        count = f"{len(booked)} booked appointment{'s fall' if many else ' falls'} on {days}"
        question = (
            f"Close the office: {describe_closure(closure)}?\n\n{count}:\n"
            + "\n".join(lines)
            + "\n\nNothing is cancelled or moved: they are listed afterwards as outside the"
            " office hours, for you to call each patient."
        )
        return prompts.confirm(
            self, "Close the office on booked days?", question, "&Add closure", "&Keep open"
        )

    def remove_closure(self) -> None:
        closure_id = self.selected_closure()
        if closure_id is None:
            return
        self.status.clear()
        current = self.closure_list.currentItem()
        text = current.text() if current is not None else ""
        question = (
            f"Remove this closure?\n\n{text}\n\n"
            "The office will be open on those days at its usual weekly hours."
        )
        if not prompts.confirm(self, "Remove closure", question, "&Remove closure"):
            return
        actor = self._actor()
        removed = self._ops.write(
            self,
            lambda c: c.calendar.remove_closure(actor, closure_id),
            title="Closure not removed",
            done=lambda closure: f"Closure removed: {describe_closure(closure)}",
            on_refusal=self._in(self.closure_error),
        )
        self._load_closures()  # removed here or elsewhere: the list as it is now
        if removed is None:
            return
        self.closure_error.hide()
        if not self.outside_box.isHidden():  # the list says what is outside the hours now
            outside = self._read(lambda c: c.outside_hours(), self.closure_error)
            self._show_outside(outside or [])
        self.status.setText(f"Closure removed: {describe_closure(removed.value)}")

    # -- appointment types ------------------------------------------------------------------
    def _build_types_page(self) -> QWidget:
        page = QWidget()
        self._types_grid = QGridLayout()
        self._types_grid.setContentsMargins(0, 0, 0, 0)
        self._types_grid.setHorizontalSpacing(8)
        self._types_grid.setVerticalSpacing(8)
        for column, heading in ((1, "Name"), (2, "Length")):
            label = QLabel(heading)
            label.setStyleSheet("color: palette(mid);")
            self._types_grid.addWidget(label, 0, column)
        self._types_grid.setColumnStretch(1, 1)
        self.type_names: dict[str, QLineEdit] = {}
        self.type_minutes: dict[str, QSpinBox] = {}
        self.type_errors: dict[str, QLabel] = {}
        self.save_types_button = _button("&Save types", "saveTypesButton")
        self.save_types_button.clicked.connect(self.save_types)
        self.types_error = error_label("typesError", wrap=False)
        note = QLabel("A new length applies to appointments booked from now on.")
        note.setStyleSheet("color: palette(mid);")
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.save_types_button)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(8)
        layout.addLayout(self._types_grid)
        layout.addWidget(note)
        layout.addWidget(self.types_error)
        layout.addStretch(1)
        layout.addLayout(buttons)
        return page

    def _load_types(self) -> None:
        types = self._read(lambda c: c.types(), self.types_error)
        if types is None:
            return
        self._loaded_types = types
        chain: list[QWidget] = []
        for index, kind in enumerate(types):
            if kind.code not in self.type_names:
                self._add_type_row(1 + 2 * index, kind)
            name, minutes = self.type_names[kind.code], self.type_minutes[kind.code]
            name.setText(kind.name)
            minutes.setValue(kind.minutes)
            self.type_errors[kind.code].hide()
            chain += [name, minutes]
        chain.append(self.save_types_button)
        _tab_chain(chain)

    def _add_type_row(self, row: int, kind: AppointmentType) -> None:
        swatch = QLabel()
        swatch.setObjectName(f"swatch_{kind.code}")
        swatch.setFixedSize(16, 16)
        swatch.setStyleSheet(
            f"background-color: {kind.colour}; border: 1px solid palette(mid); border-radius: 3px;"
        )
        swatch.setToolTip(f"Colour of {kind.name} in the calendar")
        swatch.setAccessibleName(f"{kind.name} colour")
        name = QLineEdit()
        name.setObjectName(f"typeName_{kind.code}")
        name.setAccessibleName(f"Name of the {kind.name} type")
        name.setMaxLength(60)
        name.setMinimumWidth(200)
        minutes = QSpinBox()
        minutes.setObjectName(f"typeMinutes_{kind.code}")
        minutes.setAccessibleName(f"Length of a {kind.name}, in minutes")
        minutes.setRange(MIN_MINUTES, MAX_MINUTES)
        minutes.setSingleStep(MINUTES_STEP)
        minutes.setSuffix(" min")
        minutes.setAlignment(Qt.AlignmentFlag.AlignRight)
        error = error_label(f"typeError_{kind.code}", wrap=False)
        name.textChanged.connect(lambda _t, e=error: e.hide())
        minutes.valueChanged.connect(lambda _v, e=error: e.hide())
        self._types_grid.addWidget(swatch, row, 0)
        self._types_grid.addWidget(name, row, 1)
        self._types_grid.addWidget(minutes, row, 2)
        self._types_grid.addWidget(error, row + 1, 1, 1, 2)
        self.type_names[kind.code] = name
        self.type_minutes[kind.code] = minutes
        self.type_errors[kind.code] = error

    def type_error_text(self, code: str) -> str:
        label = self.type_errors[code]
        return label.text() if not label.isHidden() else ""

    def save_types(self) -> None:
        """Checks every row first, so a refused save changes no type at all."""
        self.status.clear()
        self.types_error.hide()
        edits: list[tuple[str, str, int]] = []
        errors: dict[str, str] = {}
        for kind in self._loaded_types:
            name = self.type_names[kind.code].text().strip()
            minutes = self.type_minutes[kind.code].value()
            if not name:
                errors[kind.code] = "Give the appointment type a name."
            elif minutes % MINUTES_STEP:
                errors[kind.code] = f"Use steps of {MINUTES_STEP} minutes."
            elif (name, minutes) != (kind.name, kind.minutes):
                edits.append((kind.code, name, minutes))
        for code, label in self.type_errors.items():
            self._show(label, errors.get(code, ""))
        if errors:
            first_bad = next(k.code for k in self._loaded_types if k.code in errors)
            self.type_names[first_bad].setFocus()
            return
        if not edits:
            self.status.setText("Nothing to save: the types are as they were.")
            return
        actor = self._actor()
        saved = self._ops.write(
            self,
            lambda c: c.calendar.update_types(actor, edits),  # all saved, or none
            title="Types not saved",
            done=TYPES_SAVED,
            on_refusal=self._in(self.types_error),
        )
        if saved is None:
            return
        self._load_types()
        self.status.setText(TYPES_SAVED)

    # -- shared -----------------------------------------------------------------------------
    def _show(self, label: QLabel, text: str) -> None:
        label.setText(text)
        label.setVisible(bool(text))

    def _show_outside(self, misfits: list[ListedAppointment]) -> None:
        self.outside_list.clear()
        for listed in misfits:
            item = QListWidgetItem(describe_appointment(listed))
            item.setData(Qt.ItemDataRole.UserRole, listed.appointment.id)
            self.outside_list.addItem(item)
        self._fit_outside_list()
        was_hidden = self.outside_box.isHidden()
        self.outside_box.setVisible(bool(misfits))
        if was_hidden == bool(misfits):
            self.adjustSize()

    def _fit_outside_list(self) -> None:
        """As wide as its longest line (within reason), as tall as its rows up to six."""
        view = self.outside_list
        frame = 2 * view.frameWidth()
        rows = min(max(view.count(), 1), OUTSIDE_ROWS)
        row_height = view.sizeHintForRow(0) if view.count() else view.fontMetrics().height()
        widest = view.sizeHintForColumn(0)
        scroll = view.verticalScrollBar().sizeHint().width() if view.count() > rows else 0
        view.setMinimumWidth(min(widest + frame + scroll + 8, OUTSIDE_MAX_WIDTH))
        too_wide = widest + frame + scroll + 8 > OUTSIDE_MAX_WIDTH
        extra = view.horizontalScrollBar().sizeHint().height() if too_wide else 0
        padding = 0 if scroll else 4  # a sliver of a next row would look like a glitch
        view.setFixedHeight(rows * row_height + frame + extra + padding)

    def outside_texts(self) -> list[str]:
        if self.outside_box.isHidden():
            return []
        return [self.outside_list.item(row).text() for row in range(self.outside_list.count())]

    def _unsaved(self) -> list[str]:
        pending = []
        hours, errors = self.entered_hours()
        if errors or (hours is not None and dict(hours.days) != dict(self._loaded_hours.days)):
            pending.append("the weekly hours")
        if self.reason.text().strip():
            pending.append("the closure being added")
        if any(
            (self.type_names[k.code].text().strip(), self.type_minutes[k.code].value())
            != (k.name, k.minutes)
            for k in self._loaded_types
        ):
            pending.append("the appointment types")
        return pending

    def reject(self) -> None:
        """Escape or Close: unsaved edits are only thrown away once the user says so."""
        pending = self._unsaved()
        if pending and not prompts.confirm(
            self,
            "Discard changes?",
            f"Changes to {' and '.join(pending)} have not been saved.",
            "&Discard changes",
        ):
            return
        super().reject()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter saves the section being edited; it never closes the dialog."""
        if event.key() not in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            super().keyPressEvent(event)
            return
        focus = self.focusWidget()
        page = self.tabs.currentIndex()
        if isinstance(focus, QPushButton):
            focus.animateClick()
        elif focus is self.tabs.tabBar():
            pass
        elif page == 0:
            self.save_hours()
        elif page == 1 and focus in (self.first_day.edit, self.last_day.edit, self.reason):
            self.add_closure()
        elif page == 2:
            self.save_types()
