"""Staff rows <-> Staff, with the login columns kept apart from what the rest of the app sees."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from frontdesk.domain.staff import Role, Staff
from frontdesk.storage.database import Database
from frontdesk.storage.inserted import inserted_id


def _to_staff(row: dict[str, Any]) -> Staff:
    return Staff(
        id=row["id"],
        name=row["name"],
        role=Role(row["role"]),
        active=bool(row["active"]),
        username=row["username"],
    )


@dataclass(frozen=True)
class Login:
    """What checking a password needs; never leaves the services."""

    staff: Staff
    password_hash: str | None
    failed_logins: int
    locked_until: str | None


def _to_login(row: dict[str, Any]) -> Login:
    return Login(_to_staff(row), row["password_hash"], row["failed_logins"], row["locked_until"])


_ORDER = "ORDER BY role, name, id"


class StaffRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # Not `list`: a method of that name hides the builtin in every annotation of the class
    # (mypy read `list[Login]` below as the method and lost the type of `logins()`).
    def members(self, *, include_inactive: bool = False) -> list[Staff]:
        """Active members (everyone with `include_inactive`), by role, name and id."""
        where = "" if include_inactive else " WHERE active = 1"
        return [_to_staff(r) for r in self._db.query(f"SELECT * FROM staff{where} {_ORDER}")]

    def get(self, staff_id: int) -> Staff | None:
        rows = list(self._db.query("SELECT * FROM staff WHERE id = ?", [staff_id]))
        return _to_staff(rows[0]) if rows else None

    def logins(self) -> list[Login]:
        """Every member, switched off too, with their login state: the admin's account list."""
        return [_to_login(row) for row in self._db.query(f"SELECT * FROM staff {_ORDER}")]

    def login(self, *, username: str | None = None, staff_id: int | None = None) -> Login | None:
        where, value = ("username = ?", username) if username is not None else ("id = ?", staff_id)
        rows = list(self._db.query(f"SELECT * FROM staff WHERE {where}", [value]))
        if not rows:
            return None
        return _to_login(rows[0])

    def username_taken(self, username: str, other_than: int | None = None) -> bool:
        row = self._db.execute(
            "SELECT 1 FROM staff WHERE username = ? AND id IS NOT ?", [username, other_than]
        ).fetchone()
        return row is not None

    def count_admins_with_login(self) -> int:
        return int(
            self._db.execute(
                "SELECT count(*) FROM staff WHERE role = 'admin' AND active = 1"
                " AND password_hash IS NOT NULL"
            ).fetchone()[0]
        )

    def insert(
        self,
        name: str,
        role: Role,
        username: str | None = None,
        password_hash: str | None = None,
    ) -> Staff:
        cursor = self._db.execute(
            "INSERT INTO staff (name, role, username, password_hash) VALUES (?, ?, ?, ?)",
            [name, role.value, username, password_hash],
        )
        return Staff(id=inserted_id(cursor), name=name, role=role, username=username)

    def update(self, staff_id: int, **columns: object) -> None:
        """Only the columns named; callers pass fixed names (name, role, active, username, ...)."""
        allowed = {"name", "role", "active", "username", "password_hash", "failed_logins",
                   "locked_until"}  # fmt: skip
        unknown = set(columns) - allowed
        if unknown:
            raise ValueError(f"not a staff column: {sorted(unknown)}")
        assignments = ", ".join(f"{name} = ?" for name in columns)
        self._db.execute(
            f"UPDATE staff SET {assignments} WHERE id = ?", [*columns.values(), staff_id]
        )
