"""Facts about the practice that every rule shares."""

from __future__ import annotations

from zoneinfo import ZoneInfo

CLINIC_NAME = "Dr. Alex's acne scar clinic"
CLINIC_CITY = "Encino, California"
CLINIC_TZ = ZoneInfo("America/Los_Angeles")
