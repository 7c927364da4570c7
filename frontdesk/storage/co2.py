"""CO2 series, their signed sessions and addenda: rows <-> domain objects."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from typing import Any, NamedTuple

from frontdesk.domain.appointments import HOLDING, from_text, to_text
from frontdesk.domain.co2 import (
    Addendum,
    Series,
    SeriesOutline,
    SeriesStatus,
    SessionDraft,
    Settings,
    SignedSession,
)
from frontdesk.domain.intake import Region
from frontdesk.storage.database import Database
from frontdesk.storage.inserted import inserted_id


def record_json(draft: SessionDraft) -> str:
    s = draft.settings
    return json.dumps(
        {
            "device": s.device,
            "energy_mj": s.energy_mj,
            "density_pct": s.density_pct,
            "passes": s.passes,
            "spot": s.spot,
            "mode": s.mode,
            "areas": [a.value for a in draft.areas],
            "anaesthesia": draft.anaesthesia,
            "antiviral": draft.antiviral,
            "response": draft.response,
            "adverse": draft.adverse,
            "notes": draft.notes,
        },
        ensure_ascii=False,
        sort_keys=True,
    )


def draft_from(performed_at: str, text: str) -> SessionDraft:
    data: dict[str, Any] = json.loads(text)
    return SessionDraft(
        performed_at=from_text(performed_at),
        settings=Settings(
            data["device"],
            float(data["energy_mj"]),
            float(data["density_pct"]),
            int(data["passes"]),
            data["spot"],
            data["mode"],
        ),
        areas=tuple(Region(a) for a in data["areas"]),
        anaesthesia=data["anaesthesia"],
        antiviral=bool(data["antiviral"]),
        response=data["response"],
        adverse=data["adverse"],
        notes=data["notes"],
    )


class RecallCandidate(NamedTuple):
    """A series the recall lists look at, with whom to call about it."""

    series: SeriesOutline
    patient_name: str
    phone_e164: str


class HeldVisit(NamedTuple):
    patient_id: int
    type_code: str
    starts: str  # clinic wall time, 'YYYY-MM-DDTHH:MM'


_STATUS = {status.value: status for status in SeriesStatus}  # a dict look-up, not Enum()


def _marks(values: list[str]) -> str:
    return ", ".join("?" for _ in values)


class SeriesRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def _rows(self, sql: str, params: Iterable[Any] = ()) -> list[dict[str, Any]]:
        return list(self._db.query(sql, list(params)))

    # -- reading -----------------------------------------------------------------------------
    def get(self, series_id: int) -> Series | None:
        rows = self._rows("SELECT * FROM co2_series WHERE id = ?", [series_id])
        return self._series(rows)[0] if rows else None

    def of_patient(self, patient_id: int) -> list[Series]:
        """Newest first."""
        rows = self._rows(
            "SELECT * FROM co2_series WHERE patient_id = ? ORDER BY id DESC", [patient_id]
        )
        return self._series(rows)

    def with_status(self, statuses: Iterable[SeriesStatus]) -> list[Series]:
        wanted = [s.value for s in statuses]
        marks = ", ".join("?" for _ in wanted)
        rows = self._rows(
            f"SELECT * FROM co2_series WHERE status IN ({marks}) ORDER BY patient_id, id", wanted
        )
        return self._series(rows)

    def outlines_for_recall(self, statuses: Iterable[SeriesStatus]) -> list[RecallCandidate]:
        """Series in these states of patients not archived, each with its session count and
        last session, in one query (oldest patient first, then oldest series)."""
        wanted = [s.value for s in statuses]
        rows = self._db.execute(
            # Each count and last session from the (series_id, number) index: only the series
            # asked for are looked at.
            "SELECT s.id, s.patient_id, s.planned, s.status, s.opened_on,"
            " (SELECT COUNT(*) FROM co2_sessions WHERE series_id = s.id), c.number,"
            " c.performed_at, p.first_name, p.last_name, p.phone"
            " FROM co2_series AS s JOIN patients AS p ON p.id = s.patient_id"
            " LEFT JOIN co2_sessions AS c ON c.series_id = s.id"
            "  AND c.number = (SELECT MAX(number) FROM co2_sessions WHERE series_id = s.id)"
            f" WHERE s.status IN ({_marks(wanted)}) AND p.archived = 0"
            " ORDER BY s.patient_id, s.id",
            wanted,
        ).fetchall()
        return [
            RecallCandidate(
                SeriesOutline(
                    id=r[0],
                    patient_id=r[1],
                    planned=r[2],
                    status=_STATUS[r[3]],
                    opened_on=date.fromisoformat(r[4]),
                    done=r[5] or 0,
                    last_number=r[6],
                    last_day=date.fromisoformat(r[7][:10]) if r[7] else None,
                ),
                f"{r[8]} {r[9]}",  # as Patient.full_name says it
                r[10],
            )
            for r in rows
        ]

    def held_visits(
        self, type_codes: Iterable[str], statuses: Iterable[SeriesStatus]
    ) -> list[HeldVisit]:
        """Visits of these types that hold their time, of every patient with a series in these
        states, in one query (by patient, then time)."""
        codes = list(type_codes)
        holding = sorted(s.value for s in HOLDING)
        wanted = [s.value for s in statuses]
        rows = self._db.execute(
            "SELECT a.patient_id, a.type_code, a.starts FROM appointments AS a"
            f" WHERE a.type_code IN ({_marks(codes)}) AND a.status IN ({_marks(holding)})"
            " AND a.patient_id IN (SELECT patient_id FROM co2_series"
            f"  WHERE status IN ({_marks(wanted)}))"
            " ORDER BY a.patient_id, a.starts",
            [*codes, *holding, *wanted],
        ).fetchall()
        return [HeldVisit(r[0], r[1], r[2]) for r in rows]

    def session(self, session_id: int) -> SignedSession | None:
        rows = self._rows("SELECT series_id FROM co2_sessions WHERE id = ?", [session_id])
        if not rows:
            return None
        series = self.get(rows[0]["series_id"])
        assert series is not None
        return next(s for s in series.sessions if s.id == session_id)

    def _series(self, rows: list[dict[str, Any]]) -> list[Series]:
        """Series with their sessions and addenda, read in three queries whatever the count."""
        if not rows:
            return []
        ids = [r["id"] for r in rows]
        marks = ", ".join("?" for _ in ids)
        sessions = self._rows(
            "SELECT c.*, s.name AS signer FROM co2_sessions AS c"
            f" JOIN staff AS s ON s.id = c.signed_by WHERE c.series_id IN ({marks})"
            " ORDER BY c.series_id, c.number",
            ids,
        )
        session_ids = [r["id"] for r in sessions]
        addenda: dict[int, list[Addendum]] = {}
        if session_ids:
            more = ", ".join("?" for _ in session_ids)
            for r in self._rows(
                "SELECT a.session_id, a.at, a.text, s.name FROM co2_addenda AS a"
                f" JOIN staff AS s ON s.id = a.staff_id WHERE a.session_id IN ({more})"
                " ORDER BY a.id",
                session_ids,
            ):
                addenda.setdefault(r["session_id"], []).append(
                    Addendum(r["at"], r["name"], r["text"])
                )
        by_series: dict[int, list[SignedSession]] = {}
        for r in sessions:
            by_series.setdefault(r["series_id"], []).append(
                SignedSession(
                    id=r["id"],
                    series_id=r["series_id"],
                    number=r["number"],
                    draft=draft_from(r["performed_at"], r["record"]),
                    signed_at=r["signed_at"],
                    signed_by=r["signer"],
                    early_reason=r["early_reason"],
                    addenda=tuple(addenda.get(r["id"], ())),
                )
            )
        return [
            Series(
                id=r["id"],
                patient_id=r["patient_id"],
                planned=r["planned"],
                status=SeriesStatus(r["status"]),
                opened_on=date.fromisoformat(r["opened_on"]),
                reason=r["reason"],
                version=r["version"],
                sessions=tuple(by_series.get(r["id"], ())),
            )
            for r in rows
        ]

    # -- writing -----------------------------------------------------------------------------
    def insert(
        self, patient_id: int, planned: int, opened_on: date, staff_id: int, intake_id: int | None
    ) -> int:
        cursor = self._db.execute(
            "INSERT INTO co2_series (patient_id, planned, opened_on, opened_by, intake_id)"
            " VALUES (?, ?, ?, ?, ?)",
            [patient_id, planned, opened_on.isoformat(), staff_id, intake_id],
        )
        return inserted_id(cursor)

    def update(self, series_id: int, planned: int, status: SeriesStatus, reason: str) -> None:
        self._db.execute(
            "UPDATE co2_series SET planned = ?, status = ?, reason = ?, version = version + 1"
            " WHERE id = ?",
            [planned, status.value, reason, series_id],
        )

    def sign(
        self,
        series_id: int,
        number: int,
        draft: SessionDraft,
        early_reason: str,
        signed_at: str,
        staff_id: int,
    ) -> int:
        cursor = self._db.execute(
            "INSERT INTO co2_sessions"
            " (series_id, number, performed_at, record, early_reason, signed_at, signed_by)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                series_id,
                number,
                to_text(draft.performed_at),
                record_json(draft),
                early_reason,
                signed_at,
                staff_id,
            ],
        )
        return inserted_id(cursor)

    def add_addendum(self, session_id: int, at: str, staff_id: int, text: str) -> int:
        cursor = self._db.execute(
            "INSERT INTO co2_addenda (session_id, at, staff_id, text) VALUES (?, ?, ?, ?)",
            [session_id, at, staff_id, text],
        )
        return inserted_id(cursor)
