"""Signing in, the inactivity lock and the demo's shortcut: every attempt is audited."""

from __future__ import annotations

from datetime import datetime

from frontdesk.domain.accounts import (
    DEFAULT_LOCK_MINUTES,
    after_failure,
    clean_username,
    lock_minutes_problem,
    username_problem,
)
from frontdesk.domain.hours import format_time
from frontdesk.domain.permissions import Permission
from frontdesk.domain.staff import Role, Staff
from frontdesk.domain.text import not_utf8
from frontdesk.services.changes import Entity
from frontdesk.services.clock import Clock, clinic_now, stamp
from frontdesk.services.errors import (
    NotAllowed,
    NotFound,
    ServiceError,
    ValidationFailed,
    plain_storage_errors,
)
from frontdesk.services.signed_in import SignedIn, end, issue
from frontdesk.services.unit_of_work import check_allowed, record_event, unit_of_work
from frontdesk.storage.audit import AuditRepository
from frontdesk.storage.database import Database
from frontdesk.storage.db import write_transaction
from frontdesk.storage.settings import SettingsRepository
from frontdesk.storage.staff import StaffRepository

WRONG = "Wrong username or password."


class LoginRefused(ServiceError):
    """Not signed in; the sentence never says which of username or password was wrong."""


class LoginService:
    def __init__(self, db: Database, clock: Clock = clinic_now) -> None:
        self._db = db
        self._clock = clock
        self._staff = StaffRepository(db)
        self._settings = SettingsRepository(db)
        # Wrong passwords for usernames that do not exist, counted like real ones, so that
        # the lockout sentence never tells an existing username from an unknown one.
        self._unknown_failures: dict[str, tuple[int, datetime | None]] = {}

    # -- signing in ----------------------------------------------------------------
    def sign_in(self, username: str, password: str, *, unlocking: bool = False) -> SignedIn:
        """Checks the password (slow on purpose, outside any lock), then records the outcome;
        the `SignedIn` returned is what every write of this person takes."""
        from frontdesk.services.passwords import matches  # Argon2 loads at the first sign-in

        # Text no database or hash can take (half a surrogate pair) is simply not a match.
        name = clean_username(username) if not_utf8(username) is None else ""
        login = self._staff.login(username=name) if name else None
        readable = not_utf8(password) is None
        correct = readable and matches(login.password_hash if login else None, password)
        now = self._clock()
        with plain_storage_errors("sign in"), write_transaction(self._db):  # recorded either way
            refusal = self._outcome(name, username, password, correct, now, unlocking)
        if isinstance(refusal, LoginRefused):
            raise refusal
        return issue(self._db, refusal, via="with a password")

    def _outcome(
        self, name: str, typed: str, password: str, correct: bool, now: datetime, unlocking: bool
    ) -> Staff | LoginRefused:
        login = self._staff.login(username=name) if name else None  # as of now
        if login is None or not login.staff.active or login.password_hash is None:
            # A typed "username" may be a password typed in the wrong box: not kept verbatim.
            shown = name if username_problem(typed) is None else "(not a username)"
            member = login.staff if login else None
            self._audit(member, "login_failed", {"username": shown})
            return self._unknown_refused(name, now)
        member = login.staff
        if login.locked_until and datetime.fromisoformat(login.locked_until) > now:
            self._audit(member, "login_refused_locked", {"username": name})
            return _locked(name, datetime.fromisoformat(login.locked_until))
        if not correct:
            failed, locked_until = after_failure(login.failed_logins, now)
            self._staff.update(
                member.id,
                failed_logins=failed,
                locked_until=stamp(locked_until) if locked_until else None,
            )
            self._audit(member, "login_failed", {"username": name, "locked": bool(locked_until)})
            return _wrong(name, locked_until)
        from frontdesk.services.passwords import hash_password, needs_rehash

        columns: dict[str, object] = {"failed_logins": 0, "locked_until": None}
        if needs_rehash(login.password_hash):
            columns["password_hash"] = hash_password(password)
        self._staff.update(member.id, **columns)
        self._audit(member, "unlock" if unlocking else "login", {"username": name})
        return member

    def _unknown_refused(self, name: str, now: datetime) -> LoginRefused:
        """The same sentences, in the same order, as for a real account: wrong, then locked."""
        if not name:
            return LoginRefused(WRONG)
        failed, locked_until = self._unknown_failures.get(name.casefold(), (0, None))
        if locked_until and locked_until > now:
            return _locked(name, locked_until)
        failed, locked_until = after_failure(failed, now)
        self._unknown_failures[name.casefold()] = (failed, locked_until)
        return _wrong(name, locked_until)

    def sign_in_demo(self, role: Role) -> SignedIn:
        """`--demo --as ROLE`: only a demo database, whose accounts are public anyway."""
        signed = self.demo_member(role)
        record_event(self._db, self._clock, signed, "login", "staff", signed.id, {"demo": True})
        return signed

    def demo_member(self, role: Role) -> SignedIn:
        """The demo's public account for `role`, vouched for without a password (filling the
        demo acts as them); refused on any database that is not the demo."""
        if not self.is_demo():
            raise NotAllowed(
                "--as only opens the demo clinic; this database is a real one. Start Frontdesk"
                " without --as and sign in."
            )
        from frontdesk.services.demo_accounts import DEMO_LOGINS

        public = {login.username for login in DEMO_LOGINS if login.role is role}
        member = next((m for m in self._staff.members() if m.username in public), None)
        if member is None:
            raise NotAllowed(f"The demo clinic has no {role.label.lower()} account.")
        return issue(self._db, member, via="in the demo")

    def for_command_line(self, name: str | None) -> SignedIn:
        """`frontdesk handout --staff NAME`: whoever can run commands on this computer can
        read the file anyway, so no password is asked; in exchange the sign-in may only print
        handouts (anything else is refused), and it is recorded as made on the command line."""
        members = self._staff.members()
        member = next(
            (
                m
                for m in members
                if (m.name.casefold() == name.casefold() if name else m.role is Role.FRONT_DESK)
            ),
            None,
        )
        if member is None:
            who = f"no active staff member called {name!r}" if name else "no front desk"
            raise NotFound(f"There is {who} to record the handout under.")
        signed = issue(
            self._db,
            member,
            via="on the command line",
            scope=frozenset({Permission.PRINT_HANDOUTS}),
        )
        record_event(
            self._db, self._clock, signed, "login", "staff", member.id, {"via": "command line"}
        )
        return signed

    def locked(self, member: SignedIn) -> None:
        record_event(self._db, self._clock, member, "lock", "staff", member.id)

    def signed_out(self, member: SignedIn) -> None:
        record_event(self._db, self._clock, member, "logout", "staff", member.id)
        end(self._db, member)

    def taken_over(self, member: SignedIn) -> None:
        """Someone else signed in at this window: the earlier sign-in acts no more."""
        end(self._db, member)

    def clinic_name(self) -> str:
        """For the sign-in screen's heading: the name the handouts print."""
        from frontdesk.storage.handouts import HandoutRepository

        with plain_storage_errors("read the clinic's name"):
            return HandoutRepository(self._db).clinic_info().name

    # -- the demo marker and the lock delay ------------------------------------------
    def is_demo(self) -> bool:
        return self._settings.get("demo") == "1"

    def lock_minutes(self) -> int:
        stored = self._settings.get("lock_minutes")
        return int(stored) if stored and stored.isdigit() else DEFAULT_LOCK_MINUTES

    def set_lock_minutes(self, actor: SignedIn, minutes: int) -> None:
        check_allowed(self._db, self._clock, actor, Permission.SETTINGS, "change the lock delay")
        problem = lock_minutes_problem(minutes)
        if problem:
            raise ValidationFailed({"lock_minutes": problem})
        with unit_of_work(
            self._db, self._clock, actor, "change the lock delay", needs=Permission.SETTINGS
        ) as work:
            before = self.lock_minutes()
            self._settings.put("lock_minutes", str(minutes))
            work.record(
                "update", Entity.SETTINGS, None, {"lock_minutes": before}, {"lock_minutes": minutes}
            )

    def _audit(self, member: Staff | None, action: str, details: dict[str, object]) -> None:
        AuditRepository(self._db).append(
            at=stamp(self._clock()),
            staff_id=member.id if member else None,
            action=action,
            entity="staff",
            entity_id=member.id if member else None,
            before=None,
            after=details,
        )


def _wrong(name: str, locked_until: datetime | None) -> LoginRefused:
    if locked_until:
        return LoginRefused(
            f"{WRONG} That was too many tries: {name} is locked until"
            f" {format_time(locked_until.time())}."
        )
    return LoginRefused(WRONG)


def _locked(name: str, until: datetime) -> LoginRefused:
    return LoginRefused(
        f"Too many wrong passwords: {name} is locked until {format_time(until.time())}."
        " An admin can unlock it sooner."
    )
