"""Who is signed in: the staff member every change made in this window is recorded under."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from frontdesk.domain.staff import Staff


class DeskSession(QObject):
    staff_changed = Signal(object)  # Staff

    def __init__(self, user: Staff) -> None:
        super().__init__()
        self._current = user

    @property
    def current(self) -> Staff:
        return self._current

    def switch_to(self, member: Staff) -> None:
        """Only after `member` proved who they are (signed in with their password)."""
        if member == self._current:
            return
        self._current = member
        self.staff_changed.emit(member)
