"""The doctor logs a CO2 laser session and signs it: settings, areas, how the skin responded."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTime
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from frontdesk.domain.appointments import CO2_SESSION, wall
from frontdesk.domain.co2 import (
    DENSITY_PCT,
    ENERGY_MJ,
    MIN_REASON,
    PASSES,
    Series,
    SessionDraft,
    Settings,
    draft_errors,
    timing_refusal,
)
from frontdesk.domain.dates import format_clock, format_day, format_moment
from frontdesk.domain.hours import WEEKDAY_NAMES
from frontdesk.domain.intake import Region
from frontdesk.services.errors import ServiceError, ValidationFailed
from frontdesk.ui import prompts
from frontdesk.ui.error_label import ERROR_STYLE
from frontdesk.ui.operations import quietly
from frontdesk.ui.widgets.date_field import DateField

if TYPE_CHECKING:
    from frontdesk.services.calendar import CalendarService

WARN_STYLE = "color: #8a5300;"
NOTE_STYLE = "color: palette(mid);"
NOT_SET = "Not set"  # a spin box at its lowest value: the doctor has not entered it yet
TEXT_LINES = 3  # height of the small free-text boxes
# Where each refusal is said: next to its field; anything else goes in the red line below.
FIELD_KEYS = (
    "performed_at",
    "device",
    "energy_mj",
    "density_pct",
    "passes",
    "spot",
    "areas",
    "response",
    "early_reason",
)


def say_date(day: date) -> str:
    """'Mon, Mar 1, 2027': the app's one way (frontdesk.domain.dates.format_day)."""
    return format_day(day)


def quarter_hour_before(moment: datetime) -> datetime:
    moment = wall(moment)
    return moment - timedelta(minutes=moment.minute % 15)


def _small_text(lines: int = TEXT_LINES) -> QPlainTextEdit:
    box = QPlainTextEdit()
    box.setTabChangesFocus(True)
    line = box.fontMetrics().lineSpacing()
    box.setFixedHeight(lines * line + 2 * int(box.document().documentMargin()) + 4)
    return box


