"""Who is at the desk right now: the staff member every write is signed with."""

from __future__ import annotations

from PySide6.QtCore import QObject, QSettings, Signal

from frontdesk.domain.staff import Role, Staff
from frontdesk.services.staff import StaffService

SETTING_KEY = "desk/staff_id"


class DeskSession(QObject):
    staff_changed = Signal(object)  # Staff

    def __init__(self, staff: StaffService, settings: QSettings) -> None:
        super().__init__()
        self._staff = staff
        self._settings = settings
        members = staff.list_active()
        remembered = settings.value(SETTING_KEY)
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
        self.staff_changed.emit(member)
