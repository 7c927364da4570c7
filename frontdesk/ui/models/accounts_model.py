"""The staff accounts as a table: who works here, in which role, and whether they can sign in."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, ClassVar

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor

from frontdesk.domain.dates import format_day
from frontdesk.domain.hours import format_time
from frontdesk.services.staff import Account
from frontdesk.ui.models.row_table import RowTableModel

COL_NAME, COL_ROLE, COL_USERNAME, COL_STATUS = range(4)
HEADERS = {
    COL_NAME: "Name",
    COL_ROLE: "Role",
    COL_USERNAME: "Username",
    COL_STATUS: "Status",
}
STAFF_ID_ROLE = Qt.ItemDataRole.UserRole + 1
NO_LOGIN = "no login yet"
OFF_COLOUR = QColor("#7a7f87")  # switched off: listed, but cannot sign in
LOCKED_COLOUR = QColor("#b3261e")


def locked_until(account: Account, now: datetime) -> datetime | None:
    """When a lockout still running ends; a lockout already over is no lock at all."""
    if not account.locked_until:
        return None
    until = datetime.fromisoformat(account.locked_until)
    if until.tzinfo is None or now.tzinfo is None:
        until, now = until.replace(tzinfo=None), now.replace(tzinfo=None)
    return until if until > now else None


def status_of(account: Account, now: datetime) -> str:
    if not account.staff.active:
        return "switched off"
    until = locked_until(account, now)
    if until is None:
        return "active"
    when = format_time(until.time())
    if until.date() != now.date():
        when = f"{format_day(until.date())}, {when}"
    return f"locked until {when}"


class AccountsModel(RowTableModel[Account]):
    """A clinic has a handful of staff, so the accounts are read in one go."""

    headers: ClassVar[dict[int, str]] = HEADERS

    def __init__(self, now: Callable[[], datetime], parent=None) -> None:
        super().__init__(parent)
        self._now = now
        self._texts: list[tuple[str, ...]] = []

    def _rows_changed(self) -> None:
        now = self._now()  # one moment for the whole list, so the statuses agree
        self._texts = [
            (
                a.staff.name,
                a.staff.role.label,
                a.staff.username or NO_LOGIN,
                status_of(a, now),
            )
            for a in self._rows
        ]

    def account_at(self, row: int) -> Account | None:
        return self.row_at(row)

    def row_of(self, staff_id: int) -> int | None:
        return next((i for i, a in enumerate(self._rows) if a.staff.id == staff_id), None)

    def is_locked(self, row: int) -> bool:
        return (
            self._texts[row][COL_STATUS].startswith("locked")
            if 0 <= row < len(self._texts)
            else False
        )

    def cell(self, account: Account, number: int, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return self._texts[number][column]
        if role == Qt.ItemDataRole.ForegroundRole:
            if not account.staff.active:
                return QBrush(OFF_COLOUR)
            if column == COL_STATUS and self.is_locked(number):
                return QBrush(LOCKED_COLOUR)
            if column == COL_USERNAME and not account.staff.username:
                return QBrush(OFF_COLOUR)
            return None
        if role == Qt.ItemDataRole.ToolTipRole and column == COL_USERNAME:
            if not account.staff.username:
                return "Cannot sign in until given a login."
            if not account.has_password:
                return "Has a username but no password yet."
            return None
        if role == STAFF_ID_ROLE:
            return account.staff.id
        return None
