"""The main window: a tab per working area, menus, status bar, who is signed in."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QRect, QSettings, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QMenu,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from frontdesk import __version__
from frontdesk.domain.appointments import ListedAppointment, Status
from frontdesk.domain.clinic import CLINIC_CITY, CLINIC_NAME
from frontdesk.domain.dates import format_day
from frontdesk.domain.permissions import Permission, allows, who_may
from frontdesk.services import encryption
from frontdesk.services.clinic import Clinic
from frontdesk.services.errors import ServiceError
from frontdesk.services.signed_in import SignedIn
from frontdesk.ui import prompts
from frontdesk.ui.live_updates import LiveUpdates
from frontdesk.ui.notifier import ChangeNotifier
from frontdesk.ui.operations import Operations
from frontdesk.ui.patient_in_front import PatientInFront, describe
from frontdesk.ui.session import DeskSession
from frontdesk.ui.tabs.patients_tab import PatientsTab
from frontdesk.ui.widgets.patient_detail import PatientRecord

if TYPE_CHECKING:
    from frontdesk.ui.tabs.calendar_tab import CalendarTab
    from frontdesk.ui.tabs.intake_tab import IntakeTab
    from frontdesk.ui.tabs.sessions_tab import SessionsTab

GEOMETRY_KEY = "window/geometry"
STATE_KEY = "window/state"
STATUS_TIMEOUT_MS = 6000
FIRST_SIZE = QSize(1440, 900)  # the size wished for; never more than the screen offers
RECOVERY_SHEET = Permission.BACKUP  # the key opens every backup: the admin's, as backups are


class MainWindow(QMainWindow):
    lock_minutes_changed = Signal(int)  # the admin changed the inactivity lock's delay

    def __init__(
        self,
        clinic: Clinic,
        settings: QSettings,
        today: Callable[[], date],
        user: SignedIn,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.demo = clinic.login.is_demo()
        # The demo's logins are public: it says so in every window title, never to be mistaken.
        demo_mark = " - DEMO, fictional patients" if self.demo else ""
        self.setWindowTitle(f"Frontdesk - {CLINIC_NAME}{demo_mark}")
        self._settings = settings
        self.notifier = ChangeNotifier(self)
        # Every service call of this window's tabs and dialogs runs through here.
        self.ops = Operations(clinic, self.notifier, self.show_message, self)
        self.session = DeskSession(user)
        # One owner of "which patient": the tabs, the booking and the bar below all read it;
        # only a person picking another changes it (never a save, a refresh or a sign-in).
        self.front = PatientInFront(clinic.patients, self)
        # First to hear a change: every tab then reads the patient in front as stored now.
        self.notifier.changes.connect(self.front.follow)
        self._clinic = clinic

        self.patients_tab = PatientsTab(
            self.ops,
            lambda: self.session.current,
            today,
            front=self.front,
            record=lambda patient_id: record_of(clinic, patient_id),
        )
        self.tabs = QTabWidget()
        self.tabs.setObjectName("mainTabs")
        self.tabs.setDocumentMode(True)
        # Tabs carry no Alt mnemonic (the menus own those); Ctrl+1... switch between them.
        self.tabs.addTab(self.patients_tab, "Patients")
        # The Intake tab is built the first time it is needed: start-up shows the registry
        # sooner, and a receptionist who never opens it never pays for it.
        self._today = today
        self._intake_tab: IntakeTab | None = None
        self._calendar_tab: CalendarTab | None = None
        self.intake_page = self._add_page("intakePage", "Intake")
        self.calendar_page = self._add_page("calendarPage", "Calendar")
        self._sessions_tab: SessionsTab | None = None
        self._role_bound: list[tuple[QAction, Permission]] = []  # greyed by role (CO2 menu)
        self.sessions_page = self._add_page("sessionsPage", "CO2 sessions")
        self.tabs.currentChanged.connect(self._tab_shown)
        self.session.staff_changed.connect(self._staff_changed_for_intake)

        # The patient in front, named in one place that every tab shows.
        self.front_label = QLabel()
        self.front_label.setObjectName("patientInFront")
        self.front_label.setAccessibleName("Patient in front")
        self.front_label.setToolTip(
            "The patient every tab, menu entry and booking is about now. Choose another in a"
            " list to change it."
        )
        self.front_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.front_label.setContentsMargins(8, 4, 8, 4)
        font = self.front_label.font()
        font.setBold(True)
        self.front_label.setFont(font)
        self.front_label.setStyleSheet("background: palette(alternate-base);")
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.front_label)
        column.addWidget(self.tabs, 1)
        self.setCentralWidget(central)
        self.front.changed.connect(self._show_front)
        self.front.updated.connect(self._show_front)
        self.front.picked.connect(self._record_view)
        self.session.staff_changed.connect(lambda _member: self._record_view(self.front.patient))
        self._show_front(None)
        self._focused_once = False

        self.user_label = QLabel()
        self.user_label.setObjectName("signedIn")
        self.user_label.setToolTip("Every change made in this window is recorded under this name.")
        self.lock_button = QToolButton()
        self.lock_button.setObjectName("lockButton")
        self.lock_button.setAccessibleName("Lock Frontdesk")
        # The file's name, or the clinic server's database (its user, host and name).
        self.db_label = QLabel(clinic.server_name or clinic.path.name)
        self.db_label.setObjectName("databasePath")
        self.db_label.setToolTip(f"The clinic database this window works on: {clinic.where}")
        bar = self.statusBar()
        if self.demo:
            demo_label = QLabel(" DEMO ")
            demo_label.setObjectName("demoMark")
            demo_label.setStyleSheet("background: #f5c542; color: #1f1f1f; font-weight: bold;")
            demo_label.setToolTip("The demo clinic: fictional patients, public passwords.")
            bar.addPermanentWidget(demo_label)
        bar.addPermanentWidget(self.db_label)
        bar.addPermanentWidget(self.user_label)
        bar.addPermanentWidget(self.lock_button)
        self.patients_tab.message.connect(self.show_message)
        detail = self.patients_tab.detail
        detail.book_requested.connect(lambda _id: self.book_for_selected())
        detail.move_requested.connect(self.move_appointment)
        detail.cancel_requested.connect(self._cancel_menu)
        detail.handout_requested.connect(lambda _id: self.print_handout())
        detail.intake_requested.connect(lambda _id: self.open_intake_of_selected())
        detail.series_requested.connect(lambda _id: self.open_series_of_front())

        self._build_menus()
        self.lock_button.setDefaultAction(self.lock_action)
        self.session.staff_changed.connect(self._show_role)
        self._show_role(user)
        self._restore_geometry()
        # What other windows and workstations save shows here without a click.
        self.live = LiveUpdates(self.ops, self)
        self.live.start()

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        # The lock guard (ui/lock.py) connects to it; without one it does nothing.
        self.lock_action = QAction("&Lock", self)
        self.lock_action.setShortcut(QKeySequence("Ctrl+L"))
        self.lock_action.setToolTip(
            "Hide patient information until the password is entered again (Ctrl+L)."
            " Someone else can sign in from the lock screen."
        )
        file_menu.addAction(self.lock_action)
        file_menu.addSeparator()
        for number in range(self.tabs.count()):
            go = QAction(f"Go to {self.tabs.tabText(number)}", self)
            go.setShortcut(QKeySequence(f"Ctrl+{number + 1}"))
            go.triggered.connect(lambda _checked=False, n=number: self.tabs.setCurrentIndex(n))
            file_menu.addAction(go)
        self.clinic_details_action = QAction("&Clinic details (for handouts)…", self)
        self.clinic_details_action.triggered.connect(self.edit_clinic_details)
        file_menu.addSeparator()
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)

        tab = self.patients_tab
        patients = self.menuBar().addMenu("&Patients")
        find = QAction("&Find patient", self)
        find.setShortcut(QKeySequence.StandardKey.Find)
        find.triggered.connect(self.find_patient)
        patients.addAction(find)
        for action in (tab.new_action, tab.open_action):
            patients.addAction(action)
        patients.addSeparator()
        patients.addAction(tab.archive_action)
        patients.addAction(tab.restore_action)
        show_archived = QAction("Show archi&ved patients", self)
        show_archived.setCheckable(True)
        show_archived.toggled.connect(tab.show_archived.setChecked)
        tab.show_archived.toggled.connect(show_archived.setChecked)
        patients.addAction(show_archived)

        # One Ctrl+B for the whole window: the selected patient, or the calendar's cursor.
        self.book_action = QAction("&Book an appointment…", self)
        self.book_action.setShortcut(QKeySequence("Ctrl+B"))
        self.book_action.triggered.connect(self.book_for_selected)
        patients.addAction(self.book_action)

        self.intake_menu = self.menuBar().addMenu("&Intake")
        self.intake_menu.aboutToShow.connect(lambda: self.intake_tab)  # built to fill it
        open_intake = QAction("Open the patient's &intake", self)
        open_intake.setShortcut(QKeySequence("Ctrl+I"))
        open_intake.triggered.connect(self.open_intake_of_selected)
        patients.addAction(open_intake)

        # One "print a handout" for the whole window: for the patient in front, whichever tab.
        self.handout_action = QAction("Print a &handout…", self)
        self.handout_action.setShortcut(QKeySequence("Ctrl+Shift+P"))
        self.handout_action.triggered.connect(self.print_handout)
        patients.addAction(self.handout_action)
        self.intake_menu.addAction(self.handout_action)

        self.calendar_menu = self.menuBar().addMenu("&Calendar")
        self.calendar_menu.aboutToShow.connect(lambda: self.calendar_tab)  # built to fill it

        self.sessions_menu = self.menuBar().addMenu("C&O2")
        self.sessions_menu.aboutToShow.connect(lambda: self.sessions_tab)  # built to fill it

        self.admin_menu = self.menuBar().addMenu("&Admin")
        for menu in (file_menu, self.admin_menu, self.calendar_menu, self.sessions_menu):
            menu.setToolTipsVisible(True)  # a greyed entry says who may use it
        self.accounts_action = QAction("Staff &accounts…", self)
        self.accounts_action.triggered.connect(self.show_accounts)
        self.audit_action = QAction("Audit &trail…", self)
        self.audit_action.triggered.connect(self.show_audit)
        self.admin_settings_action = QAction("&Lock delay and backups…", self)
        self.admin_settings_action.triggered.connect(self.show_admin_settings)
        for action in (self.accounts_action, self.audit_action, self.admin_settings_action):
            self.admin_menu.addAction(action)
        self.admin_menu.addAction(self.clinic_details_action)
        self.admin_menu.addSeparator()
        self.recovery_sheet_action = QAction("Print the &recovery sheet…", self)
        self.recovery_sheet_action.setObjectName("recoverySheetAction")
        self.recovery_sheet_action.triggered.connect(self.print_recovery_sheet)
        self.admin_menu.addAction(self.recovery_sheet_action)

        help_menu = self.menuBar().addMenu("&Help")
        about = QAction("&About Frontdesk", self)
        about.triggered.connect(self._about)
        help_menu.addAction(about)

    def _add_page(self, name: str, title: str) -> QWidget:
        """A tab whose content is built the first time it is shown (see the properties)."""
        page = QWidget()
        page.setObjectName(name)
        QVBoxLayout(page).setContentsMargins(0, 0, 0, 0)
        self.tabs.addTab(page, title)
        return page

    def _fill_page(self, page: QWidget, tab: CalendarTab | IntakeTab | SessionsTab) -> None:
        layout = page.layout()
        assert layout is not None  # made with the page (_add_page)
        layout.addWidget(tab)
        tab.show()  # added to a page that may already be on screen
        tab.message.connect(self.show_message)

    @property
    def calendar_tab(self) -> CalendarTab:
        if self._calendar_tab is None:
            from frontdesk.ui.tabs.calendar_tab import CalendarTab

            clinic = self._clinic
            tab = CalendarTab(
                clinic.calendar,
                clinic.patients,
                lambda: self.session.current,
                self.notifier,
                self._today,
                settings=self._settings,
                ops=self.ops,
            )
            self._fill_page(self.calendar_page, tab)
            for action in (self.book_action, tab.print_action, tab.pdf_action):
                self.calendar_menu.addAction(action)
            self.calendar_menu.addSeparator()
            for action in (
                tab.today_action,
                tab.previous_action,
                tab.next_action,
                tab.week_action,
                tab.day_action,
            ):
                self.calendar_menu.addAction(action)
            self.calendar_menu.addSeparator()
            self.calendar_menu.addAction(self.handout_action)
            self.calendar_menu.addAction(tab.hours_action)
            tab.hours_action.setEnabled(allows(self.session.current.role, Permission.SETTINGS))
            self._calendar_tab = tab
        return self._calendar_tab

    @property
    def sessions_tab(self) -> SessionsTab:
        if self._sessions_tab is None:
            from frontdesk.ui.tabs.sessions_tab import SessionsTab

            clinic = self._clinic
            tab = SessionsTab(
                clinic.calendar,
                clinic.patients,
                lambda: self.session.current,
                self.notifier,
                self._today,
                front=self.front,
                ops=self.ops,
            )
            self._fill_page(self.sessions_page, tab)
            doctors = (
                (tab.open_action, Permission.CO2_SERIES),
                (tab.log_action, Permission.SIGN_SESSION),
                (tab.addendum_action, Permission.SIGN_SESSION),
            )
            for action, needs in doctors:
                self.sessions_menu.addAction(self._in_sessions(action, needs))
            self.sessions_menu.addSeparator()
            for action in (tab.book_next_action, tab.book_review_action, tab.recall_action):
                self.sessions_menu.addAction(self._in_sessions(action))
            self.sessions_menu.addSeparator()
            self.sessions_menu.addAction(self.handout_action)
            self._sessions_tab = tab
        return self._sessions_tab

    def _in_sessions(self, action: QAction, needs: Permission | None = None) -> QAction:
        """A CO2 menu entry acts in the CO2 tab, on the patient in front (named in the bar
        above the tabs): never on a patient out of sight. One the role signed in may not use
        is greyed, and says who may."""
        proxy = QAction(action.text(), self)
        if needs is not None:
            self._role_bound.append((proxy, needs))
            self._grey_unless_allowed(proxy, needs, self.session.current)
        if not action.shortcut().isEmpty():  # one owner for the keys: the menu entry
            proxy.setShortcut(action.shortcut())
            action.setShortcut(QKeySequence())

        def run() -> None:
            tab = self.show_sessions()
            if action.isEnabled():
                action.trigger()
            else:
                who = tab.patient.full_name if tab.patient else "no patient chosen"
                self.show_message(
                    f"{action.text().replace('&', '').rstrip('…')}: not possible now ({who})."
                )

        proxy.triggered.connect(run)
        return proxy

    def patient_in_front(self):
        """(the patient the tab in front is about, the handout that fits that tab)."""
        from frontdesk.domain.handouts import Kind

        page = self.tabs.currentWidget()
        if page is self.intake_page:
            return self.front.patient, Kind.DARK_MARKS
        if page is self.calendar_page and self._calendar_tab is not None:
            # The handout that fits the selected visit: a consultation, a session, a review.
            kind = {
                "co2_session": Kind.LASER_CARE,
                "results_review": Kind.CO2_PLAN,
            }.get(self._calendar_tab.selected_type(), Kind.CONSULTATION)
            return self._calendar_tab.selected_patient(), kind
        if page is self.sessions_page:
            return self.front.patient, Kind.CO2_PLAN
        return self.front.patient, Kind.DARK_MARKS

    def _show_front(self, _patient=None) -> None:
        self.front_label.setText(describe(self.front.patient))

    def _record_view(self, patient) -> None:
        """Who looked at whose record goes in the audit trail (once per look: the service
        leaves out the same look again within minutes)."""
        if patient is None:
            return
        actor = self.session.current
        self.ops.read(
            self,
            lambda c: c.record_views.viewed(actor, patient.id),
            title="Record view",
            on_refusal=self._said_in_status_bar,
        )

    def _said_in_status_bar(self, exc: ServiceError) -> bool:
        """A refusal that needs no box (the record was shown; its view line was not kept)."""
        self.show_message(str(exc))
        return True

    def edit_clinic_details(self):
        from frontdesk.ui.dialogs.clinic_dialog import ClinicDialog

        dialog = ClinicDialog(self.ops, lambda: self.session.current, parent=self)
        dialog.accepted.connect(lambda: self.show_message("Clinic details saved."))
        dialog.finished.connect(dialog.deleteLater)
        self.clinic_dialog = dialog
        dialog.open()
        return dialog

    def show_accounts(self):
        from frontdesk.ui.dialogs.accounts_dialog import AccountsDialog

        dialog = AccountsDialog(self.ops, lambda: self.session.current, parent=self)
        return self._open_admin_dialog(dialog)

    def show_audit(self):
        from frontdesk.ui.dialogs.audit_dialog import AuditDialog

        clinic = self._clinic
        dialog = AuditDialog(
            clinic.patients,
            lambda: self.session.current,
            today=self._today,
            parent=self,
            ops=self.ops,
        )
        return self._open_admin_dialog(dialog)

    def show_admin_settings(self):
        from frontdesk.ui.dialogs.admin_settings_dialog import AdminSettingsDialog

        dialog = AdminSettingsDialog(self.ops, lambda: self.session.current, parent=self)
        dialog.lock_minutes_changed.connect(self.lock_minutes_changed)
        return self._open_admin_dialog(dialog)

    def _no_recovery_sheet(self) -> str | None:
        """Why this clinic has no recovery sheet to print (None: it has one)."""
        if encryption.is_encrypted(self._clinic.path):
            return None
        if self.demo:
            return "The demo clinic is not encrypted: it has no recovery key to print."
        return "This clinic database is not encrypted: it has no recovery key to print."

    def print_recovery_sheet(self):
        """Admin > Print the recovery sheet: the open clinic's key on paper (or in a PDF)."""
        from frontdesk.ui.recovery_sheet import RecoverySheetDialog

        recovery_text = encryption.recovery_text_for(self._clinic.path)
        if recovery_text is None or not allows(self.session.current.role, RECOVERY_SHEET):
            self.show_message(self.recovery_sheet_action.toolTip())
            return None
        info = self.ops.read(
            self,
            lambda c: c.handouts.clinic_info(),
            title="Recovery sheet",
            on_refusal=lambda _exc: True,  # the sheet then names the clinic as the title bar
        )
        name = info.value.name if info is not None and info.value.name else CLINIC_NAME
        dialog = RecoverySheetDialog(recovery_text, name, self._clinic.path.name, parent=self)
        dialog.finished.connect(dialog.deleteLater)
        self.recovery_dialog = dialog
        dialog.open()
        return dialog

    def _open_admin_dialog(self, dialog):
        if hasattr(dialog, "message"):
            dialog.message.connect(self.show_message)
        dialog.finished.connect(dialog.deleteLater)
        self.admin_dialog = dialog
        dialog.open()
        return dialog

    def print_handout(self):
        """Ctrl+Shift+P: a handout for the patient in front (preview, print or PDF)."""
        from frontdesk.ui.dialogs.handout_dialog import HandoutDialog

        patient, kind = self.patient_in_front()
        if patient is None:
            self.show_message("Choose a patient first: the handout is made for them.")
            return None
        dialog = HandoutDialog(
            self._clinic.handouts,
            lambda: self.session.current,
            patient,
            kind,
            parent=self,
            ops=self.ops,
        )
        dialog.finished.connect(dialog.deleteLater)
        dialog.recorded.connect(self.show_message)
        self.handout_dialog = dialog
        dialog.open()
        return dialog

    def show_sessions(self) -> SessionsTab:
        self.tabs.setCurrentWidget(self.sessions_page)
        return self.sessions_tab

    def show_calendar(self) -> CalendarTab:
        self.tabs.setCurrentWidget(self.calendar_page)
        return self.calendar_tab

    def book_for_selected(self):
        """Ctrl+B: book the patient in front (in the calendar, at its cursor if ahead)."""
        in_calendar = self.tabs.currentWidget() is self.calendar_page
        patient = self.front.patient
        if patient is not None and patient.archived:
            patient = None  # an archived patient is restored before booking
        tab = self.show_calendar()
        if patient is None:
            return tab.book()
        cursor = tab.view.keyboard_cursor if in_calendar else None
        starts = cursor if cursor is not None and cursor >= self._clinic.calendar.now() else None
        return tab.book(starts=starts, patient=patient)

    def move_appointment(self, listed: ListedAppointment):
        """Move… in the patient's record: the booking dialog, moving that appointment."""
        return self.calendar_tab.move_appointment(listed)

    def cancel_appointment(self, listed: ListedAppointment, status: Status):
        """Cancel… in the patient's record (asks first, as the calendar does)."""
        return self.calendar_tab.change_status(listed, status)

    def _cancel_menu(self, listed: ListedAppointment) -> QMenu:
        button = self.patients_tab.detail.cancel_button
        menu = QMenu(self)
        menu.setObjectName("cancelMenu")
        for status in (Status.CANCELLED_BY_PATIENT, Status.CANCELLED_BY_CLINIC):
            item = menu.addAction(status.label)
            item.triggered.connect(lambda _=False, s=status: self.cancel_appointment(listed, s))
        self.cancel_menu = menu
        menu.popup(button.mapToGlobal(button.rect().bottomLeft()))
        return menu

    def open_series_of_front(self) -> SessionsTab:
        tab = self.show_sessions()
        tab.pages.setCurrentIndex(0)
        return tab

    @property
    def intake_tab(self) -> IntakeTab:
        if self._intake_tab is None:
            from frontdesk.ui.tabs.intake_tab import IntakeTab

            tab = IntakeTab(
                self.ops,
                lambda: self.session.current,
                self._today,
                front=self.front,
            )
            self._fill_page(self.intake_page, tab)
            for action in (tab.new_action, tab.correct_action, tab.save_action, tab.cancel_action):
                self.intake_menu.addAction(action)
            self.intake_menu.addSeparator()
            self.intake_menu.addAction(tab.questions_action)
            self.intake_menu.addAction(tab.override_action)
            self._intake_tab = tab
        return self._intake_tab

    def show_intake(self) -> IntakeTab:
        self.tabs.setCurrentWidget(self.intake_page)
        return self.intake_tab

    def _tab_shown(self, _index: int) -> None:
        if self.tabs.currentWidget() is self.intake_page:
            _ = self.intake_tab
        elif self.tabs.currentWidget() is self.calendar_page:
            _ = self.calendar_tab
        elif self.tabs.currentWidget() is self.sessions_page:
            _ = self.sessions_tab

    def _staff_changed_for_intake(self, _member) -> None:
        if self._intake_tab is not None:
            self._intake_tab.staff_changed()
        if self._sessions_tab is not None:
            self._sessions_tab.staff_changed()

    def open_intake_of_selected(self) -> None:
        """Straight to the intake of the patient in front."""
        self.show_intake()
        if self.front.patient is None:
            self.show_message("Choose a patient first: the intake shown is theirs.")

    def find_patient(self) -> None:
        """Ctrl+F searches in whichever tab is in front."""
        if self.tabs.currentWidget() is self.intake_page:
            search = self.intake_tab.search
        else:
            search = self.patients_tab.search
        search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        search.selectAll()

    @staticmethod
    def _grey_unless_allowed(action: QAction, needs: Permission, member: SignedIn) -> None:
        allowed = allows(member.role, needs)
        action.setEnabled(allowed)
        action.setToolTip("" if allowed else who_may(needs))

    def _show_role(self, member: SignedIn) -> None:
        """The signed-in name in the status bar; what the role may not do, greyed with why."""
        self.user_label.setText(f"Signed in: {member.label}")
        for action, needs in (
            (self.accounts_action, Permission.MANAGE_ACCOUNTS),
            (self.audit_action, Permission.VIEW_AUDIT),
            (self.admin_settings_action, Permission.SETTINGS),
            (self.clinic_details_action, Permission.SETTINGS),
            *self._role_bound,
        ):
            self._grey_unless_allowed(action, needs, member)
        self._grey_unless_allowed(self.recovery_sheet_action, RECOVERY_SHEET, member)
        if self.recovery_sheet_action.isEnabled():
            self.recovery_sheet_action.setToolTip(
                "The clinic key on paper: with it the database and every backup open on a new"
                " computer."
            )
        if (no_sheet := self._no_recovery_sheet()) is not None:
            self.recovery_sheet_action.setEnabled(False)
            self.recovery_sheet_action.setToolTip(no_sheet)
        if self._calendar_tab is not None:
            self._calendar_tab.hours_action.setEnabled(allows(member.role, Permission.SETTINGS))

    def show_message(self, text: str) -> None:
        self.statusBar().showMessage(text, STATUS_TIMEOUT_MS)

    def _about(self) -> None:
        prompts.inform(
            self,
            "About Frontdesk",
            f"Frontdesk {__version__}\n{CLINIC_NAME}, {CLINIC_CITY}\n\n"
            "Patients, intake, calendar and laser sessions for the front desk.",
        )

    def _restore_geometry(self) -> None:
        geometry = self._settings.value(GEOMETRY_KEY)
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(FIRST_SIZE)
        state = self._settings.value(STATE_KEY)
        if state is not None:
            self.restoreState(state)
        self.fit_to_screen()

    def fit_to_screen(self) -> None:
        """The whole window on the screen it opens on (1366x768 with a taskbar, or 1920x1080
        at 150 %: 1280x720): a size remembered from a bigger screen is brought in."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is None:
            return
        available = screen.availableGeometry()
        if self.isMaximized() or self.isFullScreen():
            return
        frame = self.frameGeometry()
        extra = QSize(frame.width() - self.width(), frame.height() - self.height())
        if not self.isVisible():  # no frame yet: leave room for the title bar and borders
            extra = extra.expandedTo(QSize(16, 40))
        room = available.size() - extra
        size = self.size().boundedTo(room).expandedTo(self.minimumSizeHint().boundedTo(room))
        self.resize(size)
        rect = QRect(self.pos(), size + extra)
        if not available.contains(rect):
            x = min(max(rect.left(), available.left()), available.right() - rect.width() + 1)
            y = min(max(rect.top(), available.top()), available.bottom() - rect.height() + 1)
            self.move(max(x, available.left()), max(y, available.top()))

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._focused_once:  # after sign-in: ready to type a name
            self._focused_once = True
            QTimer.singleShot(0, self._focus_search_first)

    def _focus_search_first(self) -> None:
        if self.tabs.currentWidget() is self.patients_tab:
            self.patients_tab.search.setFocus(Qt.FocusReason.OtherFocusReason)

    def save_geometry(self) -> None:
        self._settings.setValue(GEOMETRY_KEY, self.saveGeometry())
        self._settings.setValue(STATE_KEY, self.saveState())
        self._settings.sync()

    def changeEvent(self, event: QEvent) -> None:
        """Coming back to this window: show what another window may have saved meanwhile."""
        if event.type() == QEvent.Type.ActivationChange and self.isActiveWindow():
            self.ops.catch_up()
        super().changeEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        unsaved = self._intake_tab is not None and self._intake_tab.has_unsaved_answers()
        if unsaved and not prompts.confirm(
            self, "Quit without saving?", "The intake on screen has not been saved.", "&Quit"
        ):
            event.ignore()
            return
        self.save_geometry()
        super().closeEvent(event)
        if event.isAccepted():
            self.live.stop()


def record_of(clinic: Clinic, patient_id: int) -> PatientRecord:
    """The patient's whole record for the details pane, read through the services."""
    from datetime import date as _date

    upcoming, past = clinic.calendar.upcoming_and_past(patient_id)
    latest = clinic.intakes.latest(patient_id)
    intake = ""
    if latest is not None:
        when = format_day(_date.fromisoformat(latest.recorded_at[:10]))
        intake = f"{latest.summary} ({when}, version {latest.version}, {latest.staff_name})"
    handouts = [
        f"{p.kind.label} ({p.language.value}), {format_day(_date.fromisoformat(p.at[:10]))}"
        for p in clinic.handouts.prints(patient_id)[:5]
    ]
    return PatientRecord(
        upcoming=upcoming,
        past=past,
        series=clinic.sessions.progress(patient_id),
        intake=intake,
        handouts=handouts,
        now=clinic.calendar.now(),
    )
