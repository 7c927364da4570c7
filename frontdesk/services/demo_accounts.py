"""The demo clinic's logins: public on purpose (the login screen shows them), so they exist
only in a database marked as the demo, and `--as ROLE` works only there."""

from __future__ import annotations

from dataclasses import dataclass

from frontdesk.domain.staff import Role
from frontdesk.services.clock import Clock, stamp
from frontdesk.storage.audit import AuditRepository
from frontdesk.storage.database import Database
from frontdesk.storage.db import write_transaction
from frontdesk.storage.settings import SettingsRepository
from frontdesk.storage.staff import StaffRepository


@dataclass(frozen=True)
class DemoLogin:
    role: Role
    name: str
    username: str
    password: str


DEMO_LOGINS = (
    DemoLogin(Role.FRONT_DESK, "Front desk", "reception", "encino-front-2026"),
    DemoLogin(Role.DOCTOR, "Dr. Alex", "alex", "encino-laser-2026"),
    DemoLogin(Role.ADMIN, "Office admin", "office", "encino-office-2026"),
)


def make_demo(db: Database, clock: Clock) -> bool:
    """Marks the database as the demo and gives each role its demo login; once."""
    from frontdesk.services.passwords import hash_password  # Argon2: not for `--as` or the list

    settings = SettingsRepository(db)
    if settings.get("demo") == "1":
        return False
    hashes = {login.username: hash_password(login.password) for login in DEMO_LOGINS}
    with write_transaction(db):
        staff = StaffRepository(db)
        audit = AuditRepository(db)
        members = staff.members()
        for login in DEMO_LOGINS:
            member = next((m for m in members if m.name == login.name), None)
            if member is None:
                member = staff.insert(login.name, login.role)
            staff.update(member.id, username=login.username, password_hash=hashes[login.username])
            audit.append(
                at=stamp(clock()),
                staff_id=None,
                action="demo_login",
                entity="staff",
                entity_id=member.id,
                before=None,
                after={"username": login.username, "role": login.role.value},
            )
        settings.put("demo", "1")
    return True
