"""The identity every write takes: a staff member as the login service vouched for them.

A caller cannot claim to be someone else by handing a service `Staff(id=<the doctor's id>)`:
services accept only a `SignedIn` that was issued for this database by the login service (a
password checked, the first admin created, the demo's public accounts, or the command line's
narrow handout printing), and they act as the member the issue was made for, whatever the
object claims. A `SignedIn` cannot be built by calling its class; its token is random and is
checked against the tokens issued for this database file in this process (any connection to
the same file accepts them: the backup service opens its own).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from frontdesk.domain.permissions import Permission
from frontdesk.domain.staff import Role, Staff
from frontdesk.services.errors import UnknownStaff
from frontdesk.storage.database import Database
from frontdesk.storage.db import database_name


class NotSignedIn(UnknownStaff):
    """Whoever asked was not vouched for by the login service: nothing is done."""


@dataclass(frozen=True)
class _Grant:
    staff_id: int
    scope: frozenset[Permission] | None  # None: everything the member's role allows


class SignedIn:
    """Who acts, as issued by the login service. Shows the member as they were when issued;
    services always read the member's current role and state from the database."""

    __slots__ = ("__weakref__", "_staff", "_token", "via")

    _staff: Staff
    _token: bytes
    via: str

    # `-> None`, not `NoReturn`: a class whose constructor never returns is one mypy cannot
    # narrow to (`isinstance(x, SignedIn)` left `x` an `object`); calling it still raises.
    def __init__(self, *_args: Any, **_kwargs: Any) -> None:
        raise TypeError("Only the login service signs people in.")

    @property
    def staff(self) -> Staff:
        return self._staff

    @property
    def id(self) -> int:
        return self._staff.id

    @property
    def name(self) -> str:
        return self._staff.name

    @property
    def role(self) -> Role:
        return self._staff.role

    @property
    def active(self) -> bool:
        return self._staff.active

    @property
    def username(self) -> str | None:
        return self._staff.username

    @property
    def label(self) -> str:
        return self._staff.label

    def __repr__(self) -> str:  # never the token
        return f"SignedIn(id={self.id}, role={self.role.value}, via={self.via!r})"


_ISSUED: dict[str, dict[bytes, _Grant]] = {}  # database file -> tokens handed out for it
_FILES: WeakKeyDictionary[Database, str] = WeakKeyDictionary()


def _database(db: Database) -> str:
    """Which database a connection is on: the file's real path (asked once per connection)."""
    known = _FILES.get(db)
    if known is None:
        known = database_name(db)
        _FILES[db] = known
    return known


def issue(
    db: Database,
    member: Staff,
    *,
    via: str,
    scope: frozenset[Permission] | None = None,
) -> SignedIn:
    """For the login service only (and the tests' fixtures): vouch for `member` on `db`."""
    token = secrets.token_bytes(32)
    _ISSUED.setdefault(_database(db), {})[token] = _Grant(member.id, scope)
    signed = object.__new__(SignedIn)
    object.__setattr__(signed, "_staff", member)
    object.__setattr__(signed, "_token", token)
    object.__setattr__(signed, "via", via)
    return signed


def end(db: Database, signed: SignedIn) -> None:
    """Signed out, or someone else took over the window: the token acts no more."""
    if isinstance(signed, SignedIn):
        _ISSUED.get(_database(db), {}).pop(signed._token, None)


def vouched_id(db: Database, actor: object, needs: Permission | None = None) -> int:
    """The member the login service vouched for, or NotSignedIn; a narrow issue (the command
    line's) is refused anything outside its scope."""
    signed = actor if isinstance(actor, SignedIn) else None
    grant = None if signed is None else _ISSUED.get(_database(db), {}).get(signed._token)
    if signed is None or grant is None:
        raise NotSignedIn(
            "Only a member of staff signed in to Frontdesk can do this; sign in again."
            " Nothing was changed."
        )
    if needs is not None and grant.scope is not None and needs not in grant.scope:
        raise NotSignedIn(
            f"Signed in {signed.via}, {signed.name} may only"
            f" {' or '.join(sorted(p.value for p in grant.scope))}: to {needs.value}, sign in"
            " to Frontdesk. Nothing was changed."
        )
    return grant.staff_id


def claimed_id(actor: object) -> int | None:
    """What an unvouched caller claimed to be, for the audit line of the refusal."""
    claimed = getattr(actor, "id", None)
    return claimed if isinstance(claimed, int) and -(2**63) <= claimed < 2**63 else None
