"""Which handouts there are, in which languages, and the facts that make one personal."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import Enum


class Kind(Enum):
    DARK_MARKS = "dark_marks"
    CO2_PLAN = "co2_plan"
    CONSULTATION = "consultation"
    LASER_CARE = "laser_care"

    @property
    def label(self) -> str:
        return {
            "dark_marks": "Dark marks or scars?",
            "co2_plan": "Your fractional CO2 laser plan",
            "consultation": "Your free consultation",
            "laser_care": "Before and after your laser session",
        }[self.value]


class Language(Enum):
    ENGLISH = "en"
    SPANISH = "es"

    @property
    def label(self) -> str:
        return {"en": "English", "es": "Español"}[self.value]


@dataclass(frozen=True)
class ClinicInfo:
    """What every handout says about the practice. `address` is the street line; the city,
    state and ZIP follow it (empty until staff fill them in), and the after-hours line is
    printed beside the office phone when there is one."""

    name: str
    address: str
    phone: str
    city: str = ""
    state: str = ""
    zip_code: str = ""
    after_hours_phone: str = ""

    @property
    def town(self) -> str:
        """'Encino, CA 91436' (what of it is known)."""
        place = ", ".join(p for p in (self.city, self.state) if p)
        return " ".join(p for p in (place, self.zip_code) if p)

    @property
    def full_address(self) -> str:
        """'16133 Ventura Blvd, Encino, CA 91436': the street, then the town."""
        return ", ".join(p for p in (self.address, self.town) if p)


@dataclass(frozen=True)
class PlannedSession:
    number: int
    day: date
    state: str  # "done", "booked" or "not_booked"
    results_from: date
    results_to: date
    booked_at: datetime | None = None


@dataclass(frozen=True)
class HandoutFacts:
    """Everything personal a handout may say, gathered by the services from the records."""

    patient_name: str
    finding_sections: tuple[str, ...]  # which "your intake found" paragraphs apply
    sessions: tuple[PlannedSession, ...] = ()
    planned: int = 0
    full_results_on: date | None = None  # None while a series is paused: no final session yet
    series_state: str = ""  # "active", "paused", "ended" or "completed"
    consultation: datetime | None = None  # the next booked free consultation
    hours: tuple[tuple[int, time, time], ...] = field(default_factory=tuple)  # day, opens, closes


@dataclass(frozen=True)
class PrintedHandout:
    kind: Kind
    language: Language
    how: str  # "printed" or "pdf"
    staff_name: str
    at: str


SECTION_OF_FINDING = {"PIH": "pih", "PIE": "pie", "atrophic": "atrophic"}


def finding_sections(findings: tuple[str, ...] | None) -> tuple[str, ...]:
    """The assessment's findings (their values) as the handout's sections."""
    if findings is None:
        return ("unknown",)  # no intake yet
    return tuple(SECTION_OF_FINDING.get(f, "raised") for f in findings)
