"""Rules for staff logins: usernames, passwords, lockout after failures, the inactivity lock."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from frontdesk.domain.text import not_utf8

MIN_PASSWORD_LENGTH = 10
MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
DEFAULT_LOCK_MINUTES = 10
LOCK_MINUTES_RANGE = (1, 120)

_USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,31}")
# The passwords every guessing list starts with; a clinic login must not be one of them.
_COMMON = {
    "password",
    "password1",
    "password123",
    "1234567890",
    "0123456789",
    "qwertyuiop",
    "letmein123",
    "welcome123",
    "iloveyou12",
    "frontdesk1",
    "frontdesk123",
    "administrator",
}


# Words every guessing list tries with digits and signs around them ("adminpass123", "Clinic!2026").
_COMMON_WORDS = {
    "password", "pass", "passw", "passwd", "admin", "adminpass", "administrator", "welcome",
    "letmein", "qwerty", "qwertyuiop", "abc", "abcdef", "iloveyou", "secret", "login",
    "frontdesk", "desk", "clinic", "doctor", "encino", "changeme", "test", "user", "",
}  # fmt: skip


def clean_username(text: str) -> str:
    return text.strip().casefold()


def username_problem(text: str) -> str | None:
    name = clean_username(text)
    if not name:
        return "A username is required."
    if not _USERNAME.fullmatch(name):
        return (
            "Use 2 to 32 letters, digits, dots, dashes or underscores for the username,"
            " starting with a letter or digit."
        )
    return None


def password_problem(password: str, username: str = "") -> str | None:
    """NIST SP 800-63B: length over complexity rules, and never a well-known password."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"The password needs at least {MIN_PASSWORD_LENGTH} characters."
    if said := not_utf8(password, "The password"):  # it is hashed as UTF-8
        return said
    if not password.strip():
        return "The password cannot be only spaces."
    lowered = password.casefold()
    if len(set(lowered)) < 4:  # "aaaaaaaaaa", "abababab12": long, and guessed at once
        return "That password is too easy to guess; choose another."
    name = clean_username(username)
    letters = "".join(ch for ch in lowered if ch.isalpha())
    if lowered in _COMMON or letters in _COMMON_WORDS or (len(name) >= 4 and name in lowered):
        return "That password is too easy to guess; choose another."
    return None


def after_failure(failed_before: int, now: datetime) -> tuple[int, datetime | None]:
    """Failures counted so far and, once they reach the limit, the end of the lockout."""
    failed = failed_before + 1
    if failed >= MAX_FAILED_LOGINS:
        return 0, now + LOCKOUT
    return failed, None


def lock_minutes_problem(minutes: int) -> str | None:
    low, high = LOCK_MINUTES_RANGE
    if not low <= minutes <= high:
        return f"Lock after {low} to {high} minutes without use."
    return None
