"""What a write changed, as the unit of work saw it: which kinds of record, which ids.

The UI refreshes from these and nothing else, so a view never guesses from the call it
made. A write's changes count only once its transaction has committed: a write rolled back
changed nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Generic, TypeVar

T = TypeVar("T")


class Entity(StrEnum):
    """A kind of record a write can change; the value is the audit trail's `entity`."""

    PATIENT = "patient"
    APPOINTMENT = "appointment"
    APPOINTMENT_TYPE = "appointment_type"
    OFFICE_HOURS = "office_hours"
    CLOSURE = "closure"
    INTAKE = "intake"
    LASER_ELIGIBILITY = "laser_eligibility"
    SERIES = "co2_series"
    SESSION = "co2_session"
    STAFF = "staff"
    SETTINGS = "settings"
    CLINIC_INFO = "clinic_info"
    HANDOUT = "handout"


@dataclass(frozen=True)
class Change:
    entity: Entity
    entity_id: int | None
    patient_id: int | None = None


@dataclass(frozen=True)
class Changes:
    """Every record one call changed (empty for a refusal or a read)."""

    items: frozenset[Change] = field(default_factory=frozenset)
    # Every record may have changed (a restore from a backup): every view reloads.
    everything: bool = False

    def __bool__(self) -> bool:
        return self.everything or bool(self.items)

    def touches(self, *entities: Entity) -> bool:
        return self.everything or any(change.entity in entities for change in self.items)

    def ids(self, entity: Entity) -> frozenset[int]:
        return frozenset(
            c.entity_id for c in self.items if c.entity is entity and c.entity_id is not None
        )

    def patients(self) -> frozenset[int]:
        """Patients whose records changed: their own row, or one of theirs."""
        found = {c.patient_id for c in self.items if c.patient_id is not None}
        found |= self.ids(Entity.PATIENT)
        return frozenset(found)

    def touches_patient(self, patient_id: int) -> bool:
        return self.everything or patient_id in self.patients()

    def __or__(self, other: Changes) -> Changes:
        return Changes(self.items | other.items, self.everything or other.everything)

    @staticmethod
    def of(*items: Change) -> Changes:
        return Changes(frozenset(items))

    @staticmethod
    def of_all() -> Changes:
        return Changes(everything=True)


@dataclass(frozen=True)
class Changed(Generic[T]):
    """A write's answer: what it returned and what it changed."""

    value: T
    changes: Changes


class _Collector:
    def __init__(self, origin: str | None) -> None:
        self.committed: set[Change] = set()
        self.origin = origin


_COLLECTING: ContextVar[_Collector | None] = ContextVar("frontdesk_changes", default=None)


def note_committed(changes: Iterable[Change]) -> None:
    """Called by the unit of work once its transaction has committed."""
    collector = _COLLECTING.get()
    if collector is not None:
        collector.committed.update(changes)


def current_origin() -> str | None:
    """Who runs the current call (a window's token, see `with_changes`): the notice other
    workstations hear carries it, so the window that saved does not hear its own write."""
    collector = _COLLECTING.get()
    return None if collector is None else collector.origin


@contextmanager
def _collecting(origin: str | None) -> Iterator[_Collector]:
    collector = _Collector(origin)
    token = _COLLECTING.set(collector)
    try:
        yield collector
    finally:
        _COLLECTING.reset(token)


def with_changes(call: Callable[[], T], origin: str | None = None) -> Changed[T]:
    """Runs a service call and returns its value with every change it committed. `origin`
    names the caller (a window) in what other windows hear of these changes."""
    with _collecting(origin) as collector:
        value = call()
    return Changed(value, Changes(frozenset(collector.committed)))
