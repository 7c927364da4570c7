from __future__ import annotations

from frontdesk.domain.text import fold
from frontdesk.services.demo import demo_drafts, fill_demo_clinic
from tests.conftest import draft


def test_demo_fills_an_empty_clinic_with_about_sixty_patients(clinic) -> None:
    added = fill_demo_clinic(clinic)
    assert 55 <= added <= 65
    assert clinic.patients.count(include_archived=True) == added
    assert 0 < clinic.patients.count() < added  # a few archived ones, to show the option
    assert clinic.patients.search("gar mar").rows[0].full_name == "María García"


def test_demo_is_deterministic() -> None:
    assert demo_drafts() == demo_drafts()


def test_demo_names_are_the_valleys_mix() -> None:
    last_names = {fold(d.last_name) for d, _ in demo_drafts()}
    assert last_names & {"garcia", "hernandez", "lopez", "martinez", "ramirez"}  # Spanish
    assert any(n.endswith("yan") for n in last_names)  # Armenian
    assert last_names & {"rahimi", "hosseini", "karimi", "tehrani", "moradi"}  # Persian
    assert last_names & {"kim", "park", "lee", "choi", "jung"}  # Korean
    assert last_names & {"smith", "johnson", "williams", "brown", "miller"}  # English


def test_demo_never_touches_a_clinic_in_use(clinic, desk) -> None:
    clinic.patients.register(desk, draft())
    assert fill_demo_clinic(clinic) == 0
    assert clinic.patients.count(include_archived=True) == 1


def test_demo_twice_adds_once(clinic) -> None:
    first = fill_demo_clinic(clinic)
    assert fill_demo_clinic(clinic) == 0
    assert clinic.patients.count(include_archived=True) == first
