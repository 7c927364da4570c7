"""Office hours, closures, appointment types and appointments: rows <-> domain objects."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any

from frontdesk.domain.appointments import (
    HOLDING,
    Appointment,
    AppointmentType,
    Attendance,
    ListedAppointment,
    Status,
    from_text,
    in_sentence,
    to_text,
)
from frontdesk.domain.booking import Busy
from frontdesk.domain.hours import Closure, DayHours, WeeklyHours
from frontdesk.storage.database import Database
from frontdesk.storage.inserted import inserted_id

_HOLDING_SQL = "(" + ", ".join(f"'{s.value}'" for s in sorted(HOLDING, key=str)) + ")"
_APPOINTMENT = (
    "a.id, a.patient_id, a.type_code, a.starts, a.ends, a.status, a.late, a.note, a.version"
)
_LISTED = (
    f"{_APPOINTMENT}, p.first_name, p.last_name, p.phone, t.name AS type_name, t.colour"
    " FROM appointments AS a JOIN patients AS p ON p.id = a.patient_id"
    " JOIN appointment_types AS t ON t.code = a.type_code"
)


def _appointment(row: dict[str, Any]) -> Appointment:
    return Appointment(
        id=row["id"],
        patient_id=row["patient_id"],
        type_code=row["type_code"],
        starts=from_text(row["starts"]),
        ends=from_text(row["ends"]),
        status=Status(row["status"]),
        late=bool(row["late"]),
        note=row["note"],
        version=row["version"],
    )


def _listed(row: dict[str, Any]) -> ListedAppointment:
    return ListedAppointment(
        appointment=_appointment(row),
        patient_name=f"{row['first_name']} {row['last_name']}",
        phone=row["phone"],
        type_name=row["type_name"],
        colour=row["colour"],
    )


def _closure(row: dict[str, Any]) -> Closure:
    first, last = date.fromisoformat(row["first_day"]), date.fromisoformat(row["last_day"])
    return Closure(first, last, row["reason"], row["id"])


def _day_hours(row: dict[str, Any]) -> DayHours:
    """A stored day: one span (no break, as every day was before 0010) or two."""
    starts, ends = row["break_starts"], row["break_ends"]
    return DayHours(
        time.fromisoformat(row["opens"]),
        time.fromisoformat(row["closes"]),
        time.fromisoformat(starts) if starts else None,
        time.fromisoformat(ends) if ends else None,
    )


def _hhmm(moment: time | None) -> str | None:
    return moment.strftime("%H:%M") if moment is not None else None


def _day_range(first: date, last: date) -> tuple[str, str]:
    """`starts` bounds for the days first..last: an index range read."""
    return first.isoformat(), (last + timedelta(days=1)).isoformat()


class CalendarRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def _rows(self, sql: str, params: Iterable[Any] = ()) -> list[dict[str, Any]]:
        return list(self._db.query(sql, list(params)))

    # -- hours and closures ----------------------------------------------------------------
    def weekly_hours(self) -> WeeklyHours:
        rows = self._rows(
            "SELECT weekday, opens, closes, break_starts, break_ends FROM office_hours"
        )
        return WeeklyHours({r["weekday"]: _day_hours(r) for r in rows})

    def replace_hours(self, hours: WeeklyHours) -> None:
        self._db.execute("DELETE FROM office_hours")
        for weekday, span in sorted(hours.days.items()):
            self._db.execute(
                "INSERT INTO office_hours (weekday, opens, closes, break_starts, break_ends)"
                " VALUES (?, ?, ?, ?, ?)",
                [
                    weekday,
                    _hhmm(span.opens),
                    _hhmm(span.closes),
                    _hhmm(span.break_starts),
                    _hhmm(span.break_ends),
                ],
            )

    def closures_between(self, first: date, last: date) -> list[Closure]:
        rows = self._rows(
            "SELECT id, first_day, last_day, reason FROM closures"
            " WHERE last_day >= ? AND first_day <= ? ORDER BY first_day, id",
            [first.isoformat(), last.isoformat()],
        )
        return [
            Closure(
                date.fromisoformat(r["first_day"]),
                date.fromisoformat(r["last_day"]),
                r["reason"],
                r["id"],
            )
            for r in rows
        ]

    def get_closure(self, closure_id: int) -> Closure | None:
        rows = self._rows(
            "SELECT id, first_day, last_day, reason FROM closures WHERE id = ?", [closure_id]
        )
        return _closure(rows[0]) if rows else None

    def insert_closure(self, closure: Closure) -> int:
        cursor = self._db.execute(
            "INSERT INTO closures (first_day, last_day, reason) VALUES (?, ?, ?)",
            [closure.first.isoformat(), closure.last.isoformat(), closure.reason],
        )
        return inserted_id(cursor)

    def delete_closure(self, closure_id: int) -> None:
        self._db.execute("DELETE FROM closures WHERE id = ?", [closure_id])

    def holiday_years(self) -> set[int]:
        return {r["year"] for r in self._rows("SELECT year FROM holiday_years")}

    def mark_holiday_year(self, year: int) -> None:
        self._db.execute("INSERT OR IGNORE INTO holiday_years (year) VALUES (?)", [year])

    # -- appointment types -----------------------------------------------------------------
    def types(self) -> list[AppointmentType]:
        rows = self._rows(
            "SELECT code, name, minutes, colour FROM appointment_types ORDER BY position"
        )
        return [AppointmentType(r["code"], r["name"], r["minutes"], r["colour"]) for r in rows]

    def update_type(self, code: str, name: str, minutes: int) -> None:
        self._db.execute(
            "UPDATE appointment_types SET name = ?, minutes = ? WHERE code = ?",
            [name, minutes, code],
        )

    # -- appointments ----------------------------------------------------------------------
    def any_appointment(self) -> bool:
        return bool(self._rows("SELECT 1 FROM appointments LIMIT 1"))

    def get(self, appointment_id: int) -> Appointment | None:
        rows = self._rows(
            f"SELECT {_APPOINTMENT} FROM appointments AS a WHERE a.id = ?", [appointment_id]
        )
        return _appointment(rows[0]) if rows else None

    def get_listed(self, appointment_id: int) -> ListedAppointment | None:
        rows = self._rows(f"SELECT {_LISTED} WHERE a.id = ?", [appointment_id])
        return _listed(rows[0]) if rows else None

    def insert(
        self,
        patient_id: int,
        type_code: str,
        starts: datetime,
        ends: datetime,
        note: str,
        staff_id: int,
        now: str,
    ) -> int:
        cursor = self._db.execute(
            "INSERT INTO appointments"
            " (patient_id, type_code, starts, ends, note, booked_at, booked_by)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [patient_id, type_code, to_text(starts), to_text(ends), note, now, staff_id],
        )
        return inserted_id(cursor)

    def move(self, appointment_id: int, starts: datetime, ends: datetime) -> None:
        self._db.execute(
            "UPDATE appointments SET starts = ?, ends = ?, version = version + 1 WHERE id = ?",
            [to_text(starts), to_text(ends), appointment_id],
        )

    def set_status(self, appointment_id: int, status: Status, late: bool) -> None:
        self._db.execute(
            "UPDATE appointments SET status = ?, late = ?, version = version + 1 WHERE id = ?",
            [status.value, int(late), appointment_id],
        )

    def set_note(self, appointment_id: int, note: str) -> None:
        self._db.execute(
            "UPDATE appointments SET note = ?, version = version + 1 WHERE id = ?",
            [note, appointment_id],
        )

    def add_history(self, appointment_id: int, at: str, staff_id: int, what: str) -> None:
        self._db.execute(
            "INSERT INTO appointment_history (appointment_id, at, staff_id, what)"
            " VALUES (?, ?, ?, ?)",
            [appointment_id, at, staff_id, what],
        )

    def history(self, appointment_id: int) -> list[tuple[str, str, str]]:
        """(when, who, what) oldest first."""
        rows = self._rows(
            "SELECT h.at, s.name, h.what FROM appointment_history AS h"
            " JOIN staff AS s ON s.id = h.staff_id WHERE h.appointment_id = ? ORDER BY h.id",
            [appointment_id],
        )
        return [(r["at"], r["name"], r["what"]) for r in rows]

    def busy_between(self, first: date, last: date, exclude_id: int | None = None) -> list[Busy]:
        low, high = _day_range(first, last)
        rows = self._rows(
            "SELECT a.id, a.starts, a.ends, p.first_name, p.last_name, t.name AS type_name"
            " FROM appointments AS a JOIN patients AS p ON p.id = a.patient_id"
            " JOIN appointment_types AS t ON t.code = a.type_code"
            f" WHERE a.starts >= ? AND a.starts < ? AND a.status IN {_HOLDING_SQL}"
            " AND a.id IS NOT ? ORDER BY a.starts",
            [low, high, exclude_id],
        )
        return [
            Busy(
                from_text(r["starts"]),
                from_text(r["ends"]),
                f"{r['first_name']} {r['last_name']} ({in_sentence(r['type_name'])})",
                r["id"],
            )
            for r in rows
        ]

    def listed_between(self, first: date, last: date) -> list[ListedAppointment]:
        low, high = _day_range(first, last)
        rows = self._rows(
            f"SELECT {_LISTED} WHERE a.starts >= ? AND a.starts < ? ORDER BY a.starts, a.id",
            [low, high],
        )
        return [_listed(r) for r in rows]

    def movable_between(self, first: date, last: date, moment: datetime) -> list[ListedAppointment]:
        """Booked or confirmed appointments on the days first..last, from `moment` on."""
        low, high = _day_range(first, last)
        rows = self._rows(
            f"SELECT {_LISTED} WHERE a.starts >= ? AND a.starts < ? AND a.starts >= ?"
            " AND a.status IN ('booked', 'confirmed') ORDER BY a.starts, a.id",
            [low, high, to_text(moment)],
        )
        return [_listed(r) for r in rows]

    def movable_from(self, moment: datetime) -> list[ListedAppointment]:
        """Booked or confirmed appointments starting at `moment` or later."""
        rows = self._rows(
            f"SELECT {_LISTED} WHERE a.starts >= ? AND a.status IN ('booked', 'confirmed')"
            " ORDER BY a.starts",
            [to_text(moment)],
        )
        return [_listed(r) for r in rows]

    def of_patient(self, patient_id: int) -> list[ListedAppointment]:
        rows = self._rows(
            f"SELECT {_LISTED} WHERE a.patient_id = ? ORDER BY a.starts DESC", [patient_id]
        )
        return [_listed(r) for r in rows]

    def attendance(self, patient_id: int, now: datetime) -> Attendance:
        row = self._rows(
            "SELECT"
            " count(*) FILTER (WHERE status = 'no_show') AS no_shows,"
            " count(*) FILTER (WHERE status = 'cancelled_by_patient' AND late = 1) AS late_cancels,"
            f" count(*) FILTER (WHERE status IN {_HOLDING_SQL} AND starts >= ?) AS upcoming"
            " FROM appointments WHERE patient_id = ?",
            [to_text(now), patient_id],
        )[0]
        return Attendance(row["no_shows"], row["late_cancels"], row["upcoming"])
