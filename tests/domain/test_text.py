from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from frontdesk.domain.text import digits, fold, name_key, prefix_upper_bound


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
