from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from frontdesk.domain.text import (
    counted,
    digits,
    fold,
    has_nul,
    name_key,
    prefix_upper_bound,
    storage_errors,
    unstorable,
)


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("García", "garcia"),
        ("GARCÍA", "garcia"),
        ("Núñez", "nunez"),
        ("García López", "garcia lopez"),
        ("  García   López ", "garcia lopez"),
        ("O'Connor", "oconnor"),
        ("O’Connor", "oconnor"),
        ("Smith-Avakian", "smith avakian"),
        ("Ji-woo", "ji woo"),
        ("dela Cruz", "dela cruz"),
        ("Straße", "strasse"),
        ("Հակոբյան", "հակոբյան"),
        ("김민준", "김민준"),
    ],
)
def test_name_key(raw: str, key: str) -> None:
    assert name_key(raw) == key


@pytest.mark.parametrize(
    ("raw", "out"), [("(818) 555-0134", "8185550134"), ("", ""), ("a1b2", "12")]
)
def test_digits(raw: str, out: str) -> None:
    assert digits(raw) == out


@given(st.text())
def test_fold_is_idempotent(text: str) -> None:
    assert fold(fold(text)) == fold(text)


@given(st.text())
def test_name_key_is_stable_and_single_spaced(text: str) -> None:
    key = name_key(text)
    assert name_key(key) == key
    assert "  " not in key and key == key.strip()


@given(st.text(min_size=1).filter(lambda t: t[-1] != "\U0010ffff"), st.text(), st.text())
def test_prefix_range_holds_exactly_the_extensions(prefix: str, rest: str, other: str) -> None:
    upper = prefix_upper_bound(prefix)
    assert prefix <= prefix + rest < upper
    assert (prefix <= other < upper) == other.startswith(prefix)


# -- text the database cannot hold ------------------------------------------------------------
ANY_TEXT = st.text(alphabet=st.characters(codec=None, categories=None))  # surrogates too


@pytest.mark.parametrize(
    ("typed", "refused"),
    [
        ("García López", None),
        ("😀👍🏽", None),
        ("مرحبا", None),
        ("line\u2028break\ttab", None),  # stored as typed; names refuse these themselves
        ("", None),
        ("\x00", "NUL"),
        ("Ann\x00", "NUL"),
        ("\udc80", "broken"),
        ("Ann\ud800Lee", "broken"),
        ("\ud83d\ude00", "broken"),  # a pair split into two code points is not UTF-8 either
        ("\x00\udc80", "NUL"),
    ],
)
def test_unstorable_names_nul_and_broken_characters(typed: str, refused: str | None) -> None:
    said = unstorable(typed, "The note")
    if refused is None:
        assert said is None
    else:
        assert said is not None and said.startswith("The note ") and refused in said


@given(ANY_TEXT)
def test_unstorable_is_exactly_what_sqlite_cannot_keep(text: str) -> None:
    try:
        text.encode("utf-8")
        encodable = True
    except UnicodeEncodeError:
        encodable = False
    said = unstorable(text)
    assert (said is None) == (encodable and "\x00" not in text)
    assert has_nul(text) == (said is not None)
    if said is not None:
        said.encode("utf-8")  # the refusal itself can be shown and logged


def test_storage_errors_names_each_field() -> None:
    errors = storage_errors(
        {"a": ("The name", "ok"), "b": ("The note", "x\x00"), "c": ("It", "\udc80")}
    )
    assert set(errors) == {"b", "c"} and errors["b"].startswith("The note")


@pytest.mark.parametrize(
    ("count", "said"), [(0, "0 sessions"), (1, "1 session"), (2, "2 sessions"), (12, "12 sessions")]
)
def test_a_count_is_said_with_its_noun(count: int, said: str) -> None:
    assert counted(count, "session") == said
