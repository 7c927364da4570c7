from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from frontdesk.domain.patients import PatientDraft, duplicate_key, validate

TODAY = date(2026, 11, 26)
GOOD = PatientDraft("María", "García", "3/14/1985", "(818) 555-0134", "maria@example.com", "")


def with_(**changes: str) -> PatientDraft:
    return PatientDraft(**{**GOOD.__dict__, **changes})


def test_a_good_draft_is_normalised_but_names_kept_verbatim() -> None:
    result = validate(with_(first_name="  María José ", phone="818.555.0134"), TODAY)
    assert result.ok
    fields = result.fields
    assert fields is not None
    assert fields.first_name == "María José"  # trimmed, never re-cased or de-accented
    assert fields.dob == date(1985, 3, 14)
    assert fields.phone_e164 == "+18185550134"
    assert fields.phone_digits == "8185550134"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"first_name": ""}, "first_name", "First name is required."),
        ({"first_name": "   "}, "first_name", "First name is required."),
        ({"last_name": ""}, "last_name", "Last name is required."),
        ({"last_name": "---"}, "last_name", "Last name needs at least one letter."),
        ({"last_name": "G4rcia"}, "last_name", "Last name should not contain digits."),
        ({"last_name": "x" * 101}, "last_name", "longer than 100"),
        ({"last_name": "Gar\ncia"}, "last_name", "on one line"),
        ({"dob": ""}, "dob", "Date of birth is required."),
        ({"dob": "11/26/2026"}, "dob", "Date of birth must be in the past."),
        ({"dob": "1/1/2030"}, "dob", "Date of birth must be in the past."),
        ({"dob": "1/1/1890"}, "dob", "more than 120 years ago"),
        ({"dob": "2/30/1985"}, "dob", "not a date on the calendar"),
        ({"dob": "3/14/85"}, "dob", "four digits"),
        ({"phone": "555-0134"}, "phone", "area code"),
        ({"email": "maria@"}, "email", "name@example.com"),
        ({"email": "maria example.com"}, "email", "name@example.com"),
        ({"email": "maria@example"}, "email", "name@example.com"),
        ({"notes": "x" * 4001}, "notes", "longer than 4000"),
    ],
)
def test_each_problem_is_named_at_its_field(changes: dict, field: str, message: str) -> None:
    result = validate(with_(**changes), TODAY)
    assert not result.ok and result.fields is None
    assert message in result.errors[field]
    assert set(result.errors) == {field}


def test_every_problem_is_reported_at_once() -> None:
    result = validate(PatientDraft("", "", "", "12", "x@", ""), TODAY)
    assert set(result.errors) == {"first_name", "last_name", "dob", "phone", "email"}


def test_phone_and_email_are_optional() -> None:
    assert validate(with_(phone="", email=""), TODAY).ok


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        (("María", "García"), ("maria", "GARCIA"), True),
        (("María José", "García-López"), ("Maria Jose", "Garcia Lopez"), True),
        (("María", "García"), ("Mario", "García"), False),
    ],
)
def test_duplicate_key_ignores_accents_case_and_hyphens(a, b, same: bool) -> None:
    born = date(1985, 3, 14)
    assert (duplicate_key(*a, born) == duplicate_key(*b, born)) is same


@given(
    st.text(),
    st.text(),
    st.text(max_size=12),
    st.text(max_size=20),
    st.text(max_size=40),
    st.text(max_size=50),
)
def test_validate_never_raises_and_answers_one_way(first, last, dob, phone, email, notes) -> None:
    result = validate(PatientDraft(first, last, dob, phone, email, notes), TODAY)
    assert (result.fields is None) == bool(result.errors)
    if result.fields is not None:
        assert result.fields.first_name == first.strip()
        assert result.fields.last_name == last.strip()


@pytest.mark.parametrize("field", ["first_name", "last_name", "email", "notes"])
@pytest.mark.parametrize(
    ("typed", "said"),
    [("Ann\x00Lee", "NUL character"), ("\x00", "NUL character"), ("Ann\udc80", "broken")],
)
def test_text_the_database_cannot_hold_is_refused_in_words(
    field: str, typed: str, said: str
) -> None:
    value = f"ann{typed}@example.com" if field == "email" else typed
    result = validate(with_(**{field: value}), TODAY)
    assert result.fields is None and said in result.errors[field], result.errors


@given(st.text(alphabet=st.characters(codec=None, categories=None)))
def test_any_notes_are_kept_verbatim_or_refused_in_words(notes: str) -> None:
    result = validate(with_(notes=notes), TODAY)
    if result.fields is None:
        assert set(result.errors) == {"notes"} and result.errors["notes"].endswith(".")
    else:
        assert result.fields.notes == notes.strip()
        result.fields.notes.encode("utf-8")
        assert "\x00" not in result.fields.notes
