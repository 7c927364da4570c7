"""Intakes against a real SQLite file: versions, history, audit, the laser gate."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings

from frontdesk.domain.intake import (
    AcneStatus,
    Answer,
    Intake,
    Look,
    Region,
    RegionFinding,
    Screening,
    Subtype,
)
from frontdesk.domain.staff import Role, Staff
from frontdesk.services.errors import NotAllowed, NotFound, ValidationFailed
from frontdesk.services.signed_in import NotSignedIn
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
    screening=Screening(asked=True),
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
    clinic.intakes.correct(
        doctor, old.id, replace(PIH, fitzpatrick=4)
    )  # correcting last year's does not make it "latest"
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
    seen = clinic.intakes.record(doctor, patient.id, PIH)
    with pytest.raises(NotAllowed):
        clinic.intakes.override_no(desk, patient.id, seen.id, "Patient insists.")
    with pytest.raises(ValidationFailed):
        clinic.intakes.override_no(doctor, patient.id, seen.id, "   ")
    verdict = clinic.intakes.override_no(
        doctor, patient.id, seen.id, "Deep PIH with texture change."
    )
    assert verdict.allowed and verdict.overridden == "Deep PIH with texture change."
    overrides = clinic.audit.history("laser_eligibility", 1)
    assert overrides[0].after["reason"] == "Deep PIH with texture change."
    assert overrides[0].staff_id == doctor.id


def test_claiming_the_doctor_role_does_not_make_one(clinic, doctor, desk, patient) -> None:
    seen = clinic.intakes.record(doctor, patient.id, PIH)
    posing = replace(desk.staff, role=Role.DOCTOR)  # not a sign-in: nobody vouched for it
    with pytest.raises(NotSignedIn):
        clinic.intakes.override_no(posing, patient.id, seen.id, "I say so, trust me on this.")
    with pytest.raises(NotSignedIn):
        clinic.intakes.record(posing, patient.id, ROLLING)
    assert not clinic.intakes.eligibility(patient.id).allowed


def test_the_doctors_id_with_the_desks_role_is_not_recorded_as_the_doctor(
    clinic, doctor, patient
) -> None:
    """What the fault battery did: a hand-made member with the doctor's id."""
    forged = Staff(id=doctor.id, name="Anyone", role=Role.FRONT_DESK)
    with pytest.raises(NotSignedIn, match="sign in again"):
        clinic.intakes.record(forged, patient.id, ROLLING)
    assert clinic.intakes.latest(patient.id) is None
    [line] = clinic._db.query("SELECT * FROM audit ORDER BY id DESC LIMIT 1")
    assert (line["action"], line["entity"], line["staff_id"]) == ("denied", "sign_in", None)


def test_the_front_desk_cannot_record_or_correct_intakes(clinic, doctor, desk, patient) -> None:
    with pytest.raises(NotAllowed):
        clinic.intakes.record(desk, patient.id, ROLLING)
    seen = clinic.intakes.record(doctor, patient.id, PIH)
    with pytest.raises(NotAllowed):
        clinic.intakes.correct(desk, seen.id, ROLLING)
    assert clinic.intakes.latest(patient.id).summary == "PIH"


def test_an_override_belongs_to_the_version_the_doctor_saw(clinic, doctor, patient) -> None:
    seen = clinic.intakes.record(doctor, patient.id, PIH)
    newer = clinic.intakes.record(doctor, patient.id, PIH.__class__(PIH.regions, fitzpatrick=4))
    with pytest.raises(ValidationFailed, match="newer intake was saved"):
        clinic.intakes.override_no(doctor, patient.id, seen.id, "Reviewed with the patient today.")
    clinic.intakes.override_no(doctor, patient.id, newer.id, "Reviewed with the patient today.")
    assert clinic.intakes.eligibility(patient.id).allowed
    clinic.intakes.record(doctor, patient.id, PIH)  # a new intake: the override stays behind
    assert not clinic.intakes.eligibility(patient.id).allowed


def test_no_override_when_laser_is_already_allowed(clinic, doctor, patient) -> None:
    seen = clinic.intakes.record(doctor, patient.id, ROLLING)
    with pytest.raises(ValidationFailed, match="already allowed"):
        clinic.intakes.override_no(doctor, patient.id, seen.id, "Reviewed with the patient today.")


def test_no_empty_intake_and_no_empty_correction(clinic, doctor, patient) -> None:
    with pytest.raises(ValidationFailed, match="Nothing is recorded"):
        clinic.intakes.record(doctor, patient.id, Intake())
    seen = clinic.intakes.record(doctor, patient.id, PIH)
    with pytest.raises(ValidationFailed, match="Nothing was changed"):
        clinic.intakes.correct(doctor, seen.id, PIH)
    assert [h.version for h in clinic.intakes.history(patient.id)] == [1]


def test_answers_the_service_refuses(clinic, doctor, patient) -> None:
    future = Intake(
        PIH.regions, screening=Screening(isotretinoin=True, isotretinoin_stopped=date(2027, 1, 1))
    )
    with pytest.raises(ValidationFailed, match="in the future"):
        clinic.intakes.record(doctor, patient.id, future)
    twice = Intake(PIH.regions + PIH.regions)
    with pytest.raises(ValidationFailed, match="recorded once"):
        clinic.intakes.record(doctor, patient.id, twice)


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
    regions = tuple({r.region: r for r in any_intake.regions}.values())  # once each
    screening = any_intake.screening
    if not screening.isotretinoin or (
        screening.isotretinoin_stopped and screening.isotretinoin_stopped > date(2026, 11, 26)
    ):
        screening = replace(screening, isotretinoin_stopped=None)
    valid = replace(any_intake, regions=regions, screening=screening, notes="kept")
    stored = clinic.intakes.record(doctor, patient.id, valid)
    assert clinic.intakes.latest(patient.id).intake == valid == stored.intake


def test_ok_is_not_a_reason(clinic, doctor, patient) -> None:
    seen = clinic.intakes.record(doctor, patient.id, PIH)
    with pytest.raises(ValidationFailed, match="in a sentence"):
        clinic.intakes.override_no(doctor, patient.id, seen.id, "ok")
