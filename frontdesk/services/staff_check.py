"""The rule every write starts with: it is signed by a real, active staff member, as the
login service vouched for them (never as the caller claims)."""

from __future__ import annotations

from frontdesk.domain.permissions import Permission
from frontdesk.domain.staff import Staff
from frontdesk.services.errors import UnknownStaff
from frontdesk.services.signed_in import vouched_id
from frontdesk.storage.database import Database
from frontdesk.storage.staff import StaffRepository


def require_active(db: Database, actor: object, needs: Permission | None = None) -> Staff:
    """The stored member the actor's sign-in was issued for; NotSignedIn for anything the
    login service did not issue (a hand-made `Staff`, a token signed out)."""
    stored = StaffRepository(db).get(vouched_id(db, actor, needs))
    if stored is None or not stored.active:
        raise UnknownStaff(
            f"{stored.name if stored else 'This account'} is not an active staff member of this"
            " clinic. Nothing was changed."
        )
    return stored
