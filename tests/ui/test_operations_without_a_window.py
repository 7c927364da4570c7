"""Calls made by code that has no Operations yet (sign-in, lock, restore): same words."""

from __future__ import annotations

from frontdesk.services.changes import Entity
from frontdesk.services.errors import ServiceError, ValidationFailed
from frontdesk.ui.operations import call_here, quietly
from tests.conftest import draft


def test_a_call_here_returns_its_value_and_what_it_changed(clinic, desk, prompts):
    got = call_here(None, lambda: clinic.patients.register(desk, draft()), title="Register")
    assert got is not None and got.value.full_name == "María García"
    assert got.changes.ids(Entity.PATIENT) == {got.value.id}
    assert prompts.warnings == []


def test_a_refusal_here_is_said_in_words_or_handed_to_the_caller(clinic, desk, prompts):
    assert call_here(None, lambda: clinic.patients.get(424242), title="Patient") is None
    assert prompts.warnings == [("Patient", "Patient #424242 does not exist.")]
    shown: list[ServiceError] = []

    def by_the_fields(exc: ServiceError) -> bool:
        shown.append(exc)
        return True

    refused = call_here(
        None,
        lambda: clinic.patients.register(desk, draft(first_name="")),
        title="Not saved",
        on_refusal=by_the_fields,
    )
    assert refused is None and isinstance(shown[0], ValidationFailed)
    assert len(prompts.warnings) == 1  # the fields said it, not a box


def test_an_unexpected_failure_here_is_said_without_a_traceback(prompts):
    def broken() -> None:
        raise KeyError("no such thing")

    assert call_here(None, broken, title="Save") is None
    title, text = prompts.warnings[0]
    assert title == "Save" and "did not expect" in text and "Traceback" not in text


def test_quietly_gives_none_for_a_refusal_and_says_nothing(clinic, prompts):
    assert quietly(lambda: clinic.patients.get(424242)) is None
    assert quietly(lambda: clinic.patients.count()) == 0
    assert prompts.warnings == []
