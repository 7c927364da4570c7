"""The CO2 sessions tab: a patient's series at a glance, its signed log, and who is due."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from html import escape
from typing import Any, TypeVar

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from frontdesk.domain.appointments import CO2_SESSION
from frontdesk.domain.assessment import Eligibility
from frontdesk.domain.co2 import MAX_SESSIONS, Series, SeriesStatus, SessionDraft
from frontdesk.domain.dates import format_day, format_moment, format_stamp
from frontdesk.domain.patients import Patient
from frontdesk.domain.staff import Role
from frontdesk.domain.text import counted
from frontdesk.services.calendar import CalendarService
from frontdesk.services.changes import Changes, Entity
from frontdesk.services.clinic import Clinic
from frontdesk.services.errors import ChangedElsewhere, ServiceError
from frontdesk.services.patients import PatientService
from frontdesk.services.recall import Recall, RecallRow
from frontdesk.services.sessions import Proposal, SeriesPage
from frontdesk.services.signed_in import SignedIn
from frontdesk.ui import prompts
from frontdesk.ui.dialogs.booking_dialog import BookingDialog
from frontdesk.ui.dialogs.series_dialog import SeriesDialog
from frontdesk.ui.dialogs.session_dialog import SessionDialog
from frontdesk.ui.dialogs.text_dialog import TextDialog
from frontdesk.ui.models.recall_model import COL_WHAT, RecallModel
from frontdesk.ui.notifier import ChangeNotifier
from frontdesk.ui.operations import BackgroundCall, Operations
from frontdesk.ui.patient_in_front import PatientInFront
from frontdesk.ui.widgets.lists import set_up_record_list
from frontdesk.ui.widgets.patient_picker import PatientPicker
from frontdesk.ui.widgets.series_timeline import SeriesTimeline

T = TypeVar("T")
# What the patient's page is made of: a change to any of these may change what it shows.
PAGE_ENTITIES = (
    Entity.PATIENT,
    Entity.APPOINTMENT,
    Entity.SERIES,
    Entity.SESSION,
    Entity.INTAKE,
    Entity.LASER_ELIGIBILITY,
    Entity.OFFICE_HOURS,
    Entity.CLOSURE,
)
RECALL_BUSY = "Working out the recall lists…"


class SessionsTab(QWidget):
    message = Signal(str)

    def __init__(
        self,
        calendar: CalendarService,
        patients: PatientService,
        actor: Callable[[], SignedIn],
        notifier: ChangeNotifier,
        today: Callable[[], date],
        parent: QWidget | None = None,
        *,
        front: PatientInFront | None = None,
        ops: Operations,
    ) -> None:
        """`front` is the main window's patient in front (the tab makes its own alone).
        Every service call goes through `ops`; the calendar and patient services serve the
        patient list and the booking dialog. The tab refreshes from the changes `notifier`
        announces."""
        super().__init__(parent)
        self._ops = ops  # the one way this view runs a service call
        self.setObjectName("sessionsTab")
        self.front = front if front is not None else PatientInFront(patients, self)
        self._calendar = calendar
        self._patients = patients
        self._actor = actor
        self._today = today
        self.series: Series | None = None
        self.verdict: Eligibility | None = None
        self.page: SeriesPage | None = None
        self.next_offer: Proposal | None = None
        self.review_offers: list[Proposal] = []
        self.dialog: Any = None  # the dialog opened last (tests drive it)
        self.recall: Recall | None = None  # the lists as last answered
        self.recall_call: BackgroundCall | None = None  # the lists being worked out
        self._recall_asked = 0  # answers to an older question are not shown

        # -- the patient's series ----------------------------------------------------------------
        self.picker = PatientPicker(
            patients, today, "sessionsPatients", "for the CO2 series", front=self.front
        )
        self.search, self.model, self.patients = (
            self.picker.search,
            self.picker.model,
            self.picker.table,
        )
        left = self.picker

        self.heading = QLabel("Choose a patient on the left to see their CO2 series.")
        self.heading.setObjectName("sessionsHeading")
        self.heading.setWordWrap(True)
        font = self.heading.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.heading.setFont(font)
        self.glance = QLabel()
        self.glance.setObjectName("seriesGlance")
        self.glance.setTextFormat(Qt.TextFormat.RichText)
        self.glance.setWordWrap(True)
        self.eligibility = QLabel()
        self.eligibility.setObjectName("seriesEligibility")
        self.eligibility.setWordWrap(True)
        self.timeline = SeriesTimeline()
        self.open_button = QPushButton("&Open series…")
        self.log_button = QPushButton("&Log session…")
        self.addendum_button = QPushButton("A&ddendum…")
        self.extend_button = QPushButton("E&xtend…")
        self.pause_button = QPushButton("&Pause…")
        self.resume_button = QPushButton("Res&ume")
        self.end_button = QPushButton("&End early…")
        doctor_row = QHBoxLayout()
        doctor_row.setSpacing(8)
        for button in (
            self.open_button,
            self.log_button,
            self.addendum_button,
            self.extend_button,
            self.pause_button,
            self.resume_button,
            self.end_button,
        ):
            doctor_row.addWidget(button)
        doctor_row.addStretch(1)
        self.doctor_note = QLabel("Only the doctor logs, signs and changes a series.")
        self.doctor_note.setStyleSheet("color: palette(mid);")
        self.next_label = QLabel()
        self.next_label.setObjectName("nextProposal")
        self.next_label.setTextFormat(Qt.TextFormat.RichText)
        self.next_label.setWordWrap(True)
        self.book_next_button = QPushButton("&Book next session…")
        self.book_review_button = QPushButton("Book results re&view…")
        booking_row = QHBoxLayout()
        booking_row.setSpacing(8)
        booking_row.addWidget(self.next_label, 1)
        booking_row.addWidget(self.book_next_button)
        booking_row.addWidget(self.book_review_button)
        self.log = QTextBrowser()
        self.log.setObjectName("sessionLog")
        self.log.setAccessibleName("Signed sessions and addenda")
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(8, 0, 0, 0)
        right_layout.setSpacing(8)
        right_layout.addWidget(self.heading)
        right_layout.addWidget(self.glance)
        right_layout.addWidget(self.eligibility)
        right_layout.addWidget(self.timeline)
        right_layout.addLayout(booking_row)
        right_layout.addLayout(doctor_row)
        right_layout.addWidget(self.doctor_note)
        right_layout.addWidget(self.log, 1)
        patient_page = QSplitter(Qt.Orientation.Horizontal)
        patient_page.addWidget(left)
        patient_page.addWidget(right)
        patient_page.setStretchFactor(1, 1)
        patient_page.setSizes([300, 900])
        patient_page.setChildrenCollapsible(False)

        # -- recall lists ------------------------------------------------------------------------
        self.weeks = QSpinBox()
        self.weeks.setRange(1, 26)
        self.weeks.setValue(4)
        self.weeks.setSuffix(" weeks")
        self.weeks.setAccessibleName("Due within")
        weeks_label = QLabel("Due &within:")
        weeks_label.setBuddy(self.weeks)
        self.recall_book = QPushButton("Boo&k for the selected row…")
        self.recall_open = QPushButton("Open the &patient")
        recall_top = QHBoxLayout()
        recall_top.addWidget(weeks_label)
        recall_top.addWidget(self.weeks)
        recall_top.addStretch(1)
        recall_top.addWidget(self.recall_open)
        recall_top.addWidget(self.recall_book)
        self.recall_models: dict[str, RecallModel] = {}
        self.recall_key = ""  # the list the desk worked in last
        self.recall_views: dict[str, QTableView] = {}
        recall_page = QWidget()
        recall_layout = QVBoxLayout(recall_page)
        recall_layout.setSpacing(8)
        recall_layout.addLayout(recall_top)
        for key, title in (
            ("sessions", "Sessions overdue or due, not booked"),
            ("reviews", "Results reviews due, not booked"),
            ("completed", "Series completed"),
        ):
            model = RecallModel(self)
            view = QTableView()
            set_up_record_list(view, f"recall_{key}")
            view.setAccessibleName(title)
            view.setModel(model)
            view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
            view.horizontalHeader().setSectionResizeMode(COL_WHAT, QHeaderView.ResizeMode.Stretch)
            view.doubleClicked.connect(lambda index, k=key: self._recall_open_row(k, index))
            view.clicked.connect(lambda _index, k=key: self._recall_used(k))
            view.activated.connect(lambda _index, k=key: self._recall_used(k))
            label = QLabel(f"<b>{title}</b>")
            label.setObjectName(f"recallTitle_{key}")
            recall_layout.addWidget(label)
            recall_layout.addWidget(view, 1)
            self.recall_models[key] = model
            self.recall_views[key] = view

        self.pages = QTabWidget()
        self.pages.setObjectName("sessionsPages")
        self.pages.setDocumentMode(True)
        self.pages.addTab(patient_page, "Patient's series")
        self.pages.addTab(recall_page, "Recall lists")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.pages)

        # -- actions (the main window lists them in its CO2 menu) -------------------------------
        self.open_action = self._action("&Open a series…", self.open_series)
        self.log_action = self._action("&Log and sign a session…", self.log_session)
        self.addendum_action = self._action("Add an a&ddendum…", self.add_addendum)
        self.book_next_action = self._action("&Book the next session…", self.book_next)
        self.book_review_action = self._action("Book a results &review…", self.book_review)
        self.recall_action = self._action("&Recall lists", self.show_recall)
        self.recall_action.setShortcut(QKeySequence("Ctrl+R"))
        self.recall_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)

        self.front.changed.connect(self._patient_chosen)
        self.front.updated.connect(lambda _patient: self._show_series())
        self.open_button.clicked.connect(self.open_series)
        self.log_button.clicked.connect(self.log_session)
        self.addendum_button.clicked.connect(self.add_addendum)
        self.extend_button.clicked.connect(self.extend)
        self.pause_button.clicked.connect(self.pause)
        self.resume_button.clicked.connect(self.resume)
        self.end_button.clicked.connect(self.end_early)
        self.book_next_button.clicked.connect(self.book_next)
        self.book_review_button.clicked.connect(self.book_review)
        self.weeks.valueChanged.connect(lambda _weeks: self.refresh_recall())
        self.recall_book.clicked.connect(self._recall_book_selected)
        self.recall_open.clicked.connect(self._recall_open_selected)
        self.pages.currentChanged.connect(lambda i: self.refresh_recall() if i == 1 else None)
        notifier.changes.connect(self._data_changed)

        self._show_series()

    def _action(self, text: str, slot: Callable[[], object]) -> QAction:
        action = QAction(text, self)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    # -- service calls -------------------------------------------------------------------------
    def _read(self, call: Callable[[Clinic], T], title: str = "CO2 series") -> T | None:
        """A read through `ops`; a refusal goes to the status bar, None is returned."""
        got = self._ops.read(self, call, title=title, on_refusal=self._say_refusal)
        return None if got is None else got.value

    def _say_refusal(self, exc: ServiceError) -> bool:
        self.message.emit(str(exc))
        return True

    def _refused_in(self, dialog: Any) -> Callable[[ServiceError], bool]:
        """A refusal said in the dialog; another window's change is shown in the tab first,
        so that trying again saves on the latest."""

        def said(exc: ServiceError) -> bool:
            if isinstance(exc, ChangedElsewhere):
                self._show_series()
            return bool(dialog.show_refusal(exc))

        return said

    def _write(
        self,
        dialog: Any,
        call: Callable[[Clinic], T],
        done: str | Callable[[T], str],
    ) -> bool:
        """A write through `ops` for a dialog's OK: False keeps the dialog open (refused,
        said in it). What it changed is announced; the tab refreshes from that."""
        got = self._ops.write(
            dialog,
            call,
            title=dialog.windowTitle(),
            done=done,
            on_refusal=self._refused_in(dialog),
        )
        return got is not None

    # -- choosing the patient --------------------------------------------------------------
    @property
    def patient(self) -> Patient | None:
        """The patient in front: every button acts on them and nobody else."""
        return self.front.patient

    def choose_patient(self, patient_id: int) -> bool:
        self.pages.setCurrentIndex(0)
        if not self.picker.choose(patient_id):  # not found by the list: straight from the file
            self.front.choose_id(patient_id)
        return self.front.id == patient_id

    def _patient_chosen(self, _patient: Patient | None) -> None:
        """No button ever acts on a patient who is not the one in front of the user."""
        self._show_series()

    def _is_doctor(self) -> bool:
        return self._actor().role is Role.DOCTOR

    # -- showing the series ----------------------------------------------------------------
    def _show_series(self) -> None:
        patient = self.patient
        page = None
        if patient is not None:
            page = self._read(lambda c: c.sessions.page(patient.id))
        self.page = page
        self.series = page.series if page else None
        self.verdict = page.eligibility if page else None
        self.next_offer = page.next_offer if page else None
        self.review_offers = page.review_offers if page else []
        if patient is not None:
            self.heading.setText(patient.full_name)
            self.glance.setText(
                f"<b>{escape(page.glance)}</b>" if page and page.series else "No CO2 series yet."
            )
            self.eligibility.setText(self._verdict_text() if self.verdict else "")
        else:
            self.heading.setText("Choose a patient on the left to see their CO2 series.")
            self.glance.clear()
            self.eligibility.clear()
        booked = page.booked if page else None
        self.timeline.show_series(
            self.series,
            page.office if page else None,
            self._today(),
            booked.appointment.starts.date() if booked else None,
        )
        self.log.setHtml(self._log_html())
        self._show_next()
        self._update_buttons()

    def _verdict_text(self) -> str:
        verdict = self.verdict
        assert verdict is not None
        said = "Laser today: " + ("yes" if verdict.allowed else "no") + " - "
        said += " ".join(verdict.reasons)
        if verdict.overridden:
            said += f" (doctor's override: {verdict.overridden})"
        if verdict.warnings:  # the intake's flags, for the doctor at every session
            said += "\nFor the doctor: " + " ".join(verdict.warnings)
        return said

    def _log_html(self) -> str:
        if self.series is None or not self.series.sessions:
            return "<p>No session logged yet.</p>" + self._earlier_html()
        return self._sessions_html(self.series) + self._earlier_html()

    def _earlier_html(self) -> str:
        """Earlier series stay readable below the current one."""
        earlier = self.page.earlier if self.page else []
        return "".join(
            f"<hr><h2>Earlier series: {escape(glance)}</h2>" + self._sessions_html(old)
            for glance, old in earlier
        )

    def _sessions_html(self, series: Series) -> str:
        parts = []
        for s in reversed(series.sessions):
            d = s.draft
            st = d.settings
            areas = ", ".join(a.label for a in d.areas)
            parts.append(
                f"<h3>Session {s.number} - {format_moment(d.performed_at)}</h3>"
                f"<p>{escape(st.device)}: {st.energy_mj:g} mJ, density {st.density_pct:g} %,"
                f" {st.passes} pass{'es' if st.passes != 1 else ''}, {escape(st.spot)},"
                f" {escape(st.mode)}<br>"
                f"Areas: {escape(areas)}<br>"
                f"Anaesthesia: {escape(d.anaesthesia) or 'none'};"
                f" antiviral prophylaxis: {'given' if d.antiviral else 'not given'}<br>"
                f"Response: {escape(d.response)}"
                + (f"<br>Adverse events: {escape(d.adverse)}" if d.adverse else "")
                + (f"<br>Notes: {escape(d.notes)}" if d.notes else "")
                + (
                    f"<br><i>Before its due date: {escape(s.early_reason)}</i>"
                    if s.early_reason
                    else ""
                )
                + f"<br><small>Signed {escape(format_stamp(s.signed_at))}"
                f" by {escape(s.signed_by)}</small></p>"
            )
            for a in s.addenda:
                parts.append(
                    f"<p style='margin-left:16px'><b>Addendum</b>"
                    f" {escape(format_stamp(a.at))} by {escape(a.staff_name)}:"
                    f" {escape(a.text)}</p>"
                )
        return "".join(parts)

    def _show_next(self) -> None:
        if self.series is None:
            self.next_label.clear()
            return
        lines = []
        for offer in [self.next_offer, *self.review_offers]:
            if offer is None:
                continue
            if offer.booked is not None:
                a = offer.booked.appointment
                lines.append(f"{escape(offer.why)} Booked: {format_moment(a.starts)}.")
                continue
            free = (
                f"first free time {format_moment(offer.starts)}"
                if offer.starts
                else "no free time found"
            )
            lines.append(f"{escape(offer.why.rstrip('.'))}. Offered: {free}.")
        self.next_label.setText("<br>".join(lines))

    def _update_buttons(self) -> None:
        doctor = self._is_doctor()
        s = self.series
        running = s is not None and s.open
        active = s is not None and s.status is SeriesStatus.ACTIVE
        allowed = self.verdict is not None and self.verdict.allowed
        self.open_button.setEnabled(doctor and self.patient is not None and not running and allowed)
        self.log_button.setEnabled(
            doctor and s is not None and active and s.done < s.planned and allowed
        )
        why_not = "" if allowed or self.verdict is None else " ".join(self.verdict.reasons)
        for button in (self.open_button, self.log_button):
            button.setToolTip(f"Laser is not allowed today: {why_not}" if why_not else "")
        self.addendum_button.setEnabled(doctor and s is not None and bool(s.sessions))
        self.extend_button.setEnabled(
            doctor
            and s is not None
            and s.status is not SeriesStatus.ENDED
            and s.planned < MAX_SESSIONS
        )
        self.pause_button.setEnabled(doctor and active)
        self.resume_button.setEnabled(doctor and s is not None and s.status is SeriesStatus.PAUSED)
        self.end_button.setEnabled(doctor and running)
        self.doctor_note.setVisible(not doctor)
        self.book_next_button.setEnabled(
            self.next_offer is not None and self.next_offer.booked is None
        )
        self.book_review_button.setEnabled(bool(self.review_offers))
        for action, button in (
            (self.open_action, self.open_button),
            (self.log_action, self.log_button),
            (self.addendum_action, self.addendum_button),
            (self.book_next_action, self.book_next_button),
            (self.book_review_action, self.book_review_button),
        ):
            action.setEnabled(button.isEnabled())

    def staff_changed(self) -> None:
        self._update_buttons()

    def _data_changed(self, changes: Changes) -> None:
        """What another call changed (this tab's own writes included): the patient list, the
        page and the recall lists follow what it names, and nothing else moves them."""
        if changes.touches(Entity.PATIENT):
            self.model.reload()
        if not changes.touches(*PAGE_ENTITIES):
            return
        self._show_series()
        if self.pages.currentIndex() == 1:
            self.refresh_recall(say=False)  # the status bar keeps the line of the change

    # -- the doctor's steps ----------------------------------------------------------------
    def _open(self, dialog: Any) -> Any:
        dialog.finished.connect(dialog.deleteLater)
        self.dialog = dialog
        dialog.open()
        return dialog

    def open_series(self) -> SeriesDialog | None:
        patient = self.patient
        if patient is None:
            return None
        suggested = self._read(lambda c: c.sessions.suggestion(patient.id))
        if suggested is None:
            return None
        planned, why = suggested
        warnings = self.verdict.warnings if self.verdict else ()
        dialog: SeriesDialog

        def save(n: int) -> bool:
            actor = self._actor()
            return self._write(
                dialog,
                lambda c: c.sessions.open_series(actor, patient.id, n),
                f"CO2 series of {n} opened for {patient.full_name}.",
            )

        dialog = SeriesDialog(
            f"Open a CO2 series for {patient.full_name}",
            f"Suggested: {planned} sessions. {why}",
            planned,
            0,
            "&Open series",
            save,
            warnings=warnings,
            parent=self,
        )
        return self._open(dialog)

    def log_session(self) -> SessionDialog | None:
        s = self.series
        if s is None:
            return None
        due = self.page.next_due if self.page else None
        previous = s.last.draft if s.last else None
        number = s.done + 1
        form: SessionDialog

        def sign(draft: SessionDraft, why: str) -> bool:
            actor = self._actor()
            return self._write(
                form,
                lambda c: c.sessions.log_session(actor, s.id, draft, why, number=number),
                f"Session {number} of {s.planned} signed.",
            )

        form = SessionDialog(
            s,
            due,
            self._todays_visit() or self._calendar.now(),
            previous,
            sign,
            parent=self,
            calendar=self._calendar,
        )
        self._open(form)
        name = self.patient.full_name if self.patient else ""
        form.setWindowTitle(f"{form.windowTitle()} - {name}")
        form.header.setText(f"<b>{escape(name)}</b>. {escape(form.header.text())}")
        if self.verdict is not None and self.verdict.warnings:
            form.header.setText(
                form.header.text()
                + "<br><span style='color:#8a5300'>For the doctor: "
                + escape(" ".join(self.verdict.warnings))
                + "</span>"
            )
        form.accepted.connect(self._offer_next)
        return form

    def _todays_visit(self) -> datetime | None:
        """Today's CO2 visit on the calendar: the session's time, rather than 'now'."""
        booked = self.page.booked if self.page else None
        if booked is not None and booked.appointment.starts.date() == self._today():
            return booked.appointment.starts
        return None

    def _version(self) -> int:
        assert self.series is not None
        return self.series.version

    def _offer_next(self) -> None:
        """Signed: the next session comes up already placed; it is booked only on a click."""
        stray = self._still_booked(self.series) if self.series else ""
        if stray:
            prompts.inform(self, "A CO2 visit is still booked", stray.strip())
        offer = self.next_offer
        if offer is not None and offer.starts is not None and offer.booked is None:
            self.book_next()

    def add_addendum(self) -> TextDialog | None:
        s = self.series
        if s is None or not s.sessions:
            return None
        choices = [
            (f"Session {x.number} - {format_day(x.draft.performed_at.date())}", x.id)
            for x in reversed(s.sessions)
        ]
        dialog: TextDialog

        def save(text: str, session_id: int) -> bool:
            actor = self._actor()
            return self._write(
                dialog,
                lambda c: c.sessions.add_addendum(actor, session_id, text),
                "Addendum added.",
            )

        dialog = TextDialog(
            f"Addendum to a signed session - {self.patient.full_name if self.patient else ''}",
            "The signed entry stays as it is; this note is added under it, with your name"
            " and the time.",
            "&Add addendum",
            save,
            choices=choices,
            parent=self,
        )
        return self._open(dialog)

    def extend(self) -> SeriesDialog | None:
        s = self.series
        if s is None:
            return None
        dialog: SeriesDialog

        def save(n: int) -> bool:
            actor, version = self._actor(), self._version()  # the latest shown
            return self._write(
                dialog,
                lambda c: c.sessions.extend(actor, s.id, n, version),
                f"Series extended to {n} sessions.",
            )

        dialog = SeriesDialog(
            f"Extend the series - {self.patient.full_name if self.patient else ''}",
            f"The series plans {s.planned} sessions; it can go up to {MAX_SESSIONS}.",
            s.planned + 1,
            s.planned + 1,
            "&Extend",
            save,
            parent=self,
        )
        return self._open(dialog)

    def pause(self) -> TextDialog | None:
        return self._stop(
            "Pause the series", "Why is the series paused?", "&Pause", "pause", "Series paused."
        )

    def end_early(self) -> TextDialog | None:
        return self._stop(
            "End the series early",
            "Why does the series end early?",
            "&End series",
            "end_early",
            "Series ended early.",
        )

    def _stop(
        self, title: str, question: str, label: str, how: str, said: str
    ) -> TextDialog | None:
        s = self.series
        if s is None or self.patient is None:
            return None
        dialog: TextDialog

        def save(text: str) -> bool:
            actor, version = self._actor(), self._version()  # the latest shown
            return self._write(
                dialog,
                lambda c: getattr(c.sessions, how)(actor, s.id, text, version),
                lambda stopped: said + self._still_booked(stopped),
            )

        dialog = TextDialog(
            f"{title} - {self.patient.full_name}", question, label, save, parent=self
        )
        return self._open(dialog)

    def resume(self) -> None:
        s = self.series
        if s is None:
            return
        actor, version = self._actor(), self._version()

        def refused(exc: ServiceError) -> bool:
            if isinstance(exc, ChangedElsewhere):
                self._show_series()
            return False  # said by `ops` in a message box

        self._ops.write(
            self,
            lambda c: c.sessions.resume(actor, s.id, version),
            title="Not resumed",
            done="Series resumed.",
            on_refusal=refused,
        )

    def _still_booked(self, series: Series) -> str:
        """Visits the series no longer needs (done early, completed, paused, ended): the desk
        is told, and cancels them on the Calendar tab if they are not wanted."""
        stray = self._read(lambda c: c.sessions.stray_bookings(c.sessions.get(series.id)))
        if not stray:
            return ""
        when = ", ".join(f"{format_moment(a.appointment.starts)}" for a in stray)
        return (
            f" Still booked for a CO2 session: {when}; cancel it on the Calendar tab if unneeded."
        )

    # -- booking ---------------------------------------------------------------------------
    def book_next(self) -> BookingDialog | None:
        return self._book(self.next_offer)

    def book_review(self) -> BookingDialog | None:
        return self._book(self.review_offers[0] if self.review_offers else None)

    def _book(self, offer: Proposal | None, patient: Patient | None = None) -> BookingDialog | None:
        """The offer shown in the booking dialog, already placed; booked only on its click
        (the booking dialog writes through `ops`, which announces the new appointment)."""
        patient = patient or self.patient
        if offer is None or patient is None:
            return None
        dialog = BookingDialog(
            self._calendar,
            self._patients,
            self._actor,
            self._today,
            ops=self._ops,
            patient=patient,
            starts=offer.starts,
            type_code=offer.type_code,
            parent=self,
        )
        dialog.accepted.connect(lambda: self._booked(dialog))
        dialog.finished.connect(dialog.deleteLater)
        self.dialog = dialog
        dialog.open()
        return dialog

    def _booked(self, dialog: BookingDialog) -> None:
        listed = dialog.result_listed
        if listed is None:
            return
        a = listed.appointment
        self.message.emit(
            f"Booked: {listed.patient_name}, {listed.type_name} {format_moment(a.starts)}."
        )

    # -- recall --------------------------------------------------------------------------------
    def show_recall(self) -> None:
        if self.pages.currentIndex() == 1:
            self.refresh_recall()
        else:
            self.pages.setCurrentIndex(1)  # the page, once shown, asks for the lists

    def refresh_recall(self, *, say: bool = True) -> BackgroundCall:
        """The lists are worked out in the background (the tab stays in use, the status bar
        says so); they fill when the answer arrives, with how many to book said when `say`.
        Only the latest question is shown."""
        self._recall_asked += 1
        asked, weeks = self._recall_asked, self.weeks.value()

        def arrived(recall: Recall) -> None:
            if asked == self._recall_asked and isValid(self):
                self._show_recall(recall, say)

        self.recall_call = self._ops.in_background(
            self,
            lambda c: c.sessions.recall(weeks),
            title="Recall lists",
            busy=RECALL_BUSY,
            on_done=arrived,
            on_refusal=self._say_refusal,
        )
        return self.recall_call

    def _show_recall(self, recall: Recall, say: bool) -> None:
        self.recall = recall
        self.recall_models["sessions"].set_rows(recall.sessions_due)
        self.recall_models["reviews"].set_rows(recall.reviews_due)
        self.recall_models["completed"].set_rows(recall.completed)
        if say:  # in place of the busy line
            self.message.emit(
                f"Recall lists: {counted(len(recall.sessions_due), 'session')} and"
                f" {counted(len(recall.reviews_due), 'review')} to book."
            )

    def _recall_used(self, key: str) -> None:
        """One row at a time across the three lists: the others lose their selection."""
        self.recall_key = key
        for other, view in self.recall_views.items():
            if other != key:
                view.clearSelection()
                view.setCurrentIndex(view.model().index(-1, -1))

    def _selected_recall(self) -> RecallRow | None:
        view = self.recall_views.get(self.recall_key)
        if view is None or not view.currentIndex().isValid():
            return None
        return self.recall_models[self.recall_key].row_at(view.currentIndex().row())

    def _recall_open_row(self, key: str, index: QModelIndex) -> None:
        row = self.recall_models[key].row_at(index.row())
        if row is not None:
            self.choose_patient(row.patient_id)

    def _recall_open_selected(self) -> None:
        row = self._selected_recall()
        if row is not None:
            self.choose_patient(row.patient_id)

    def _recall_book_selected(self) -> BookingDialog | None:
        row = self._selected_recall()
        if row is None:
            prompts.inform(self, "Recall", "Select a row in one of the lists first.")
            return None

        def offers_for(c: Clinic) -> tuple[list[Proposal | None], Patient]:
            series = c.sessions.get(row.series_id)
            offers: list[Proposal | None] = (
                [c.sessions.next_session_proposal(series)]
                if row.type_code == CO2_SESSION
                else list(c.sessions.review_proposals(series))
            )
            return offers, c.patients.get(row.patient_id)

        got = self._ops.read(self, offers_for, title="Recall")
        if got is None:
            return None
        offers, patient = got.value
        offer = next((o for o in offers if o is not None and o.starts is not None), None)
        if offer is None:
            prompts.inform(
                self, "Recall", "Nothing to book for this row now: open the patient to see why."
            )
            return None
        return self._book(offer, patient)
