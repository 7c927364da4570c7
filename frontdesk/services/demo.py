"""A deterministic demo clinic, so a newcomer sees a realistic registry at once."""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from pathlib import Path

from frontdesk.domain.patients import PatientDraft
from frontdesk.domain.staff import Role
from frontdesk.domain.text import name_key
from frontdesk.services.clinic import Clinic

DEMO_DATA = Path(__file__).resolve().parents[2] / "data" / "demo_clinic.json"


def _email(first: str, last: str, domain: str, rng: random.Random) -> str:
    first_part = name_key(first).replace(" ", "")
    last_part = name_key(last).replace(" ", "")
    style = rng.choice(["{f}.{l}", "{f}{l}", "{i}{l}", "{f}_{l}{n}"])
    local = style.format(f=first_part, l=last_part, i=first_part[:1], n=rng.randint(1, 99))
    return f"{local}@{domain}"


def demo_drafts(data_file: Path = DEMO_DATA) -> list[tuple[PatientDraft, bool]]:
    """(draft, archived) for every demo patient: same list on every machine, every run."""
    spec = json.loads(data_file.read_text(encoding="utf-8"))
    rng = random.Random(spec["seed"])
    cultures = spec["cultures"]
    weights = [c["weight"] for c in cultures]
    used_names: set[tuple[str, str]] = set()
    used_phones: set[str] = set()
    drafts: list[tuple[PatientDraft, bool]] = []
    for person in spec["featured"]:  # the people the README's examples find
        used_names.add((person["first"], person["last"]))
        used_phones.add(person["phone"])
        drafts.append(
            (
                PatientDraft(
                    person["first"],
                    person["last"],
                    person["dob"],
                    person["phone"],
                    person["email"],
                    person["notes"],
                ),
                False,
            )
        )
    while len(drafts) < spec["patients"]:
        culture = rng.choices(cultures, weights)[0]
        first, last = rng.choice(culture["first"]), rng.choice(culture["last"])
        if (first, last) in used_names:
            continue
        used_names.add((first, last))
        born = date(1962, 1, 1) + timedelta(days=rng.randrange(0, 365 * 45))
        phone = f"({rng.choice(spec['area_codes'])}) 555-01{rng.randrange(100):02d}"
        if phone in used_phones:
            phone = ""
        used_phones.add(phone)
        email = _email(first, last, rng.choice(spec["email_domains"]), rng)
        if rng.random() < 0.12:
            email = ""  # some patients give no email
        notes = rng.choice(spec["notes"]) if rng.random() < 0.3 else ""
        draft = PatientDraft(first, last, born.isoformat(), phone, email, notes)
        drafts.append((draft, len(drafts) >= spec["patients"] - spec["archived"]))
    return drafts


def fill_demo_clinic(clinic: Clinic) -> int:
    """Fills an EMPTY clinic (one transaction) and returns how many patients it added."""
    desk = next(s for s in clinic.staff.list_active() if s.role is Role.FRONT_DESK)
    return clinic.patients.register_all_if_empty(desk, demo_drafts())
