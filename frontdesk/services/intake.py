"""Recording scar-type intakes, correcting them as new versions, and the laser gate."""

from __future__ import annotations

from datetime import date

from frontdesk.domain.assessment import Eligibility, assess, eligibility
from frontdesk.domain.intake import Intake, RecordedIntake, text_errors
from frontdesk.domain.permissions import Permission
from frontdesk.domain.text import unstorable
from frontdesk.services.changes import Entity
from frontdesk.services.clock import Clock, clinic_now, today
from frontdesk.services.errors import NotFound, ValidationFailed, plain_storage_errors
from frontdesk.services.signed_in import SignedIn
from frontdesk.services.unit_of_work import check_allowed, unit_of_work
from frontdesk.storage.database import Database
from frontdesk.storage.intakes import IntakeRepository, answers_json
from frontdesk.storage.patients import PatientRepository

ENTITY = Entity.INTAKE
MAX_NOTES = 4000
MIN_OVERRIDE_REASON = 15  # characters: "ok" is not a reason


def _check(intake: Intake, today: date) -> None:
    errors: dict[str, str] = {}
    regions = [r.region for r in intake.regions]
    if len(regions) != len(set(regions)):
        errors["regions"] = "Each region is recorded once."
    if intake.grade is not None and not 1 <= intake.grade <= 4:
        errors["grade"] = "The Goodman & Baron grade is 1 to 4."
    if intake.fitzpatrick is not None and not 1 <= intake.fitzpatrick <= 6:
        errors["fitzpatrick"] = "The Fitzpatrick type is I to VI."
    if len(intake.notes) > MAX_NOTES:
        errors["notes"] = f"Notes are longer than {MAX_NOTES} characters."
    errors = text_errors(intake) | errors
    stopped = intake.screening.isotretinoin_stopped
    if stopped is not None and not intake.screening.isotretinoin:
        errors["isotretinoin_stopped"] = "A stop date is given but isotretinoin is not ticked."
    elif stopped is not None and stopped > today:
        errors["isotretinoin_stopped"] = "The isotretinoin stop date is in the future."
    if errors:
        raise ValidationFailed(errors)


