"""Who is signed in: the staff member every change made in this window is recorded under."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from frontdesk.services.signed_in import SignedIn


class DeskSession(QObject):
    staff_changed = Signal(object)  # SignedIn

    def __init__(self, user: SignedIn) -> None:
        super().__init__()
        self._current = user

    @property
    def current(self) -> SignedIn:
        """What every service call of this window takes: the login service's own voucher."""
        return self._current

    def switch_to(self, member: SignedIn) -> None:
        """Only after `member` proved who they are (signed in with their password). The same
        person unlocking again keeps the window as it was: no change is announced."""
        same_person = member.id == self._current.id
        self._current = member
        if not same_person:
            self.staff_changed.emit(member)
