"""Staff accounts: who works here, in which role, and with which login (the admin's job)."""

from __future__ import annotations

from dataclasses import dataclass

from frontdesk.domain.accounts import clean_username, password_problem, username_problem
from frontdesk.domain.permissions import Permission
from frontdesk.domain.staff import Role, Staff
from frontdesk.domain.text import NUL_PROBLEM, has_nul
from frontdesk.services.changes import Entity
from frontdesk.services.clock import Clock, clinic_now, stamp
from frontdesk.services.errors import (
    NotFound,
    ValidationFailed,
    can_be_an_id,
    plain_storage_errors,
)
from frontdesk.services.signed_in import SignedIn
from frontdesk.services.unit_of_work import UnitOfWork, check_allowed, unit_of_work
from frontdesk.storage.database import Database
from frontdesk.storage.db import write_transaction
from frontdesk.storage.staff import StaffRepository

ENTITY = Entity.STAFF


@dataclass(frozen=True)
class Account:
    """One line of the admin's account list."""

    staff: Staff
    has_password: bool
    locked_until: str | None


class StaffService:
    def __init__(self, db: Database, clock: Clock = clinic_now) -> None:
        self._db = db
        self._clock = clock
        self._repo = StaffRepository(db)

    # -- reading -----------------------------------------------------------------
    def list_active(self) -> list[Staff]:
        with plain_storage_errors("read the staff list"):
            return self._repo.members()

    def get(self, staff_id: int) -> Staff | None:
        if not can_be_an_id(staff_id):
            return None  # no member has it: not a crash in the database driver
        with plain_storage_errors("read the staff list"):
            return self._repo.get(staff_id)

    def accounts(self) -> list[Account]:
        with plain_storage_errors("read the accounts"):
            return [
                Account(login.staff, login.password_hash is not None, login.locked_until)
                for login in self._repo.logins()
            ]

    def needs_first_admin(self) -> bool:
        """A new database: nobody can sign in until an admin account exists."""
        with plain_storage_errors("read the accounts"):
            return self._repo.count_admins_with_login() == 0

    # -- writing -----------------------------------------------------------------
    def create_first_admin(self, name: str, username: str, password: str) -> Staff:
        """The one account made without signing in, and only while there is no admin."""
        fields = self._checked(name, username, password, None)
        with write_transaction(self._db):
            if not self.needs_first_admin():
                raise ValidationFailed({"username": "This clinic already has an admin account."})
            added = self._repo.insert(fields[0], Role.ADMIN, fields[1], hash_password(password))
            UnitOfWork(self._db, added, stamp(self._clock())).record(
                "create", ENTITY, added.id, None, _audit(added, first_admin=True)
            )
        return added

    def add(
        self,
        actor: SignedIn,
        name: str,
        role: Role,
        username: str = "",
        password: str = "",
    ) -> Staff:
        """A member without a username cannot sign in (yet): a login can be given later."""
        check_allowed(
            self._db, self._clock, actor, Permission.MANAGE_ACCOUNTS, "manage staff accounts"
        )
        cleaned = name.strip()
        if not cleaned:
            raise ValidationFailed({"name": "Name is required."})
        if has_nul(cleaned):
            raise ValidationFailed({"name": NUL_PROBLEM})
        login = clean_username(username) or None
        hashed = None
        if login or password:
            _, login, _ = self._checked(cleaned, username, password, None)
            hashed = hash_password(password)
        with unit_of_work(
            self._db, self._clock, actor, f"add {cleaned}", needs=Permission.MANAGE_ACCOUNTS
        ) as work:
            if login and self._repo.username_taken(login):
                raise ValidationFailed({"username": f"The username {login} is already taken."})
            added = self._repo.insert(cleaned, role, login, hashed)
            work.record("create", ENTITY, added.id, None, _audit(added))
        return added

    def set_login(self, actor: SignedIn, staff_id: int, username: str, password: str) -> Staff:
        """Gives a member a login, or a new password (the old one stops working at once)."""
        check_allowed(
            self._db, self._clock, actor, Permission.MANAGE_ACCOUNTS, "manage staff accounts"
        )
        member = self._member(staff_id)
        _, login, _ = self._checked(member.name, username, password, staff_id)
        hashed = hash_password(password)
        with unit_of_work(
            self._db, self._clock, actor, f"set {member.name}'s login",
            needs=Permission.MANAGE_ACCOUNTS,
        ) as work:  # fmt: skip
            if self._repo.username_taken(login, other_than=staff_id):
                raise ValidationFailed({"username": f"The username {login} is already taken."})
            before = self._member(staff_id)
            self._repo.update(
                staff_id, username=login, password_hash=hashed, failed_logins=0, locked_until=None
            )
            after = self._member(staff_id)
            # The hash itself never goes into the trail; that the password changed does.
            work.record(
                "set_login", ENTITY, staff_id, _audit(before), _audit(after, password="changed")
            )
        return after

    def set_role(self, actor: SignedIn, staff_id: int, role: Role) -> Staff:
        return self._change(actor, staff_id, f"change the role to {role.label}", role=role.value)

    def set_active(self, actor: SignedIn, staff_id: int, active: bool) -> Staff:
        me = check_allowed(
            self._db, self._clock, actor, Permission.MANAGE_ACCOUNTS, "manage staff accounts"
        )
        if not active and staff_id == me.id:
            raise ValidationFailed({"active": "You cannot switch off your own account."})
        verb = "switch on" if active else "switch off"
        return self._change(actor, staff_id, f"{verb} the account", active=int(active))

    def unlock(self, actor: SignedIn, staff_id: int) -> Staff:
        return self._change(
            actor, staff_id, "unlock the account", failed_logins=0, locked_until=None
        )

    # -- helpers -----------------------------------------------------------------
    def _change(self, actor: SignedIn, staff_id: int, doing: str, **columns: object) -> Staff:
        with unit_of_work(
            self._db, self._clock, actor, doing, needs=Permission.MANAGE_ACCOUNTS
        ) as work:
            before = self._snapshot(staff_id)
            self._repo.update(staff_id, **columns)
            if self._repo.count_admins_with_login() == 0:
                raise ValidationFailed(
                    {"role": "The clinic needs at least one active admin who can sign in."}
                )
            work.record("update", ENTITY, staff_id, before, self._snapshot(staff_id))
        return self._member(staff_id)

    def _snapshot(self, staff_id: int) -> dict[str, object]:
        """What the trail shows of an account: never its hash, but whether it is locked."""
        login = self._repo.login(staff_id=staff_id)
        if login is None:
            raise NotFound(f"Staff member #{staff_id} does not exist.")
        return _audit(
            login.staff, failed_logins=login.failed_logins, locked_until=login.locked_until
        )

    def _member(self, staff_id: int) -> Staff:
        member = self._repo.get(staff_id)
        if member is None:
            raise NotFound(f"Staff member #{staff_id} does not exist.")
        return member

    def _checked(
        self, name: str, username: str, password: str, staff_id: int | None
    ) -> tuple[str, str, str]:
        errors = {}
        if not name.strip():
            errors["name"] = "Name is required."
        elif has_nul(name):
            errors["name"] = NUL_PROBLEM
        problem = username_problem(username)
        if problem:
            errors["username"] = problem
        problem = password_problem(password, username)
        if problem:
            errors["password"] = problem
        if errors:
            raise ValidationFailed(errors)
        return name.strip(), clean_username(username), password


def hash_password(password: str) -> str:
    from frontdesk.services.passwords import hash_password as argon2id  # loads when first needed

    return argon2id(password)


def _audit(member: Staff, **extra: object) -> dict[str, object]:
    values: dict[str, object] = {
        "name": member.name,
        "role": member.role.value,
        "active": member.active,
        "username": member.username,
    }
    values.update(extra)
    return values
