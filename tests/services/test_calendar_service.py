"""The calendar service on a real SQLite file: booking rules, moves, statuses, hours."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from frontdesk.domain.appointments import CO2_SESSION, CONSULTATION, Status
from frontdesk.domain.clinic import CLINIC_TZ
from frontdesk.domain.hours import Closure, DayHours, WeeklyHours, default_hours
from frontdesk.services.calendar import CalendarService
from frontdesk.services.clinic import Clinic, open_clinic
from frontdesk.services.clock import fixed_clock
from frontdesk.services.errors import ChangedElsewhere, SlotRefused, ValidationFailed
from frontdesk.storage.engine import sqlite3
from tests.conftest import draft
from tests.whole_database import count_rows

MONDAY = date(2026, 11, 30)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute))


@pytest.fixture
def maria(clinic: Clinic, desk) -> int:
    return clinic.patients.register(desk, draft()).id


@pytest.fixture
def ana(clinic: Clinic, desk) -> int:
    return clinic.patients.register(
        desk, draft(first_name="Ana", last_name="Cruz", dob="1/2/1990", phone="", email="")
    ).id


def later(clinic: Clinic, moment: datetime) -> CalendarService:
    """The same database seen at another moment (the clinic's clock moved on)."""
    return CalendarService(clinic._db, fixed_clock(moment.replace(tzinfo=CLINIC_TZ)))


def test_a_booking_is_stored_with_its_history_and_audit(clinic: Clinic, desk, maria) -> None:
    booked = clinic.calendar.book(
        desk, maria, CONSULTATION, at(MONDAY, 10), note="Asks for Spanish"
    )
    a = booked.appointment
    assert (a.starts, a.ends, a.status, a.note) == (
        at(MONDAY, 10),
        at(MONDAY, 10, 30),
        Status.BOOKED,
        "Asks for Spanish",
    )
    assert booked.patient_name == "María García" and booked.phone == "+18185550134"
    assert booked.type_name == "Free consultation"
    row = clinic._db.execute("SELECT starts, ends FROM appointments").fetchone()
    assert row == ("2026-11-30T10:00", "2026-11-30T10:30")  # wall time as DESIGN.md says
    [(_, who, what)] = clinic.calendar.history(a.id)
    assert who == "Front desk" and what == "Booked for Mon, Nov 30, 2026, 10:00 am-10:30 am"
    [entry] = clinic.audit.history("appointment", a.id)
    assert entry.action == "book" and entry.after["starts"] == "2026-11-30T10:00"


@pytest.mark.parametrize(
    ("starts", "expected"),
    [
        (at(date(2026, 12, 4), 15, 30), None),
        (at(date(2026, 12, 4), 15, 45), "Friday hours end at 4:00 pm: a 30-minute free"),
        (at(date(2026, 12, 4), 16, 0), "Friday hours end at 4:00 pm."),
        (at(date(2026, 11, 26), 11), "closed on Thu, Nov 26, 2026: Thanksgiving Day."),
        (at(date(2026, 11, 27), 11), "Day After Thanksgiving"),
        (at(date(2026, 12, 25), 11), "Christmas Day"),
        (at(date(2027, 1, 1), 11), "New Year's Day"),
        (at(date(2026, 11, 25), 11), "has already passed"),
        (at(date(2026, 12, 5), 11), "closed on Saturdays"),
    ],
)
def test_the_service_applies_every_rule(clinic: Clinic, desk, maria, starts, expected) -> None:
    if expected is None:
        clinic.calendar.book(desk, maria, CONSULTATION, starts)
        return
    with pytest.raises(SlotRefused, match=expected.replace(".", r"\.")):
        clinic.calendar.book(desk, maria, CONSULTATION, starts)
    assert count_rows(clinic, "appointments") == 0


def test_overlaps_are_refused_and_back_to_back_is_allowed(clinic: Clinic, desk, maria, ana) -> None:
    clinic.calendar.book(desk, maria, CONSULTATION, at(MONDAY, 11))
    with pytest.raises(SlotRefused, match=r"11:00 am-11:30 am .* taken by María García"):
        clinic.calendar.book(desk, ana, CONSULTATION, at(MONDAY, 10, 35))
    with pytest.raises(SlotRefused):
        clinic.calendar.book(desk, ana, CONSULTATION, at(MONDAY, 11, 25))
    clinic.calendar.book(desk, ana, CONSULTATION, at(MONDAY, 10, 30))
    clinic.calendar.book(desk, ana, CONSULTATION, at(MONDAY, 11, 30))
    assert count_rows(clinic, "appointments") == 3


def test_the_database_itself_refuses_an_overlap(clinic: Clinic, desk, maria, ana) -> None:
    clinic.calendar.book(desk, maria, CONSULTATION, at(MONDAY, 11))
    raw = (
        "INSERT INTO appointments (patient_id, type_code, starts, ends, booked_at, booked_by)"
        " VALUES (?, 'consultation', ?, ?, 'x', 1)"
    )
    with pytest.raises(sqlite3.IntegrityError, match="double booking"):
        clinic._db.execute(raw, [ana, "2026-11-30T11:15", "2026-11-30T11:45"])
    clinic._db.execute(raw, [ana, "2026-11-30T11:30", "2026-11-30T12:00"])  # back-to-back
    with pytest.raises(sqlite3.IntegrityError, match="double booking"):
        clinic._db.execute(
            "UPDATE appointments SET starts = '2026-11-30T11:20' WHERE patient_id = ?", [ana]
        )
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        clinic._db.execute(raw, [ana, "2026-11-30T23:30", "2026-12-01T00:30"])  # across midnight


def test_cancelled_and_missed_appointments_free_their_time(
    clinic: Clinic, desk, maria, ana
) -> None:
    first = clinic.calendar.book(desk, maria, CONSULTATION, at(MONDAY, 11)).appointment
    clinic.calendar.set_status(desk, first.id, Status.CANCELLED_BY_PATIENT, first.version)
    second = clinic.calendar.book(desk, ana, CONSULTATION, at(MONDAY, 11)).appointment
    # Booking the cancelled one again now clashes with Ana: refused in plain words.
    with pytest.raises(SlotRefused, match="taken by Ana Cruz"):
        clinic.calendar.set_status(desk, first.id, Status.BOOKED, first.version + 1)
    assert second.status is Status.BOOKED


def test_a_move_keeps_the_length_and_the_history(clinic: Clinic, desk, maria, ana) -> None:
    a = clinic.calendar.book(desk, maria, CO2_SESSION, at(MONDAY, 10)).appointment
    clinic.calendar.book(desk, ana, CONSULTATION, at(MONDAY, 14))
    with pytest.raises(SlotRefused, match="taken by Ana Cruz"):
        clinic.calendar.reschedule(desk, a.id, at(MONDAY, 13), a.version)
    with pytest.raises(SlotRefused, match="Monday hours end at 5:00 pm: it at 3:45 pm"):
        clinic.calendar.reschedule(desk, a.id, at(MONDAY, 15, 45), a.version)
    # Overlapping its own old time is fine: it moves out of it.
    moved = clinic.calendar.reschedule(desk, a.id, at(MONDAY, 10, 30), a.version).appointment
    assert (moved.starts, moved.ends, moved.version) == (at(MONDAY, 10, 30), at(MONDAY, 12), 2)
    history = [what for _, _, what in clinic.calendar.history(a.id)]
    assert history[-1] == (
        "Moved from Mon, Nov 30, 2026, 10:00 am-11:30 am to Mon, Nov 30, 2026, 10:30 am-12:00 pm"
    )
    with pytest.raises(ChangedElsewhere):
        clinic.calendar.reschedule(desk, a.id, at(MONDAY, 15), a.version)  # stale version


def test_statuses_follow_the_day(clinic: Clinic, desk, maria) -> None:
    a = clinic.calendar.book(desk, maria, CONSULTATION, at(MONDAY, 11)).appointment
    with pytest.raises(SlotRefused, match="on the day of the appointment"):
        clinic.calendar.set_status(desk, a.id, Status.ARRIVED, a.version)
    with pytest.raises(SlotRefused, match="once its time has come"):
        clinic.calendar.set_status(desk, a.id, Status.NO_SHOW, a.version)
    a = clinic.calendar.set_status(desk, a.id, Status.CONFIRMED, a.version).appointment
    monday = later(clinic, at(MONDAY, 10, 55))
    a = monday.set_status(desk, a.id, Status.ARRIVED, a.version).appointment
    a = monday.set_status(desk, a.id, Status.COMPLETED, a.version).appointment
    with pytest.raises(SlotRefused, match="A completed appointment cannot be marked cancelled"):
        monday.set_status(desk, a.id, Status.CANCELLED_BY_CLINIC, a.version)
    with pytest.raises(SlotRefused, match="cannot be moved"):
        monday.reschedule(desk, a.id, at(MONDAY, 15), a.version)
    assert [w for _, _, w in monday.history(a.id)][1:] == ["Confirmed", "Arrived", "Completed"]


def test_late_cancels_and_no_shows_are_counted_for_the_next_booking(
    clinic: Clinic, desk, maria
) -> None:
    cal = clinic.calendar
    early = cal.book(desk, maria, CONSULTATION, at(MONDAY, 10)).appointment
    late = cal.book(desk, maria, CONSULTATION, at(date(2026, 11, 30), 14)).appointment
    missed = cal.book(desk, maria, CONSULTATION, at(date(2026, 12, 1), 10)).appointment
    cal.set_status(desk, early.id, Status.CANCELLED_BY_PATIENT, early.version)  # 4 days ahead
    sunday = later(clinic, datetime(2026, 11, 29, 15, 0))  # 23 h before 2:00 pm Monday
    cancelled = sunday.set_status(desk, late.id, Status.CANCELLED_BY_PATIENT, late.version)
    assert cancelled.appointment.late
    tuesday = later(clinic, at(date(2026, 12, 1), 10, 20))
    tuesday.set_status(desk, missed.id, Status.NO_SHOW, missed.version)
    seen = tuesday.attendance(maria)
    assert (seen.no_shows, seen.late_cancels, seen.upcoming) == (1, 1, 0)
    assert seen.summary == "1 no-show, 1 late cancellation, 0 upcoming appointments"


def test_dst_days_keep_their_wall_clock_time(clinic: Clinic, desk, admin, maria) -> None:
    cal = clinic.calendar
    sundays = WeeklyHours(dict(default_hours().days) | {6: DayHours(time(1), time(5))})
    cal.set_hours(admin, sundays)
    spring = cal.book(desk, maria, CONSULTATION, datetime(2027, 3, 14, 3, 0)).appointment
    fall = cal.book(desk, maria, CONSULTATION, datetime(2027, 11, 7, 1, 30)).appointment
    assert (spring.starts.hour, spring.minutes, fall.starts.hour, fall.minutes) == (3, 30, 1, 30)
    assert cal.next_free(CONSULTATION, datetime(2027, 3, 14, 1, 0), 3) == [
        datetime(2027, 3, 14, 1, 0),
        datetime(2027, 3, 14, 1, 15),
        datetime(2027, 3, 14, 1, 30),
    ]
    # The same wall times come back when read on the day, whatever the UTC offset.
    listed = cal.between(date(2027, 3, 14), date(2027, 3, 14))
    assert [to.appointment.starts for to in listed] == [datetime(2027, 3, 14, 3, 0)]


def test_new_hours_list_the_appointments_that_no_longer_fit(
    clinic: Clinic, desk, admin, maria
) -> None:
    cal = clinic.calendar
    friday = cal.book(desk, maria, CONSULTATION, at(date(2026, 12, 4), 15, 30)).appointment
    cal.book(desk, maria, CONSULTATION, at(date(2026, 12, 3), 11))
    shorter = WeeklyHours(dict(default_hours().days) | {4: DayHours(time(10), time(15))})
    misfits = cal.set_hours(admin, shorter)
    assert [m.appointment.id for m in misfits] == [friday.id]
    assert cal.get(friday.id).appointment.status is Status.BOOKED  # kept, never dropped
    closed = cal.add_closure(admin, Closure(date(2026, 12, 3), date(2026, 12, 3), "Staff training"))
    assert len(closed) == 2
    with pytest.raises(SlotRefused, match="Staff training"):
        cal.book(desk, maria, CONSULTATION, at(date(2026, 12, 3), 14))
    with pytest.raises(ValidationFailed, match="Say why"):
        cal.add_closure(admin, Closure(date(2026, 12, 8), date(2026, 12, 8), "  "))


def test_default_closures_are_added_once_and_removals_stick(clinic: Clinic, admin) -> None:
    first = clinic
    reasons = {c.first: c.reason for c in first.calendar.closures()}
    assert reasons[date(2026, 11, 26)] == "Thanksgiving Day"
    assert reasons[date(2028, 12, 25)] == "Christmas Day"
    assert date(2026, 3, 31) not in reasons  # Cesar Chavez Day: open
    thanksgiving = next(c for c in first.calendar.closures() if c.first == date(2027, 11, 25))
    first.calendar.remove_closure(admin, thanksgiving.id)
    count = len(first.calendar.closures())
    again = first.twin()  # another window on the same database adds none again
    assert len(again.calendar.closures()) == count
    again.close()


def test_next_free_starts_now_and_skips_what_is_taken(clinic: Clinic, desk, maria) -> None:
    cal = clinic.calendar
    cal.book(desk, maria, CONSULTATION, at(MONDAY, 10))
    cal.book(desk, maria, CO2_SESSION, at(MONDAY, 10, 30))
    found = cal.next_free(CONSULTATION, datetime(2026, 11, 1), 3)
    assert found == [at(MONDAY, 12), at(MONDAY, 12, 15), at(MONDAY, 12, 30)]
    friday = cal.next_free(CO2_SESSION, at(date(2026, 12, 4), 14), 2)
    assert friday == [at(date(2026, 12, 4), 14), at(date(2026, 12, 4), 14, 15)]
    assert cal.next_free(CO2_SESSION, at(date(2026, 12, 4), 14, 45), 1) == [
        at(date(2026, 12, 7), 10)
    ]
    assert cal.next_free(CONSULTATION, at(MONDAY, 9), 1, moving=None)[0] == at(MONDAY, 12)


def test_archived_patients_cannot_be_booked(clinic: Clinic, desk, maria) -> None:
    clinic.patients.archive(desk, maria)
    with pytest.raises(SlotRefused, match="archived"):
        clinic.calendar.book(desk, maria, CONSULTATION, at(MONDAY, 10))


def test_appointment_types_can_be_renamed_and_lengthened(
    clinic: Clinic, desk, admin, maria
) -> None:
    cal = clinic.calendar
    cal.update_type(admin, CONSULTATION, "Free consultation", 45)
    a = cal.book(desk, maria, CONSULTATION, at(MONDAY, 10)).appointment
    assert a.minutes == 45
    with pytest.raises(ValidationFailed, match="5 minutes to 8 hours"):
        cal.update_type(admin, CONSULTATION, "Free consultation", 7)


def test_booked_in_the_past_is_refused_even_a_minute_ago(clinic: Clinic, desk, maria) -> None:
    now = later(clinic, at(MONDAY, 10, 1))
    with pytest.raises(SlotRefused, match="10:00 am on Mon, Nov 30, 2026 has already passed"):
        now.book(desk, maria, CONSULTATION, at(MONDAY, 10))
    assert now.next_free(CONSULTATION, at(MONDAY, 9), 1) == [at(MONDAY, 10, 15)]


def test_a_race_past_the_check_is_still_refused_in_plain_words(
    clinic: Clinic, desk, maria, ana, monkeypatch
) -> None:
    cal = clinic.calendar
    cal.book(desk, maria, CONSULTATION, at(MONDAY, 11))
    # As if another window booked between our check and our insert: the trigger answers.
    monkeypatch.setattr(cal, "_refusal", lambda *_args: None)
    with pytest.raises(SlotRefused, match=r"just taken by another booking\. Nothing was saved"):
        cal.book(desk, ana, CONSULTATION, at(MONDAY, 11, 15))
    assert count_rows(clinic, "appointments") == 1


def test_a_latecomer_after_a_no_show_gets_the_time_only_if_still_free(
    clinic: Clinic, desk, maria, ana
) -> None:
    a = clinic.calendar.book(desk, maria, CONSULTATION, at(MONDAY, 11)).appointment
    monday = later(clinic, at(MONDAY, 11, 20))
    missed = monday.set_status(desk, a.id, Status.NO_SHOW, a.version).appointment
    arrived = monday.set_status(desk, a.id, Status.ARRIVED, missed.version).appointment
    assert arrived.status is Status.ARRIVED  # came late after all: the time was still free
    b = clinic.calendar.book(desk, ana, CONSULTATION, at(MONDAY, 14)).appointment
    missed = later(clinic, at(MONDAY, 14, 5)).set_status(desk, b.id, Status.NO_SHOW, b.version)
    walk_in = later(clinic, at(MONDAY, 14, 6)).book(desk, maria, CONSULTATION, at(MONDAY, 14, 15))
    assert walk_in.appointment.status is Status.BOOKED
    with pytest.raises(SlotRefused, match="has been given to María García"):
        later(clinic, at(MONDAY, 14, 25)).set_status(
            desk, b.id, Status.ARRIVED, missed.appointment.version
        )


def test_moving_a_confirmed_appointment_asks_for_a_new_confirmation(
    clinic: Clinic, desk, maria
) -> None:
    a = clinic.calendar.book(desk, maria, CONSULTATION, at(MONDAY, 11)).appointment
    a = clinic.calendar.set_status(desk, a.id, Status.CONFIRMED, a.version).appointment
    moved = clinic.calendar.reschedule(desk, a.id, at(MONDAY, 15), a.version).appointment
    assert moved.status is Status.BOOKED
    assert clinic.calendar.history(a.id)[-1][2].endswith("; to be confirmed again")


def test_once_its_time_has_come_a_patient_cancellation_is_a_no_show(
    clinic: Clinic, desk, maria
) -> None:
    a = clinic.calendar.book(desk, maria, CONSULTATION, at(MONDAY, 11)).appointment
    with pytest.raises(SlotRefused, match="mark it a no-show"):
        later(clinic, at(MONDAY, 11, 5)).set_status(
            desk, a.id, Status.CANCELLED_BY_PATIENT, a.version
        )


def test_holidays_are_added_for_any_year_looked_at(clinic: Clinic, desk, maria) -> None:
    with pytest.raises(SlotRefused, match="Christmas Day"):
        clinic.calendar.book(desk, maria, CONSULTATION, at(date(2027, 12, 24), 11))
    assert clinic.calendar.office(date(2030, 7, 4), date(2030, 7, 4)).closure_on(date(2030, 7, 4))


def test_appointment_types_are_saved_all_or_none(clinic: Clinic, admin) -> None:
    with pytest.raises(ValidationFailed):
        clinic.calendar.update_types(
            admin, [("consultation", "Consultation", 45), ("co2_session", "", 90)]
        )
    assert clinic.calendar.type_of("consultation").minutes == 30
    clinic.calendar.update_types(
        admin, [("consultation", "Consultation", 45), ("co2_session", "CO2 laser", 120)]
    )
    assert [t.minutes for t in clinic.calendar.types()][:2] == [45, 120]


# -- issue 13 point 7: office hours with a break ---------------------------------------------
THURSDAY = date(2026, 12, 3)
SPLIT_THURSDAY = WeeklyHours(
    dict(default_hours().days) | {3: DayHours(time(10), time(17), time(13), time(14))}
)


def test_hours_with_a_break_are_kept_and_booking_in_it_is_refused_in_words(
    clinic: Clinic, desk, admin, maria
) -> None:
    cal = clinic.calendar
    lunch = cal.book(desk, maria, CONSULTATION, at(THURSDAY, 13, 15)).appointment
    misfits = cal.set_hours(admin, SPLIT_THURSDAY)
    assert cal.hours() == SPLIT_THURSDAY  # read back with its break
    assert [m.appointment.id for m in misfits] == [lunch.id]  # now in the break: listed
    with pytest.raises(SlotRefused, match=r"^Thursday: closed 1:00 pm-2:00 pm for the break\.$"):
        cal.book(desk, maria, CONSULTATION, at(THURSDAY, 13, 30))
    with pytest.raises(SlotRefused, match=r"for the break: .* at 12:45 pm would run to 1:15 pm"):
        cal.book(desk, maria, CONSULTATION, at(THURSDAY, 12, 45))
    assert cal.why_not(at(THURSDAY, 12, 30), 30) is None  # ends as the break starts
    starts = cal.next_free(CONSULTATION, at(THURSDAY, 12, 30), 3)
    assert starts == [at(THURSDAY, 12, 30), at(THURSDAY, 14), at(THURSDAY, 14, 15)]
    # Back to one span: the break is gone, as stored.
    cal.set_hours(admin, default_hours())
    assert cal.hours().on(3) == DayHours(time(10), time(17))


def test_a_database_from_before_breaks_reads_one_span_a_day(tmp_path, clock) -> None:
    from frontdesk.storage.db import connect
    from frontdesk.storage.migrations import MIGRATIONS

    path = tmp_path / "old.sqlite3"
    db = connect(path)
    MIGRATIONS.apply(db, stop_before="0010_office_hours_break")
    db.execute("UPDATE office_hours SET closes = '15:00' WHERE weekday = 4")
    db.conn.close()
    opened = open_clinic(path, clock)
    try:
        hours = opened.calendar.hours()
        assert hours.on(0) == DayHours(time(10), time(17))
        assert hours.on(4) == DayHours(time(10), time(15))
        assert all(day.break_span is None for day in hours.days.values())
    finally:
        opened.close()


def test_the_database_refuses_a_break_outside_the_day(clinic: Clinic) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        clinic._db.execute(
            "UPDATE office_hours SET break_starts = '09:00', break_ends = '11:00' WHERE weekday = 0"
        )
    with pytest.raises(sqlite3.IntegrityError):
        clinic._db.execute("UPDATE office_hours SET break_starts = '13:00' WHERE weekday = 0")


def test_the_bookings_a_closure_would_hit_are_read_for_those_days_only(
    clinic: Clinic, desk, maria, ana
) -> None:
    cal = clinic.calendar
    first = cal.book(desk, maria, CONSULTATION, at(THURSDAY, 11)).appointment
    second = cal.book(desk, ana, CONSULTATION, at(date(2026, 12, 4), 10)).appointment
    cancelled = cal.book(desk, ana, CONSULTATION, at(THURSDAY, 15)).appointment
    cal.set_status(desk, cancelled.id, Status.CANCELLED_BY_PATIENT, cancelled.version)
    cal.book(desk, maria, CONSULTATION, at(date(2026, 12, 7), 10))  # the Monday after
    hit = cal.booked_between(THURSDAY, date(2026, 12, 4))
    assert [h.appointment.id for h in hit] == [first.id, second.id]
    assert hit[0].phone and hit[0].patient_name == "María García"


def test_the_audit_trail_records_the_break(clinic: Clinic, admin) -> None:
    clinic.calendar.set_hours(admin, SPLIT_THURSDAY)
    import json

    before, after = clinic._db.execute(
        "SELECT before, after FROM audit WHERE entity = 'office_hours' ORDER BY id DESC LIMIT 1"
    ).fetchone()
    assert json.loads(after)["3"] == "10:00-13:00, 14:00-17:00"
    assert json.loads(before)["3"] == "10:00-17:00" and json.loads(after)["4"] == "10:00-16:00"


def test_stored_appointments_are_rechecked_against_the_hours_and_closures_only(
    clinic: Clinic, desk, admin, maria
) -> None:
    """One booked before the 5-minute grid and the 2-year horizon (10:07, three years ahead)
    is not 'outside the hours'; one in a new break or on a new closure is."""
    cal = clinic.calendar
    cal.book(desk, maria, CONSULTATION, at(THURSDAY, 11))
    clinic._db.execute(
        "UPDATE appointments SET starts = '2029-12-06T10:07', ends = '2029-12-06T10:38'"
    )  # a Thursday, as an older version of the app could store it
    assert cal.outside_hours() == []
    lunch = cal.book(desk, maria, CONSULTATION, at(THURSDAY, 13, 15)).appointment
    assert [m.appointment.id for m in cal.set_hours(admin, SPLIT_THURSDAY)] == [lunch.id]
