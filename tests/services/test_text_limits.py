"""Text SQLite cannot hold is refused in words by every write that stores free text.

A NUL cuts text short for SQLite; a lone surrogate ('\\udc80', half of a pair left by a damaged
paste) is not UTF-8 and made sqlite3 raise UnicodeEncodeError: a traceback at the desk. Each
free-text field of each service is tried with both, table-driven: a ValidationFailed naming
that field, and nothing in the database changed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from typing import Any

import pytest

from frontdesk.domain.appointments import CONSULTATION
from frontdesk.domain.co2 import SessionDraft, Settings
from frontdesk.domain.handouts import ClinicInfo
from frontdesk.domain.hours import Closure
from frontdesk.domain.intake import AcneStatus, Look, Region, RegionFinding
from frontdesk.domain.patients import PatientDraft
from frontdesk.domain.staff import Role
from frontdesk.services.clinic import Clinic
from frontdesk.services.errors import ValidationFailed
from tests.conftest import draft
from tests.services.test_intake_service import PIH, ROLLING
from tests.whole_database import whole_database

MONDAY = date(2026, 11, 30)
ELIGIBLE = replace(ROLLING, grade=3)
SETTINGS = Settings("UltraPulse", 40.0, 10.0, 2, "120 um", "DeepFX")
UNSTORABLE = {
    "NUL first": "\x00Ann",
    "NUL inside": "Ann\x00Lee",
    "lone low surrogate": "Ann\udc80",
    "lone high surrogate": "\ud800Lee",
    "reversed pair": "Ann\udc00\ud800",
}


def session_draft(**changes: Any) -> SessionDraft:
    made = SessionDraft(
        datetime.combine(date(2026, 11, 26), time(9)),
        SETTINGS,
        (Region.LEFT_CHEEK,),
        "Topical lidocaine",
        True,
        "Expected redness",
    )
    return replace(made, **changes)


@dataclass
class Desk:
    """Everything a write needs: the clinic, its members, and one of each record."""

    clinic: Clinic
    desk: Any
    doctor: Any
    admin: Any
    patient_id: int
    appointment_id: int
    series_id: int
    session_id: int
    intake_id: int
    refused_patient_id: int  # laser said no: the doctor may override, with a reason
    refused_intake_id: int
    fresh_series_id: int  # opened, nothing logged yet: the next session may be logged today

    def appointment_version(self) -> int:
        return self.clinic.calendar.get(self.appointment_id).appointment.version

    def series_version(self) -> int:
        return self.clinic.sessions.get(self.series_id).version


@pytest.fixture
def world(clinic: Clinic, desk, doctor, admin) -> Desk:
    patient = clinic.patients.register(desk, draft())
    booked = clinic.calendar.book(
        desk, patient.id, CONSULTATION, datetime.combine(MONDAY, time(10))
    )
    intake = clinic.intakes.record(doctor, patient.id, ELIGIBLE)
    series = clinic.sessions.open_series(doctor, patient.id, 4)
    signed = clinic.sessions.log_session(doctor, series.id, session_draft())
    other = clinic.patients.register(desk, draft(first_name="Ana", last_name="Cruz"))
    refused = clinic.intakes.record(doctor, other.id, replace(ELIGIBLE, acne=AcneStatus.ACTIVE))
    assert not clinic.intakes.eligibility(other.id).allowed
    third = clinic.patients.register(desk, draft(first_name="Zoë", last_name="Lee"))
    clinic.intakes.record(doctor, third.id, ELIGIBLE)
    fresh = clinic.sessions.open_series(doctor, third.id, 4)
    return Desk(
        clinic, desk, doctor, admin, patient.id, booked.appointment.id, series.id,
        signed.sessions[0].id, intake.id, other.id, refused.id, fresh.id,
    )  # fmt: skip


def _other_patient(text: str) -> PatientDraft:
    return draft(first_name="Zoë", last_name="Nguyễn", dob="5/6/1977", notes=text)


def _intake_where(text: str):
    return replace(
        PIH, regions=(RegionFinding(Region.OTHER, frozenset({Look.INDENTED}), other_text=text),)
    )


def _patient_edit(w: Desk, **changes: str):
    current = w.clinic.patients.get(w.patient_id)
    return w.clinic.patients.update(
        w.desk, w.patient_id, replace(current.as_draft(), **changes),
        expected_version=current.version,
    )  # fmt: skip


# (what is typed into, the field the refusal names, the write)
WRITES: list[tuple[str, str, Callable[[Desk, str], Any]]] = [
    ("patient first name", "first_name",
     lambda w, t: w.clinic.patients.register(w.desk, draft(first_name=t))),
    ("patient last name", "last_name",
     lambda w, t: w.clinic.patients.register(w.desk, draft(last_name=t))),
    ("patient email", "email",
     lambda w, t: w.clinic.patients.register(w.desk, draft(email=f"a{t}@example.com"))),
    ("patient phone", "phone",
     lambda w, t: w.clinic.patients.register(w.desk, draft(phone=f"818 555 0134 {t}"))),
    ("patient notes", "notes",
     lambda w, t: w.clinic.patients.register(w.desk, _other_patient(t))),
    ("patient notes, edited", "notes", lambda w, t: _patient_edit(w, notes=t)),
    ("patient name, edited", "last_name", lambda w, t: _patient_edit(w, last_name=t)),
    ("booking note", "note",
     lambda w, t: w.clinic.calendar.book(
         w.desk, w.patient_id, CONSULTATION, datetime.combine(MONDAY, time(11)), note=t)),
    ("appointment note", "note",
     lambda w, t: w.clinic.calendar.set_note(
         w.desk, w.appointment_id, t, w.appointment_version())),
    ("closure reason", "reason",
     lambda w, t: w.clinic.calendar.add_closure(w.admin, Closure(MONDAY, MONDAY, t))),
    ("appointment type name", f"{CONSULTATION}.name",
     lambda w, t: w.clinic.calendar.update_type(w.admin, CONSULTATION, t, 30)),
    ("intake notes", "notes",
     lambda w, t: w.clinic.intakes.record(w.doctor, w.patient_id, replace(PIH, notes=t))),
    ("intake region named by hand", "regions",
     lambda w, t: w.clinic.intakes.record(w.doctor, w.patient_id, _intake_where(t))),
    ("intake correction notes", "notes",
     lambda w, t: w.clinic.intakes.correct(w.doctor, w.intake_id, replace(ELIGIBLE, notes=t))),
    ("laser override reason", "reason",
     lambda w, t: w.clinic.intakes.override_no(
         w.doctor, w.refused_patient_id, w.refused_intake_id,
         f"The patient explained it all: {t}")),
    ("session device", "device",
     lambda w, t: w.clinic.sessions.log_session(
         w.doctor, w.fresh_series_id, session_draft(settings=replace(SETTINGS, device=t)))),
    ("session spot", "spot",
     lambda w, t: w.clinic.sessions.log_session(
         w.doctor, w.fresh_series_id, session_draft(settings=replace(SETTINGS, spot=t)))),
    ("session mode", "mode",
     lambda w, t: w.clinic.sessions.log_session(
         w.doctor, w.fresh_series_id, session_draft(settings=replace(SETTINGS, mode=t)))),
    ("session anaesthesia", "anaesthesia",
     lambda w, t: w.clinic.sessions.log_session(
         w.doctor, w.fresh_series_id, session_draft(anaesthesia=t))),
    ("session response", "response",
     lambda w, t: w.clinic.sessions.log_session(
         w.doctor, w.fresh_series_id, session_draft(response=t))),
    ("session adverse events", "adverse",
     lambda w, t: w.clinic.sessions.log_session(
         w.doctor, w.fresh_series_id, session_draft(adverse=t))),
    ("session notes", "notes",
     lambda w, t: w.clinic.sessions.log_session(
         w.doctor, w.fresh_series_id, session_draft(notes=t))),
    ("session addendum", "text",
     lambda w, t: w.clinic.sessions.add_addendum(w.doctor, w.session_id, t)),
    ("series pause reason", "reason",
     lambda w, t: w.clinic.sessions.pause(
         w.doctor, w.series_id, f"Patient travelling abroad {t}", w.series_version())),
    ("series end reason", "reason",
     lambda w, t: w.clinic.sessions.end_early(
         w.doctor, w.series_id, f"Patient moved to Oregon {t}", w.series_version())),
    ("staff name", "name",
     lambda w, t: w.clinic.staff.add(w.admin, t, Role.FRONT_DESK)),
    ("staff name with a login", "name",
     lambda w, t: w.clinic.staff.add(w.admin, t, Role.FRONT_DESK, "ann", "a-long-password-9")),
    ("staff password", "password",
     lambda w, t: w.clinic.staff.set_login(w.admin, w.desk.id, "desk", f"a-long-pass{t}word")),
    ("clinic name", "name",
     lambda w, t: w.clinic.handouts.set_clinic_info(w.admin, ClinicInfo(t, "1 Main St", "818"))),
    ("clinic address", "address",
     lambda w, t: w.clinic.handouts.set_clinic_info(w.admin, ClinicInfo("Clinic", t, "818"))),
    ("clinic phone", "phone",
     lambda w, t: w.clinic.handouts.set_clinic_info(w.admin, ClinicInfo("Clinic", "Main", t))),
]  # fmt: skip


def dump(clinic: Clinic) -> list[str]:
    return whole_database(clinic._db.conn)


# A password is hashed, never stored: a NUL in it is harmless, so that pair is not a case.
REFUSALS = [
    pytest.param(what, field, write, text, id=f"{name}-{what}")
    for name, text in UNSTORABLE.items()
    for what, field, write in WRITES
    if not (field == "password" and "\x00" in text)
]


@pytest.mark.parametrize(("what", "field", "write", "text"), REFUSALS)
def test_text_the_database_cannot_hold_is_refused_in_words(
    world: Desk, what: str, field: str, write: Callable[[Desk, str], Any], text: str
) -> None:
    before = dump(world.clinic)
    with pytest.raises(ValidationFailed) as refused:
        write(world, text)
    assert field in refused.value.errors, refused.value.errors
    said = refused.value.errors[field]
    if field != "phone":  # a phone with letters in it is refused as not a phone number
        assert "NUL character" in said or "broken character" in said, said
    assert said.strip() and "Traceback" not in said
    assert not world.clinic._db.conn.in_transaction
    assert dump(world.clinic) == before


FREE_TEXT = [w for w in WRITES if w[1] not in {"phone", "email", "password"}]  # own shapes


@pytest.mark.parametrize(("what", "field", "write"), FREE_TEXT, ids=[w[0] for w in FREE_TEXT])
def test_the_same_writes_take_any_other_unicode(
    world: Desk, what: str, field: str, write: Callable[[Desk, str], Any]
) -> None:
    """The refusal is about those characters only: emoji, accents and scripts still save."""
    write(world, "Zoë Ðặng 😀 مرحبا")
