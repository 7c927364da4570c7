"""Who works at the clinic, and in which role they act."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Role(Enum):
    FRONT_DESK = "front_desk"
    DOCTOR = "doctor"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return {"front_desk": "Front desk", "doctor": "Doctor", "admin": "Admin"}[self.value]


@dataclass(frozen=True)
class Staff:
    id: int
    name: str
    role: Role
    active: bool = True
    username: str | None = None  # None until an admin gives the member a login

    @property
    def label(self) -> str:
        if self.name.casefold() == self.role.label.casefold():
            return self.name  # a shared desk account: "Front desk", not "Front desk (front desk)"
        return f"{self.name} ({self.role.label.lower()})"
