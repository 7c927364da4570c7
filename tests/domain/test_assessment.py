"""Every finding, warning, contradiction and eligibility rule of the intake, as tables."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from frontdesk.domain.assessment import Finding, assess, eligibility
from frontdesk.domain.fitzpatrick import QUESTIONS, skin_type
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

TODAY = date(2026, 11, 26)
B, R, DENT, X = Look.FLAT_BROWN, Look.FLAT_RED, Look.INDENTED, Look.RAISED


def seen(*looks: Look, subtypes=(), region=Region.LEFT_CHEEK, **answers) -> RegionFinding:
    return RegionFinding(region, frozenset(looks), frozenset(subtypes), **answers)


def intake(*regions: RegionFinding, **fields) -> Intake:
    """An intake whose screening questions were asked (unless a test says otherwise)."""
    fields["screening"] = replace(fields.get("screening", Screening()), asked=True)
    return Intake(
        regions=tuple(regions), **{"fitzpatrick": 3, "acne": AcneStatus.CONTROLLED, **fields}
    )


@pytest.mark.parametrize(
    ("regions", "findings", "summary", "recommendation"),
    [
        ((), (), "no marks recorded", "No marks recorded yet."),
        (
            (seen(B),),
            (Finding.PIH,),
            "PIH",
            "PIH only: not a true scar; not a candidate for fractional CO2.",
        ),
        (
            (seen(R),),
            (Finding.PIE,),
            "PIE",
            "PIE only: not a true scar; not a candidate for fractional CO2.",
        ),
        (
            (seen(B), seen(R, region=Region.NOSE)),
            (Finding.PIH, Finding.PIE),
            "mixed: PIH + PIE",
            "PIH and PIE only: not a true scar; not a candidate for fractional CO2.",
        ),
        (
            (seen(DENT, subtypes=[Subtype.ICE_PICK]),),
            (Finding.ATROPHIC,),
            "atrophic: ice pick",
            "atrophic: ice pick: candidate for a fractional CO2 series of 3-6 sessions.",
        ),
        ((seen(DENT, subtypes=[Subtype.BOXCAR]),), (Finding.ATROPHIC,), "atrophic: boxcar", None),
        ((seen(DENT, subtypes=[Subtype.ROLLING]),), (Finding.ATROPHIC,), "atrophic: rolling", None),
        (
            (
                seen(DENT, subtypes=[Subtype.BOXCAR]),
                seen(DENT, subtypes=[Subtype.ROLLING], region=Region.RIGHT_CHEEK),
            ),
            (Finding.ATROPHIC,),
            "atrophic: rolling, boxcar",
            "atrophic: rolling, boxcar: candidate for a fractional CO2 series of 3-6 sessions.",
        ),
        ((seen(DENT),), (Finding.ATROPHIC,), "atrophic: subtype not recorded", None),
        (
            (seen(X),),
            (Finding.RAISED,),
            "hypertrophic/keloid",
            "Raised scars only: not a fractional CO2 case; the doctor decides.",
        ),
        (
            (seen(B, DENT, subtypes=[Subtype.ROLLING]),),
            (Finding.PIH, Finding.ATROPHIC),
            "mixed: PIH + atrophic: rolling",
            "PIH + atrophic: rolling: candidate for a fractional CO2 series of 3-6 sessions.",
        ),
        (
            (seen(DENT, X, subtypes=[Subtype.BOXCAR]),),
            (Finding.ATROPHIC, Finding.RAISED),
            "mixed: atrophic: boxcar + hypertrophic/keloid",
            None,
        ),
    ],
)
def test_findings_summary_and_recommendation(regions, findings, summary, recommendation):
    result = assess(intake(*regions), TODAY)
    assert result.findings == findings
    assert result.summary == summary
    if recommendation:
        assert result.recommendation == recommendation


def test_raised_with_dark_marks_is_not_called_raised_only() -> None:
    result = assess(intake(seen(B), seen(X, region=Region.JAWLINE)), TODAY)
    assert result.recommendation == (
        "Raised scars with PIH: not a fractional CO2 case; the doctor decides."
    )


def test_acne_never_assumed() -> None:
    assert Intake().acne is AcneStatus.NOT_ASKED
    result = assess(Intake(regions=(seen(DENT),)), TODAY)
    assert any("Ask whether acne is active" in r for r in result.reasons)


def test_active_acne_comes_before_any_scar_treatment() -> None:
    result = assess(intake(seen(DENT, subtypes=[Subtype.BOXCAR]), acne=AcneStatus.ACTIVE), TODAY)
    assert result.recommendation == "Active acne: control acne before any scar treatment."


@pytest.mark.parametrize(
    ("region", "grade", "contradiction"),
    [
        (seen(B, felt=Answer.YES), None, "marked as flat, yet the mark can be felt"),
        (seen(R, felt=Answer.YES), None, "marked as flat, yet the mark can be felt"),
        (seen(DENT, felt=Answer.NO), None, "marked as indented, yet nothing can be felt"),
        (seen(B, blanches=Answer.YES), None, "brown marks that blanch"),
        (seen(R, blanches=Answer.NO), None, "red marks that do not blanch"),
        (seen(B, subtypes=[Subtype.BOXCAR]), None, "subtypes chosen but the scar is not"),
        (seen(X, felt=Answer.NO), None, "marked as raised, yet nothing can be felt"),
        (seen(DENT, subtypes=[Subtype.BOXCAR]), 1, "Grade 1 (macular)"),
        (seen(B), 3, "Grade 3 describes textured scars"),
    ],
)
def test_contradictions_are_reported_not_resolved(region, grade, contradiction) -> None:
    result = assess(intake(region, grade=grade), TODAY)
    assert any(contradiction in c for c in result.contradictions), result.contradictions


@pytest.mark.parametrize(
    "consistent",
    [
        seen(B, felt=Answer.NO, blanches=Answer.NO),
        seen(R, felt=Answer.NO, blanches=Answer.YES),
        seen(DENT, felt=Answer.YES, subtypes=[Subtype.ROLLING]),
        seen(B, DENT, felt=Answer.YES),  # flat and indented marks side by side can be felt
    ],
)
def test_consistent_answers_raise_no_contradiction(consistent) -> None:
    assert assess(intake(consistent), TODAY).contradictions == ()


@pytest.mark.parametrize(
    ("changes", "warning"),
    [
        ({"fitzpatrick": 4}, "Fitzpatrick type IV: higher risk of PIH after laser."),
        ({"fitzpatrick": 5}, "Fitzpatrick type V"),
        ({"fitzpatrick": 6}, "Fitzpatrick type VI"),
        ({"fitzpatrick": None}, "Fitzpatrick skin type not recorded"),
        ({"screening": Screening(cold_sores=True)}, "antiviral prophylaxis"),
        ({"screening": Screening(isotretinoin=True)}, "still taking it"),
        (
            {"screening": Screening(isotretinoin=True, isotretinoin_stopped=date(2026, 5, 20))},
            "Isotretinoin stopped Wed, May 20, 2026 (6 months ago): the waiting period is the"
            " doctor's",
        ),
        ({"screening": Screening(pregnant_or_breastfeeding=True)}, "Pregnant or breastfeeding"),
        ({"screening": Screening(keloid_history=True)}, "History of keloids"),
        ({"screening": Screening(skin_infection=True)}, "Active skin infection"),
        ({"screening": Screening(recent_tan=True)}, "Recent tan"),
        ({"screening": Screening(photosensitising_drugs=True)}, "photosensitising"),
    ],
)
def test_each_warning(changes, warning) -> None:
    result = assess(intake(seen(DENT), **changes), TODAY)
    assert any(warning in w for w in result.warnings), result.warnings


@pytest.mark.parametrize("skin", [1, 2, 3])
def test_lighter_skin_types_carry_no_pih_warning(skin) -> None:
    assert not any(
        "PIH after laser" in w for w in assess(intake(seen(DENT), fitzpatrick=skin), TODAY).warnings
    )


ATROPHIC = seen(DENT, subtypes=[Subtype.ROLLING], felt=Answer.YES)


@pytest.mark.parametrize(
    ("case", "allowed", "reason"),
    [
        (None, False, "intake due"),
        (intake(ATROPHIC, acne=AcneStatus.CONTROLLED), True, "acne under control"),
        (intake(ATROPHIC, acne=AcneStatus.NONE), True, "acne under control"),
        (intake(ATROPHIC, acne=AcneStatus.ACTIVE), False, "Acne is active"),
        (intake(seen(B)), False, "PIH: no atrophic scars to treat"),
        (intake(seen(R)), False, "no atrophic scars"),
        (intake(seen(X)), False, "no atrophic scars"),
        (intake(), False, "no atrophic scars"),
        (intake(seen(DENT, felt=Answer.NO)), False, "contradictory answers"),
        (intake(ATROPHIC, screening=Screening(pregnant_or_breastfeeding=True)), False, "Pregnant"),
        (intake(ATROPHIC, screening=Screening(skin_infection=True)), False, "skin infection"),
        (intake(ATROPHIC, screening=Screening(cold_sores=True)), True, "acne under control"),
        (intake(ATROPHIC, acne=AcneStatus.NOT_ASKED), False, "Acne status not recorded"),
        (
            intake(ATROPHIC, screening=Screening(isotretinoin=True)),
            False,
            "Still taking isotretinoin",
        ),
        (
            intake(
                ATROPHIC,
                screening=Screening(isotretinoin=True, isotretinoin_stopped=date(2026, 1, 5)),
            ),
            True,
            "waiting period is the doctor's call",
        ),
        # the "no" keeps what needs the doctor's eye in view
        (
            intake(
                ATROPHIC,
                acne=AcneStatus.ACTIVE,
                fitzpatrick=6,
                screening=Screening(cold_sores=True),
            ),
            False,
            "antiviral",
        ),
    ],
)
def test_eligibility(case, allowed, reason) -> None:
    result = eligibility(case, TODAY)
    assert result.allowed is allowed
    said = result.reasons + result.warnings
    assert any(reason in r for r in said), said


@pytest.mark.parametrize("acne", [AcneStatus.CONTROLLED, AcneStatus.ACTIVE])
def test_warnings_stay_in_view_whatever_the_answer(acne) -> None:
    case = intake(ATROPHIC, acne=acne, fitzpatrick=6, screening=Screening(cold_sores=True))
    for verdict in (eligibility(case, TODAY), eligibility(case, TODAY, "Reviewed today.")):
        assert any("antiviral" in w for w in verdict.warnings)
        assert any("type VI" in w for w in verdict.warnings)


def test_unasked_screening_is_not_a_no() -> None:
    unasked = replace(intake(ATROPHIC), screening=Screening())
    verdict = eligibility(unasked, TODAY)
    assert not verdict.allowed and "Screening questions not asked yet." in verdict.reasons


def test_only_a_recorded_reason_turns_a_no_into_a_yes() -> None:
    active = intake(ATROPHIC, acne=AcneStatus.ACTIVE)
    assert not eligibility(active, TODAY, override_reason="").allowed
    overridden = eligibility(active, TODAY, override_reason="Acne controlled as of today.")
    assert overridden.allowed and overridden.overridden == "Acne controlled as of today."
    assert "Acne is active: control it first." in overridden.reasons  # the "no" stays visible


def test_with_region_replaces_and_drops_empty_regions() -> None:
    base = intake(seen(B))
    changed = base.with_region(seen(DENT, region=Region.FOREHEAD))
    assert [r.region for r in changed.regions] == [Region.FOREHEAD, Region.LEFT_CHEEK]
    cleared = changed.with_region(RegionFinding(Region.LEFT_CHEEK))
    assert [r.region for r in cleared.regions] == [Region.FOREHEAD]
    assert replace(base) == base


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ([0] * 10, 1),
        ([1] * 6 + [0] * 4, 1),
        ([1] * 7 + [0] * 3, 2),
        ([2] * 7 + [0] * 3, 3),
        ([2] * 10, 3),
        ([3] * 7 + [0] * 3, 4),
        ([3] * 10, 5),
        ([4] * 9 + [0], 6),
        ([4] * 10, 6),
    ],
)
def test_fitzpatrick_questionnaire(scores, expected) -> None:
    assert skin_type(scores) == expected


def test_fitzpatrick_needs_every_answer() -> None:
    with pytest.raises(ValueError):
        skin_type([1] * (len(QUESTIONS) - 1))


answers = st.sampled_from(list(Answer))
typed = st.characters(codec="utf-8", exclude_characters="\x00")  # what an intake can store
region_findings = st.builds(
    RegionFinding,
    region=st.sampled_from(list(Region)),
    looks=st.frozensets(st.sampled_from(list(Look))),
    subtypes=st.frozensets(st.sampled_from(list(Subtype))),
    blanches=answers,
    felt=answers,
    other_text=st.text(typed, max_size=20),
)
intakes = st.builds(
    Intake,
    regions=st.lists(region_findings, max_size=8).map(tuple),
    grade=st.none() | st.integers(1, 4),
    fitzpatrick=st.none() | st.integers(1, 6),
    acne=st.sampled_from(list(AcneStatus)),
    screening=st.builds(
        Screening,
        isotretinoin=st.booleans(),
        isotretinoin_stopped=st.none() | st.dates(date(2000, 1, 1), date(2030, 1, 1)),
        cold_sores=st.booleans(),
        pregnant_or_breastfeeding=st.booleans(),
        keloid_history=st.booleans(),
        skin_infection=st.booleans(),
        recent_tan=st.booleans(),
        photosensitising_drugs=st.booleans(),
    ),
    notes=st.text(typed, max_size=50),
)


@given(intakes)
def test_any_answers_give_a_finding_and_advice(any_intake: Intake) -> None:
    result = assess(any_intake, TODAY)
    assert result.summary and result.recommendation
    looks = {look for r in any_intake.regions for look in r.looks}
    assert bool(result.findings) == bool(looks)
    verdict = eligibility(any_intake, TODAY)
    assert verdict.reasons
    if verdict.allowed:
        assert Finding.ATROPHIC in result.findings
        assert any_intake.acne in (AcneStatus.NONE, AcneStatus.CONTROLLED)
        assert not result.contradictions
