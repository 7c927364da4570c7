"""Registering, correcting, archiving and finding patients."""

from __future__ import annotations

import sqlite_utils

from frontdesk.domain.patients import Patient, PatientDraft, PatientFields, validate
from frontdesk.domain.search import Page, PageCursor, PatientSort, parse_query
from frontdesk.domain.staff import Staff
from frontdesk.services.clock import Clock, clinic_now, today
from frontdesk.services.errors import NotFound, PossibleDuplicate, ValidationFailed
from frontdesk.services.unit_of_work import unit_of_work
from frontdesk.storage.patients import PatientRepository, audit_values, field_values

ENTITY = "patient"


class PatientService:
    def __init__(self, db: sqlite_utils.Database, clock: Clock = clinic_now) -> None:
        self._db = db
        self._clock = clock
        self._repo = PatientRepository(db)

    # -- reading -----------------------------------------------------------------
    def get(self, patient_id: int) -> Patient:
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
        return self._repo.search(
            parse_query(text),
            sort=sort,
            descending=descending,
            include_archived=include_archived,
            cursor=cursor,
            limit=limit,
        )

    def count(self, include_archived: bool = False) -> int:
        return self._repo.count(include_archived)

    def check(self, draft: PatientDraft) -> dict[str, str]:
        """Field problems, for showing while the form is still being filled."""
        return validate(draft, today(self._clock)).errors

    def possible_duplicates(
        self, draft: PatientDraft, exclude_id: int | None = None
    ) -> list[Patient]:
        result = validate(draft, today(self._clock))
        if result.fields is None:
            return []
        return self._repo.same_person(result.fields, exclude_id)

    # -- writing -----------------------------------------------------------------
    def register(
        self, actor: Staff, draft: PatientDraft, *, confirm_duplicate: bool = False
    ) -> Patient:
        fields = self._valid_fields(draft)
        with unit_of_work(self._db, self._clock, actor) as work:
            self._refuse_duplicate(fields, None, confirm_duplicate)
            patient_id = self._repo.insert(fields, work.now)
            created = self.get(patient_id)
            work.record("register", ENTITY, patient_id, None, audit_values(created))
        return created

    def update(
        self,
        actor: Staff,
        patient_id: int,
        draft: PatientDraft,
        *,
        confirm_duplicate: bool = False,
    ) -> Patient:
        fields = self._valid_fields(draft)
        with unit_of_work(self._db, self._clock, actor) as work:
            before = self.get(patient_id)
            if field_values(before) == field_values(fields):
                return before  # nothing changed: no write, no audit row
            self._refuse_duplicate(fields, patient_id, confirm_duplicate)
            self._repo.update(patient_id, fields, work.now)
            after = self.get(patient_id)
            work.record("update", ENTITY, patient_id, audit_values(before), audit_values(after))
        return after

    def archive(self, actor: Staff, patient_id: int) -> Patient:
        return self._set_archived(actor, patient_id, True)

    def restore(self, actor: Staff, patient_id: int) -> Patient:
        return self._set_archived(actor, patient_id, False)

    # -- helpers -----------------------------------------------------------------
    def _set_archived(self, actor: Staff, patient_id: int, archived: bool) -> Patient:
        with unit_of_work(self._db, self._clock, actor) as work:
            before = self.get(patient_id)
            if before.archived == archived:
                return before
            self._repo.set_archived(patient_id, archived, work.now)
            after = self.get(patient_id)
            action = "archive" if archived else "restore"
            work.record(action, ENTITY, patient_id, audit_values(before), audit_values(after))
        return after

    def _valid_fields(self, draft: PatientDraft) -> PatientFields:
        result = validate(draft, today(self._clock))
        if result.fields is None:
            raise ValidationFailed(result.errors)
        return result.fields

    def _refuse_duplicate(
        self, fields: PatientFields, exclude_id: int | None, confirmed: bool
    ) -> None:
        if confirmed:
            return
        matches = self._repo.same_person(fields, exclude_id)
        if matches:
            raise PossibleDuplicate(matches)
