"""Login rules as tables: usernames, passwords (NIST SP 800-63B), lockout, the lock delay."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from frontdesk.domain.accounts import (
    DEFAULT_LOCK_MINUTES,
    LOCK_MINUTES_RANGE,
    LOCKOUT,
    MAX_FAILED_LOGINS,
    MIN_PASSWORD_LENGTH,
    after_failure,
    clean_username,
    lock_minutes_problem,
    password_problem,
    username_problem,
)
from frontdesk.domain.clinic import CLINIC_TZ

NOW = datetime(2026, 11, 26, 10, 30, tzinfo=CLINIC_TZ)
REQUIRED = "A username is required."
SHAPE = (
    "Use 2 to 32 letters, digits, dots, dashes or underscores for the username,"
    " starting with a letter or digit."
)
TOO_SHORT = "The password needs at least 10 characters."
ONLY_SPACES = "The password cannot be only spaces."
TOO_EASY = "That password is too easy to guess; choose another."


def test_the_numbers_the_rules_are_built_on() -> None:
    assert MIN_PASSWORD_LENGTH == 10
    assert MAX_FAILED_LOGINS == 5
    assert timedelta(minutes=15) == LOCKOUT
    assert DEFAULT_LOCK_MINUTES == 10
    assert LOCK_MINUTES_RANGE == (1, 120)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", REQUIRED),
        ("   ", REQUIRED),
        ("\t\n", REQUIRED),
        ("a", SHAPE),  # one character is too short
        ("ab", None),
        ("alex", None),
        ("Alex", None),  # case does not matter: stored folded
        ("  alex  ", None),  # surrounding spaces are dropped
        ("dr.alex-2_b", None),
        ("1desk", None),
        ("a" * 32, None),
        ("a" * 33, SHAPE),
        (".alex", SHAPE),  # must start with a letter or digit
        ("-alex", SHAPE),
        ("_alex", SHAPE),
        ("al ex", SHAPE),
        ("alex@clinic.com", SHAPE),
        ("maría", SHAPE),  # letters outside a-z would be hard to type at another keyboard
        ("alex!", SHAPE),
    ],
)
def test_username_rules(text: str, problem: str | None) -> None:
    assert username_problem(text) == problem


@pytest.mark.parametrize(
    ("text", "cleaned"),
    [("Alex", "alex"), ("  Office  ", "office"), ("RECEPTION", "reception"), ("dr.Lee", "dr.lee")],
)
def test_a_username_is_stored_trimmed_and_case_folded(text: str, cleaned: str) -> None:
    assert clean_username(text) == cleaned


@given(st.text(max_size=40))
def test_an_accepted_username_is_short_plain_and_folded(text: str) -> None:
    if username_problem(text) is None:
        name = clean_username(text)
        assert re.fullmatch(r"[a-z0-9][a-z0-9._-]{1,31}", name)
        assert clean_username(name) == name  # cleaning twice changes nothing


@given(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,40}", fullmatch=True))
def test_case_never_changes_whether_an_ascii_username_is_accepted(text: str) -> None:
    assert username_problem(text) == username_problem(text.upper())
    assert username_problem(text) == username_problem(text.lower())
    assert (username_problem(text) is None) == (2 <= len(text) <= 32)


@pytest.mark.parametrize(
    ("password", "username", "problem"),
    [
        ("", "", TOO_SHORT),
        ("short", "", TOO_SHORT),
        ("a" * 9, "", TOO_SHORT),
        ("Password1", "", TOO_SHORT),  # 9 characters
        ("a" * 10, "", TOO_EASY),  # long, but guessed at once
        ("a1a1a1a1a1", "", TOO_EASY),  # three different characters
        ("ab12ab12ab", "", None),  # four will do: length, not composition rules
        ("correct horse battery staple", "", None),
        ("contraseña-segura", "", None),  # any Unicode
        (" " * 10, "", ONLY_SPACES),
        ("\t" * 12, "", ONLY_SPACES),
        ("password123", "", TOO_EASY),
        ("PASSWORD123", "", TOO_EASY),  # a guessing list ignores case
        ("1234567890", "", TOO_EASY),
        ("qwertyuiop", "", TOO_EASY),
        ("frontdesk1", "", TOO_EASY),
        ("administrator", "", TOO_EASY),
        ("alex-is-great", "alex", TOO_EASY),  # the username inside the password
        ("royal-palms-97", "al", None),  # too short a username to rule anything out
        ("my-ALEX-pass", "Alex", TOO_EASY),
        ("my-alex-pass", "  ALEX ", TOO_EASY),
        ("correct horse battery", "alex", None),
        ("encino-front-2026", "reception", None),
    ],
)
def test_password_rules(password: str, username: str, problem: str | None) -> None:
    assert password_problem(password, username) == problem


def test_a_blank_username_does_not_make_a_good_password_too_easy() -> None:
    assert password_problem("correct horse battery staple", "   ") is None


@given(st.text(max_size=MIN_PASSWORD_LENGTH - 1))
def test_any_password_under_ten_characters_is_refused_as_too_short(password: str) -> None:
    assert password_problem(password) == TOO_SHORT


@given(
    st.text(alphabet=st.characters(codec="utf-8"), min_size=MIN_PASSWORD_LENGTH, max_size=60),
    st.from_regex(r"[a-z0-9][a-z0-9._-]{1,31}", fullmatch=True),
)
def test_a_long_password_is_refused_only_for_spaces_a_common_word_or_the_username(
    password: str, username: str
) -> None:
    problem = password_problem(password, username)
    if not password.strip():
        assert problem == ONLY_SPACES
    elif len(username) >= 4 and username in password.casefold():
        assert problem == TOO_EASY  # a short username ("al") is in too many good passwords
    else:
        assert problem in (None, TOO_EASY)


@pytest.mark.parametrize(
    ("failed_before", "counted", "locked_until"),
    [
        (0, 1, None),
        (1, 2, None),
        (3, 4, None),
        (4, 0, NOW + timedelta(minutes=15)),  # the fifth failure locks, and the count restarts
        (5, 0, NOW + timedelta(minutes=15)),  # a count left over the limit locks at once
        (12, 0, NOW + timedelta(minutes=15)),
    ],
)
def test_after_a_failure(failed_before: int, counted: int, locked_until: datetime | None) -> None:
    assert after_failure(failed_before, NOW) == (counted, locked_until)


@given(st.integers(min_value=1, max_value=20))
def test_exactly_the_fifth_failure_in_a_row_locks_for_fifteen_minutes(failures: int) -> None:
    count = 0
    locks = []
    for n in range(1, failures + 1):
        count, until = after_failure(count, NOW)
        if until is not None:
            locks.append(n)
            assert until == NOW + timedelta(minutes=15)
            assert count == 0
        else:
            assert count == n % MAX_FAILED_LOGINS
    assert locks == [n for n in range(1, failures + 1) if n % MAX_FAILED_LOGINS == 0]


LOCK_RANGE = "Lock after 1 to 120 minutes without use."


@pytest.mark.parametrize(
    ("minutes", "problem"),
    [
        (-5, LOCK_RANGE),
        (0, LOCK_RANGE),
        (1, None),
        (10, None),
        (60, None),
        (120, None),
        (121, LOCK_RANGE),
        (10_000, LOCK_RANGE),
    ],
)
def test_lock_delay_range(minutes: int, problem: str | None) -> None:
    assert lock_minutes_problem(minutes) == problem


def test_the_default_lock_delay_is_itself_allowed() -> None:
    assert lock_minutes_problem(DEFAULT_LOCK_MINUTES) is None


@given(st.integers(min_value=-1000, max_value=1000))
def test_the_lock_delay_is_accepted_exactly_inside_one_to_120(minutes: int) -> None:
    assert (lock_minutes_problem(minutes) is None) == (1 <= minutes <= 120)
