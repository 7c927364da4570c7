"""Argon2id password hashes (OWASP's minimum: 19 MiB of memory, 2 passes, 1 lane)."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


@cache
def _decoy() -> str:
    """Checked when the username is unknown: a wrong name takes as long as a wrong password."""
    return _HASHER.hash("no account has this password")


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def matches(stored: str | None, password: str) -> bool:
    try:
        return _HASHER.verify(stored or _decoy(), password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """True once the parameters above are raised: the next login stores a stronger hash."""
    return _HASHER.check_needs_rehash(stored)