class IntakeService:
    def __init__(self, db: Database, clock: Clock = clinic_now) -> None:
        self._db = db
        self._clock = clock
        self._repo = IntakeRepository(db)
        self._patients = PatientRepository(db)

    def today(self) -> date:
        return today(self._clock)

    # -- reading -----------------------------------------------------------------
    def latest(self, patient_id: int) -> RecordedIntake | None:
        with plain_storage_errors("read the intake"):
            return self._repo.latest(patient_id)

    def history(self, patient_id: int) -> list[RecordedIntake]:
        with plain_storage_errors("read the intakes"):
            return self._repo.history(patient_id)

    def eligibility(self, patient_id: int) -> Eligibility:
        """May this patient start or continue a CO2 series today?"""
        with plain_storage_errors("check laser eligibility"):
            latest = self._repo.latest(patient_id)
            reason = self._repo.override_reason(latest.id) if latest else None
        return eligibility(latest.intake if latest else None, self.today(), reason)

    # -- writing -----------------------------------------------------------------
    def record(self, actor: SignedIn, patient_id: int, intake: Intake) -> RecordedIntake:
        """A new intake (a new visit's findings) for the patient; the doctor's to record."""
        check_allowed(self._db, self._clock, actor, Permission.RECORD_INTAKE, "save the intake")
        _check(intake, self.today())
        if intake.blank:
            raise ValidationFailed({"intake": "Nothing is recorded yet: nothing to save."})
        summary = assess(intake, self.today()).summary
        with unit_of_work(
            self._db, self._clock, actor, "save the intake", needs=Permission.RECORD_INTAKE
        ) as work:
            if self._patients.get(patient_id) is None:
                raise NotFound(f"Patient #{patient_id} does not exist.")
            new_id = self._repo.insert(patient_id, intake, summary, work.actor.id, work.now)
            work.record("record", ENTITY, new_id, None, _audit(intake, summary, patient_id))
            return self._stored(new_id)

    def record_all_if_none(self, actor: SignedIn, items: list[tuple[int, Intake]]) -> int:
        """(patient id, intake) pairs in one transaction, only into a clinic with no intake."""
        for _, intake in items:
            _check(intake, self.today())
        with unit_of_work(
            self._db, self._clock, actor, "record the demo intakes", needs=Permission.RECORD_INTAKE
        ) as work:
            if self._repo.count():
                return 0
            for patient_id, intake in items:
                summary = assess(intake, self.today()).summary
                new_id = self._repo.insert(patient_id, intake, summary, work.actor.id, work.now)
                work.record("record", ENTITY, new_id, None, _audit(intake, summary, patient_id))
        return len(items)

    def correct(self, actor: SignedIn, intake_id: int, intake: Intake) -> RecordedIntake:
        """A correction is a new version; the one corrected stays as it was."""
        check_allowed(self._db, self._clock, actor, Permission.RECORD_INTAKE, "save the correction")
        _check(intake, self.today())
        summary = assess(intake, self.today()).summary
        with unit_of_work(
            self._db, self._clock, actor, "save the correction", needs=Permission.RECORD_INTAKE
        ) as work:
            corrected = self._repo.get(intake_id)
            if corrected is None:
                raise NotFound(f"Intake #{intake_id} does not exist.")
            newest = self._repo.newest_version(corrected.original_id)
            assert newest is not None
            if newest.id != corrected.id:
                raise ValidationFailed(
                    {
                        "version": f"Version {newest.version} of this intake exists already:"
                        " correct the newest version."
                    }
                )
            if corrected.intake == intake:
                raise ValidationFailed({"intake": "Nothing was changed: no new version saved."})
            new_id = self._repo.insert(
                corrected.patient_id,
                intake,
                summary,
                work.actor.id,
                work.now,
                original_id=corrected.original_id,
                version=corrected.version + 1,
            )
            work.record(
                "correct",
                ENTITY,
                new_id,
                _audit(corrected.intake, corrected.summary, corrected.patient_id),
                _audit(intake, summary, corrected.patient_id),
            )
            return self._stored(new_id)

    def override_no(
        self, actor: SignedIn, patient_id: int, intake_id: int, reason: str
    ) -> Eligibility:
        """Only the doctor may let a patient proceed despite a "no", and says why.

        The override belongs to the intake version the doctor was looking at; if a newer
        one was saved meanwhile (another window), it is refused: look again first.
        """
        check_allowed(
            self._db, self._clock, actor, Permission.OVERRIDE_ELIGIBILITY, "record the override"
        )
        if len(reason.strip()) < MIN_OVERRIDE_REASON:
            raise ValidationFailed({"reason": "Write down in a sentence why laser may go ahead."})
        if said := unstorable(reason, "The reason"):
            raise ValidationFailed({"reason": said})
        with unit_of_work(
            self._db,
            self._clock,
            actor,
            "record the override",
            needs=Permission.OVERRIDE_ELIGIBILITY,
        ) as work:
            latest = self._repo.latest(patient_id)
            if latest is None:
                raise ValidationFailed({"reason": "Record an intake before deciding on laser."})
            if latest.id != intake_id:
                raise ValidationFailed(
                    {"reason": "A newer intake was saved meanwhile: look at it before deciding."}
                )
            current = eligibility(
                latest.intake, self.today(), self._repo.override_reason(latest.id)
            )
            if current.allowed:
                raise ValidationFailed({"reason": "Laser is already allowed: nothing to override."})
            override_id = self._repo.add_override(
                patient_id, latest.id, work.actor.id, work.now, reason.strip()
            )
            work.record(
                "override",
                Entity.LASER_ELIGIBILITY,
                override_id,
                None,
                {"patient_id": patient_id, "intake_id": latest.id, "reason": reason.strip()},
            )
        return self.eligibility(patient_id)

    def _stored(self, intake_id: int) -> RecordedIntake:
        stored = self._repo.get(intake_id)
        assert stored is not None
        return stored


def _audit(intake: Intake, summary: str, patient_id: int) -> dict[str, object]:
    return {"patient_id": patient_id, "summary": summary, "answers": answers_json(intake)}
