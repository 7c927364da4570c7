"""Staff accounts: the admin adds people, gives logins, changes roles, switches off, unlocks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QModelIndex, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from frontdesk.domain.clinic import CLINIC_TZ
from frontdesk.domain.staff import Role, Staff
from frontdesk.services.changes import Changes, Entity
from frontdesk.services.clinic import Clinic
from frontdesk.services.errors import ServiceError, ValidationFailed
from frontdesk.services.signed_in import SignedIn
from frontdesk.services.staff import Account, StaffService
from frontdesk.ui import prompts
from frontdesk.ui.dialogs.status_row import status_and_close
from frontdesk.ui.dialogs.step_dialog import StepDialog
from frontdesk.ui.error_label import error_label
from frontdesk.ui.models.accounts_model import COL_NAME, AccountsModel
from frontdesk.ui.operations import Operations
from frontdesk.ui.widgets.lists import select_row, set_up_record_list

HINT_STYLE = "color: palette(mid);"
ROLES = (Role.FRONT_DESK, Role.DOCTOR, Role.ADMIN)
PASSWORDS_DIFFER = "The two passwords are not the same; type the password again."


def _clinic_now() -> datetime:
    return datetime.now(CLINIC_TZ)


def _password_field(name: str) -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setAccessibleName(name)
    return field


def _role_combo(selected: Role = Role.FRONT_DESK) -> QComboBox:
    combo = QComboBox()
    combo.setAccessibleName("Role")
    for role in ROLES:
        combo.addItem(role.label, role)
    combo.setCurrentIndex(ROLES.index(selected))
    return combo


Change = Callable[[StaffService], Staff | None]  # the member as saved; None: nothing changed


class AccountStep(StepDialog):
    """A StepDialog whose refusals land next to the field they are about.

    `change()` gives the write (run through `ops`, the main window's, on a connection of its
    own and announced to every view), `saying()` the sentence for the status bar;
    ValidationFailed keys that name a field show under it, anything else (NotAllowed, a
    storage failure) under the form.
    """

    def __init__(
        self,
        ops: Operations,
        actor: Callable[[], SignedIn],
        title: str,
        accept_label: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(title, accept_label, parent)
        self._actor = actor
        self._ops = ops
        self.error.setObjectName("accountStepError")
        self.form = QGridLayout()  # a grid: a hidden message row takes no space at all
        self.form.setHorizontalSpacing(8)
        self.form.setVerticalSpacing(8)
        self.form.setColumnStretch(1, 1)
        self.body.addLayout(self.form)
        self.fields: dict[str, QWidget] = {}
        self.field_errors: dict[str, QLabel] = {}
        # Not "done": that would shadow QDialog.done(), which accept() calls (a segfault).
        self.said = ""  # what was done, for the status bar, once accepted

    def add_field(self, key: str, label: str, field: QWidget) -> None:
        error = error_label(f"{key}Error")
        title = QLabel(label)
        title.setBuddy(field)
        row = self.form.rowCount()
        self.form.addWidget(title, row, 0)
        self.form.addWidget(field, row, 1)
        self.form.addWidget(error, row + 1, 1)
        self.fields[key] = field
        self.field_errors[key] = error
        if isinstance(field, QLineEdit):
            field.textChanged.connect(lambda _t, e=error: e.hide())
        elif isinstance(field, QComboBox):
            field.currentIndexChanged.connect(lambda _i, e=error: e.hide())

    def field_error(self, key: str) -> str:
        label = self.field_errors[key]
        return "" if label.isHidden() else label.text()

    def _accept(self) -> None:
        self.error.hide()
        for label in self.field_errors.values():
            label.hide()
        change = self.change()
        if change is None:  # refused before any write (said by the fields)
            return
        got = self._ops.write(
            self, lambda c: change(c.staff), title="Not saved", on_refusal=self._refused
        )
        if got is None:
            return
        self.said = self.saying(got.value)
        self.accept()

    def _refused(self, exc: ServiceError) -> bool:
        if isinstance(exc, ValidationFailed):
            self._show_errors(exc.errors)
            return True
        self.error.setText(str(exc))
        self.error.show()
        self.adjustSize()
        return True

    def _show_errors(self, errors: dict[str, str]) -> None:
        general = []
        first: QWidget | None = None
        for key, text in errors.items():
            label = self.field_errors.get(key)
            if label is None:
                general.append(text)
                continue
            label.setText(text)
            label.show()
            first = first or self.fields[key]
        if general:
            self.error.setText(" ".join(general))
            self.error.show()
        if first is not None:
            first.setFocus()
        self.adjustSize()  # wrapped messages need their height; the dialog grows to fit

    def _same_passwords(self, password: QLineEdit, repeat: QLineEdit) -> bool:
        if password.text() != repeat.text():
            self._show_errors({"repeat": PASSWORDS_DIFFER})
            return False
        return True

    def change(self) -> Change | None:
        """The write, with what is typed read here (on the GUI thread); None: refused."""
        raise NotImplementedError

    def saying(self, saved: Staff | None) -> str:
        """What was done, for the status bar."""
        raise NotImplementedError


class AddStaffDialog(AccountStep):
    """Name and role; a username and password only when the person will sign in now."""

    def __init__(
        self,
        ops: Operations,
        actor: Callable[[], SignedIn],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(ops, actor, "Add a staff member", "&Add", parent)
        self.setObjectName("addStaffDialog")
        self.added: Staff | None = None
        self.name = QLineEdit()
        self.name.setAccessibleName("Name")
        self.name.setMaxLength(80)
        self.name.setPlaceholderText("e.g. Lucía Ortega")
        self.role = _role_combo()
        self.username = QLineEdit()
        self.username.setAccessibleName("Username")
        self.username.setPlaceholderText("Optional, e.g. lucia")
        self.password = _password_field("Password")
        self.repeat = _password_field("Repeat the password")
        self.add_field("name", "&Name:", self.name)
        self.add_field("role", "&Role:", self.role)
        self.add_field("username", "&Username:", self.username)
        self.add_field("password", "&Password:", self.password)
        self.add_field("repeat", "R&epeat:", self.repeat)
        hint = QLabel(
            "Leave the username and password empty for someone who does not sign in yet;"
            " a login can be given later."
        )
        hint.setWordWrap(True)
        hint.setStyleSheet(HINT_STYLE)
        self.body.addWidget(hint)
        self.finish()

    def change(self) -> Change | None:
        if not self._same_passwords(self.password, self.repeat):
            return None
        actor, name, role = self._actor(), self.name.text(), self.role.currentData()
        username, password = self.username.text(), self.password.text()
        return lambda staff: staff.add(actor, name, role, username, password)

    def saying(self, saved: Staff | None) -> str:
        self.added = saved
        return f"{saved.name} added." if saved else ""


class MemberStep(AccountStep):
    """A change to one member's account, made by the admin signed in; subclasses name their
    title and button and add their fields in `build`."""

    TITLE = ""  # with {name}
    ACCEPT = ""

    def __init__(
        self,
        ops: Operations,
        actor: Callable[[], SignedIn],
        member: Staff,
        parent: QWidget | None = None,
    ) -> None:
        title = self.TITLE.format(name=member.name)
        super().__init__(ops, actor, title, self.ACCEPT, parent)
        self.member = member
        self.build()
        self.finish()

    def build(self) -> None:
        raise NotImplementedError


class LoginDialog(MemberStep):
    """A first login, a new username or a new password: the old password stops working."""

    TITLE = "Login for {name}"
    ACCEPT = "&Save login"

    def build(self) -> None:
        self.setObjectName("loginDialog")
        member = self.member
        self.username = QLineEdit(member.username or "")
        self.username.setAccessibleName("Username")
        self.password = _password_field("New password")
        self.repeat = _password_field("Repeat the new password")
        self.add_field("username", "&Username:", self.username)
        self.add_field("password", "New &password:", self.password)
        self.add_field("repeat", "R&epeat:", self.repeat)
        hint = QLabel("At least 10 characters. The old password stops working at once.")
        hint.setWordWrap(True)
        hint.setStyleSheet(HINT_STYLE)
        self.body.addWidget(hint)
        (self.password if member.username else self.username).setFocus()

    def change(self) -> Change | None:
        if not self._same_passwords(self.password, self.repeat):
            return None
        actor, member_id = self._actor(), self.member.id
        username, password = self.username.text(), self.password.text()
        return lambda staff: staff.set_login(actor, member_id, username, password)

    def saying(self, saved: Staff | None) -> str:
        if saved is None:
            return ""
        if saved.username != self.member.username:
            return f"{saved.name} can now sign in as {saved.username}."
        return f"{saved.name}'s password changed."


class RoleDialog(MemberStep):
    """What the member may do from their next action on: roles are checked on every write.

    There is no renaming: records show the account's name, so a rename would change who
    past work says did it. A new person gets an account of their own."""

    TITLE = "Role of {name}"
    ACCEPT = "&Change role"

    def build(self) -> None:
        self.setObjectName("roleDialog")
        self.role = _role_combo(self.member.role)
        self.add_field("role", "&Role:", self.role)

    def change(self) -> Change | None:
        role: Role = self.role.currentData()
        if role is self.member.role:
            return lambda _staff: None  # nothing to change: closed as if saved
        actor, member_id = self._actor(), self.member.id
        return lambda staff: staff.set_role(actor, member_id, role)

    def saying(self, saved: Staff | None) -> str:
        return f"{saved.name} is now {saved.role.label.lower()}." if saved else ""


def _button(text: str, name: str, accessible: str) -> QPushButton:
    button = QPushButton(text)
    button.setObjectName(name)
    button.setAccessibleName(accessible)
    button.setAutoDefault(False)
    return button


class AccountsDialog(QDialog):
    """The admin's list of accounts; each change goes through `ops` (StaffService, audited) and
    the list follows the staff changes announced, its own and other windows'."""

    message = Signal(str)  # after each success, for the status bar

    def __init__(
        self,
        ops: Operations,
        current: Callable[[], SignedIn],
        parent: QWidget | None = None,
        *,
        now: Callable[[], datetime] = _clinic_now,
    ) -> None:
        """`now` decides whether a lockout is still running (tests pass the fixed clock)."""
        super().__init__(parent)
        self._ops = ops
        self._current = current
        self.setWindowTitle("Staff accounts")
        self.setObjectName("accountsDialog")
        self.step: AccountStep | None = None  # the small dialog open on top, if any

        self.model = AccountsModel(now, self)
        self.table = QTableView()
        set_up_record_list(self.table, "accountsTable")
        self.table.setAccessibleName("Staff accounts")
        self.table.setModel(self.model)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COL_NAME, QHeaderView.ResizeMode.Stretch)
        header.setHighlightSections(False)

        self.add_button = _button("&Add…", "addStaffButton", "Add a staff member")
        self.login_button = _button(
            "Set &login or password…", "setLoginButton", "Set login or password"
        )
        self.role_button = _button("Change &role…", "changeRoleButton", "Change role")
        self.switch_button = _button("S&witch off", "switchButton", "Switch the account off or on")
        self.unlock_button = _button("&Unlock", "unlockButton", "Unlock the account")
        self.add_button.clicked.connect(self.open_add)
        self.login_button.clicked.connect(self.open_login)
        self.role_button.clicked.connect(self.open_role)
        self.switch_button.clicked.connect(self.switch)
        self.unlock_button.clicked.connect(self.unlock)
        side = QVBoxLayout()
        side.setSpacing(8)
        for button in (
            self.add_button,
            self.login_button,
            self.role_button,
            self.switch_button,
            self.unlock_button,
        ):
            side.addWidget(button)
        side.addStretch(1)

        self.error = error_label("accountsError")
        self.error.setAccessibleName("Why the last change was refused")
        self.status, self.buttons, bottom = status_and_close(
            self, "accountsStatus", "Result of the last change"
        )

        middle = QHBoxLayout()
        middle.setSpacing(8)
        middle.addWidget(self.table, 1)
        middle.addLayout(side)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 16)
        layout.setSpacing(8)
        layout.addLayout(middle, 1)
        layout.addWidget(self.error)
        layout.addLayout(bottom)

        self.table.selectionModel().currentRowChanged.connect(self._row_changed)
        self.table.doubleClicked.connect(lambda _i: self.open_login())
        ops.notifier.changes.connect(self._changes_heard)
        self.refresh()
        first = self.model.account_at(0) if self.model.rowCount() else None
        if first is not None:
            self.select(first.staff.id)
        self.resize(680, 360)

    # -- reading --------------------------------------------------------------------------
    @property
    def account(self) -> Account | None:
        index = self.table.currentIndex()
        return self.model.account_at(index.row()) if index.isValid() else None

    def refresh(self) -> None:
        """Reads the accounts again and keeps the same person selected."""
        keep = self.account.staff.id if self.account else None
        got = self._ops.read(
            self, lambda c: c.staff.accounts(), title="Staff accounts", on_refusal=self._refusal
        )
        if got is None:
            return
        self.model.set_rows(got.value)
        if keep is not None:
            self.select(keep)
        self._row_changed(self.table.currentIndex(), QModelIndex())

    def select(self, staff_id: int) -> bool:
        row = self.model.row_of(staff_id)
        if row is None:
            return False
        select_row(self.table, self.model.index(row, COL_NAME))
        return True

    def _row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        account = self.model.account_at(current.row()) if current.isValid() else None
        for button in (self.login_button, self.role_button, self.switch_button):
            button.setEnabled(account is not None)
        self.unlock_button.setEnabled(account is not None and self.model.is_locked(current.row()))
        on = account is None or account.staff.active
        self.switch_button.setText("S&witch off" if on else "S&witch on")
        yours = account is not None and account.staff.id == self._current().id
        if yours and on:
            self.switch_button.setEnabled(False)
            self.switch_button.setToolTip("You cannot switch off your own account.")
        else:
            self.switch_button.setToolTip("")

    # -- the small dialogs ----------------------------------------------------------------
    def open_add(self) -> AccountStep:
        return self._open(AddStaffDialog(self._ops, self._current, self))

    def open_login(self) -> AccountStep | None:
        account = self.account
        if account is None:
            return None
        return self._open(LoginDialog(self._ops, self._current, account.staff, self))

    def open_role(self) -> AccountStep | None:
        account = self.account
        if account is None:
            return None
        return self._open(RoleDialog(self._ops, self._current, account.staff, self))

    def _open(self, step: AccountStep) -> AccountStep:
        """Window-modal but not blocking (open(), not exec()): the list waits for its answer."""
        self._clear()
        self.step = step
        step.accepted.connect(lambda: self._step_done(step))
        step.finished.connect(lambda _r: self._step_closed(step))
        step.open()
        return step

    def _step_done(self, step: AccountStep) -> None:
        """Saved (the list already follows the announced change): the newcomer selected."""
        added = getattr(step, "added", None)
        if added is not None:
            self.select(added.id)
        if step.said:
            self._said(step.said)

    def _step_closed(self, step: AccountStep) -> None:
        if self.step is step:
            self.step = None
        step.deleteLater()  # later: it is still inside its own accept() here

    # -- one-click changes ----------------------------------------------------------------
    def switch(self) -> None:
        account = self.account
        if account is None:
            return
        member = account.staff
        self._clear()
        if member.active:
            yourself = member.id == self._current().id
            # Switching yourself off is refused by the service: no need to ask first.
            if not yourself and not prompts.confirm(
                self,
                "Switch off account",
                f"Switch off {member.name}'s account?\n\n"
                "They can no longer sign in; everything they did stays on record."
                " You can switch the account on again later.",
                "S&witch off",
            ):
                return
        done = "switched on" if not member.active else "switched off"
        actor = self._current()
        self._change(
            lambda c: c.staff.set_active(actor, member.id, not member.active),
            f"{member.name}'s account {done}.",
        )

    def unlock(self) -> None:
        account = self.account
        if account is None:
            return
        self._clear()
        member = account.staff
        actor = self._current()
        self._change(
            lambda c: c.staff.unlock(actor, member.id),
            f"{member.name}'s account unlocked: they can sign in again.",
        )

    def _change(self, step: Callable[[Clinic], object], said: str) -> None:
        """One click, one write; the list follows the change it announces."""
        if self._ops.write(self, step, title="Not saved", on_refusal=self._refusal) is None:
            self.refresh()  # someone else may have changed the list meanwhile
            return
        self._said(said)

    def _changes_heard(self, changes: Changes) -> None:
        if changes.touches(Entity.STAFF):
            self.refresh()

    # -- messages -------------------------------------------------------------------------
    def _clear(self) -> None:
        self.error.hide()
        self.status.clear()

    def _refusal(self, exc: ServiceError) -> bool:
        self._refused(str(exc))  # under the list, not in a box
        return True

    def _refused(self, text: str) -> None:
        self.status.clear()
        self.error.setText(text)
        self.error.show()

    def _said(self, text: str) -> None:
        self.error.hide()
        self.status.setText(text)
        self.message.emit(text)
