"""Registry search against a real SQLite file: every form the desk types, and paging."""

from __future__ import annotations

import pytest

from frontdesk.domain.phones import phone_from_e164
from frontdesk.domain.search import PatientSort, parse_query
from frontdesk.domain.text import name_key
from frontdesk.services.clinic import Clinic
from frontdesk.storage.patient_search import SORT_CAP, page_sql, ranked_streams, sorted_stream
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
    ("Angelica", "dela Cruz", "2/2/1988", "", ""),
    ("Nare", "Smith-Avakian", "4/4/1994", "", ""),
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
        ("lopez", ["Valeria García López"]),  # any word of a name, not only the first
        ("cruz", ["Angelica dela Cruz"]),
        ("avak", ["Nare Smith-Avakian"]),
        ("smith avakian", ["Nare Smith-Avakian"]),
        ("+1 818", ["María García", "Valeria García López"]),
        ("1818555", ["María García", "Valeria García López"]),
        ("+1 (818) 555-01", ["María García", "Valeria García López"]),
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
    assert shown[0] == "Angelica dela Cruz" and shown[-1] == "Nare Smith-Avakian"


def test_archived_patients_hide_unless_asked_for(registry, desk) -> None:
    maria = registry.patients.search("3/14/1985").rows[0]
    registry.patients.archive(desk, maria.id)
    assert "María García" not in names(registry, "garcia")
    assert "María García" in names(registry, "garcia", include_archived=True)


@pytest.mark.parametrize("sort", list(PatientSort))
@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("typed", ["", "gar", "555", "a", "gar m", "m g"])
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


@pytest.mark.file_only  # SQLite's query plans; the server's search is benchmarked
@pytest.mark.parametrize(
    "typed", ["gar", "gar mar", "lopez", "8185550134", "0134", "3/14/1985", "maria@x", "zzz"]
)
def test_ranked_search_reads_indexes_in_order_never_scans_or_sorts(registry, typed) -> None:
    """The performance contract: each page is an index range read, so size does not matter."""
    streams = ranked_streams(parse_query(typed))
    flipped = [s.reading_the_other_index() for s in streams if s.probes]
    for stream in streams + flipped:
        for after in (None, tuple("m" for _ in stream.order)):
            steps = plan_steps(registry, stream, after, descending=False)
            assert not any("TEMP B-TREE" in s for s in steps), (typed, steps)
            assert not any(s.startswith("SCAN") for s in steps), (typed, steps)


@pytest.mark.file_only  # SQLite's query plans; the server's search is benchmarked
@pytest.mark.parametrize("sort", list(PatientSort))
@pytest.mark.parametrize("descending", [False, True])
def test_whole_registry_in_any_order_is_read_off_an_index(registry, sort, descending) -> None:
    stream = sorted_stream(sort)
    for after in (None, tuple("m" for _ in stream.order)):
        steps = plan_steps(registry, stream, after, descending)
        assert not any("TEMP B-TREE" in s for s in steps), (sort, steps)
        reads = [s for s in steps if s.startswith(("SCAN", "SEARCH"))]
        assert all("USING INDEX" in s or "USING COVERING INDEX" in s for s in reads), steps


def plan_steps(clinic, stream, after, descending) -> list[str]:
    sql, params = page_sql(stream, False, after, descending, 50)
    return [row[3] for row in clinic._db.execute("EXPLAIN QUERY PLAN " + sql, params)]


def test_a_filtered_list_in_another_order_sorts_a_bounded_set(clinic, desk) -> None:
    drafts = [
        draft(
            first_name=f"Ani{chr(97 + i % 26)}",
            last_name="Garabedian",
            dob=f"1/{1 + i % 28}/{1950 + i % 50}",
            phone="",
            email="",
        )
        for i in range(SORT_CAP + 5)
    ]
    clinic.patients.register_all_if_empty(desk, [(d, False) for d in drafts])
    page = clinic.patients.search("garab", sort=PatientSort.DOB, limit=50)
    assert page.capped and len(page.rows) == 50
    dobs = [p.dob for p in page.rows]
    assert dobs == sorted(dobs)
    small = clinic.patients.search("3/14/1985", sort=PatientSort.DOB)
    assert not small.capped


def test_a_patient_matched_by_two_words_of_a_name_shows_once(clinic, desk) -> None:
    clinic.patients.register(desk, draft(first_name="Ana María", last_name="de la Mar"))
    assert names(clinic, "ma") == ["Ana María de la Mar"]


def test_two_names_read_whichever_range_is_smaller(clinic, desk) -> None:
    many = [
        (
            draft(
                first_name=f"Ani{chr(97 + i % 26)}{chr(97 + i // 26 % 26)}",
                last_name="Garabedian",
                dob="1/1/1980",
                phone="",
                email="",
            ),
            False,
        )
        for i in range(600)
    ]
    many.append((draft(first_name="Zaven", last_name="Garabedian", phone="", email=""), False))
    clinic.patients.register_all_if_empty(desk, many)
    repo_stream = next(s for s in ranked_streams(parse_query("gar zav")) if s.probes)
    from frontdesk.storage.patients import PatientRepository

    chosen = PatientRepository(clinic._db)._cheaper_reading(repo_stream)
    assert chosen.order[0] == "first_key"  # 1 "zav..." first name against 600 "gar..." surnames
    assert names(clinic, "gar zav") == ["Zaven Garabedian"]
    assert len(clinic.patients.search("gar ani", limit=1000).rows) == 600
    usual = PatientRepository(clinic._db)._cheaper_reading(
        next(s for s in ranked_streams(parse_query("gar an")) if s.probes)
    )
    assert usual.order[0] == "last_key"  # both ranges large: the usual order
