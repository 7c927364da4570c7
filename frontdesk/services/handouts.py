"""Personal handouts: the facts gathered from the records, the language, the print log."""

from __future__ import annotations

import re
from datetime import date

from frontdesk.domain.appointments import CONSULTATION
from frontdesk.domain.assessment import assess
from frontdesk.domain.co2 import SeriesStatus, results_window
from frontdesk.domain.handouts import (
    ClinicInfo,
    HandoutFacts,
    Kind,
    Language,
    PlannedSession,
    PrintedHandout,
    finding_sections,
)
from frontdesk.domain.permissions import Permission
from frontdesk.domain.text import storage_errors
from frontdesk.handouts.render import Handout, render
from frontdesk.services.calendar import CalendarService
from frontdesk.services.changes import Entity
from frontdesk.services.clock import Clock, today
from frontdesk.services.errors import ServiceError, ValidationFailed, plain_storage_errors
from frontdesk.services.intake import IntakeService
from frontdesk.services.patients import PatientService
from frontdesk.services.sessions import SessionService
from frontdesk.services.signed_in import SignedIn
from frontdesk.services.unit_of_work import check_allowed, unit_of_work
from frontdesk.storage.database import Database
from frontdesk.storage.handouts import HandoutRepository

HOW = ("printed", "pdf")


class HandoutService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        patients: PatientService,
        intakes: IntakeService,
        calendar: CalendarService,
        sessions: SessionService,
    ) -> None:
        self._db = db
        self._clock = clock
        self._patients = patients
        self._intakes = intakes
        self._calendar = calendar
        self._sessions = sessions
        self._repo = HandoutRepository(db)

    # -- the clinic's details --------------------------------------------------------------
    def clinic_info(self) -> ClinicInfo:
        with plain_storage_errors("read the clinic's details"):
            return self._repo.clinic_info()

    def set_clinic_info(self, actor: SignedIn, info: ClinicInfo) -> ClinicInfo:
        check_allowed(
            self._db, self._clock, actor, Permission.SETTINGS, "save the clinic's details"
        )
        cleaned, errors = clean_clinic_info(info)
        if errors:
            raise ValidationFailed(errors)
        with unit_of_work(
            self._db, self._clock, actor, "save the clinic's details", needs=Permission.SETTINGS
        ) as work:
            before = self._repo.clinic_info()
            self._repo.set_clinic_info(cleaned)
            work.record("update", Entity.CLINIC_INFO, None, vars(before), vars(cleaned))
        return cleaned

    # -- one patient's handout -------------------------------------------------------------
    def language_of(self, patient_id: int) -> Language:
        """The language a handout for the patient starts in.

        A handout printed in a language after the patient's preference was last saved is the
        later choice and wins (the patient service forgets it when the preference changes);
        otherwise the preference given at registration; English when neither is known.
        """
        with plain_storage_errors("read the patient's language"):
            return (
                self._repo.language(patient_id)
                or self._repo.preferred_language(patient_id)
                or Language.ENGLISH
            )

    def facts(self, patient_id: int) -> HandoutFacts:
        patient = self._patients.get(patient_id)
        latest = self._intakes.latest(patient_id)
        series = self._sessions.current(patient_id)
        sessions: list[PlannedSession] = []
        planned = 0
        full = None
        state = ""
        if series is not None:
            office = self._sessions.office(series)
            booked = self._sessions.next_session_booking(series)
            booked_day = booked.appointment.starts.date() if booked else None
            days = series.projected_dates(office, self.today(), booked_day)
            for number, day in enumerate(days, start=1):
                at = None
                kind = "done" if number <= series.done else "not_booked"
                if number == series.done + 1 and booked is not None:
                    kind, at = "booked", booked.appointment.starts
                opens, closes = results_window(day)
                sessions.append(PlannedSession(number, day, kind, opens, closes, at))
            planned = series.planned
            state = series.status.value
            paused = series.status is SeriesStatus.PAUSED
            full = None if paused else series.full_results(office, self.today(), booked_day)
        consultation = next(
            (
                a.appointment.starts
                for a in self._calendar.upcoming(patient_id)
                if a.appointment.type_code == CONSULTATION
            ),
            None,
        )
        hours = self._calendar.hours()
        return HandoutFacts(
            patient_name=patient.full_name,
            finding_sections=finding_sections(
                tuple(f.value for f in assess(latest.intake, self.today()).findings)
                if latest
                else None
            ),
            sessions=tuple(sessions),
            planned=planned,
            full_results_on=full,
            series_state=state,
            consultation=consultation,
            hours=tuple((day, span.opens, span.closes) for day, span in sorted(hours.days.items())),
        )

    def render(self, kind: Kind, patient_id: int, language: Language) -> Handout:
        facts = self.facts(patient_id)
        try:
            return render(kind, language, facts, self.clinic_info(), self.today())
        except (KeyError, ValueError) as exc:  # a template asks for a fact nobody gathers
            raise ServiceError(
                f"The {kind.label} handout's text has a mistake ({exc}): nothing was printed."
            ) from exc

    def record(
        self, actor: SignedIn, patient_id: int, kind: Kind, language: Language, how: str
    ) -> None:
        """A handout printed or saved: who, for whom, which, when. The language is remembered."""
        if how not in HOW:
            raise ValidationFailed({"how": "A handout is printed or saved as PDF."})
        with unit_of_work(
            self._db, self._clock, actor, "record the handout", needs=Permission.PRINT_HANDOUTS
        ) as work:
            self._patients.get(patient_id)  # NotFound when there is no such patient
            new_id = self._repo.record_print(
                patient_id, kind, language, how, work.actor.id, work.now
            )
            self._repo.set_language(patient_id, language)
            work.record(
                how,
                Entity.HANDOUT,
                new_id,
                None,
                {"patient_id": patient_id, "kind": kind.value, "language": language.value},
            )

    def prints(self, patient_id: int) -> list[PrintedHandout]:
        with plain_storage_errors("read the handouts printed"):
            return self._repo.prints(patient_id)

    def today(self) -> date:
        return today(self._clock)


