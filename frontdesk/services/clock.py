"""The clinic's 'now', injectable so that tests and demo data are reproducible."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from frontdesk.domain.clinic import CLINIC_TZ

Clock = Callable[[], datetime]


def clinic_now() -> datetime:
    return datetime.now(CLINIC_TZ)


def fixed_clock(moment: datetime) -> Clock:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=CLINIC_TZ)
    return lambda: aware


def stamp(moment: datetime) -> str:
    """Clinic-local wall time with its UTC offset, to the second: unambiguous across DST."""
    return moment.astimezone(CLINIC_TZ).isoformat(timespec="seconds")


def today(clock: Clock) -> date:
    return clock().astimezone(CLINIC_TZ).date()
