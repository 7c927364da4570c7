"""The scar-type intake: what was seen where, and the answers that gate laser treatment."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import Enum

from frontdesk.domain.text import storage_errors


class Region(Enum):
    FOREHEAD = "forehead"
    TEMPLES = "temples"
    LEFT_CHEEK = "left_cheek"
    RIGHT_CHEEK = "right_cheek"
    NOSE = "nose"
    CHIN = "chin"
    JAWLINE = "jawline"
    OTHER = "other"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class Look(Enum):
    """What the mark looks like; several can be seen in one region."""

    FLAT_BROWN = "flat_brown"
    FLAT_RED = "flat_red"
    INDENTED = "indented"
    RAISED = "raised"

    @property
    def label(self) -> str:
        return {
            "flat_brown": "Flat brown/grey mark",
            "flat_red": "Flat pink/red mark",
            "indented": "Indented",
            "raised": "Raised",
        }[self.value]

    @property
    def flat(self) -> bool:
        return self in (Look.FLAT_BROWN, Look.FLAT_RED)


class Subtype(Enum):
    """Atrophic scar subtypes (Jacob et al. 2001)."""

    ICE_PICK = "ice_pick"
    BOXCAR = "boxcar"
    ROLLING = "rolling"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


class Answer(Enum):
    """A yes/no question that may not have been checked yet."""

    UNKNOWN = "unknown"
    YES = "yes"
    NO = "no"


class AcneStatus(Enum):
    NOT_ASKED = "not_asked"
    NONE = "none"
    CONTROLLED = "controlled"
    ACTIVE = "active"

    @property
    def label(self) -> str:
        return {
            "not_asked": "Not asked yet",
            "none": "No acne",
            "controlled": "Controlled",
            "active": "Active",
        }[self.value]


FITZPATRICK_TYPES = ("I", "II", "III", "IV", "V", "VI")
GRADES = {
    1: "1 - macular (flat colour change)",
    2: "2 - mild",
    3: "3 - moderate",
    4: "4 - severe",
}


@dataclass(frozen=True)
class RegionFinding:
    region: Region
    looks: frozenset[Look] = frozenset()
    subtypes: frozenset[Subtype] = frozenset()
    blanches: Answer = Answer.UNKNOWN
    felt: Answer = Answer.UNKNOWN
    other_text: str = ""  # where, for Region.OTHER

    @property
    def name(self) -> str:
        if self.region is Region.OTHER and self.other_text.strip():
            return self.other_text.strip()
        return self.region.label

    @property
    def empty(self) -> bool:
        return not self.looks and not self.subtypes


@dataclass(frozen=True)
class Screening:
    """An unticked item means "no" only once the questions were asked (`asked`)."""

    asked: bool = False
    isotretinoin: bool = False
    isotretinoin_stopped: date | None = None
    cold_sores: bool = False
    pregnant_or_breastfeeding: bool = False
    keloid_history: bool = False
    skin_infection: bool = False
    recent_tan: bool = False
    photosensitising_drugs: bool = False


@dataclass(frozen=True)
class Intake:
    regions: tuple[RegionFinding, ...] = ()
    grade: int | None = None  # Goodman & Baron qualitative grade, 1-4
    fitzpatrick: int | None = None  # 1-6 (type I-VI)
    acne: AcneStatus = AcneStatus.NOT_ASKED  # never assumed: laser waits until it is asked
    screening: Screening = field(default_factory=Screening)
    notes: str = ""

    @property
    def blank(self) -> bool:
        """Nothing answered at all (saving it would only hide "intake due")."""
        return self == Intake()

    def region(self, region: Region) -> RegionFinding:
        return next((r for r in self.regions if r.region is region), RegionFinding(region))

    def with_region(self, finding: RegionFinding) -> Intake:
        """A copy with that region's finding replaced (regions kept in face order)."""
        others = {r.region: r for r in self.regions if r.region is not finding.region}
        if not finding.empty or (finding.region is Region.OTHER and finding.other_text):
            others[finding.region] = finding
        ordered = tuple(others[r] for r in Region if r in others)
        return Intake(ordered, self.grade, self.fitzpatrick, self.acne, self.screening, self.notes)


def text_errors(intake: Intake) -> dict[str, str]:
    """The intake's typed text that cannot be stored as typed, by form field."""
    where = " ".join(r.other_text for r in intake.regions)
    return storage_errors(
        {"notes": ("The notes", intake.notes), "regions": ("The region's name", where)}
    )


def fitzpatrick_label(skin_type: int | None) -> str:
    return "not recorded" if skin_type is None else f"type {FITZPATRICK_TYPES[skin_type - 1]}"


@dataclass(frozen=True)
class RecordedIntake:
    """One version of an intake as kept: who recorded it, when, and what it said."""

    id: int
    patient_id: int
    original_id: int  # the first version's id (its own id for a first version)
    version: int
    recorded_at: str
    staff_id: int
    staff_name: str
    intake: Intake
    summary: str
