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
MAX_ADDRESS_LENGTH = 200
MAX_HEARD_LENGTH = 100

# The preferred language: "" until the patient says (handouts then start in the language
# last chosen for them, else English).
LANGUAGES = {"": "Not given", "en": "English", "es": "Spanish"}
# How a patient heard of the clinic: a short list, plus "other" with a few words.
HEARD_FROM = {
    "": "Not given",
    "search": "Internet search",
    "social": "Social media",
    "friend": "Friend or family",
    "doctor": "Another doctor",
    "other": "Other",
}
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
    # Registration details, each optional (the clinic cannot yet make one required).
    language: str = ""  # a key of LANGUAGES
    address: str = ""
    emergency_name: str = ""
    emergency_phone: str = ""
    heard_from: str = ""  # a key of HEARD_FROM
    heard_from_other: str = ""  # kept only with heard_from == "other"
    consent_sms: bool = False
    consent_email: bool = False


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
    language: str = ""
    address: str = ""
    emergency_name: str = ""
    emergency_phone_e164: str = ""
    heard_from: str = ""
    heard_from_other: str = ""
    consent_sms: bool = False
    consent_email: bool = False

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
    language: str = ""
    address: str = ""
    emergency_name: str = ""
    emergency_phone_e164: str = ""
    heard_from: str = ""
    heard_from_other: str = ""
    consent_sms: bool = False
    consent_email: bool = False

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
            language=self.language,
            address=self.address,
            emergency_name=self.emergency_name,
            emergency_phone=display_phone(self.emergency_phone_e164),
            heard_from=self.heard_from,
            heard_from_other=self.heard_from_other,
            consent_sms=self.consent_sms,
            consent_email=self.consent_email,
        )

    @property
    def heard_from_label(self) -> str:
        """Said in words: "Friend or family", "Other: radio ad"; "" when not given."""
        if not self.heard_from:
            return ""
        label = HEARD_FROM.get(self.heard_from, self.heard_from)
        return f"{label}: {self.heard_from_other}" if self.heard_from_other else label


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

    details = _check_details(draft, errors)

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
            **details,
        )
    )


def _one_line(value: str, label: str, limit: int, errors: dict[str, str], key: str) -> str:
    """Optional one-line text: trimmed; refused when it cannot be stored or is too long."""
    cleaned = value.strip()
    if said := unstorable(cleaned, label):
        errors[key] = said
    elif len(cleaned) > limit:
        errors[key] = f"{label} is longer than {limit} characters."
    elif any(unicodedata.category(ch) in ("Cc", "Zl", "Zp") for ch in cleaned):
        errors[key] = f"{label} should be on one line, without tabs or control characters."
    return cleaned


def _check_details(draft: PatientDraft, errors: dict[str, str]) -> dict[str, Any]:
    """The optional registration details, checked like the rest; each may be left empty."""
    if draft.language not in LANGUAGES:
        errors["language"] = "Choose English or Spanish, or leave the language not given."
    address = _one_line(draft.address, "The address", MAX_ADDRESS_LENGTH, errors, "address")
    contact = _one_line(
        draft.emergency_name, "The emergency contact's name", MAX_NAME_LENGTH, errors,
        "emergency_name",
    )  # fmt: skip
    emergency = None
    try:
        emergency = parse_phone(draft.emergency_phone)
    except PhoneError as exc:
        errors["emergency_phone"] = f"Emergency contact: {exc}"
    if draft.heard_from not in HEARD_FROM:
        errors["heard_from"] = "Choose how they heard of the clinic from the list, or Other."
    other = ""
    if draft.heard_from == "other":
        other = _one_line(
            draft.heard_from_other, "How they heard of us", MAX_HEARD_LENGTH, errors,
            "heard_from_other",
        )  # fmt: skip
    return {
        "language": draft.language,
        "address": address,
        "emergency_name": contact,
        "emergency_phone_e164": emergency.e164 if emergency else "",
        "heard_from": draft.heard_from,
        "heard_from_other": other,
        "consent_sms": bool(draft.consent_sms),
        "consent_email": bool(draft.consent_email),
    }


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
        "language": source.language,
        "address": source.address,
        "emergency_name": source.emergency_name,
        "emergency_phone": source.emergency_phone_e164,
        "heard_from": source.heard_from,
        "heard_from_other": source.heard_from_other,
        "consent_sms": bool(source.consent_sms),
        "consent_email": bool(source.consent_email),
    }


# The columns migration 0009 added, as every row held them before anyone filled them in.
DETAILS_UNSET: dict[str, Any] = {
    "language": "", "address": "", "emergency_name": "", "emergency_phone": "",
    "heard_from": "", "heard_from_other": "", "consent_sms": False, "consent_email": False,
}  # fmt: skip


def audit_values(patient: Patient) -> dict[str, Any]:
    """What the audit trail records of a patient: what staff see, not derived search keys."""
    return field_values(patient) | {"archived": patient.archived}


def duplicate_reasons(fields: PatientFields, other: Patient) -> list[str]:
    """Why `other` may be the same person as the one being saved, in words."""
    reasons = []
    if fields.duplicate_key == other.duplicate_key:
        reasons.append("the same name and date of birth")
    if fields.phone_e164 and fields.phone_e164 == other.phone_e164:
        reasons.append("the same phone number")
    if fields.email and email_key(fields.email) == email_key(other.email):
        reasons.append("the same email address")
    return reasons
