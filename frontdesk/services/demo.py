"""A deterministic demo clinic, so a newcomer sees a realistic registry at once."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from datetime import date, timedelta
from importlib.resources.abc import Traversable

from frontdesk.bundled import demo_clinic
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
from frontdesk.domain.patients import PatientDraft
from frontdesk.domain.staff import Role
from frontdesk.domain.text import name_key
from frontdesk.services.clinic import Clinic
from frontdesk.services.demo_calendar import fill_demo_calendar
from frontdesk.services.demo_series import fill_demo_series

DEMO_DATA = demo_clinic()  # data/demo_clinic.json, package data


def _email(first: str, last: str, domain: str, rng: random.Random) -> str:
    first_part = name_key(first).replace(" ", "")
    last_part = name_key(last).replace(" ", "")
    style = rng.choice(["{f}.{l}", "{f}{l}", "{i}{l}", "{f}_{l}{n}"])
    local = style.format(f=first_part, l=last_part, i=first_part[:1], n=rng.randint(1, 99))
    return f"{local}@{domain}"


def demo_drafts(data_file: Traversable = DEMO_DATA) -> list[tuple[PatientDraft, bool]]:
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


def _seen(region: Region, *looks: Look, subtypes=(), felt=Answer.YES, blanches=Answer.UNKNOWN):
    return RegionFinding(region, frozenset(looks), frozenset(subtypes), blanches, felt)


def demo_intakes() -> list[Intake]:
    """One intake in every state the tab can show: each finding, mixes, each warning.

    Screening was asked at every visit but one (the intake with skin type and acne to ask)."""
    return [
        intake
        if intake.notes.startswith("Skin type")
        else replace(intake, screening=replace(intake.screening, asked=True))
        for intake in _demo_intakes()
    ]


def _demo_intakes() -> list[Intake]:
    brown = _seen(Region.LEFT_CHEEK, Look.FLAT_BROWN, felt=Answer.NO, blanches=Answer.NO)
    red = _seen(Region.RIGHT_CHEEK, Look.FLAT_RED, felt=Answer.NO, blanches=Answer.YES)
    ice = _seen(Region.TEMPLES, Look.INDENTED, subtypes=[Subtype.ICE_PICK])
    box = _seen(Region.LEFT_CHEEK, Look.INDENTED, subtypes=[Subtype.BOXCAR])
    rolling = _seen(Region.RIGHT_CHEEK, Look.INDENTED, subtypes=[Subtype.ROLLING])
    raised = _seen(Region.JAWLINE, Look.RAISED)
    ok = AcneStatus.CONTROLLED
    return [
        Intake((brown,), grade=1, fitzpatrick=5, acne=ok, notes="Dark marks only."),
        Intake((red,), grade=1, fitzpatrick=2, acne=AcneStatus.NONE),
        Intake((ice,), grade=3, fitzpatrick=3, acne=ok),
        Intake((box,), grade=3, fitzpatrick=2, acne=AcneStatus.NONE),
        Intake((rolling,), grade=2, fitzpatrick=3, acne=ok),
        Intake(
            (box, rolling), grade=4, fitzpatrick=3, acne=ok, screening=Screening(cold_sores=True)
        ),
        Intake(
            (brown, rolling),
            grade=3,
            fitzpatrick=4,
            acne=ok,
            notes="Both dark marks and rolling scars: explained the difference.",
        ),
        Intake(
            (box, rolling),
            grade=3,
            fitzpatrick=3,
            acne=AcneStatus.ACTIVE,
            notes="New breakouts on both cheeks; acne treatment first.",
        ),
        Intake(
            (ice, box),
            grade=3,
            fitzpatrick=3,
            acne=ok,
            screening=Screening(isotretinoin=True, isotretinoin_stopped=date(2026, 6, 2)),
        ),
        Intake(
            (rolling,),
            grade=3,
            fitzpatrick=6,
            acne=ok,
            screening=Screening(recent_tan=True, photosensitising_drugs=True),
        ),
        Intake(
            (box, raised), grade=3, fitzpatrick=3, acne=ok, screening=Screening(keloid_history=True)
        ),
        Intake(
            (rolling,),
            grade=2,
            fitzpatrick=2,
            acne=ok,
            screening=Screening(pregnant_or_breastfeeding=True),
        ),
        Intake((ice,), grade=2, fitzpatrick=3, acne=ok, screening=Screening(skin_infection=True)),
        Intake((raised,), grade=3, fitzpatrick=3, acne=AcneStatus.NONE),
        Intake(
            (rolling,),
            grade=3,
            fitzpatrick=3,
            acne=ok,
            screening=Screening(isotretinoin=True),
            notes="Still on isotretinoin.",
        ),
        Intake((box,), grade=2, notes="Skin type and acne still to ask at the next visit."),
        Intake(
            (_seen(Region.CHIN, Look.FLAT_BROWN, felt=Answer.YES),),
            grade=1,
            fitzpatrick=4,
            acne=ok,
            notes="Chin marks felt slightly raised? Re-examine.",
        ),
    ]


def _correct_and_override(clinic: Clinic, doctor, patient_ids: list[int]) -> None:
    """A corrected intake (version 2) and a doctor's override, so both can be seen."""
    first = clinic.intakes.latest(patient_ids[0])
    if first is not None:
        corrected = replace(first.intake, notes=first.intake.notes + " Corrected: grade 1.")
        clinic.intakes.correct(doctor, first.id, corrected)
    infected = next(
        (
            i
            for i in (clinic.intakes.latest(p) for p in patient_ids)
            if i and i.intake.screening.skin_infection
        ),
        None,
    )
    if infected is not None:
        clinic.intakes.override_no(
            doctor,
            infected.patient_id,
            infected.id,
            "The 'infection' was a healed cold sore on the lip, away from the treated areas.",
        )


