"""The first window: create the admin of a new clinic database, or sign in (demo: one click)."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFont, QFontDatabase, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from frontdesk.domain.accounts import MIN_PASSWORD_LENGTH, password_problem, username_problem
from frontdesk.domain.staff import Role
from frontdesk.services.demo_accounts import DemoLogin
from frontdesk.services.errors import ServiceError, ValidationFailed
from frontdesk.services.login import LoginService
from frontdesk.services.signed_in import SignedIn
from frontdesk.services.staff import StaffService
from frontdesk.ui.error_label import ERROR_STYLE
from frontdesk.ui.operations import call_here, quietly
from frontdesk.ui.widgets.heading import dialog_heading
from frontdesk.ui.widgets.sign_in_form import SignInForm, busy

NAME_REQUIRED = "Name is required."
PASSWORDS_DIFFER = "The two passwords differ."
ADMIN_FIELDS = ("name", "username", "password", "repeat")
# Amber with dark text in both palettes: the demo must never pass for a real clinic.
DEMO_STYLE = """
QFrame#demoPanel { background: #fff4d6; border: 1px solid #d99a00; border-radius: 6px; }
QFrame#demoPanel QLabel { color: #2b2100; background: transparent; }
QFrame#demoPanel QLabel#demoHeader { background: #ffc233; padding: 4px 8px; border-radius: 4px; }
"""


class _Page(QWidget):
    """A page of the stack that claims no height while hidden: QStackedLayout's
    height-for-width takes the tallest page, shown or not, and the dialog would be too tall."""

    def heightForWidth(self, width: int) -> int:
        return 0 if self.isHidden() else super().heightForWidth(width)


class LoginDialog(QDialog):
    """Accepted once someone has signed in (`signed_in`); rejected, the app quits.

    A new database has no accounts and no default password, so its first start asks for the
    admin instead (the one account made without signing in).
    """

    def __init__(
        self,
        login: LoginService,
        staff: StaffService,
        demo_logins: Sequence[DemoLogin] = (),
        parent: QWidget | None = None,
        *,
        clinic_name: str = "",
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Frontdesk - sign in")
        self.setObjectName("loginDialog")
        self._login = login
        self._staff = staff
        self.signed_in: SignedIn | None = None

        self.stack = QStackedWidget()
        self.create_page = self._build_create_page()
        self.sign_in_page = self._build_sign_in_page(clinic_name, demo_logins)
        self.stack.addWidget(self.create_page)
        self.stack.addWidget(self.sign_in_page)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 16)
        layout.addWidget(self.stack)
        self._show_page(self.create_page if staff.needs_first_admin() else self.sign_in_page)

    @classmethod
    def ask(
        cls,
        login: LoginService,
        staff: StaffService,
        demo_logins: Sequence[DemoLogin] = (),
        parent: QWidget | None = None,
        *,
        clinic_name: str = "",
    ) -> SignedIn | None:
        """Runs the dialog; who signed in, or None when the user cancelled."""
        dialog = cls(login, staff, demo_logins, parent, clinic_name=clinic_name)
        dialog.exec()
        return dialog.signed_in

    # -- pages ------------------------------------------------------------------------------
    def creating_admin(self) -> bool:
        return self.stack.currentWidget() is self.create_page

    def _show_page(self, page: QWidget) -> None:
        """Only the shown page counts for the size: the dialog is as wide as it needs."""
        for index in range(self.stack.count()):
            other = self.stack.widget(index)
            if other is None:
                continue
            policy = QSizePolicy.Policy.Preferred if other is page else QSizePolicy.Policy.Ignored
            other.setSizePolicy(policy, policy)
        self.stack.setCurrentWidget(page)
        self.stack.updateGeometry()
        # Now that the buttons are inside the dialog, it takes note of which one Enter presses
        # (set earlier, the dialog would pick the first button in the focus chain: Cancel).
        default = self.create_button if page is self.create_page else self.form.button
        default.setDefault(False)  # setDefault(True) on a default button tells nobody
        default.setDefault(True)
        self.focus_first_empty()
        self._fit()

    def _fit(self) -> None:
        """As small as the content allows, also after a message appeared or went away."""
        self.adjustSize()
        # Once more after the pending layout requests: wrapped labels settle their height then.
        QTimer.singleShot(0, self.adjustSize)

    def focus_first_empty(self) -> None:
        if self.creating_admin():
            fields = (self.full_name, self.new_username, self.new_password, self.repeat_password)
            next((f for f in fields if not f.text()), self.full_name).setFocus()
        else:
            self.form.focus_first_empty()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.focus_first_empty()

    # -- the first admin --------------------------------------------------------------------
    def _build_create_page(self) -> QWidget:
        page = _Page()
        page.setObjectName("createAdminPage")
        heading = dialog_heading("Create the admin account", 1.35)
        explain = QLabel(
            "This is a new clinic database, so nobody can sign in yet. The admin manages staff"
            " accounts and settings; there are no default passwords, so choose one now."
        )
        explain.setWordWrap(True)
        self.full_name = QLineEdit()
        self.new_username = QLineEdit()
        self.new_username.setPlaceholderText("e.g. office")
        self.new_password = QLineEdit()
        self.new_password.setPlaceholderText(f"at least {MIN_PASSWORD_LENGTH} characters")
        self.repeat_password = QLineEdit()
        for field in (self.new_password, self.repeat_password):
            field.setEchoMode(QLineEdit.EchoMode.Password)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.setVerticalSpacing(4)
        self._errors: dict[str, QLabel] = {}
        fields = {}
        for key, label, field, accessible in (
            ("name", "Full &name:", self.full_name, "Full name"),
            ("username", "&Username:", self.new_username, "Username"),
            ("password", "&Password:", self.new_password, "Password"),
            ("repeat", "&Repeat password:", self.repeat_password, "Repeat password"),
        ):
            field.setAccessibleName(accessible)
            field.setMinimumWidth(240)
            form.addRow(label, field)
            error = QLabel()
            error.setObjectName(f"{key}Error")
            error.setAccessibleName(f"{accessible} problem")
            error.setStyleSheet(ERROR_STYLE)
            error.setWordWrap(True)
            # Expanding: the form gives a wrapped label only its (narrow) hint otherwise.
            error.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
            error.hide()
            form.addRow("", error)
            self._errors[key] = error
            fields[key] = field
            field.textEdited.connect(lambda _text, k=key: self._errors[k].hide())
        self._fields = fields

        self.create_error = QLabel()  # what no field explains (the disk, another window)
        self.create_error.setObjectName("createError")
        self.create_error.setStyleSheet(ERROR_STYLE)
        self.create_error.setWordWrap(True)
        self.create_error.hide()

        self.create_buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.create_button = QPushButton("&Create and sign in")
        self.create_button.setObjectName("createAdminButton")
        self.create_buttons.addButton(self.create_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.create_button.clicked.connect(self.create_admin)
        self.create_buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addWidget(heading)
        layout.addWidget(explain)
        layout.addSpacing(8)
        layout.addLayout(form)
        layout.addWidget(self.create_error)
        layout.addWidget(self.create_buttons)
        cancel = self.create_buttons.button(QDialogButtonBox.StandardButton.Cancel)
        chain = [*fields.values(), self.create_button, cancel]  # top to bottom, left to right
        for before, after in pairwise(chain):
            QWidget.setTabOrder(before, after)
        return page

    def field_error(self, key: str) -> str:
        label = self._errors[key]
        return "" if label.isHidden() else label.text()

    def _show_errors(self, errors: dict[str, str]) -> None:
        for key, label in self._errors.items():
            label.setText(errors.get(key, ""))
            label.setVisible(key in errors)
            # A wrapped label's own height hint assumes a narrow label (two lines for three
            # words); fix its height for the narrowest its field can be, so nothing is cut off.
            if key in errors:
                label.ensurePolished()
                label.setFixedHeight(label.heightForWidth(self.full_name.minimumWidth()))
        first_bad = next((k for k in ADMIN_FIELDS if k in errors), None)
        if first_bad:
            self._fields[first_bad].setFocus()
        self._fit()

    def _problems(self, name: str, username: str, password: str, repeat: str) -> dict[str, str]:
        """Checked here only while the repeat differs: then nothing may reach the service."""
        errors = {}
        if not name.strip():
            errors["name"] = NAME_REQUIRED
        for key, problem in (
            ("username", username_problem(username)),
            ("password", password_problem(password, username)),
        ):
            if problem:
                errors[key] = problem
        if password != repeat:
            errors["repeat"] = PASSWORDS_DIFFER
        return errors

    def create_admin(self) -> None:
        """Creates the admin, then signs in as them (so the first login is audited too)."""
        name, username = self.full_name.text(), self.new_username.text()
        password, repeat = self.new_password.text(), self.repeat_password.text()
        self.create_error.hide()
        if password != repeat:
            self._show_errors(self._problems(name, username, password, repeat))
            return

        def create_and_sign_in() -> SignedIn:
            self._staff.create_first_admin(name, username, password)
            return self._login.sign_in(username, password)

        with busy(self.create_button):
            got = call_here(
                self, create_and_sign_in, title="Not created", on_refusal=self._create_refused
            )
        if got is not None:
            self._accept_member(got.value)

    def _create_refused(self, refused: ServiceError) -> bool:
        """Said by the fields; an admin made meanwhile (in another window) is signed in to."""
        if isinstance(refused, ValidationFailed):
            if quietly(self._staff.needs_first_admin) is False:
                self._show_page(self.sign_in_page)
                self.form.show_error("This clinic already has an admin account: sign in with it.")
                return True
            self._show_errors(refused.errors)
            return True
        self._show_errors({})
        self.create_error.setText(str(refused))
        self.create_error.show()
        return True

    # -- signing in -------------------------------------------------------------------------
    def _build_sign_in_page(self, clinic_name: str, demo_logins: Sequence[DemoLogin]) -> QWidget:
        page = _Page()
        page.setObjectName("signInPage")
        self.heading = dialog_heading(clinic_name.strip() or "Frontdesk", 1.35)
        self.heading.setObjectName("clinicName")
        self.form = SignInForm(self._login)
        self.form.signed_in.connect(self._accept_member)
        self.form.refused.connect(lambda _message: self._fit())
        self.form.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.form.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addWidget(self.heading)
        layout.addSpacing(4)
        layout.addWidget(self.form)
        self.demo_panel: QFrame | None = None
        self.demo_buttons: dict[Role, QPushButton] = {}
        if demo_logins:
            self.demo_panel = self._build_demo_panel(demo_logins)
            layout.addSpacing(8)
            layout.addWidget(self.demo_panel)
        return page

    def _build_demo_panel(self, demo_logins: Sequence[DemoLogin]) -> QFrame:
        panel = QFrame()
        panel.setObjectName("demoPanel")
        panel.setStyleSheet(DEMO_STYLE)
        panel.setAccessibleName("Demo database: fictional patients, public accounts")
        header = QLabel("DEMO DATABASE - fictional patients")
        header.setObjectName("demoHeader")
        bold = QFont(header.font())
        bold.setBold(True)
        header.setFont(bold)
        note = QLabel("These accounts are public. Never type real patient details here.")
        note.setWordWrap(True)

        grid = QGridLayout()
        grid.setHorizontalSpacing(16)
        grid.setVerticalSpacing(4)
        for column, title in enumerate(("Role", "Username", "Password")):
            label = QLabel(title)
            label.setFont(bold)
            grid.addWidget(label, 0, column)
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        for row, demo in enumerate(demo_logins, start=1):
            grid.addWidget(QLabel(demo.role.label), row, 0)
            for column, text in ((1, demo.username), (2, demo.password)):
                value = QLabel(text)
                value.setFont(mono)
                value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                grid.addWidget(value, row, column)
            role = demo.role.label.lower()
            button = QPushButton(f"Sign in as {role}")
            button.setObjectName(f"demo_{demo.role.value}")
            button.setAccessibleName(f"Sign in as {role} (demo)")
            button.setAutoDefault(False)
            button.clicked.connect(
                lambda _checked=False, d=demo: self.form.sign_in_with(d.username, d.password)
            )
            grid.addWidget(button, row, 3)
            self.demo_buttons[demo.role] = button

        layout = QVBoxLayout(panel)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(8)
        layout.addWidget(header)
        layout.addWidget(note)
        layout.addLayout(grid)
        return panel

    def _accept_member(self, member: SignedIn) -> None:
        self.signed_in = member
        self.accept()
