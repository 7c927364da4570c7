"""Appointments: their kinds, their statuses and what each status means for the slot."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum

from frontdesk.domain.clinic import CLINIC_TZ

LATE_CANCEL = timedelta(hours=24)
WALL_FORMAT = "%Y-%m-%dT%H:%M"


class Status(Enum):
    BOOKED = "booked"
    CONFIRMED = "confirmed"
    ARRIVED = "arrived"
    COMPLETED = "completed"
    CANCELLED_BY_PATIENT = "cancelled_by_patient"
    CANCELLED_BY_CLINIC = "cancelled_by_clinic"
    NO_SHOW = "no_show"

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]

    @property
    def holds_slot(self) -> bool:
        """A cancelled or missed appointment frees its time for someone else."""
        return self in HOLDING

    @property
    def cancelled(self) -> bool:
        return self in (Status.CANCELLED_BY_PATIENT, Status.CANCELLED_BY_CLINIC)

    @property
    def movable(self) -> bool:
        """Only an appointment still to come can be moved; a visit that began stays put."""
        return self in (Status.BOOKED, Status.CONFIRMED)


_STATUS_LABELS = {
    Status.BOOKED: "Booked",
    Status.CONFIRMED: "Confirmed",
    Status.ARRIVED: "Arrived",
    Status.COMPLETED: "Completed",
    Status.CANCELLED_BY_PATIENT: "Cancelled by patient",
    Status.CANCELLED_BY_CLINIC: "Cancelled by clinic",
    Status.NO_SHOW: "No-show",
}
HOLDING = frozenset({Status.BOOKED, Status.CONFIRMED, Status.ARRIVED, Status.COMPLETED})


# An appointment type's length: whole 5-minute steps, at most a working day.
MIN_MINUTES, MAX_MINUTES, MINUTES_STEP = 5, 480, 5


@dataclass(frozen=True)
class AppointmentType:
    code: str
    name: str
    minutes: int
    colour: str  # one accent per type, the same wherever the type is shown


CONSULTATION = "consultation"
CO2_SESSION = "co2_session"
RESULTS_REVIEW = "results_review"

DEFAULT_TYPES = (
    AppointmentType(CONSULTATION, "Free consultation", 30, "#2f7fc1"),
    AppointmentType(CO2_SESSION, "CO2 laser session", 90, "#c2571a"),
    AppointmentType(RESULTS_REVIEW, "Results review", 30, "#3d8f5a"),
)


@dataclass(frozen=True)
class Appointment:
    id: int
    patient_id: int
    type_code: str
    starts: datetime  # clinic wall time, naive: it keeps its clock time across DST changes
    ends: datetime
    status: Status
    late: bool
    note: str
    version: int

    @property
    def minutes(self) -> int:
        return int((self.ends - self.starts).total_seconds() // 60)


@dataclass(frozen=True)
class ListedAppointment:
    """An appointment with what the calendar and the day sheet show beside it."""

    appointment: Appointment
    patient_name: str
    phone: str
    type_name: str
    colour: str


@dataclass(frozen=True)
class Attendance:
    """How reliable a patient has been: shown when booking them again."""

    no_shows: int
    late_cancels: int
    upcoming: int

    @property
    def summary(self) -> str:
        parts = [
            _count(self.no_shows, "no-show"),
            _count(self.late_cancels, "late cancellation"),
            _count(self.upcoming, "upcoming appointment"),
        ]
        return ", ".join(parts)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def wall(moment: datetime) -> datetime:
    """Clinic wall time without a zone, to the minute: how appointments are kept."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(CLINIC_TZ).replace(tzinfo=None)
    return moment.replace(second=0, microsecond=0)


def to_text(moment: datetime) -> str:
    return moment.strftime(WALL_FORMAT)


def from_text(text: str) -> datetime:
    """'YYYY-MM-DDTHH:MM' as stored (fromisoformat: many times faster than strptime)."""
    return datetime.fromisoformat(text)


def real_time_between(earlier: datetime, later: datetime) -> timedelta:
    """Elapsed time between two wall times, counting the hour a DST change adds or removes."""
    # Aware datetimes sharing one zone subtract as wall times, hence the trip through UTC.
    return later.replace(tzinfo=CLINIC_TZ).astimezone(UTC) - earlier.replace(
        tzinfo=CLINIC_TZ
    ).astimezone(UTC)


def is_late_cancel(starts: datetime, cancelled_at: datetime) -> bool:
    """A patient cancelling under 24 real hours before the start (DST counted).

    `cancelled_at` may carry its zone (the clock's reading): exact even in the hour that
    repeats when clocks go back.
    """
    if cancelled_at.tzinfo is not None:
        until = starts.replace(tzinfo=CLINIC_TZ).astimezone(UTC) - cancelled_at.astimezone(UTC)
        return until < LATE_CANCEL
    return real_time_between(cancelled_at, starts) < LATE_CANCEL


def exists_on_the_clock(moment: datetime) -> bool:
    """False for wall times skipped when clocks go forward (2:30 am on the spring change)."""
    there_and_back = moment.replace(tzinfo=CLINIC_TZ).astimezone(UTC).astimezone(CLINIC_TZ)
    return there_and_back.replace(tzinfo=None) == moment


# Which status may follow which: mistakes can be undone, a finished visit stays finished.
NEXT_STATUSES: dict[Status, tuple[Status, ...]] = {
    Status.BOOKED: (
        Status.CONFIRMED,
        Status.ARRIVED,
        Status.NO_SHOW,
        Status.CANCELLED_BY_PATIENT,
        Status.CANCELLED_BY_CLINIC,
    ),
    Status.CONFIRMED: (
        Status.BOOKED,
        Status.ARRIVED,
        Status.NO_SHOW,
        Status.CANCELLED_BY_PATIENT,
        Status.CANCELLED_BY_CLINIC,
    ),
    Status.ARRIVED: (Status.COMPLETED, Status.BOOKED),
    Status.COMPLETED: (Status.ARRIVED,),
    Status.CANCELLED_BY_PATIENT: (Status.BOOKED,),
    Status.CANCELLED_BY_CLINIC: (Status.BOOKED,),
    Status.NO_SHOW: (Status.ARRIVED,),  # came late after all
}


def status_refusal(appointment: Appointment, to: Status, now: datetime) -> str | None:
    """Why the appointment cannot take status `to` now (wall time), or None."""
    if to not in NEXT_STATUSES[appointment.status]:
        return (
            f"A {appointment.status.label.lower()} appointment cannot be marked {to.label.lower()}."
        )
    started = now >= appointment.starts
    if to in (Status.ARRIVED, Status.COMPLETED) and now.date() < appointment.starts.date():
        return f"It can be marked {to.label.lower()} on the day of the appointment."
    if to is Status.NO_SHOW and not started:
        return "It can be marked as a no-show once its time has come."
    if to is Status.CONFIRMED and started:
        return "Its time has already come: mark it arrived or a no-show instead."
    if appointment.status.cancelled and to is Status.BOOKED and started:
        return "A cancelled appointment in the past cannot be booked again: book a new one."
    if to is Status.CANCELLED_BY_PATIENT and started:
        return "Its time has come: if the patient did not come, mark it a no-show."
    return None


def in_sentence(name: str) -> str:
    """A type's name inside a sentence: 'free consultation', but 'CO2 laser session'."""
    if len(name) > 1 and name[1].isupper():
        return name
    return name[:1].lower() + name[1:]