def fill_demo_clinic(clinic: Clinic) -> int:
    """Fills an EMPTY clinic and returns how many patients it added; never touches a used one.

    Patients go in one transaction, their intakes in a second one that only runs when the
    clinic has no intake at all (so an interrupted fill completes on the next start)."""
    if not clinic.login.is_demo():
        in_use = clinic.patients.count(include_archived=True) or any(
            member.username for member in clinic.staff.list_active()
        )
        if in_use:
            return 0  # a clinic with patients or logins is never touched, never made the demo
        clinic.make_demo()
    desk = clinic.login.demo_member(Role.FRONT_DESK)
    doctor = clinic.login.demo_member(Role.DOCTOR)
    added = clinic.patients.register_all_if_empty(desk, demo_drafts())
    if added:
        _demo_address(clinic)
    if added:
        # Every third patient on the list has had a consultation; the others are "intake due".
        seen = clinic.patients.search("", limit=1000).rows[::3]
        pairs = list(zip((p.id for p in seen), demo_intakes(), strict=False))
        if clinic.intakes.record_all_if_none(doctor, pairs):
            _correct_and_override(clinic, doctor, [patient_id for patient_id, _ in pairs])
    # A demo made before the calendar existed gets one too; any other clinic is left alone.
    if (added or _holds_only_the_demo(clinic)) and clinic.calendar.is_empty():
        active = [p.id for p in clinic.patients.search("", limit=1000).rows]
        eligible = [p for p in active if clinic.intakes.eligibility(p).allowed]
        fill_demo_series(clinic, doctor, desk, eligible)  # its visits first, then the rest
        fill_demo_calendar(clinic, desk, active)
        _handouts_given(clinic, desk, active)
    return added


def _demo_address(clinic: Clinic) -> None:
    """A whole (made-up) address and an after-hours line, so the demo's handouts show where
    the clinic's own details go; a real clinic types its own in Clinic details."""
    from dataclasses import replace

    info = clinic.handouts.clinic_info()
    filled = replace(
        info,
        address=info.address or "15000 Sample Street, Suite 100",
        city=info.city or "Encino",
        state=info.state or "CA",
        zip_code=info.zip_code or "91436",
        after_hours_phone=info.after_hours_phone or "(818) 555-0199",
    )
    if filled != info:
        clinic.handouts.set_clinic_info(clinic.login.demo_member(Role.ADMIN), filled)


def _handouts_given(clinic: Clinic, desk, patient_ids: list[int]) -> None:
    """A few handouts already given, so the print log shows on those patients."""
    from frontdesk.domain.handouts import Kind, Language

    featured = demo_drafts()[0][0]  # María García, whom the README's examples find
    found = clinic.patients.search(f"{featured.first_name} {featured.last_name}", limit=1).rows
    if not found or found[0].id not in patient_ids:
        return
    for kind in (Kind.DARK_MARKS, Kind.CONSULTATION):
        clinic.handouts.record(desk, found[0].id, kind, Language.SPANISH, "printed")


def _holds_only_the_demo(clinic: Clinic) -> bool:
    drafts = demo_drafts()
    if clinic.patients.count(include_archived=True) != len(drafts):
        return False
    featured = drafts[0][0]
    found = clinic.patients.search(f"{featured.first_name} {featured.last_name}", limit=5).rows
    return bool(found)
