"""Intakes against a real SQLite file: versions, history, audit, the laser gate."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from frontdesk.domain.intake import AcneStatus, Answer, Intake, Look, Region, RegionFinding, Subtype
from frontdesk.services.errors import NotAllowed, NotFound, ValidationFailed
from frontdesk.storage.intakes import answers_json, intake_from_json
from tests.conftest import draft
from tests.domain.test_assessment import intakes

ROLLING = Intake(
    regions=(
        RegionFinding(
            Region.LEFT_CHEEK,
            frozenset({Look.INDENTED}),
            frozenset({Subtype.ROLLING}),
            felt=Answer.YES,
        ),
    ),
    fitzpatrick=3,
    acne=AcneStatus.CONTROLLED,
)
PIH = Intake(regions=(RegionFinding(Region.CHIN, frozenset({Look.FLAT_BROWN})),), fitzpatrick=5)


@pytest.fixture
def patient(clinic, desk):
    return clinic.patients.register(desk, draft())


def test_record_keeps_the_intake_with_its_author_and_audit(clinic, doctor, patient) -> None:
    stored = clinic.intakes.record(doctor, patient.id, ROLLING)
    assert stored.intake == ROLLING and stored.version == 1
    assert stored.staff_name == "Dr. Alex" and stored.summary == "atrophic: rolling"
    assert stored.recorded_at.startswith("2026-11-26T10:30")
    [entry] = clinic.audit.history("intake", stored.id)
    assert entry.action == "record" and entry.staff_id == doctor.id
    assert entry.after["summary"] == "atrophic: rolling"


def test_a_correction_is_a_new_version_and_the_old_one_stays(clinic, doctor, patient) -> None:
    first = clinic.intakes.record(doctor, patient.id, PIH)
    corrected = clinic.intakes.correct(doctor, first.id, ROLLING)
    assert (corrected.version, corrected.original_id) == (2, first.id)
    history = clinic.intakes.history(patient.id)
    assert [(h.version, h.summary) for h in history] == [(2, "atrophic: rolling"), (1, "PIH")]
    assert history[1].intake == PIH  # the original is still readable as it was
    entry = clinic.audit.history("intake", corrected.id)[0]
    assert (entry.action, entry.before["summary"], entry.after["summary"]) == (
        "correct",
        "PIH",
        "atrophic: rolling",
    )


def test_only_the_newest_version_can_be_corrected(clinic, doctor, patient) -> None:
    first = clinic.intakes.record(doctor, patient.id, PIH)
    clinic.intakes.correct(doctor, first.id, ROLLING)
    with pytest.raises(ValidationFailed, match="correct the newest version"):
        clinic.intakes.correct(doctor, first.id, PIH)


def test_latest_is_the_newest_version_of_the_last_intake(clinic, doctor, patient) -> None:
    old = clinic.intakes.record(doctor, patient.id, PIH)
    clinic.intakes.record(doctor, patient.id, ROLLING)
    clinic.intakes.correct(doctor, old.id, PIH)  # correcting last year's does not make it "latest"
    assert clinic.intakes.latest(patient.id).summary == "atrophic: rolling"
    assert clinic.patients.get(patient.id).finding == "atrophic: rolling"
    assert clinic.patients.search("garcia").rows[0].finding == "atrophic: rolling"


def test_a_patient_without_intake_shows_as_due(clinic, patient) -> None:
    assert clinic.patients.get(patient.id).finding is None
    verdict = clinic.intakes.eligibility(patient.id)
    assert not verdict.allowed and "intake due" in verdict.reasons[0]


def test_eligibility_follows_the_latest_intake(clinic, doctor, patient) -> None:
    clinic.intakes.record(doctor, patient.id, ROLLING)
    assert clinic.intakes.eligibility(patient.id).allowed
    flared = Intake(ROLLING.regions, fitzpatrick=3, acne=AcneStatus.ACTIVE)
    clinic.intakes.record(doctor, patient.id, flared)
    assert not clinic.intakes.eligibility(patient.id).allowed


def test_only_the_doctor_overrides_a_no_and_must_say_why(clinic, doctor, desk, patient) -> None:
    clinic.intakes.record(doctor, patient.id, PIH)
    with pytest.raises(NotAllowed):
        clinic.intakes.override_no(desk, patient.id, "Patient insists.")
    with pytest.raises(ValidationFailed):
        clinic.intakes.override_no(doctor, patient.id, "   ")
    verdict = clinic.intakes.override_no(doctor, patient.id, "Deep PIH with texture change.")
    assert verdict.allowed and verdict.overridden == "Deep PIH with texture change."
    overrides = clinic.audit.history("laser_eligibility", 1)
    assert overrides[0].after["reason"] == "Deep PIH with texture change."


def test_an_override_ends_with_a_new_intake(clinic, doctor, patient) -> None:
    clinic.intakes.record(doctor, patient.id, PIH)
    clinic.intakes.override_no(doctor, patient.id, "Reason.")
    clinic.intakes.record(doctor, patient.id, PIH)
    assert not clinic.intakes.eligibility(patient.id).allowed


def test_refusals(clinic, doctor, patient) -> None:
    with pytest.raises(NotFound):
        clinic.intakes.record(doctor, 999, ROLLING)
    with pytest.raises(NotFound):
        clinic.intakes.correct(doctor, 999, ROLLING)
    with pytest.raises(ValidationFailed):
        clinic.intakes.record(doctor, patient.id, Intake(grade=7))
    assert clinic.intakes.history(patient.id) == []


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(any_intake=intakes)
def test_answers_round_trip_through_the_database(clinic, doctor, patient, any_intake) -> None:
    assert intake_from_json(answers_json(any_intake)) == any_intake
    valid = Intake(
        any_intake.regions,
        any_intake.grade,
        any_intake.fitzpatrick,
        any_intake.acne,
        any_intake.screening if any_intake.screening.isotretinoin else type(any_intake.screening)(),
        any_intake.notes,
    )
    stored = clinic.intakes.record(doctor, patient.id, valid)
    assert clinic.intakes.latest(patient.id).intake == valid == stored.intake