_ZIP = re.compile(r"^\d{5}(-\d{4})?$")
_STATE = re.compile(r"^[A-Za-z]{2}$")
# (key, how a sentence names it, required): the order of the dialog's fields.
CLINIC_FIELDS = (
    ("name", "The clinic's name", True),
    ("address", "The street address", True),
    ("city", "The city", False),
    ("state", "The state", False),
    ("zip_code", "The ZIP code", False),
    ("phone", "The phone", True),
    ("after_hours_phone", "The after-hours phone", False),
)
_REQUIRED = {
    "name": "The clinic's name is printed on every handout: fill it in.",
    "address": "The clinic's street address is printed on every handout: fill it in.",
    "phone": "The clinic's phone is printed on every handout: fill it in.",
}


def clean_clinic_info(info: ClinicInfo) -> tuple[ClinicInfo, dict[str, str]]:
    """The details trimmed (the state in capitals), and {field: sentence} for each problem.

    The name, street and phone are required; the city, state, ZIP and after-hours line may
    stay empty (a clinic's details from before they existed), but what is typed must be right.
    """
    values = {key: getattr(info, key) for key, _, _ in CLINIC_FIELDS}
    typed = {key: (label, values[key]) for key, label, _ in CLINIC_FIELDS}
    errors = storage_errors(typed)
    cleaned = {key: value.strip() for key, value in values.items()}
    for key, sentence in _REQUIRED.items():
        if key not in errors and not cleaned[key]:
            errors[key] = sentence
    if "state" not in errors and cleaned["state"]:
        if not _STATE.match(cleaned["state"]):
            errors["state"] = "Write the state as its two letters, such as CA."
        cleaned["state"] = cleaned["state"].upper()
    if "zip_code" not in errors and cleaned["zip_code"] and not _ZIP.match(cleaned["zip_code"]):
        errors["zip_code"] = "A ZIP code has 5 digits, such as 91436 (or 91436-1234)."
    return ClinicInfo(**cleaned), errors
