"""The rule every write starts with: it is signed by a real, active staff member."""

from __future__ import annotations

import sqlite_utils

from frontdesk.domain.staff import Staff
from frontdesk.services.errors import UnknownStaff
from frontdesk.storage.staff import StaffRepository


def require_active(db: sqlite_utils.Database, actor: Staff) -> Staff:
    stored = StaffRepository(db).get(actor.id)
    if stored is None or not stored.active:
        raise UnknownStaff(f"{actor.name} is not an active staff member of this clinic.")
    return stored
