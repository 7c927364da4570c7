"""Which role may do what: the one table every service write is checked against.

Clinical records belong to the doctor; accounts, settings, the audit trail and backups to the
admin; the day's work at the desk (patients, bookings, handouts) to everyone at the desk.
"""

from __future__ import annotations

from enum import Enum

from frontdesk.domain.staff import Role

_DESK = frozenset({Role.FRONT_DESK, Role.DOCTOR, Role.ADMIN})
_DOCTOR = frozenset({Role.DOCTOR})
_ADMIN = frozenset({Role.ADMIN})


class Permission(Enum):
    """Each value is what the person was trying to do, as the refusal says it."""

    EDIT_PATIENTS = "register or change patients"
    BOOK = "book or change appointments"
    PRINT_HANDOUTS = "print handouts"
    RECORD_INTAKE = "record or correct an intake"
    OVERRIDE_ELIGIBILITY = "override the laser eligibility check"
    CO2_SERIES = "open or change a CO2 series"
    SIGN_SESSION = "log and sign a CO2 session"
    SETTINGS = "change the clinic's settings"
    MANAGE_ACCOUNTS = "manage staff accounts"
    VIEW_AUDIT = "read the audit trail"
    BACKUP = "back up or restore the database"

    @property
    def roles(self) -> frozenset[Role]:
        return ALLOWED[self]


ALLOWED: dict[Permission, frozenset[Role]] = {
    Permission.EDIT_PATIENTS: _DESK,
    Permission.BOOK: _DESK,
    Permission.PRINT_HANDOUTS: _DESK,
    Permission.RECORD_INTAKE: _DOCTOR,
    Permission.OVERRIDE_ELIGIBILITY: _DOCTOR,
    Permission.CO2_SERIES: _DOCTOR,
    Permission.SIGN_SESSION: _DOCTOR,
    Permission.SETTINGS: _ADMIN,
    Permission.MANAGE_ACCOUNTS: _ADMIN,
    Permission.VIEW_AUDIT: _ADMIN,
    Permission.BACKUP: _ADMIN,
}


def allows(role: Role, permission: Permission) -> bool:
    return role in ALLOWED[permission]


def who_may(permission: Permission) -> str:
    """ "Only the admin can read the audit trail.": beside what is greyed, whom to ask."""
    who = " or ".join(sorted(r.label.lower() for r in ALLOWED[permission]))
    article = "the " if len(ALLOWED[permission]) == 1 else ""
    return f"Only {article}{who} can {permission.value}."


def refusal(role: Role, permission: Permission) -> str:
    """The sentence shown when `role` tries `permission`: who can, so they know whom to ask."""
    return (
        f"{who_may(permission)[:-1]}; you are signed in as {role.label.lower()}."
        " Nothing was changed."
    )
