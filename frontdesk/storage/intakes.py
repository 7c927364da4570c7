"""Intake rows <-> RecordedIntake; answers are kept as JSON in the row."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from frontdesk.domain.intake import (
    AcneStatus,
    Answer,
    Intake,
    Look,
    RecordedIntake,
    Region,
    RegionFinding,
    Screening,
    Subtype,
)
from frontdesk.storage.database import Database
from frontdesk.storage.inserted import inserted_id

_COLUMNS = (
    "intakes.id, patient_id, coalesce(original_id, intakes.id) AS original, version,"
    " recorded_at, staff_id, staff.name AS staff_name, answers, summary"
)
_CURRENT_ORIGINAL = "SELECT max(coalesce(original_id, id)) FROM intakes WHERE patient_id = ?"


def answers_json(intake: Intake) -> str:
    s = intake.screening
    return json.dumps(
        {
            "regions": [
                {
                    "region": r.region.value,
                    "looks": sorted(look.value for look in r.looks),
                    "subtypes": sorted(sub.value for sub in r.subtypes),
                    "blanches": r.blanches.value,
                    "felt": r.felt.value,
                    "other_text": r.other_text,
                }
                for r in intake.regions
            ],
            "grade": intake.grade,
            "fitzpatrick": intake.fitzpatrick,
            "acne": intake.acne.value,
            "screening": {
                "asked": s.asked,
                "isotretinoin": s.isotretinoin,
                "isotretinoin_stopped": s.isotretinoin_stopped.isoformat()
                if s.isotretinoin_stopped
                else None,
                "cold_sores": s.cold_sores,
                "pregnant_or_breastfeeding": s.pregnant_or_breastfeeding,
                "keloid_history": s.keloid_history,
                "skin_infection": s.skin_infection,
                "recent_tan": s.recent_tan,
                "photosensitising_drugs": s.photosensitising_drugs,
            },
            "notes": intake.notes,
        },
        ensure_ascii=False,
        sort_keys=True,
    )


def intake_from_json(text: str) -> Intake:
    data: dict[str, Any] = json.loads(text)
    screening = dict(data["screening"])
    stopped = screening.pop("isotretinoin_stopped")
    screening.setdefault("asked", False)
    return Intake(
        regions=tuple(
            RegionFinding(
                region=Region(r["region"]),
                looks=frozenset(Look(v) for v in r["looks"]),
                subtypes=frozenset(Subtype(v) for v in r["subtypes"]),
                blanches=Answer(r["blanches"]),
                felt=Answer(r["felt"]),
                other_text=r["other_text"],
            )
            for r in data["regions"]
        ),
        grade=data["grade"],
        fitzpatrick=data["fitzpatrick"],
        acne=AcneStatus(data["acne"]),
        screening=Screening(
            isotretinoin_stopped=date.fromisoformat(stopped) if stopped else None, **screening
        ),
        notes=data["notes"],
    )


class IntakeRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def insert(
        self,
        patient_id: int,
        intake: Intake,
        summary: str,
        staff_id: int,
        now: str,
        original_id: int | None = None,
        version: int = 1,
    ) -> int:
        cursor = self._db.execute(
            "INSERT INTO intakes (patient_id, original_id, version, recorded_at, staff_id,"
            " answers, summary) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [patient_id, original_id, version, now, staff_id, answers_json(intake), summary],
        )
        return inserted_id(cursor)

    def count(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM intakes").fetchone()[0])

    def get(self, intake_id: int) -> RecordedIntake | None:
        rows = self._select("WHERE intakes.id = ?", [intake_id])
        return rows[0] if rows else None

    def newest_version(self, original_id: int) -> RecordedIntake | None:
        rows = self._select(
            "WHERE coalesce(original_id, intakes.id) = ? ORDER BY version DESC LIMIT 1",
            [original_id],
        )
        return rows[0] if rows else None

    def latest(self, patient_id: int) -> RecordedIntake | None:
        """The newest version of the patient's most recent intake."""
        rows = self._select(
            f"WHERE patient_id = ? AND coalesce(original_id, intakes.id) = ({_CURRENT_ORIGINAL})"
            " ORDER BY version DESC LIMIT 1",
            [patient_id, patient_id],
        )
        return rows[0] if rows else None

    def history(self, patient_id: int) -> list[RecordedIntake]:
        """Every version, most recent intake first, newest version first within it."""
        return self._select(
            "WHERE patient_id = ? ORDER BY coalesce(original_id, intakes.id) DESC, version DESC",
            [patient_id],
        )

    def add_override(
        self, patient_id: int, intake_id: int, staff_id: int, now: str, reason: str
    ) -> int:
        cursor = self._db.execute(
            "INSERT INTO laser_overrides (patient_id, intake_id, staff_id, at, reason)"
            " VALUES (?, ?, ?, ?, ?)",
            [patient_id, intake_id, staff_id, now, reason],
        )
        return inserted_id(cursor)

    def override_reason(self, intake_id: int) -> str | None:
        row = self._db.execute(
            "SELECT reason FROM laser_overrides WHERE intake_id = ? ORDER BY id DESC LIMIT 1",
            [intake_id],
        ).fetchone()
        return row[0] if row else None

    def _select(self, tail: str, params: list[object]) -> list[RecordedIntake]:
        cursor = self._db.execute(
            f"SELECT {_COLUMNS} FROM intakes JOIN staff ON staff.id = staff_id {tail}", params
        )
        return [
            RecordedIntake(
                id=row[0],
                patient_id=row[1],
                original_id=row[2],
                version=row[3],
                recorded_at=row[4],
                staff_id=row[5],
                staff_name=row[6],
                intake=intake_from_json(row[7]),
                summary=row[8],
            )
            for row in cursor.fetchall()
        ]
