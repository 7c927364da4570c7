"""Registering, correcting, archiving and finding patients."""

from __future__ import annotations

from collections.abc import Iterable

from frontdesk.domain.patients import (
    Patient,
    PatientDraft,
    PatientFields,
    audit_values,
    email_key,
    field_values,
    validate,
)
from frontdesk.domain.permissions import Permission
from frontdesk.domain.search import Page, PageCursor, PatientSort, parse_query
from frontdesk.services.changes import Entity
from frontdesk.services.clock import Clock, clinic_now, today
from frontdesk.services.errors import (
    ChangedElsewhere,
    NotFound,
    PossibleDuplicate,
    ValidationFailed,
    known_id,
    plain_storage_errors,
)
from frontdesk.services.signed_in import SignedIn
from frontdesk.services.unit_of_work import UnitOfWork, unit_of_work
from frontdesk.storage.database import Database
from frontdesk.storage.patients import PatientRepository

ENTITY = Entity.PATIENT


class PatientService:
    def __init__(self, db: Database, clock: Clock = clinic_now) -> None:
        self._db = db
        self._clock = clock
        self._repo = PatientRepository(db)

    # -- reading -----------------------------------------------------------------
    def get(self, patient_id: int) -> Patient:
        known_id(patient_id, "Patient")
        with plain_storage_errors("read the patient"):
            patient = self._repo.get(patient_id)
        if patient is None:
            raise NotFound(f"Patient #{patient_id} does not exist.")
        return patient

    def search(
        self,
        text: str,
        *,
        sort: PatientSort = PatientSort.NAME,
        descending: bool = False,
        include_archived: bool = False,
        cursor: PageCursor | None = None,
        limit: int = 100,
    ) -> Page[Patient]:
        with plain_storage_errors("search the registry"):
            return self._repo.search(
                parse_query(text),
                sort=sort,
                descending=descending,
                include_archived=include_archived,
                cursor=cursor,
                limit=limit,
            )

    def count(self, include_archived: bool = False) -> int:
        with plain_storage_errors("count patients"):
            return self._repo.count(include_archived)

    # -- writing -----------------------------------------------------------------
    def register(
        self,
        actor: SignedIn,
        draft: PatientDraft,
        *,
        confirm_duplicate: bool = False,
        by_contact: bool = False,
    ) -> Patient:
        """Registers the patient, unless someone registered may be the same person: the same
        folded names and birthday, and with `by_contact` (the registration form) also the
        same phone number or email address. `confirm_duplicate` saves anyway."""
        fields = self._valid_fields(draft)
        with unit_of_work(
            self._db,
            self._clock,
            actor,
            f"register {draft_name(fields)}",
            needs=Permission.EDIT_PATIENTS,
        ) as work:
            if not confirm_duplicate:
                self._refuse_duplicate(fields, None, by_contact=by_contact)
            return self._insert(work, fields)

    def register_all_if_empty(
        self, actor: SignedIn, drafts: Iterable[tuple[PatientDraft, bool]]
    ) -> int:
        """(draft, archived) pairs, all in one transaction, only into an empty registry."""
        checked = [(self._valid_fields(d), archived) for d, archived in drafts]
        with unit_of_work(
            self._db, self._clock, actor, "fill the demo clinic", needs=Permission.EDIT_PATIENTS
        ) as work:
            if self._repo.count(include_archived=True):
                return 0
            for fields, archived in checked:
                patient = self._insert(work, fields)
                if archived:
                    self._set_archived_in(work, patient, True)
        return len(checked)

    def update(
        self,
        actor: SignedIn,
        patient_id: int,
        draft: PatientDraft,
        *,
        expected_version: int | None = None,
        confirm_duplicate: bool = False,
        by_contact: bool = False,
    ) -> Patient:
        """Saves a correction; with `expected_version`, refuses to undo someone else's save.

        A possible duplicate is looked up again only for what the correction changes (the
        names or birthday; with `by_contact`, the phone or email)."""
        known_id(patient_id, "Patient")
        fields = self._valid_fields(draft)
        with unit_of_work(
            self._db,
            self._clock,
            actor,
            f"save {draft_name(fields)}",
            needs=Permission.EDIT_PATIENTS,
        ) as work:
            before = self.get(patient_id)
            if expected_version is not None and before.version != expected_version:
                raise ChangedElsewhere(
                    f"{before.full_name} was changed elsewhere since you opened the record"
                    " here. Nothing was saved. Your changes are still in this form: note them,"
                    " then Cancel and open the patient again to see the latest details."
                )
            if field_values(before) == field_values(fields):
                return before  # nothing changed: no write, no audit row
            if not confirm_duplicate:
                self._refuse_duplicate(fields, patient_id, before, by_contact=by_contact)
            self._repo.update(patient_id, fields, work.now)
            if before.language != fields.language:  # newer than any handout's language
                self._repo.forget_handout_language(patient_id)
            after = self.get(patient_id)
            work.record("update", ENTITY, patient_id, audit_values(before), audit_values(after))
        return after

    def archive(self, actor: SignedIn, patient_id: int) -> Patient:
        return self._set_archived(actor, patient_id, True)

    def restore(self, actor: SignedIn, patient_id: int) -> Patient:
        return self._set_archived(actor, patient_id, False)

    # -- helpers -----------------------------------------------------------------
    def _insert(self, work: UnitOfWork, fields: PatientFields) -> Patient:
        patient_id = self._repo.insert(fields, work.now)
        created = self.get(patient_id)
        work.record("register", ENTITY, patient_id, None, audit_values(created))
        return created

    def _set_archived(self, actor: SignedIn, patient_id: int, archived: bool) -> Patient:
        known_id(patient_id, "Patient")
        doing = "archive the patient" if archived else "restore the patient"
        with unit_of_work(
            self._db, self._clock, actor, doing, needs=Permission.EDIT_PATIENTS
        ) as work:
            return self._set_archived_in(work, self.get(patient_id), archived)

    def _set_archived_in(self, work: UnitOfWork, before: Patient, archived: bool) -> Patient:
        if before.archived == archived:
            return before
        self._repo.set_archived(before.id, archived, work.now)
        after = self.get(before.id)
        action = "archive" if archived else "restore"
        work.record(action, ENTITY, before.id, audit_values(before), audit_values(after))
        return after

    def _valid_fields(self, draft: PatientDraft) -> PatientFields:
        result = validate(draft, today(self._clock))
        if result.fields is None:
            raise ValidationFailed(result.errors)
        return result.fields

    def _refuse_duplicate(
        self,
        fields: PatientFields,
        exclude_id: int | None,
        before: Patient | None = None,
        *,
        by_contact: bool = False,
    ) -> None:
        """PossibleDuplicate naming each patient found once, in the order found."""
        lookups = []
        if before is None or before.duplicate_key != fields.duplicate_key:
            lookups.append(self._repo.same_person(fields, exclude_id))
        if by_contact:
            phone_new = before is None or before.phone_e164 != fields.phone_e164
            if fields.phone_e164 and phone_new:
                lookups.append(self._repo.same_phone(fields.phone_digits, exclude_id))
            email_new = before is None or email_key(before.email) != email_key(fields.email)
            if fields.email and email_new:
                lookups.append(self._repo.same_email(fields.email, exclude_id))
        found: dict[int, Patient] = {}
        for matches in lookups:
            for match in matches:
                found.setdefault(match.id, match)
        if found:
            raise PossibleDuplicate(list(found.values()))


def draft_name(fields: PatientFields) -> str:
    return f"{fields.first_name} {fields.last_name}"
