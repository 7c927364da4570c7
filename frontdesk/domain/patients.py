"""A patient as the registry keeps them, and the rules a registration must pass."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from frontdesk.domain.dates import DateFormatError, format_us, parse_date
from frontdesk.domain.phones import PhoneError, display_phone, parse_phone
from frontdesk.domain.text import fold, name_key, unstorable

MAX_AGE_YEARS = 120
MAX_NAME_LENGTH = 100
MAX_NOTES_LENGTH = 4000
_EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")


@dataclass(frozen=True)
class PatientDraft:
    """What the form holds: text exactly as typed."""

    first_name: str = ""
    last_name: str = ""
    dob: str = ""
    phone: str = ""
    email: str = ""
    notes: str = ""


@dataclass(frozen=True)
class PatientFields:
    """A draft that passed validation: names verbatim, everything else normalised."""

    first_name: str
    last_name: str
    dob: date
    phone_e164: str
    phone_digits: str
    email: str
    notes: str

    @property
    def first_key(self) -> str:
        return name_key(self.first_name)

    @property
    def last_key(self) -> str:
        return name_key(self.last_name)

    @property
    def duplicate_key(self) -> tuple[str, str, date]:
        return duplicate_key(self.first_name, self.last_name, self.dob)

    @property
    def later_name_words(self) -> set[str]:
        """Words after the first of each name: searchable too ("lopez" in "García López")."""
        return {w for key in (self.last_key, self.first_key) for w in key.split()[1:]}


@dataclass(frozen=True)
class Patient:
    id: int
    first_name: str
    last_name: str
    dob: date
    phone_e164: str
    email: str
    notes: str
    archived: bool
    created_at: str
    updated_at: str
    version: int = 1  # goes up with every saved change: an edit based on an older one is refused
    finding: str | None = None  # summary of the latest intake; None: no intake yet

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def duplicate_key(self) -> tuple[str, str, date]:
        return duplicate_key(self.first_name, self.last_name, self.dob)

    @property
    def sort_name(self) -> str:
        return f"{self.last_name}, {self.first_name}"

    def as_draft(self) -> PatientDraft:
        return PatientDraft(
            first_name=self.first_name,
            last_name=self.last_name,
            dob=format_us(self.dob),
            phone=display_phone(self.phone_e164),
            email=self.email,
            notes=self.notes,
        )


@dataclass
class ValidationResult:
    fields: PatientFields | None
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def duplicate_key(first_name: str, last_name: str, dob: date) -> tuple[str, str, date]:
    """Same person if names fold alike (accents, case, hyphens) and the birthday matches."""
    return (name_key(first_name), name_key(last_name), dob)


def _check_name(value: str, label: str, errors: dict[str, str], key: str) -> str:
    cleaned = value.strip()
    if not cleaned:
        errors[key] = f"{label} is required."
    elif said := unstorable(cleaned, label):
        errors[key] = said
    elif len(cleaned) > MAX_NAME_LENGTH:
        errors[key] = f"{label} is longer than {MAX_NAME_LENGTH} characters."
    elif not name_key(cleaned) or not any(ch.isalpha() for ch in cleaned):
        errors[key] = f"{label} needs at least one letter."
    elif any(ch.isdigit() for ch in cleaned):
        errors[key] = f"{label} should not contain digits."
    elif any(unicodedata.category(ch) in ("Cc", "Zl", "Zp") for ch in cleaned):
        errors[key] = f"{label} should be on one line, without tabs or control characters."
    return cleaned


def validate(draft: PatientDraft, today: date) -> ValidationResult:
    """Every problem at once, each worded for the person at the desk, keyed by form field."""
    errors: dict[str, str] = {}
    first = _check_name(draft.first_name, "First name", errors, "first_name")
    last = _check_name(draft.last_name, "Last name", errors, "last_name")

    born: date | None = None
    if not draft.dob.strip():
        errors["dob"] = "Date of birth is required."
    else:
        try:
            born = parse_date(draft.dob)
        except DateFormatError as exc:
            errors["dob"] = str(exc)
        else:
            if born >= today:
                errors["dob"] = "Date of birth must be in the past."
            elif today.year - born.year > MAX_AGE_YEARS:
                errors["dob"] = f"Date of birth is more than {MAX_AGE_YEARS} years ago."

    phone = None
    try:
        phone = parse_phone(draft.phone)
    except PhoneError as exc:
        errors["phone"] = str(exc)

    email = draft.email.strip()
    if said := unstorable(email, "The email address"):
        errors["email"] = said
    elif email and not _EMAIL.match(email):
        errors["email"] = "Enter an email address such as name@example.com."

    notes = draft.notes.strip()
    if len(notes) > MAX_NOTES_LENGTH:
        errors["notes"] = f"Notes are longer than {MAX_NOTES_LENGTH} characters."
    elif said := unstorable(notes, "Notes"):
        errors["notes"] = said

    if errors or born is None:
        return ValidationResult(None, errors)
    return ValidationResult(
        PatientFields(
            first_name=first,
            last_name=last,
            dob=born,
            phone_e164=phone.e164 if phone else "",
            phone_digits=phone.search_digits if phone else "",
            email=email,
            notes=notes,
        )
    )


def email_key(email: str) -> str:
    return fold(email.strip())


def field_values(source: PatientFields | Patient) -> dict[str, Any]:
    """The values staff enter, as stored: what an edit can change."""
    return {
        "first_name": source.first_name,
        "last_name": source.last_name,
        "dob": source.dob.isoformat(),
        "phone": source.phone_e164,
        "email": source.email,
        "notes": source.notes,
    }


def audit_values(patient: Patient) -> dict[str, Any]:
    """What the audit trail records of a patient: what staff see, not derived search keys."""
    return field_values(patient) | {"archived": patient.archived}
