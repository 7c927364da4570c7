"""Each audited table's rows compared with their last audited state.

The trail's lines carry `after` snapshots. Replaying them per (entity, entity_id) gives what each
row was when the app last wrote it; a row that differs, exists without any line, or has lines
but no longer exists was changed behind the app's back. One pass per entity over the lines that
recorded values, in (entity_id, id) order (the partial index `audit_by_entity_with_values` holds
just those, in that order: looks at a record and sign-ins are not read), merged with one pass
over the table in id order: memory stays at one row whatever the size of either.

Only what the snapshots record is compared. Left out on purpose: derived and cache columns
(patients' search keys, `version` counters, `created_at`/`updated_at`), sign-in counters
(`failed_logins`, `locked_until`: each failed sign-in moves them) and password hashes (the
trail never holds them).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from frontdesk.domain.audit import RowFinding, compare_rows
from frontdesk.domain.patients import DETAILS_UNSET
from frontdesk.storage.database import Database


@dataclass(frozen=True)
class Audited:
    """How one table appears in the trail."""

    entity: str  # as the lines name it
    table: str
    what: str  # as staff call one of its rows
    columns: dict[str, str]  # snapshot key -> column
    words: dict[str, str] = field(default_factory=dict)  # column -> words for the admin
    # Columns the line that created the row says itself: who did it and when.
    from_first_line: dict[str, str] = field(default_factory=dict)  # column -> line field
    # Actions whose `after` is the row's state; None: any line whose `after` holds its keys.
    # (Sign-ins are lines about a staff member whose details are not the account's state.)
    states: frozenset[str] | None = None
    # Rows the schema itself inserted, never written through the app: their first state.
    seeds: dict[int, dict[str, Any]] = field(default_factory=dict)
    # Columns a later migration added (snapshot key -> the value it gave every row): a row
    # whose lines are all older than that step holds these values until the app writes it.
    added_later: dict[str, Any] = field(default_factory=dict)


AUDITED = (
    Audited(
        "patient", "patients", "Patient",
        {k: k for k in ("first_name", "last_name", "dob", "phone", "email", "notes", "archived",
                        *DETAILS_UNSET)},
        {"first_name": "first name", "last_name": "last name", "dob": "date of birth",
         "archived": "archived or not", "language": "preferred language",
         "emergency_name": "emergency contact", "emergency_phone": "emergency phone",
         "heard_from": "how they heard of us", "heard_from_other": "how they heard of us",
         "consent_sms": "consent to text messages", "consent_email": "consent to email"},
        added_later=DETAILS_UNSET,  # migration 0009
    ),
    Audited(
        "appointment", "appointments", "Appointment",
        {"patient_id": "patient_id", "type": "type_code", "starts": "starts", "ends": "ends",
         "status": "status", "late": "late", "note": "note"},
        {"patient_id": "patient", "type_code": "type", "starts": "start time",
         "ends": "end time", "late": "late mark", "booked_by": "who booked it",
         "booked_at": "when it was booked"},
        {"booked_by": "staff_id", "booked_at": "at"},
    ),
    Audited(
        "intake", "intakes", "Intake",
        {"patient_id": "patient_id", "summary": "summary", "answers": "answers"},
        {"patient_id": "patient", "answers": "answers (findings)", "staff_id": "who recorded it",
         "recorded_at": "when it was recorded"},
        {"staff_id": "staff_id", "recorded_at": "at"},
    ),
    Audited(
        "laser_eligibility", "laser_overrides", "Laser override",
        {"patient_id": "patient_id", "intake_id": "intake_id", "reason": "reason"},
        {"patient_id": "patient", "intake_id": "intake", "staff_id": "who decided",
         "at": "when"},
        {"staff_id": "staff_id", "at": "at"},
    ),
    Audited(
        "co2_series", "co2_series", "CO2 series",
        {"patient_id": "patient_id", "planned": "planned", "status": "status",
         "reason": "reason"},
        {"patient_id": "patient", "planned": "sessions planned", "opened_by": "who opened it"},
        {"opened_by": "staff_id"},
    ),
    Audited(
        "co2_session", "co2_sessions", "Signed CO2 session",
        {"series_id": "series_id", "number": "number", "record": "record",
         "performed_at": "performed_at", "early_reason": "early_reason"},
        {"series_id": "series", "number": "session number", "record": "record (settings, areas,"
         " notes)", "performed_at": "date performed", "early_reason": "reason for going early",
         "signed_by": "who signed it", "signed_at": "when it was signed"},
        {"signed_by": "staff_id", "signed_at": "at"},
        frozenset({"sign"}),
    ),
    Audited(
        "staff", "staff", "Staff member",
        {"name": "name", "role": "role", "active": "active", "username": "username"},
        {"active": "switched on or off"},
        states=frozenset({"create", "set_login", "update", "demo_login"}),
        seeds={  # as migration 0001 inserted them
            1: {"name": "Dr. Alex", "role": "doctor", "active": 1},
            2: {"name": "Front desk", "role": "front_desk", "active": 1},
        },
    ),
)  # fmt: skip


def _replayed(db: Database, spec: Audited) -> Iterator[tuple[int, dict[str, Any]]]:
    """(id, last audited state) in id order, streamed from the trail."""
    cursor = db.execute(
        "SELECT entity_id, action, at, staff_id, after FROM audit"
        " WHERE entity = ? AND entity_id IS NOT NULL AND after IS NOT NULL"
        " ORDER BY entity_id, id",
        [spec.entity],
    )
    seeds = sorted(spec.seeds.items())
    current: int | None = None
    state: dict[str, Any] = {}
    for entity_id, action, at, staff_id, after in cursor:
        if spec.states is not None and action not in spec.states:
            continue
        values = json.loads(after) if after else None
        if not isinstance(values, dict):
            continue
        known = {spec.columns[k]: v for k, v in values.items() if k in spec.columns}
        if not known:
            continue
        if entity_id != current:
            if current is not None:
                yield from _seeds_before(seeds, current)
                yield current, _in_order(spec, state)
            yield from _seeds_before(seeds, entity_id)
            line = {"at": at, "staff_id": staff_id}
            state = {spec.columns[k]: v for k, v in spec.added_later.items()}
            state |= {col: line[f] for col, f in spec.from_first_line.items()}
            if seeds and seeds[0][0] == entity_id:  # a seeded row changed through the app
                state = dict(seeds.pop(0)[1])
            current = entity_id
        state.update(known)
    if current is not None:
        yield from _seeds_before(seeds, current)
        yield current, _in_order(spec, state)
    yield from _seeds_before(seeds, None)


def _in_order(spec: Audited, state: dict[str, Any]) -> dict[str, Any]:
    """The table's own column order, so that the admin reads "start time and end time"."""
    order = [*spec.columns.values(), *spec.from_first_line]
    return {c: state[c] for c in order if c in state}


def _seeds_before(
    seeds: list[tuple[int, dict[str, Any]]], entity_id: int | None
) -> Iterator[tuple[int, dict[str, Any]]]:
    while seeds and (entity_id is None or seeds[0][0] < entity_id):
        yield seeds.pop(0)


def _stored(db: Database, spec: Audited) -> Iterator[tuple[int, dict[str, Any]]]:
    columns = sorted({*spec.columns.values(), *spec.from_first_line})
    cursor = db.execute(f"SELECT id, {', '.join(columns)} FROM {spec.table} ORDER BY id")
    for row in cursor:
        yield row[0], dict(zip(columns, row[1:], strict=True))


def differences(db: Database) -> Iterator[RowFinding]:
    """Every audited row not as the trail last recorded it; run inside one read snapshot."""
    for spec in AUDITED:
        yield from compare_rows(spec.what, _replayed(db, spec), _stored(db, spec), spec.words)
