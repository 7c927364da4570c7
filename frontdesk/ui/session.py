"""Who is at the desk right now: the staff member every write is signed with."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import QObject, QSettings, Signal

from frontdesk.domain.staff import Role, Staff
from frontdesk.services.staff import StaffService

SETTING_KEY = "desk/staff_id"
DAY_KEY = "desk/day"


class DeskSession(QObject):
    staff_changed = Signal(object)  # Staff

    def __init__(self, staff: StaffService, settings: QSettings, today: Callable[[], date]) -> None:
        super().__init__()
        self._staff = staff
        self._settings = settings
        self._today = today
        members = staff.list_active()
        # Remembered for the rest of the day only: tomorrow morning's changes must not be
        # recorded under yesterday's last choice.
        remembered = settings.value(SETTING_KEY)
        if settings.value(DAY_KEY) != today().isoformat():
            remembered = None
        chosen = next((m for m in members if str(m.id) == str(remembered)), None)
        desk = next((m for m in members if m.role is Role.FRONT_DESK), members[0])
        self._current: Staff = chosen or desk

    @property
    def current(self) -> Staff:
        return self._current

    def members(self) -> list[Staff]:
        return self._staff.list_active()

    def switch_to(self, member: Staff) -> None:
        if member == self._current:
            return
        self._current = member
        self._settings.setValue(SETTING_KEY, member.id)
        self._settings.setValue(DAY_KEY, self._today().isoformat())
        self.staff_changed.emit(member)
