"""The clinic's details for headers, each patient's handout language, and the print log."""

from __future__ import annotations

from frontdesk.domain.handouts import ClinicInfo, Kind, Language, PrintedHandout
from frontdesk.storage.database import Database
from frontdesk.storage.inserted import inserted_id


class HandoutRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def clinic_info(self) -> ClinicInfo:
        values = {
            r["key"]: r["value"] for r in self._db.query("SELECT key, value FROM clinic_info")
        }
        return ClinicInfo(
            values["name"],
            values["address"],
            values["phone"],
            city=values.get("city", ""),
            state=values.get("state", ""),
            zip_code=values.get("zip", ""),
            after_hours_phone=values.get("after_hours_phone", ""),
        )

    def set_clinic_info(self, info: ClinicInfo) -> None:
        for key, value in (
            ("name", info.name),
            ("address", info.address),
            ("phone", info.phone),
            ("city", info.city),
            ("state", info.state),
            ("zip", info.zip_code),
            ("after_hours_phone", info.after_hours_phone),
        ):
            self._db.execute("UPDATE clinic_info SET value = ? WHERE key = ?", [value, key])

    def language(self, patient_id: int) -> Language | None:
        rows = list(
            self._db.query(
                "SELECT language FROM patient_language WHERE patient_id = ?", [patient_id]
            )
        )
        return Language(rows[0]["language"]) if rows else None

    def preferred_language(self, patient_id: int) -> Language | None:
        """The language the patient gave at registration; None when not given."""
        row = self._db.execute(
            "SELECT language FROM patients WHERE id = ?", [patient_id]
        ).fetchone()
        return Language(row[0]) if row and row[0] else None

    def set_language(self, patient_id: int, language: Language) -> None:
        self._db.execute(
            "INSERT INTO patient_language (patient_id, language) VALUES (?, ?)"
            " ON CONFLICT (patient_id) DO UPDATE SET language = excluded.language",
            [patient_id, language.value],
        )

    def record_print(
        self, patient_id: int, kind: Kind, language: Language, how: str, staff_id: int, at: str
    ) -> int:
        cursor = self._db.execute(
            "INSERT INTO handout_prints (patient_id, kind, language, how, staff_id, at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [patient_id, kind.value, language.value, how, staff_id, at],
        )
        return inserted_id(cursor)

    def prints(self, patient_id: int) -> list[PrintedHandout]:
        rows = self._db.query(
            "SELECT h.kind, h.language, h.how, s.name, h.at FROM handout_prints AS h"
            " JOIN staff AS s ON s.id = h.staff_id WHERE h.patient_id = ? ORDER BY h.id DESC",
            [patient_id],
        )
        return [
            PrintedHandout(Kind(r["kind"]), Language(r["language"]), r["how"], r["name"], r["at"])
            for r in rows
        ]
