"""The patient in front: one owner for "which patient is this window about".

Chosen by a person (a row clicked in the registry or a picker, a recall row opened, a patient
just registered), never by a refresh: lists reload, searches narrow, the window locks and
someone else signs in, and the patient in front stays who they were. The tabs read it; the
main window names it in one place that is always on screen.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from frontdesk.domain.dates import format_day
from frontdesk.domain.patients import Patient
from frontdesk.services.changes import Changes, Entity
from frontdesk.services.patients import PatientService
from frontdesk.ui.operations import quietly


def describe(patient: Patient | None) -> str:
    """'Patient: María García, born Thu, Mar 14, 1985 (#12)'."""
    if patient is None:
        return "No patient chosen"
    archived = ", archived" if patient.archived else ""
    return f"Patient: {patient.full_name}, born {format_day(patient.dob)} (#{patient.id}{archived})"


class PatientInFront(QObject):
    changed = Signal(object)  # a different patient (or None): Patient | None
    updated = Signal(object)  # the same patient, re-read after a save (name, archived...)
    picked = Signal(object)  # a person put this patient in front (again): their record seen

    def __init__(self, patients: PatientService, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._patients = patients
        self._patient: Patient | None = None
        # Asked before the patient changes: a tab with unsaved work may refuse (False).
        self._guards: list[Callable[[], bool]] = []

    @property
    def patient(self) -> Patient | None:
        return self._patient

    @property
    def id(self) -> int | None:
        return self._patient.id if self._patient is not None else None

    def add_guard(self, may_leave: Callable[[], bool]) -> None:
        self._guards.append(may_leave)

    def choose(self, patient: Patient | None) -> bool:
        """A person picked `patient`. False when a guard kept the one in front (unsaved work).
        The same patient again only refreshes the copy held."""
        if patient is not None and patient.id == self.id:
            if patient != self._patient:
                self._patient = patient
                self.updated.emit(patient)
            self.picked.emit(patient)
            return True
        if patient is None and self._patient is None:
            return True
        if not all(guard() for guard in self._guards):
            return False
        self._patient = patient
        self.changed.emit(patient)
        if patient is not None:
            self.picked.emit(patient)
        return True

    def choose_id(self, patient_id: int) -> bool:
        if patient_id == self.id:
            return True
        patient = quietly(lambda: self._patients.get(patient_id))
        return patient is not None and self.choose(patient)

    def follow(self, changes: Changes) -> None:
        """Announced changes: the patient in front re-read when their row may have changed
        (theirs named, or a patient change that names no one: another window's)."""
        if self._patient is None:
            return
        unnamed = changes.touches(Entity.PATIENT) and not changes.ids(Entity.PATIENT)
        if unnamed or self._patient.id in changes.ids(Entity.PATIENT):
            self.reload()

    def reload(self) -> None:
        """After a save somewhere: the same patient, as stored now (never another one)."""
        if self._patient is None:
            return
        patient_id = self._patient.id
        fresh = quietly(lambda: self._patients.get(patient_id))
        if fresh is None:
            return  # unreadable for now: keep what is shown rather than switch
        if fresh != self._patient:
            self._patient = fresh
            self.updated.emit(fresh)
