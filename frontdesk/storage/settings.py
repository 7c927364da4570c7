"""Clinic-wide settings kept in the database (the demo marker, the lock delay)."""

from __future__ import annotations

from frontdesk.storage.database import Database


class SettingsRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def get(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM app_settings WHERE key = ?", [key]).fetchone()
        return row[0] if row else None

    def put(self, key: str, value: str) -> None:
        self._db.execute(
            "INSERT INTO app_settings (key, value) VALUES (?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        )
