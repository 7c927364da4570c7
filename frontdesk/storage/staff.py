"""Staff rows <-> Staff."""

from __future__ import annotations

import sqlite_utils

from frontdesk.domain.staff import Role, Staff


def _to_staff(row: dict) -> Staff:
    return Staff(id=row["id"], name=row["name"], role=Role(row["role"]), active=bool(row["active"]))


class StaffRepository:
    def __init__(self, db: sqlite_utils.Database) -> None:
        self._db = db

    def list(self, include_inactive: bool = False) -> list[Staff]:
        where = None if include_inactive else "active = 1"
        return [
            _to_staff(r) for r in self._db["staff"].rows_where(where, order_by="role, name, id")
        ]

    def get(self, staff_id: int) -> Staff | None:
        rows = list(self._db["staff"].rows_where("id = ?", [staff_id]))
        return _to_staff(rows[0]) if rows else None

    def insert(self, name: str, role: Role) -> Staff:
        cursor = self._db.execute(
            "INSERT INTO staff (name, role) VALUES (?, ?)", [name, role.value]
        )
        return Staff(id=int(cursor.lastrowid or 0), name=name, role=role)