class SessionDialog(QDialog):
    """Log CO2 session N of M. `sign(draft, early_reason)` saves it (through the window's
    Operations, with `show_refusal` as its refusal handler) and returns False when refused:
    the dialog then stays open with the reasons next to the fields."""

    def __init__(
        self,
        series: Series,
        due: date | None,
        now: datetime,
        previous: SessionDraft | None,
        sign: Callable[[SessionDraft, str], object],
        parent: QWidget | None = None,
        *,
        calendar: CalendarService | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("sessionDialog")
        # The calendar, when given: the patient's booked CO2 visit sets the time, and a day the
        # office was closed (or a time outside its hours) is asked about before signing.
        self._calendar = calendar
        self._time_by_hand = False  # the doctor set the time: a day's booking no longer moves it
        self.series = series
        self.due = due
        self.number = series.done + 1
        self._sign = sign
        self.result_value: object = None  # what `sign` returned, once signed
        self._setting_time = False  # the booked time is being put in, not typed
        self.setWindowTitle(f"Log CO2 session {self.number} of {series.planned}")

        # -- fields --------------------------------------------------------------------------
        # The day typed as the desk writes it (a QDateTimeEdit took 01/15 typed from the wrong
        # section as another month); the time beside it.
        start = quarter_hour_before(now)
        self.day = DateField(start.date(), today=lambda: wall(now).date())
        self.at = QTimeEdit(QTime(start.hour, start.minute))
        self.at.setDisplayFormat("h:mm ap")
        self.date_time = QWidget()  # the row: day, its weekday said, then the time
        when = QHBoxLayout(self.date_time)
        when.setContentsMargins(0, 0, 0, 0)
        when.setSpacing(8)
        when.addWidget(self.day, 1)
        when.addWidget(self.at)
        self.date_time.setFocusProxy(self.day)
        self.device = QLineEdit()
        self.device.setPlaceholderText("e.g. UltraPulse")
        self.energy = QDoubleSpinBox()
        self._set_up_spin(self.energy, ENERGY_MJ, " mJ", 1, 1.0)
        self.density = QDoubleSpinBox()
        self._set_up_spin(self.density, DENSITY_PCT, " %", 1, 1.0)
        self.passes = QSpinBox()
        self.passes.setRange(PASSES[0] - 1, PASSES[1])
        self.passes.setSpecialValueText(NOT_SET)
        self.spot = QLineEdit()
        self.spot.setPlaceholderText("e.g. 120 um")
        self.mode = QLineEdit()
        self.mode.setPlaceholderText("e.g. DeepFX")
        self.area_boxes: dict[Region, QCheckBox] = {}
        for region in Region:
            box = QCheckBox(region.label)
            box.setAccessibleName(f"Treated: {region.label}")
            self.area_boxes[region] = box
        self.anaesthesia = QLineEdit()
        self.anaesthesia.setPlaceholderText("e.g. topical lidocaine")
        self.anaesthesia.setMinimumWidth(260)  # "Topical anaesthetic cream, 45 minutes" whole
        self.antiviral = QCheckBox("Antiviral prophylaxis &given")
        self.response = _small_text()
        self.response.setPlaceholderText("e.g. expected redness, pinpoint bleeding")
        self.adverse = _small_text()
        self.adverse.setPlaceholderText("Leave empty when there were none")
        self.notes = _small_text()
        self.early_reason = _small_text()
        self.early_reason.setPlaceholderText(
            f"At least {MIN_REASON} characters: it is kept in the record."
        )

        self._errors: dict[str, QLabel] = {}
        for key in FIELD_KEYS:
            label = QLabel()
            label.setObjectName(f"{key}Error")
            label.setStyleSheet(ERROR_STYLE)
            # Wrapped labels in a form row get clipped; these sentences are short. The early
            # reason's is long, but it sits in a plain column where wrapping works.
            label.setWordWrap(key == "early_reason")
            label.hide()
            self._errors[key] = label

        # -- layout: when and device settings left, areas right, words below ----------------
        settings = QFormLayout()
        settings.setSpacing(8)
        settings.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        setting_rows: tuple[tuple[str, QWidget, str | None], ...] = (
            ("Date and &time:", self.date_time, "performed_at"),
            ("De&vice:", self.device, "device"),
            ("&Energy:", self.energy, "energy_mj"),
            ("Densit&y:", self.density, "density_pct"),
            ("&Passes:", self.passes, "passes"),
            ("Spot size or patter&n:", self.spot, "spot"),
            ("&Mode:", self.mode, None),
        )
        for text, widget, said_at in setting_rows:
            self._add_row(settings, text, widget, said_at)
        self.booked_note = QLabel()
        self.booked_note.setObjectName("bookedNote")
        self.booked_note.setStyleSheet(NOTE_STYLE)
        self.booked_note.hide()
        settings.insertRow(2, "", self.booked_note)  # under the date and its message

        self.areas_group = QGroupBox("&Areas treated")
        self.areas_group.setAccessibleName("Areas treated")
        grid = QGridLayout(self.areas_group)
        grid.setSpacing(8)
        regions = list(Region)
        half = (len(regions) + 1) // 2
        for i, region in enumerate(regions):  # down the first column, then the second
            grid.addWidget(self.area_boxes[region], i % half, i // half)
        right = QVBoxLayout()
        right.setSpacing(8)
        right.addWidget(self.areas_group)
        right.addWidget(self._errors["areas"])
        side = QFormLayout()
        side.setSpacing(8)
        side.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self._add_row(side, "Anaest&hesia:", self.anaesthesia, None)
        side.addRow("", self.antiviral)
        self.antiviral.setAccessibleName("Antiviral prophylaxis given")
        right.addLayout(side)
        right.addStretch(1)

        columns = QHBoxLayout()
        columns.setSpacing(24)
        columns.addLayout(settings, 1)
        columns.addLayout(right, 1)

        words = QFormLayout()
        words.setSpacing(8)
        words.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        word_rows: tuple[tuple[str, QWidget, str | None], ...] = (
            ("&Immediate response:", self.response, "response"),
            ("A&dverse events:", self.adverse, None),
            ("N&otes:", self.notes, None),
        )
        for text, widget, said_at in word_rows:
            self._add_row(words, text, widget, said_at)

        self.early_box = QWidget()
        self.early_box.setObjectName("earlyBox")
        early = QVBoxLayout(self.early_box)
        early.setContentsMargins(0, 0, 0, 0)
        early.setSpacing(4)
        self.early_warning = QLabel()
        self.early_warning.setObjectName("earlyWarning")
        self.early_warning.setStyleSheet(WARN_STYLE)
        self.early_warning.setWordWrap(True)
        self.early_label = QLabel()
        self.early_label.setBuddy(self.early_reason)
        self.early_label.setWordWrap(True)
        early.addWidget(self.early_warning)
        early.addWidget(self.early_label)
        early.addWidget(self.early_reason)
        early.addWidget(self._errors["early_reason"])
        if due is not None:
            self.early_label.setText(
                f"Early: due {say_date(due)}. Why earlie&r? (doctor's override)"
            )
            self.early_reason.setAccessibleName("Why earlier than due (doctor's override)")

        self.header = QLabel(self._header_text(previous))
        self.header.setObjectName("sessionHeader")
        self.header.setWordWrap(True)
        self.final_note = QLabel(
            "Signing makes this entry final: corrections are added as addenda."
        )
        self.final_note.setObjectName("finalNote")
        self.final_note.setWordWrap(True)
        bold = self.final_note.font()
        bold.setBold(True)
        self.final_note.setFont(bold)
        self.error = QLabel()
        self.error.setObjectName("sessionError")
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        self.error.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.sign_button = self.buttons.addButton(
            "&Sign and save", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.sign_button.setObjectName("signButton")
        self.sign_button.setToolTip("Sign and save (Ctrl+S)")
        for button in self.buttons.buttons():
            # Signing is final: Enter in a field must not do it by accident (see keyPressEvent).
            if isinstance(button, QPushButton):
                button.setAutoDefault(False)
        self.buttons.accepted.connect(self.sign)
        self.buttons.rejected.connect(self.reject)
        save = QShortcut(QKeySequence(QKeySequence.StandardKey.Save), self)
        save.activated.connect(self.sign)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 16)
        layout.setSpacing(8)
        layout.addWidget(self.header)
        layout.addLayout(columns)
        layout.addLayout(words)
        layout.addWidget(self.early_box)
        layout.addWidget(self.final_note)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

        for widget, name in (
            (self.day, "Date of the session"),
            (self.at, "Time of the session"),
            (self.device, "Device"),
            (self.energy, "Energy in millijoules"),
            (self.density, "Density in percent"),
            (self.passes, "Passes"),
            (self.spot, "Spot size or pattern"),
            (self.mode, "Mode"),
            (self.anaesthesia, "Anaesthesia"),
            (self.response, "Immediate response of the skin"),
            (self.adverse, "Adverse events"),
            (self.notes, "Notes"),
        ):
            widget.setAccessibleName(name)

        if previous is not None:
            self._fill(previous)
        self._initial = self._state()
        self._connect_clearing()
        self.day.dateChanged.connect(self._update_early)
        self.day.errorChanged.connect(lambda said: self._say_day(not said))
        self._update_early()
        self.day.dateChanged.connect(lambda *_: self._take_booked_time())
        self.at.timeChanged.connect(self._time_edited)
        self._take_booked_time()
        self._initial = self._state()
        self.date_time.setFocus()

    # -- building ------------------------------------------------------------------------------
    @staticmethod
    def _set_up_spin(
        spin: QDoubleSpinBox, limits: tuple[float, float], suffix: str, decimals: int, step: float
    ) -> None:
        # One step below the lowest real value reads "Not set": nothing is assumed for the doctor.
        spin.setDecimals(decimals)
        spin.setRange(0.0, limits[1])
        spin.setSingleStep(step)
        spin.setSuffix(suffix)
        spin.setSpecialValueText(NOT_SET)

    def _add_row(self, form: QFormLayout, label: str, widget: QWidget, key: str | None) -> None:
        form.addRow(label, widget)
        buddy = form.labelForField(widget)
        if isinstance(buddy, QLabel):
            buddy.setBuddy(widget)
        if key is not None:
            form.addRow("", self._errors[key])

    def _header_text(self, previous: SessionDraft | None) -> str:
        parts = []
        if self.due is not None:
            parts.append(
                f"Session {self.number} of {self.series.planned}, due {say_date(self.due)}."
            )
        elif self.number == 1:
            parts.append(f"The first session of a series of {self.series.planned}.")
        else:
            parts.append(f"Session {self.number} of {self.series.planned}.")
        if previous is not None:
            parts.append(
                f"Filled in from session {self.number - 1}"
                f" ({say_date(previous.performed_at.date())}): check every field before signing."
            )
        return " ".join(parts)

    def _fill(self, previous: SessionDraft) -> None:
        s = previous.settings
        self.device.setText(s.device)
        self.energy.setValue(s.energy_mj)
        self.density.setValue(s.density_pct)
        self.passes.setValue(s.passes)
        self.spot.setText(s.spot)
        self.mode.setText(s.mode)
        for region, box in self.area_boxes.items():
            box.setChecked(region in previous.areas)
        self.anaesthesia.setText(previous.anaesthesia)
        self.antiviral.setChecked(previous.antiviral)
        # How the skin responded, what went wrong and the notes are this session's own:
        # copying last time's would put words in the record nobody observed today.

    def _connect_clearing(self) -> None:
        """Changing a field takes its message away."""
        self.day.dateChanged.connect(lambda *_: self._clear_error("performed_at"))
        self.at.timeChanged.connect(lambda *_: self._clear_error("performed_at"))
        for widget, key in (
            (self.device, "device"),
            (self.spot, "spot"),
        ):
            widget.textChanged.connect(lambda *_, k=key: self._clear_error(k))
        self.energy.valueChanged.connect(lambda *_: self._clear_error("energy_mj"))
        self.density.valueChanged.connect(lambda *_: self._clear_error("density_pct"))
        self.passes.valueChanged.connect(lambda *_: self._clear_error("passes"))
        for box in self.area_boxes.values():
            box.toggled.connect(lambda *_: self._clear_error("areas"))
        self.response.textChanged.connect(lambda: self._clear_error("response"))
        self.early_reason.textChanged.connect(lambda: self._clear_error("early_reason"))

    # -- state ---------------------------------------------------------------------------------
    def performed_at(self) -> datetime:
        t = self.at.time()
        return datetime.combine(self.day.day(), time(t.hour(), t.minute()))

    def draft(self) -> SessionDraft:
        return SessionDraft(
            performed_at=self.performed_at(),
            settings=Settings(
                device=self.device.text().strip(),
                energy_mj=self.energy.value(),
                density_pct=self.density.value(),
                passes=self.passes.value(),
                spot=self.spot.text().strip(),
                mode=self.mode.text().strip(),
            ),
            areas=tuple(r for r, box in self.area_boxes.items() if box.isChecked()),
            anaesthesia=self.anaesthesia.text().strip(),
            antiviral=self.antiviral.isChecked(),
            response=self.response.toPlainText().strip(),
            adverse=self.adverse.toPlainText().strip(),
            notes=self.notes.toPlainText().strip(),
        )

    def early(self) -> bool:
        """Before the due date: the doctor's reason is needed."""
        return self.due is not None and self.performed_at().date() < self.due

    def early_text(self) -> str:
        """The override reason sent with the session ("" when it is not early)."""
        return self.early_reason.toPlainText().strip() if self.early() else ""

    def _state(self) -> tuple[SessionDraft, str]:
        return self.draft(), self.early_reason.toPlainText()

    def _update_early(self) -> None:
        if not self.early():
            self.early_box.hide()
            self._clear_error("early_reason")
            return
        assert self.due is not None
        days = (self.due - self.performed_at().date()).days
        self.early_warning.setText(
            f"This session is {days} day{'s' if days != 1 else ''} before it is due:"
            " signing it early needs the doctor's reason."
        )
        self.early_box.show()

    def error_text(self, key: str) -> str:
        """The message shown next to a field ("" when none); "general" for the red line."""
        label = self.error if key == "general" else self._errors[key]
        return label.text() if not label.isHidden() else ""

    def _clear_error(self, key: str) -> None:
        self._errors[key].hide()

    def _show_errors(self, errors: dict[str, str]) -> None:
        for key, label in self._errors.items():
            message = errors.get(key, "")
            label.setText(message)
            label.setVisible(bool(message))
        if "early_reason" in errors:
            self.early_box.show()  # the service knows a due date this dialog was not told
        general = [message for key, message in errors.items() if key not in self._errors]
        self.error.setText(" ".join(general))
        self.error.setVisible(bool(general))
        focus = {
            "performed_at": self.day,
            "device": self.device,
            "energy_mj": self.energy,
            "density_pct": self.density,
            "passes": self.passes,
            "spot": self.spot,
            "areas": next(iter(self.area_boxes.values())),
            "response": self.response,
            "early_reason": self.early_reason,
        }
        first_bad = next((k for k in FIELD_KEYS if k in errors), None)
        if first_bad is not None:
            focus[first_bad].setFocus()

    def _say_day(self, readable: bool) -> None:
        """An unreadable day is said beside it; signing waits until it can be read."""
        self.sign_button.setEnabled(readable)
        self.sign_button.setToolTip(
            "Sign and save (Ctrl+S)" if readable else f"First correct the date: {self.day.error()}"
        )

    # -- the booked visit and the office hours (issue 13 point 7) ------------------------------
    def booked_on(self, day: date) -> datetime | None:
        """When the patient's CO2 visit was booked that day (None: none, or no calendar)."""
        calendar = self._calendar
        if calendar is None:
            return None
        visits = quietly(lambda: calendar.of_patient(self.series.patient_id))
        if visits is None:  # not readable now: no time to suggest
            return None
        starts = [
            a.appointment.starts
            for a in visits
            if a.appointment.type_code == CO2_SESSION
            and a.appointment.status.holds_slot
            and a.appointment.starts.date() == day
        ]
        return min(starts, default=None)

    def _take_booked_time(self) -> None:
        """The day's booked visit gives the time, unless the doctor typed one."""
        booked = self.booked_on(self.day.day()) if self.day.isValid() else None
        self.booked_note.setText(
            f"Booked that day at {format_clock(booked.time())}." if booked else ""
        )
        self.booked_note.setVisible(booked is not None)
        if booked is None or self._time_by_hand:
            return
        self._setting_time = True
        try:
            self.at.setTime(QTime(booked.hour, booked.minute))
        finally:
            self._setting_time = False

    def _time_edited(self, _time: QTime) -> None:
        if not self._setting_time:
            self._time_by_hand = True

    def closed_then(self, moment: datetime) -> str | None:
        """Why the office was not open at `moment` (a closure, a closed weekday, outside the
        hours or in the break), or None; None too without a calendar to ask."""
        calendar = self._calendar
        if calendar is None:
            return None
        day = moment.date()
        office = quietly(lambda: calendar.office(day, day))
        if office is None:  # not readable now: nothing to ask about
            return None
        closure = office.closure_on(day)
        if closure is not None:
            return f"The office was closed on {format_day(day)}: {closure.reason}."
        hours = office.hours.on(day.weekday())
        weekday = WEEKDAY_NAMES[day.weekday()]
        if hours is None:
            return f"The office is closed on {weekday}s ({format_day(day)})."
        if not any(opens <= moment.time() < closes for opens, closes in hours.spans):
            return (
                f"{format_clock(moment.time())} is outside the office hours on {weekday}s"
                f" ({hours.describe()})."
            )
        return None

    def summary(self) -> str:
        """What will be signed, as the doctor reads it before signing."""
        d = self.draft()
        s = d.settings
        settings = [f"{s.energy_mj:g} mJ", f"{s.density_pct:g} %"]
        settings.append(f"{s.passes} pass{'es' if s.passes != 1 else ''}")
        settings.append(f"spot {s.spot}")
        if s.mode:
            settings.append(f"mode {s.mode}")
        lines = [
            f"Date: {format_moment(d.performed_at)}",
            f"Device: {s.device}",
            f"Settings: {', '.join(settings)}",
            f"Areas: {', '.join(r.label for r in d.areas)}",
            f"Anaesthesia: {d.anaesthesia or '(none recorded)'}",
            f"Antiviral prophylaxis: {'given' if d.antiviral else 'not given'}",
            f"Response: {d.response}",
        ]
        if d.adverse:
            lines.append(f"Adverse events: {d.adverse}")
        if d.notes:
            lines.append(f"Notes: {d.notes}")
        if self.early_text() and self.due is not None:
            lines.append(f"Early (due {say_date(self.due)}): {self.early_text()}")
        return "\n".join(lines)

    def _confirmed(self) -> bool:
        """Asks before a closed day or time, then shows what will be signed: signing is final.

        A session the rules will refuse is not asked about: the refusal says what to fix."""
        draft = self.draft()
        if draft_errors(draft, datetime.max) or timing_refusal(
            self.due, draft.performed_at.date(), self.early_text()
        ):
            return True
        closed = self.closed_then(draft.performed_at)
        if closed and not prompts.confirm(
            self,
            "Log it when the office was closed?",
            f"{closed}\n\nLog this session for {format_moment(draft.performed_at)} anyway?",
            "&Yes, it was done then",
            "&Change the date",
        ):
            self.day.setFocus()
            return False
        return prompts.confirm(
            self,
            f"Sign session {self.number} of {self.series.planned}?",
            f"{self.summary()}\n\nSigning is final: the entry cannot be changed afterwards,"
            " only added to (addenda).",
            "&Sign (final)",
            "&Go back",
        )

    # -- actions -------------------------------------------------------------------------------
    def sign(self) -> None:
        """Signs and saves, or keeps the dialog open with the reasons: nothing half-saved."""
        if not self.day.isValid():  # Ctrl+S too: never signs a day nobody could read
            self.day.setFocus()
            return
        if not self._confirmed():
            return
        signed = self._sign(self.draft(), self.early_text())
        if signed is False:  # refused: `show_refusal` has said why
            return
        self.result_value = signed
        self.accept()

    def show_refusal(self, exc: ServiceError) -> bool:
        """A refusal from the service: each reason next to its field, the rest below."""
        if isinstance(exc, ValidationFailed):
            self._show_errors(exc.errors)
        else:
            self._show_errors({})
            self.error.setText(str(exc))
            self.error.show()
        return True

    def showEvent(self, event) -> None:
        super().showEvent(event)
        # The button box makes its first accept button the default when shown: undo that.
        self.sign_button.setDefault(False)

    def keyPressEvent(self, event) -> None:
        """Enter presses a button that has focus; in a field it does nothing (never signs)."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            focused = self.focusWidget()
            if isinstance(focused, QPushButton):
                focused.click()
            return
        super().keyPressEvent(event)

    def reject(self) -> None:
        """Escape or Cancel: what was typed is only thrown away once the doctor says so."""
        if self._state() != self._initial and not prompts.confirm(
            self,
            "Discard this session?",
            "What you entered for this session has not been signed or saved.",
            "&Discard",
        ):
            return
        super().reject()
