"""Registry search against a real SQLite file: every form the desk types, and paging."""

from __future__ import annotations

import pytest

from frontdesk.domain.phones import phone_from_e164
from frontdesk.domain.search import PatientSort, parse_query
from frontdesk.domain.text import name_key
from frontdesk.services.clinic import Clinic
from frontdesk.storage.patient_search import page_sql, plan
from tests.conftest import draft

PEOPLE = [
    ("María", "García", "3/14/1985", "(818) 555-0134", "maria.garcia@example.com"),
    ("Valeria", "García López", "10/14/1981", "(818) 555-0159", ""),
    ("Marcus", "Garrett", "7/18/1971", "(323) 555-0182", "marcus@example.org"),
    ("Aram", "Hakobyan", "11/2/1979", "(747) 555-0177", "aram.h@example.net"),
    ("Garo", "Martirosyan", "1/5/1990", "", "garo@example.com"),
    ("Sarah", "O'Connor", "5/25/2000", "(310) 555-0160", ""),
    ("Ji-woo", "Park", "1/19/2001", "(213) 555-0150", "jiwoo@example.com"),
    ("Shirin", "Rahimi", "6/30/1992", "+374 10 123456", ""),
]


@pytest.fixture
def registry(clinic: Clinic, desk) -> Clinic:
    for first, last, dob, phone, email in PEOPLE:
        clinic.patients.register(
            desk, draft(first_name=first, last_name=last, dob=dob, phone=phone, email=email)
        )
    return clinic


def names(clinic: Clinic, text: str = "", **options) -> list[str]:
    return [p.full_name for p in clinic.patients.search(text, **options).rows]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        # either order: "last first" matches come first, then "first last"
        ("gar mar", ["María García", "Marcus Garrett", "Garo Martirosyan"]),
        ("mar gar", ["Garo Martirosyan", "Marcus Garrett", "María García"]),
        ("garcia", ["María García", "Valeria García López"]),
        ("García", ["María García", "Valeria García López"]),
        ("GARCIA", ["María García", "Valeria García López"]),
        ("garcia lopez", ["Valeria García López"]),
        ("maria garcia", ["María García"]),
        ("gar", ["María García", "Valeria García López", "Marcus Garrett", "Garo Martirosyan"]),
        ("o'c", ["Sarah O'Connor"]),
        ("oconnor", ["Sarah O'Connor"]),
        ("ji woo", ["Ji-woo Park"]),
        ("8185550134", ["María García"]),
        ("(818) 555-0134", ["María García"]),
        ("818-555-0134", ["María García"]),
        ("1 818 555 0134", ["María García"]),
        ("818555", ["María García", "Valeria García López"]),
        ("0134", ["María García"]),  # the last four digits
        ("37410", ["Shirin Rahimi"]),
        ("3/14/1985", ["María García"]),
        ("03/14/1985", ["María García"]),
        ("1985-03-14", ["María García"]),
        ("maria.garcia@", ["María García"]),
        ("MARIA.GARCIA@EXAMPLE.COM", ["María García"]),
        ("aram.h", ["Aram Hakobyan"]),  # an email prefix typed without the @
        ("zzyzx", []),
        ("gar zzz", []),
        ("0000000", []),
        ("1/1/1900", []),
        ("2/30/1985", []),
    ],
)
def test_what_the_desk_types_finds_the_right_people(registry, typed, expected) -> None:
    assert names(registry, typed) == expected


def test_empty_search_lists_everyone_by_last_name(registry) -> None:
    shown = names(registry)
    assert len(shown) == len(PEOPLE)
    assert shown[0] == "María García" and shown[-1] == "Shirin Rahimi"


def test_archived_patients_hide_unless_asked_for(registry, desk) -> None:
    maria = registry.patients.search("3/14/1985").rows[0]
    registry.patients.archive(desk, maria.id)
    assert "María García" not in names(registry, "garcia")
    assert "María García" in names(registry, "garcia", include_archived=True)


@pytest.mark.parametrize("sort", list(PatientSort))
@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("typed", ["", "gar", "555", "a"])
def test_pages_join_up_without_gaps_or_repeats(registry, sort, descending, typed) -> None:
    whole = registry.patients.search(typed, sort=sort, descending=descending, limit=1000).rows
    paged, cursor = [], None
    while True:
        page = registry.patients.search(
            typed, sort=sort, descending=descending, cursor=cursor, limit=3
        )
        paged.extend(page.rows)
        cursor = page.next
        if cursor is None:
            break
    assert [p.id for p in paged] == [p.id for p in whole]
    assert len({p.id for p in paged}) == len(paged)


@pytest.mark.parametrize(
    ("sort", "key"),
    [
        (PatientSort.NAME, lambda p: (name_key(p.last_name), name_key(p.first_name))),
        (PatientSort.DOB, lambda p: p.dob),
        (
            PatientSort.PHONE,
            lambda p: phone_from_e164(p.phone_e164).search_digits if p.phone_e164 else "",
        ),
        (PatientSort.EMAIL, lambda p: p.email.casefold()),
    ],
)
@pytest.mark.parametrize("descending", [False, True])
def test_sorting_by_a_column(registry, sort, key, descending) -> None:
    keys = [key(p) for p in registry.patients.search("", sort=sort, descending=descending).rows]
    assert keys == sorted(keys, reverse=descending)


@pytest.mark.parametrize(
    "typed", ["", "gar", "gar mar", "8185550134", "0134", "3/14/1985", "maria@x", "zzz"]
)
def test_default_order_reads_indexes_in_order_never_scans_or_sorts(registry, typed) -> None:
    """The performance contract: each page is an index range read, so size does not matter."""
    db = registry._db
    for stream in plan(parse_query(typed), PatientSort.NAME, descending=False):
        for after in (None, tuple("m" for _ in stream.order)):
            sql, params = page_sql(stream, False, after, False, 50)
            steps = [row[3] for row in db.execute("EXPLAIN QUERY PLAN " + sql, params)]
            assert not any("TEMP B-TREE" in s for s in steps), (typed, steps)
            if typed:
                assert all(s.startswith("SEARCH patients USING INDEX") for s in steps), steps
