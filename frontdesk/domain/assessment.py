"""From intake answers to findings, a recommendation, and whether laser may go ahead.

The app records and flags; the doctor rules. Contradictory answers are reported, never
silently resolved, and block laser until corrected (or overridden by the doctor).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import Enum

from dateutil.relativedelta import relativedelta

from frontdesk.domain.dates import format_day
from frontdesk.domain.intake import AcneStatus, Answer, Intake, Look, Subtype

HIGH_PIH_RISK_TYPES = (4, 5, 6)


class Finding(Enum):
    PIH = "PIH"
    PIE = "PIE"
    ATROPHIC = "atrophic"
    RAISED = "hypertrophic/keloid"


@dataclass(frozen=True)
class Assessment:
    findings: tuple[Finding, ...]
    subtypes: tuple[Subtype, ...]
    summary: str  # one line for lists: "PIH", "atrophic: rolling, boxcar", "mixed: ..."
    recommendation: str
    reasons: tuple[str, ...]
    contradictions: tuple[str, ...]
    warnings: tuple[str, ...]

    @property
    def laser_candidate(self) -> bool:
        return Finding.ATROPHIC in self.findings


SUBTYPE_ORDER = (Subtype.ROLLING, Subtype.BOXCAR, Subtype.ICE_PICK)


def _summary(findings: tuple[Finding, ...], subtypes: tuple[Subtype, ...]) -> str:
    if not findings:
        return "no marks recorded"
    parts = []
    for finding in findings:
        if finding is Finding.ATROPHIC:
            kinds = ", ".join(s.label for s in subtypes) or "subtype not recorded"
            parts.append(f"atrophic: {kinds}")
        else:
            parts.append(finding.value)
    return parts[0] if len(parts) == 1 else "mixed: " + " + ".join(parts)


def _contradictions(intake: Intake) -> list[str]:
    found: list[str] = []
    for region in intake.regions:
        where = region.name
        flat_only = region.looks and all(look.flat for look in region.looks)
        if flat_only and region.felt is Answer.YES:
            found.append(f"{where}: marked as flat, yet the mark can be felt.")
        if Look.INDENTED in region.looks and region.felt is Answer.NO:
            found.append(f"{where}: marked as indented, yet nothing can be felt.")
        only_brown = region.looks == {Look.FLAT_BROWN}
        only_red = region.looks == {Look.FLAT_RED}
        if only_brown and region.blanches is Answer.YES:
            found.append(
                f"{where}: brown marks that blanch when pressed (PIH does not blanch;"
                " PIE does). Check the colour again."
            )
        if only_red and region.blanches is Answer.NO:
            found.append(f"{where}: red marks that do not blanch (PIE blanches when pressed).")
        if Look.RAISED in region.looks and region.felt is Answer.NO:
            found.append(f"{where}: marked as raised, yet nothing can be felt.")
        if region.subtypes and Look.INDENTED not in region.looks:
            found.append(f"{where}: scar subtypes chosen but the scar is not marked as indented.")
    looks = {look for r in intake.regions for look in r.looks}
    if intake.grade == 1 and looks - {Look.FLAT_BROWN, Look.FLAT_RED}:
        found.append(
            "Grade 1 (macular) means flat colour change only, but indented or raised"
            " scars are recorded."
        )
    if intake.grade is not None and intake.grade >= 2 and looks and all(lk.flat for lk in looks):
        found.append(
            f"Grade {intake.grade} describes textured scars, but only flat marks are recorded."
        )
    return found


def _warnings(intake: Intake, today: date) -> list[str]:
    s = intake.screening
    found: list[str] = []
    if intake.fitzpatrick in HIGH_PIH_RISK_TYPES:
        found.append(
            f"Fitzpatrick type {('IV', 'V', 'VI')[intake.fitzpatrick - 4]}: higher risk"
            " of PIH after laser."
        )
    if intake.fitzpatrick is None:
        found.append("Fitzpatrick skin type not recorded: ask the standard questions.")
    if s.cold_sores:
        found.append("History of cold sores (HSV): antiviral prophylaxis is usual before laser.")
    if s.isotretinoin:
        if s.isotretinoin_stopped is None:
            found.append("Isotretinoin: still taking it (no stop date recorded).")
        else:
            months = relativedelta(today, s.isotretinoin_stopped)
            since = months.years * 12 + months.months
            found.append(
                f"Isotretinoin stopped {format_day(s.isotretinoin_stopped)}"
                f" ({since} months ago): the waiting period is the doctor's call."
            )
    if s.pregnant_or_breastfeeding:
        found.append("Pregnant or breastfeeding.")
    if s.keloid_history:
        found.append("History of keloids: a warning for laser.")
    if s.skin_infection:
        found.append("Active skin infection.")
    if s.recent_tan:
        found.append("Recent tan.")
    if s.photosensitising_drugs:
        found.append("Takes photosensitising medication.")
    return found


def assess(intake: Intake, today: date) -> Assessment:
    """Never raises: any combination of answers gives findings (possibly none) and advice."""
    looks = {look for r in intake.regions for look in r.looks}
    findings = tuple(
        f
        for look, f in (
            (Look.FLAT_BROWN, Finding.PIH),
            (Look.FLAT_RED, Finding.PIE),
            (Look.INDENTED, Finding.ATROPHIC),
            (Look.RAISED, Finding.RAISED),
        )
        if look in looks
    )
    chosen = {s for r in intake.regions if Look.INDENTED in r.looks for s in r.subtypes}
    subtypes = tuple(s for s in SUBTYPE_ORDER if s in chosen)
    summary = _summary(findings, subtypes)
    reasons: list[str] = []
    if intake.acne is AcneStatus.ACTIVE:
        recommendation = "Active acne: control acne before any scar treatment."
        reasons.append("New breakouts would form new scars; treat the acne first.")
    elif Finding.ATROPHIC in findings:
        recommendation = (
            f"{summary.removeprefix('mixed: ')}: candidate for a fractional CO2"
            " series of 3-6 sessions."
        )
        reasons.append("Indented scars are a texture problem that new collagen can improve.")
    elif findings and set(findings) <= {Finding.PIH, Finding.PIE}:
        label = " and ".join(f.value for f in findings)
        recommendation = f"{label} only: not a true scar; not a candidate for fractional CO2."
        reasons.append("Flat colour marks are treated differently from scars.")
    elif Finding.RAISED in findings:
        others = [f.value for f in findings if f is not Finding.RAISED]
        label = "Raised scars" + (f" with {' and '.join(others)}" if others else " only")
        recommendation = f"{label}: not a fractional CO2 case; the doctor decides."
        reasons.append("Raised (hypertrophic or keloid) scars are rare after acne.")
    else:
        recommendation = "No marks recorded yet."
    if intake.acne is AcneStatus.NOT_ASKED and findings:
        reasons.append("Ask whether acne is active: laser waits until acne is under control.")
    if Finding.RAISED in findings and Finding.ATROPHIC in findings:
        reasons.append("Raised scars are also present: check for keloid tendency.")
    if Finding.PIH in findings and Finding.ATROPHIC in findings:
        reasons.append("The dark marks (PIH) are not what the laser treats.")
    return Assessment(
        findings=findings,
        subtypes=subtypes,
        summary=summary,
        recommendation=recommendation,
        reasons=tuple(reasons),
        contradictions=tuple(_contradictions(intake)),
        warnings=tuple(_warnings(intake, today)),
    )


@dataclass(frozen=True)
class Eligibility:
    allowed: bool
    reasons: tuple[str, ...]  # why yes, or what stands in the way
    warnings: tuple[str, ...] = ()  # for the doctor's eye either way (HSV, skin type...)
    overridden: str = ""  # the doctor's recorded reason, when a "no" was overridden


def eligibility(
    intake: Intake | None, today: date, override_reason: str | None = None
) -> Eligibility:
    """May this patient start or continue a CO2 series today? Only a doctor's recorded reason
    turns a "no" into a "yes"."""
    warnings: tuple[str, ...] = ()
    if intake is None:
        reasons: tuple[str, ...] = ("No intake recorded: intake due.",)
    else:
        result = assess(intake, today)
        blocking: list[str] = []
        if intake.acne is AcneStatus.ACTIVE:
            blocking.append("Acne is active: control it first.")
        if intake.acne is AcneStatus.NOT_ASKED:
            blocking.append("Acne status not recorded: ask whether acne is active.")
        if intake.screening.isotretinoin and intake.screening.isotretinoin_stopped is None:
            blocking.append("Still taking isotretinoin.")
        if not result.laser_candidate:
            summary = result.summary[:1].upper() + result.summary[1:]
            blocking.append(f"{summary}: no atrophic scars to treat.")
        if result.contradictions:
            blocking.append("The intake has contradictory answers: correct it first.")
        if not intake.screening.asked:
            blocking.append("Screening questions not asked yet.")
        if intake.screening.pregnant_or_breastfeeding:
            blocking.append("Pregnant or breastfeeding.")
        if intake.screening.skin_infection:
            blocking.append("Active skin infection.")
        warnings = result.warnings
        if not blocking:
            return Eligibility(True, ("Atrophic scars, acne under control.",), warnings)
        reasons = tuple(blocking)
    if override_reason:
        return Eligibility(True, reasons, warnings, overridden=override_reason)
    return Eligibility(False, reasons, warnings)
