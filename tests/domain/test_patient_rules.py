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


# -- registration details (issue 13 point 4): each optional, checked like the rest -----------
def test_registration_details_are_optional_and_default_to_not_given() -> None:
    fields = validate(GOOD, TODAY).fields
    assert fields is not None
    assert (fields.language, fields.address, fields.emergency_name) == ("", "", "")
    assert (fields.emergency_phone_e164, fields.heard_from, fields.heard_from_other) == ("", "", "")
    assert (fields.consent_sms, fields.consent_email) == (False, False)


def test_registration_details_are_kept_normalised() -> None:
    draft = PatientDraft(
        **{
            **GOOD.__dict__,
            "language": "es",
            "address": "  5300 Balboa Blvd, Encino, CA 91316 ",
            "emergency_name": " Rosa García (sister) ",
            "emergency_phone": "818.555.0199",
            "heard_from": "other",
            "heard_from_other": " radio ad ",
            "consent_sms": True,
            "consent_email": False,
        }
    )
    fields = validate(draft, TODAY).fields
    assert fields is not None
    assert fields.language == "es"
    assert fields.address == "5300 Balboa Blvd, Encino, CA 91316"
    assert fields.emergency_name == "Rosa García (sister)"
    assert fields.emergency_phone_e164 == "+18185550199"
    assert (fields.heard_from, fields.heard_from_other) == ("other", "radio ad")
    assert (fields.consent_sms, fields.consent_email) == (True, False)


def test_the_other_words_are_kept_only_with_other() -> None:
    draft = PatientDraft(**{**GOOD.__dict__, "heard_from": "friend", "heard_from_other": "x"})
    fields = validate(draft, TODAY).fields
    assert fields is not None and (fields.heard_from, fields.heard_from_other) == ("friend", "")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"language": "fr"}, "language", "English or Spanish"),
        ({"heard_from": "tv"}, "heard_from", "from the list"),
        ({"emergency_phone": "555-01"}, "emergency_phone", "Emergency contact:"),
        ({"address": "x" * 201}, "address", "longer than 200"),
        ({"address": "1 Main St\nApt 2"}, "address", "on one line"),
        ({"address": "1 Main\x00 St"}, "address", "NUL"),
        ({"address": "1 Main \udc80St"}, "address", "broken character"),
        ({"emergency_name": "Rosa\x00"}, "emergency_name", "NUL"),
        ({"emergency_name": "Rosa \ud800"}, "emergency_name", "broken character"),
        ({"emergency_name": "x" * 101}, "emergency_name", "longer than 100"),
        ({"heard_from": "other", "heard_from_other": "ad\x00"}, "heard_from_other", "NUL"),
        ({"heard_from": "other", "heard_from_other": "\udc80"}, "heard_from_other", "broken"),
    ],
)
def test_each_detail_problem_is_named_at_its_field(changes: dict, field: str, message: str):
    result = validate(PatientDraft(**{**GOOD.__dict__, **changes}), TODAY)
    assert not result.ok and result.fields is None
    assert message in result.errors[field]
    assert set(result.errors) == {field}


def test_the_details_come_back_from_a_patient_as_typed() -> None:
    from frontdesk.domain.patients import Patient

    fields = validate(
        PatientDraft(**{**GOOD.__dict__, "language": "en", "emergency_phone": "8185550199"}),
        TODAY,
    ).fields
    assert fields is not None
    patient = Patient(
        1, fields.first_name, fields.last_name, fields.dob, fields.phone_e164, fields.email,
        fields.notes, False, "x", "x", language="en",
        emergency_phone_e164=fields.emergency_phone_e164,
    )  # fmt: skip
    draft = patient.as_draft()
    assert (draft.language, draft.emergency_phone) == ("en", "(818) 555-0199")
