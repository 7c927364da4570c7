"""The Calendar tab: a day or a week drawn from the office hours, booking and moving in place."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from html import escape
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import QDate, QPoint, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QColor, QKeySequence, QPixmap, QTextCharFormat
from PySide6.QtWidgets import (
    QButtonGroup,
    QCalendarWidget,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from frontdesk.domain.appointments import (
    NEXT_STATUSES,
    ListedAppointment,
    Status,
    in_sentence,
    is_late_cancel,
    status_refusal,
)
from frontdesk.domain.booking import say_day, say_span
from frontdesk.domain.clinic import CLINIC_NAME
from frontdesk.domain.dates import format_moment
from frontdesk.domain.patients import Patient
from frontdesk.services.calendar import CalendarService
from frontdesk.services.changes import Changes, Entity
from frontdesk.services.errors import ServiceError
from frontdesk.services.patients import PatientService
from frontdesk.services.signed_in import SignedIn
from frontdesk.ui import prompts
from frontdesk.ui.dialogs.appointment_dialog import AppointmentDialog, status_verb
from frontdesk.ui.dialogs.booking_dialog import BookingDialog, booked_line
from frontdesk.ui.models.day_model import (
    COL_NOTE,
    COL_PATIENT,
    COL_PHONE,
    COL_STATUS,
    COL_TIME,
    COL_TYPE,
    DayModel,
)
from frontdesk.ui.notifier import ChangeNotifier
from frontdesk.ui.operations import Operations
from frontdesk.ui.widgets.lists import set_up_record_list
from frontdesk.ui.widgets.week_view import WeekView

T = TypeVar("T")

WEEK, DAY = "week", "day"
SHOW_INACTIVE_KEY = "calendar/show_cancelled"  # cancelled and missed ones drawn in the grid
# What the grid, the day's list and the outside-the-hours list are drawn from.
DRAWN_FROM = (Entity.APPOINTMENT, Entity.OFFICE_HOURS, Entity.CLOSURE, Entity.APPOINTMENT_TYPE)


class CalendarTab(QWidget):
    """Every read and write runs through `ops`; what is shown is redrawn from the changes the
    notifier announces (this tab's own writes included), never after a write by hand."""

    message = Signal(str)

    def __init__(
        self,
        calendar: CalendarService,
        patients: PatientService,
        actor: Callable[[], SignedIn],
        notifier: ChangeNotifier,
        today: Callable[[], date],
        parent: QWidget | None = None,
        settings: QSettings | None = None,
        *,
        ops: Operations,
    ) -> None:
        super().__init__(parent)
        self._ops = ops  # the one way this view runs a service call
        self.setObjectName("calendarTab")
        self._settings = settings  # where the view's switches are remembered, if anywhere
        self._calendar = calendar  # its clock: the time line, what is past
        self._patients = patients  # for the booking dialog's patient list
        self._actor = actor
        self._today = today
        self.mode = WEEK
        self.anchor = self.day = self.today_shown()
        self.shown: list[ListedAppointment] = []
        self.outside_shown: list[ListedAppointment] = []
        self.dialog: QWidget | None = None

        # -- top: where we are, and what can be done -------------------------------------------
        self.previous_button = QToolButton()
        self.previous_button.setText("◀")
        self.previous_button.setToolTip("Previous week or day (Page Up)")
        self.previous_button.setAccessibleName("Previous")
        self.today_button = QPushButton("&Today")
        self.next_button = QToolButton()
        self.next_button.setText("▶")
        self.next_button.setToolTip("Next week or day (Page Down)")
        self.next_button.setAccessibleName("Next")
        self.week_button = QPushButton("&Week")
        self.day_button = QPushButton("D&ay")
        modes = QButtonGroup(self)
        for button in (self.week_button, self.day_button):
            button.setCheckable(True)
            modes.addButton(button)
        self.week_button.setChecked(True)
        self.title = QLabel()
        self.title.setObjectName("calendarTitle")
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.title.setFont(font)
        # A new title each week must not re-layout (and repaint) the whole tab.
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.book_button = QPushButton("&Book…")
        self.book_button.setToolTip("Book an appointment (Ctrl+B), or click a free time")
        self.print_button = QPushButton("&Print day sheet…")
        self.print_button.setToolTip("The day's appointments with phone numbers (Ctrl+P)")
        self.inactive_button = QToolButton()
        self.inactive_button.setObjectName("showCancelled")
        top = QHBoxLayout()
        top.setSpacing(8)
        for widget in (self.previous_button, self.today_button, self.next_button):
            top.addWidget(widget)
        top.addSpacing(8)
        top.addWidget(self.week_button)
        top.addWidget(self.day_button)
        top.addSpacing(16)
        top.addWidget(self.title, 1)
        top.addWidget(self.inactive_button)
        top.addWidget(self.book_button)
        top.addWidget(self.print_button)

        # -- left: month navigator, legend, warnings -------------------------------------------
        self.month = QCalendarWidget()
        self.month.setObjectName("monthNavigator")
        self.month.setAccessibleName("Month")
        self.month.setGridVisible(False)
        self.month.setVerticalHeaderFormat(QCalendarWidget.VerticalHeaderFormat.NoVerticalHeader)
        self.month.setFirstDayOfWeek(Qt.DayOfWeek.Monday)
        self.legend = QWidget()
        self.legend.setObjectName("calendarLegend")
        legend = QVBoxLayout(self.legend)
        legend.setContentsMargins(0, 0, 0, 0)
        legend.setSpacing(4)
        self.outside = QLabel()
        self.outside.setObjectName("outsideHours")
        self.outside.setWordWrap(True)
        self.outside.setStyleSheet("background: #fff4d6; color: #5c4100; padding: 6px;")
        self.outside_list = QListWidget()
        self.outside_list.setObjectName("outsideHoursList")
        self.outside_list.setAccessibleName("Appointments outside the office hours")
        self.outside_list.setToolTip("Double-click or Enter opens the appointment to move it")
        self.outside_list.setMaximumHeight(140)
        self.outside.hide()
        self.outside_list.hide()
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.setSpacing(8)
        left_layout.addWidget(self.month)
        left_layout.addWidget(self.legend)
        left_layout.addWidget(self.outside)
        left_layout.addWidget(self.outside_list)
        left_layout.addStretch(1)

        # -- middle: the drawn calendar and the day's list --------------------------------------
        self.view = WeekView()
        self.day_label = QLabel()
        self.day_label.setObjectName("dayLabel")
        self.day_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.model = DayModel(self)
        self.table = QTableView()
        set_up_record_list(self.table, "dayAppointments")
        self.table.setAccessibleName("The day's appointments")
        self.table.setModel(self.model)
        self.table.setMinimumHeight(140)  # four rows at least: the day's list is worked from
        header = self.table.horizontalHeader()
        # Widths set once from the font, not measured from the rows: the list changes at
        # every step through the weeks, and measuring every cell each time is what costs.
        fm = self.table.fontMetrics()
        for column, widest in (
            (COL_TIME, "12:30 pm-12:45 pm"),
            (COL_PATIENT, "Guadalupe Martínez López"),
            (COL_PHONE, "(818) 555-0134"),
            (COL_TYPE, "\u25a0\u25a0 CO2 laser session"),
            (COL_STATUS, "Cancelled by patient"),
        ):
            header.resizeSection(column, fm.horizontalAdvance(widest) + 24)
        header.setSectionResizeMode(COL_NOTE, QHeaderView.ResizeMode.Stretch)
        below = QWidget()
        below_layout = QVBoxLayout(below)
        below_layout.setContentsMargins(0, 0, 0, 0)
        below_layout.setSpacing(4)
        below_layout.addWidget(self.day_label)
        below_layout.addWidget(self.table)
        middle = QSplitter(Qt.Orientation.Vertical)
        middle.addWidget(self.view)
        middle.addWidget(below)
        middle.setStretchFactor(0, 3)
        middle.setStretchFactor(1, 1)
        middle.setChildrenCollapsible(False)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(middle)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(8)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)

        # -- actions (the main window puts them in its Calendar menu) ---------------------------
        self.book_action = self._action("&Book appointment…", None, self.book)
        self.print_action = self._action(
            "&Print day sheet…", QKeySequence.StandardKey.Print, self.print_day_sheet
        )
        self.pdf_action = self._action("Save day sheet as P&DF…", None, self.save_day_sheet_pdf)
        self.today_action = self._action("Go to &today", "Ctrl+T", self.go_today)
        self.previous_action = self._action("P&revious", "Alt+Left", lambda: self.step(-1))
        self.next_action = self._action("&Next", "Alt+Right", lambda: self.step(1))
        self.week_action = self._action("&Week view", "Ctrl+Shift+W", lambda: self.set_mode(WEEK))
        self.day_action = self._action("&Day view", "Ctrl+Shift+A", lambda: self.set_mode(DAY))
        self.hours_action = self._action(
            "Office &hours and closures…", None, self.open_office_settings
        )
        self.inactive_action = self._action(
            "Show &cancelled and no-shows", "Ctrl+Shift+C", self.show_inactive
        )
        self.inactive_action.setCheckable(True)
        self.inactive_action.setToolTip(
            "Cancelled and missed appointments stay in the grid, faded and struck through"
            " (Ctrl+Shift+C)"
        )
        shown = True
        if self._settings is not None:
            shown = str(self._settings.value(SHOW_INACTIVE_KEY, "true")).lower() == "true"
        self.inactive_action.setChecked(shown)
        self.view.show_inactive = shown
        self.inactive_button.setDefaultAction(self.inactive_action)
        self.inactive_button.setText("Show cancelled")
        self.inactive_button.setAccessibleName("Show cancelled and no-shows")

        self.previous_button.clicked.connect(lambda: self.step(-1))
        self.next_button.clicked.connect(lambda: self.step(1))
        self.today_button.clicked.connect(self.go_today)
        self.week_button.clicked.connect(lambda: self.set_mode(WEEK))
        self.day_button.clicked.connect(lambda: self.set_mode(DAY))
        self.book_button.clicked.connect(self.book)
        self.print_button.clicked.connect(self.print_day_sheet)
        self.month.currentPageChanged.connect(self._mark_closures)
        self.month.clicked.connect(self._month_clicked)
        self.month.activated.connect(self._month_clicked)
        self.view.free_time_chosen.connect(lambda moment: self.book(starts=moment))
        self.view.appointment_opened.connect(self.open_appointment)
        self.view.appointment_selected.connect(self._select_in_table)
        self.view.appointment_dropped.connect(self.drop_move)
        self.view.menu_requested.connect(self._show_menu)
        self.view.period_step.connect(self.step)
        self.view.cursor_day_changed.connect(self._day_chosen)
        self.table.doubleClicked.connect(lambda index: self._open_row(index.row()))
        self.table.selectionModel().currentRowChanged.connect(
            lambda current, _prev: self._row_chosen(current.row())
        )
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._table_menu)
        self.outside_list.itemActivated.connect(self._open_outside)
        self.view.walked_off.connect(self._walked_off)
        self.view.drag_hint.connect(self.message.emit)
        self.view.check_move = self._why_not_move
        # The window's notifier, the one `ops` announces on.
        notifier.changes.connect(self._data_changed)
        # The red line of the current time moves on, and a new day starts at midnight.
        self.clock_timer = QTimer(self)
        self.clock_timer.setInterval(60_000)
        self.clock_timer.timeout.connect(self._tick)
        self.clock_timer.start()

        self._show_legend()
        self.refresh()
        self._check_outside_hours()
        self._mark_closures(self.month.yearShown(), self.month.monthShown())

    def _action(
        self,
        text: str,
        shortcut: str | QKeySequence.StandardKey | None,
        slot: Callable[..., object],
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    # -- reading ---------------------------------------------------------------------------
    def _read(self, call: Callable[[CalendarService], T], *, quiet: bool = False) -> T | None:
        """A read for what the tab shows: None when refused, the refusal said in the status
        bar (or nowhere when `quiet`: the tab carries on with what it has)."""

        def said(exc: ServiceError) -> bool:
            if not quiet:
                self.message.emit(str(exc))
            return True

        got = self._ops.read(self, lambda c: call(c.calendar), title="Calendar", on_refusal=said)
        return None if got is None else got.value

    def _show_legend(self) -> None:
        """One swatch per appointment type, with its name and length (both can be edited)."""
        layout = self.legend.layout()
        assert layout is not None
        while (item := layout.takeAt(0)) is not None:
            if (widget := item.widget()) is not None:
                widget.deleteLater()
        for kind in self._read(lambda c: c.types()) or []:
            swatch = QPixmap(12, 12)
            swatch.fill(QColor(kind.colour))
            row = QWidget()
            line = QHBoxLayout(row)
            line.setContentsMargins(0, 0, 0, 0)
            icon = QLabel()
            icon.setPixmap(swatch)
            line.addWidget(icon)
            line.addWidget(QLabel(f"{kind.name} ({kind.minutes} min)"), 1)
            layout.addWidget(row)

    # -- what is shown ---------------------------------------------------------------------
    def visible_days(self) -> list[date]:
        if self.mode == DAY:
            return [self.anchor]
        monday = self.anchor - timedelta(days=self.anchor.weekday())
        hours = self._read(lambda c: c.hours(), quiet=True)
        week = [monday + timedelta(days=i) for i in range(7)]
        return [
            d
            for d in week
            if d.weekday() < 5 or (hours is not None and hours.on(d.weekday()) is not None)
        ]

    def refresh(self) -> None:
        days = self.visible_days()
        first, last = days[0], days[-1]
        read = self._read(lambda c: (c.office(first, last), c.between(first, last)))
        if read is None:
            return
        office, self.shown = read
        today = self._today()
        self.view.show_days(days, office, self.shown, today, self._calendar.now())
        if self.day not in days:
            self.day = today if today in days else days[0]
        self._show_day_list()
        if self.mode == DAY:
            self.title.setText(say_day(days[0]))
        else:
            first, last = days[0], days[-1]
            self.title.setText(f"{first:%B} {first.day} - {last:%B} {last.day}, {last.year}")
        self.month.blockSignals(True)
        self.month.setSelectedDate(QDate(self.day.year, self.day.month, self.day.day))
        self.month.blockSignals(False)
        self.week_button.setChecked(self.mode == WEEK)
        self.day_button.setChecked(self.mode == DAY)

    def _show_day_list(self) -> None:
        rows = [r for r in self.shown if r.appointment.starts.date() == self.day]
        self.model.set_rows(rows)
        holding = sum(r.appointment.status.holds_slot for r in rows)
        closure = self.view.office.closure_on(self.day)
        closed = ""
        if closure is not None:
            closed = f" (closed: {escape(closure.reason)})"
        elif self.view.office.hours_on(self.day) is None:
            closed = " (closed)"
        self.day_label.setText(
            f"<b>{say_day(self.day)}</b>{closed}: {holding}"
            f" appointment{'' if holding == 1 else 's'}"
            + (f", {len(rows) - holding} cancelled or missed" if len(rows) > holding else "")
        )

    def _check_outside_hours(self) -> None:
        misfits = self._read(lambda c: c.outside_hours())
        if misfits is None:
            return
        self.outside_shown = misfits
        self.outside_list.clear()
        self.outside.setVisible(bool(misfits))
        self.outside_list.setVisible(bool(misfits))
        if not misfits:
            return
        self.outside.setText(
            f"{len(misfits)} booked appointment{'s are' if len(misfits) > 1 else ' is'} outside"
            " the office hours or on a closed day. Open each to move or cancel it:"
        )
        for listed in misfits:
            a = listed.appointment
            item = QListWidgetItem(f"{format_moment(a.starts)} - {listed.patient_name}")
            item.setData(Qt.ItemDataRole.UserRole, a.id)
            self.outside_list.addItem(item)

    def _open_outside(self, item: QListWidgetItem) -> None:
        appointment_id = item.data(Qt.ItemDataRole.UserRole)
        got = self._ops.read(self, lambda c: c.calendar.get(appointment_id), title="Appointment")
        if got is None:
            return
        self.go_to(got.value.appointment.starts.date())
        self.view.select(appointment_id)
        self.open_appointment(appointment_id)

    def _mark_closures(self, year: int, month: int) -> None:
        """Closed days greyed in the month navigator, the reason as a tooltip."""
        first = date(year, month, 1) - timedelta(days=7)
        last = date(year, month, 28) + timedelta(days=14)
        self.month.setDateTextFormat(QDate(), QTextCharFormat())  # forget the last month's
        closures = self._read(lambda c: c.closures(first, last))
        for closure in closures or []:
            day = max(closure.first, first)
            while day <= min(closure.last, last):
                marked = QTextCharFormat()
                marked.setForeground(QColor("#8a8f96"))
                marked.setFontStrikeOut(True)
                marked.setToolTip(f"Closed: {closure.reason}")
                self.month.setDateTextFormat(QDate(day.year, day.month, day.day), marked)
                day += timedelta(days=1)

    def _cursor_time(self) -> time:
        cursor = self.view.keyboard_cursor
        return cursor.time() if cursor is not None else time(self.view.first_hour)

    def go_to(self, day: date) -> None:
        at = self._cursor_time()
        self.anchor = day
        self.day = day
        self.refresh()
        self.view.place_cursor(datetime.combine(day, at))

    def today_shown(self) -> date:
        """Today, or on a closed weekend day the coming Monday: the week the desk works on."""
        today = self._today()
        hours = self._read(lambda c: c.hours(), quiet=True)
        closed = hours is None or hours.on(today.weekday()) is None
        if today.weekday() >= 5 and closed:
            return today + timedelta(days=7 - today.weekday())
        return today

    def go_today(self) -> None:
        self.go_to(self.today_shown())
        self.view.setFocus()

    def show_inactive(self, shown: bool) -> None:
        """Cancelled and missed appointments drawn in the grid (faded, struck) or hidden."""
        self.view.show_inactive = shown
        if self._settings is not None:
            self._settings.setValue(SHOW_INACTIVE_KEY, "true" if shown else "false")
        self.refresh()
        self.message.emit(
            "Cancelled and missed appointments are shown in the calendar."
            if shown
            else "Cancelled and missed appointments are hidden from the calendar"
            " (still in the day's list)."
        )

    def step(self, direction: int) -> None:
        """A week (or a day) back or forward; the cursor keeps its weekday and time."""
        at = self._cursor_time()
        days = 1 if self.mode == DAY else 7
        self.anchor += timedelta(days=days * direction)
        self.day = self.anchor if self.mode == DAY else self.day + timedelta(days=7 * direction)
        self.refresh()
        self.view.place_cursor(datetime.combine(self.day, at), select=False)

    def _walked_off(self, direction: int) -> None:
        """Right from the last day shown goes to the next period's first day, and back."""
        at = self._cursor_time()
        self.step(direction)
        shown = self.visible_days()
        self.day = shown[0] if direction > 0 else shown[-1]
        self._show_day_list()
        self.view.place_cursor(datetime.combine(self.day, at))

    def _tick(self) -> None:
        today = self._today()
        if today != self.view.today:
            self.refresh()  # past midnight: a new today
            return
        self.view.now = self._calendar.now()
        self.view.update()

    def _why_not_move(self, listed: ListedAppointment, starts: datetime) -> str | None:
        """Asked while a block is dragged: the refusal a move there would get, in words."""
        a = listed.appointment
        refusals: list[str] = []

        def said(exc: ServiceError) -> bool:
            refusals.append(str(exc))
            return True

        got = self._ops.read(
            self,
            lambda c: c.calendar.why_not(starts, a.minutes, moving=a.id, what="it"),
            title="Not moved",
            on_refusal=said,
        )
        if got is not None:
            return got.value
        return refusals[0] if refusals else "The time could not be checked."

    def set_mode(self, mode: str) -> None:
        self.mode = mode
        self.anchor = self.day
        self.refresh()

    def _month_clicked(self, picked: QDate) -> None:
        self.go_to(date(picked.year(), picked.month(), picked.day()))

    def _day_chosen(self, day: date) -> None:
        if day != self.day:
            self.day = day
            self._show_day_list()
            self.month.blockSignals(True)
            self.month.setSelectedDate(QDate(day.year, day.month, day.day))
            self.month.blockSignals(False)

    def _select_in_table(self, appointment_id: int) -> None:
        listed = self._listed(appointment_id)
        if listed is not None and listed.appointment.starts.date() != self.day:
            self._day_chosen(listed.appointment.starts.date())
        row = self.model.row_of(appointment_id)
        if row is not None and self.table.currentIndex().row() != row:
            self.table.selectRow(row)

    def _row_chosen(self, row: int) -> None:
        listed = self.model.listed_at(row)
        if listed is not None and listed.appointment.status.holds_slot:
            self.view.select(listed.appointment.id)

    def selected_type(self) -> str:
        listed = self._listed(self.view.selected_id) if self.view.selected_id else None
        return listed.appointment.type_code if listed else ""

    def selected_patient(self) -> Patient | None:
        """The patient of the appointment selected in the view or the day's list."""
        listed = self._listed(self.view.selected_id) if self.view.selected_id else None
        if listed is None:
            listed = self.model.listed_at(self.table.currentIndex().row())
        if listed is None:
            return None
        patient_id = listed.appointment.patient_id
        got = self._ops.read(
            self, lambda c: c.patients.get(patient_id), title="Patient", on_refusal=lambda _e: True
        )  # a patient no longer there is no patient selected
        return None if got is None else got.value

    def _listed(self, appointment_id: int) -> ListedAppointment | None:
        return next((r for r in self.shown if r.appointment.id == appointment_id), None)

    def _data_changed(self, changes: Changes) -> None:
        """Redraws what the announced changes touch, and only that (one read each)."""
        if changes.touches(Entity.APPOINTMENT_TYPE):
            self._show_legend()
        if changes.touches(*DRAWN_FROM) or self._names_changed(changes, self.shown):
            self.refresh()
        if changes.touches(*DRAWN_FROM) or self._names_changed(changes, self.outside_shown):
            self._check_outside_hours()
        if changes.touches(Entity.CLOSURE):
            self._mark_closures(self.month.yearShown(), self.month.monthShown())

    @staticmethod
    def _names_changed(changes: Changes, listed: list[ListedAppointment]) -> bool:
        """A patient's name or phone changed whose appointment is listed."""
        if not changes.touches(Entity.PATIENT):
            return False
        edited = [c.entity_id for c in changes.items if c.entity is Entity.PATIENT]
        if changes.everything or None in edited:
            return True
        return any(a.appointment.patient_id in edited for a in listed)

    # -- booking and moving ----------------------------------------------------------------
    def book(
        self, *, starts: datetime | None = None, patient: Patient | None = None
    ) -> BookingDialog:
        cursor = self.view.keyboard_cursor
        if starts is None and patient is None and cursor is not None:
            starts = cursor if cursor >= self._calendar.now() else None
        dialog = BookingDialog(
            self._calendar,
            self._patients,
            self._actor,
            self._today,
            ops=self._ops,
            patient=patient,
            starts=starts,
            parent=self,
        )
        dialog.accepted.connect(lambda: self._reveal(dialog.result_listed))
        dialog.finished.connect(dialog.deleteLater)
        dialog.finished.connect(self._back_to_calendar)
        self.dialog = dialog
        dialog.open()
        return dialog

    def move_appointment(self, listed: ListedAppointment) -> BookingDialog:
        """The booking dialog in move mode: only the time changes."""
        dialog = BookingDialog(
            self._calendar,
            self._patients,
            self._actor,
            self._today,
            ops=self._ops,
            moving=listed,
            parent=self,
        )
        dialog.accepted.connect(lambda: self._reveal(dialog.result_listed))
        dialog.finished.connect(dialog.deleteLater)
        dialog.finished.connect(self._back_to_calendar)
        self.dialog = dialog
        dialog.open()
        return dialog

    def _back_to_calendar(self, _result: int = 0) -> None:
        """Keys keep working after a dialog closes: focus returns to the calendar."""
        if self.isVisible():
            self.view.setFocus(Qt.FocusReason.OtherFocusReason)

    def _reveal(self, listed: ListedAppointment | None) -> None:
        """After a booking or a move: its day on screen, the appointment selected. The grid
        was redrawn when the write was announced; another week is read only if it is not
        the one shown."""
        if listed is None:
            return
        a = listed.appointment
        day = a.starts.date()
        if day in self.view.days:
            at = self._cursor_time()
            self.anchor = day
            self._day_chosen(day)
            self.view.place_cursor(datetime.combine(day, at))
        else:
            self.go_to(day)
        self.view.select(a.id)
        self._select_in_table(a.id)

    def drop_move(self, appointment_id: int, starts: datetime) -> ListedAppointment | None:
        """A block dragged to a new time: asked first, then moved (or refused in words)."""
        listed = self._listed(appointment_id)
        if listed is None:
            return None
        a = listed.appointment
        ends = starts + (a.ends - a.starts)
        refused = self._why_not_move(listed, starts)
        if refused is not None:
            self.message.emit(f"Not moved: {refused}")
            return None
        if not prompts.confirm(
            self,
            "Move the appointment?",
            f"Move {listed.patient_name}'s {in_sentence(listed.type_name)}\n"
            f"from {say_day(a.starts.date())}, {say_span(a.starts, a.ends)}\n"
            f"to {say_day(starts.date())}, {say_span(starts, ends)}?",
            "&Move",
        ):
            return None
        actor = self._actor()
        moved = self._ops.write(
            self,
            lambda c: c.calendar.reschedule(actor, a.id, starts, a.version),
            title="Not moved",
            done=lambda done: booked_line(done, moved=True),
        )
        if moved is None:
            return None
        self._reveal(moved.value)
        return moved.value

    # -- opening and changing status -------------------------------------------------------
    def _open_row(self, row: int) -> None:
        listed = self.model.listed_at(row)
        if listed is not None:
            self.open_appointment(listed.appointment.id)

    def open_appointment(self, appointment_id: int) -> AppointmentDialog | None:
        got = self._ops.read(self, lambda c: c.calendar.get(appointment_id), title="Appointment")
        if got is None:
            return None
        dialog = AppointmentDialog(
            self._calendar,
            self._actor,
            got.value,
            self.change_status,
            self.move_appointment,
            parent=self,
            ops=self._ops,
        )
        dialog.finished.connect(dialog.deleteLater)
        dialog.finished.connect(self._back_to_calendar)
        self.dialog = dialog
        dialog.open()
        return dialog

    def change_status(self, listed: ListedAppointment, status: Status) -> ListedAppointment | None:
        a = listed.appointment
        when = f"{say_day(a.starts.date())}, {say_span(a.starts, a.ends)}"
        late = ""
        if status is Status.CANCELLED_BY_PATIENT and is_late_cancel(a.starts, self._calendar.now()):
            late = "\nIt is under 24 hours before: it is recorded as a late cancellation."
        if status.cancelled and not prompts.confirm(
            self,
            "Cancel the appointment?",
            f"Cancel {listed.patient_name}'s {in_sentence(listed.type_name)} on {when}?\n"
            "The time becomes free for others; it can be booked again while it is still free."
            + late,
            "Cancel &appointment",
            "&Keep it",
        ):
            return None
        actor = self._actor()

        def said(changed: ListedAppointment) -> str:
            late = " (late cancellation)" if changed.appointment.late else ""
            return f"{listed.patient_name}, {when}: {status.label.lower()}{late}."

        changed = self._ops.write(
            self,
            lambda c: c.calendar.set_status(actor, a.id, status, a.version),
            title="Not changed",
            done=said,
        )
        return None if changed is None else changed.value

    def status_menu(self, listed: ListedAppointment) -> QMenu:
        menu = QMenu(self)
        menu.setObjectName("appointmentMenu")
        menu.setToolTipsVisible(True)  # why a status is not possible yet
        open_item = menu.addAction("&Open…")
        open_item.triggered.connect(lambda: self.open_appointment(listed.appointment.id))
        menu.addSeparator()
        now = self._calendar.now()
        for status in NEXT_STATUSES[listed.appointment.status]:
            item = menu.addAction(status_verb(listed.appointment.status, status))
            refused = status_refusal(listed.appointment, status, now)
            item.setEnabled(refused is None)
            if refused:
                item.setToolTip(refused)
            item.triggered.connect(lambda _=False, s=status: self.change_status(listed, s))
        menu.addSeparator()
        move = menu.addAction("Mo&ve…")
        move.setEnabled(listed.appointment.status.movable)
        move.triggered.connect(lambda: self.move_appointment(listed))
        return menu

    def _show_menu(self, appointment_id: int, where: QPoint) -> None:
        listed = self._listed(appointment_id)
        if listed is not None:
            self.status_menu(listed).popup(where)

    def _table_menu(self, pos: QPoint) -> None:
        listed = self.model.listed_at(self.table.indexAt(pos).row())
        if listed is not None:
            self.status_menu(listed).popup(self.table.viewport().mapToGlobal(pos))

    # -- printing and settings --------------------------------------------------------------
    def day_sheet_html(self) -> str | None:
        """The day's sheet, or None when it could not be read (said in a message box)."""
        day = self.day
        got = self._ops.read(
            self, lambda c: c.calendar.day_sheet_html(day, CLINIC_NAME), title="Day sheet"
        )
        return None if got is None else got.value

    def print_day_sheet(self) -> None:
        from frontdesk.ui import printing

        html = self.day_sheet_html()
        if html is None:
            return
        if printing.print_preview(html, self):
            self._record_day_sheet("printed")
        self.message.emit(f"Day sheet for {say_day(self.day)} shown in the print preview.")

    def _record_day_sheet(self, how: str) -> None:
        """A sheet on paper or in a file names every patient of the day: an audit line."""
        actor, day = self._actor(), self.day

        def said(exc: ServiceError) -> bool:
            prompts.warn(self, "Day sheet", f"It was not recorded in the audit trail: {exc}")
            return True

        self._ops.read(
            self,
            lambda c: c.calendar.day_sheet_given(actor, day, how),
            title="Day sheet",
            on_refusal=said,
        )

    def save_day_sheet_pdf(self) -> None:
        from frontdesk.ui import printing

        chosen = prompts.save_file(
            self,
            "Save the day sheet as PDF",
            f"day-sheet-{self.day.isoformat()}.pdf",
            "PDF (*.pdf)",
        )
        if not chosen:
            return
        html = self.day_sheet_html()
        if html is None:
            return
        try:
            saved = printing.save_pdf(html, Path(chosen))
        except OSError as exc:  # the file system's refusal: a full disk, a read-only folder
            prompts.warn(self, "Day sheet", f"The PDF was not saved: {exc}")
            return
        self._record_day_sheet("pdf")
        self.message.emit(f"Day sheet saved as {saved}.")

    def open_office_settings(self) -> QWidget:
        from frontdesk.ui.dialogs.office_settings_dialog import OfficeSettingsDialog

        dialog = OfficeSettingsDialog(self._ops, self._actor, parent=self)
        dialog.finished.connect(dialog.deleteLater)
        self.dialog = dialog
        dialog.open()
        return dialog
