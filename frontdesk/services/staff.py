"""Who is at the desk: the staff list and the acting member every write names."""

from __future__ import annotations

import sqlite_utils

from frontdesk.domain.staff import Role, Staff
from frontdesk.services.clock import Clock, clinic_now
from frontdesk.services.errors import ValidationFailed
from frontdesk.services.unit_of_work import unit_of_work
from frontdesk.storage.staff import StaffRepository


class StaffService:
    def __init__(self, db: sqlite_utils.Database, clock: Clock = clinic_now) -> None:
        self._db = db
        self._clock = clock
        self._repo = StaffRepository(db)

    def list_active(self) -> list[Staff]:
        return self._repo.list()

    def get(self, staff_id: int) -> Staff | None:
        return self._repo.get(staff_id)

    def add(self, actor: Staff, name: str, role: Role) -> Staff:
        cleaned = name.strip()
        if not cleaned:
            raise ValidationFailed({"name": "Name is required."})
        with unit_of_work(self._db, self._clock, actor) as work:
            added = self._repo.insert(cleaned, role)
            work.record("add", "staff", added.id, None, {"name": cleaned, "role": role.value})
        return added
