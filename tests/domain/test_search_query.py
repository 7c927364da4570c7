from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from frontdesk.domain.search import SearchKind, parse_query


@pytest.mark.parametrize(
    ("typed", "kind", "detail"),
    [
        ("", SearchKind.ALL, None),
        ("   ", SearchKind.ALL, None),
        ("gar", SearchKind.NAME, ("gar",)),
        ("gar mar", SearchKind.NAME, ("gar", "mar")),
        ("García", SearchKind.NAME, ("garcia",)),
        ("O'Connor", SearchKind.NAME, ("oconnor",)),
        ("8185550134", SearchKind.PHONE, "8185550134"),
        ("(818) 555-0134", SearchKind.PHONE, "8185550134"),
        ("+1 818 555 0134", SearchKind.PHONE, "8185550134"),
        ("0134", SearchKind.PHONE, "0134"),
        ("81", SearchKind.NOTHING, None),
        ("3/14/1985", SearchKind.DOB, date(1985, 3, 14)),
        ("1985-03-14", SearchKind.DOB, date(1985, 3, 14)),
        ("2/30/1985", SearchKind.NOTHING, None),
        ("Maria.Garcia@Example.com", SearchKind.EMAIL, "maria.garcia@example.com"),
        ("---", SearchKind.NOTHING, None),
    ],
)
def test_what_was_meant(typed: str, kind: SearchKind, detail) -> None:
    query = parse_query(typed)
    assert query.kind is kind
    if kind is SearchKind.NAME:
        assert query.words == detail
    elif kind in (SearchKind.PHONE, SearchKind.EMAIL):
        assert query.text == detail
    elif kind is SearchKind.DOB:
        assert query.day == detail


@given(st.text())
def test_any_text_parses(text: str) -> None:
    query = parse_query(text)
    assert isinstance(query.kind, SearchKind)
    if query.kind is SearchKind.NAME:
        assert query.words and all(query.words)
