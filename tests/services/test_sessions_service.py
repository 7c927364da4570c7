"""CO2 series on a real SQLite file: signing, addenda, roles, scheduling and recall."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time

import pytest

from frontdesk.domain.appointments import CO2_SESSION, RESULTS_REVIEW
from frontdesk.domain.clinic import CLINIC_TZ
from frontdesk.domain.co2 import SeriesStatus, SessionDraft, Settings
from frontdesk.domain.intake import AcneStatus, Region
from frontdesk.services.clinic import Clinic
from frontdesk.services.clock import fixed_clock
from frontdesk.services.errors import ChangedElsewhere, NotAllowed, ValidationFailed
from frontdesk.storage.engine import sqlite3
from tests.conftest import draft
from tests.engines import served
from tests.services.test_intake_service import PIH, ROLLING
from tests.whole_database import count_rows

SETTINGS = Settings("UltraPulse fractional CO2", 40.0, 10.0, 2, "120 um", "DeepFX")


def session_at(day: date, **changes) -> SessionDraft:
    made = SessionDraft(
        datetime.combine(day, time(11)),
        SETTINGS,
        (Region.LEFT_CHEEK, Region.RIGHT_CHEEK),
        "Topical lidocaine 45 min",
        True,
        "Expected redness and pinpoint bleeding",
    )
    return replace(made, **changes)


def at(clinic: Clinic, day: date, hour: int = 12) -> Clinic:
    """The clinic seen on another day (its clock moved on)."""
    moment = datetime.combine(day, time(hour), tzinfo=CLINIC_TZ)
    return Clinic(clinic.path, clinic._db, fixed_clock(moment), None)


@pytest.fixture
def patient(clinic, desk, doctor):
    """Eligible: rolling scars, acne under control, screening asked."""
    registered = clinic.patients.register(desk, draft())
    clinic.intakes.record(doctor, registered.id, replace(ROLLING, grade=3))
    return registered


@pytest.fixture
def series(clinic, doctor, patient):
    return clinic.sessions.open_series(doctor, patient.id, 4)


def test_the_suggestion_follows_the_grade(clinic, patient) -> None:
    assert clinic.sessions.suggestion(patient.id) == (4, "Grade 3 (moderate): 4 sessions.")


def test_open_log_sign_and_complete(clinic, doctor, patient, series) -> None:
    assert series.status is SeriesStatus.ACTIVE and series.opened_on == date(2026, 11, 26)
    s = clinic.sessions.log_session(doctor, series.id, session_at(date(2026, 11, 24)))
    assert s.done == 1 and s.sessions[0].signed_by == "Dr. Alex"
    for n, day in enumerate((date(2027, 3, 1), date(2027, 6, 1), date(2027, 9, 1)), start=2):
        s = at(clinic, day).sessions.log_session(doctor, series.id, session_at(day))
        assert s.done == n
    assert s.status is SeriesStatus.COMPLETED
    assert at(clinic, date(2027, 9, 1)).sessions.glance(s) == (
        "Session 4 of 4 - series completed - full results review ~Sep 2028"
    )
    with pytest.raises(ValidationFailed, match="completed"):
        at(clinic, date(2027, 12, 1)).sessions.log_session(
            doctor, series.id, session_at(date(2027, 12, 1))
        )


def test_a_signed_session_never_changes_even_with_raw_sql(clinic, doctor, series) -> None:
    s = clinic.sessions.log_session(doctor, series.id, session_at(date(2026, 11, 24)))
    signed = s.sessions[0]
    replace = (  # a row put in place of the signed one: SQLite's words, and the server's
        "INSERT INTO co2_sessions (id, series_id, number, performed_at, record, signed_at,"
        " signed_by) SELECT id, series_id, number, performed_at, '{}', signed_at, signed_by"
        " FROM co2_sessions WHERE id = ? ON CONFLICT (id) DO UPDATE SET record = excluded.record"
        if served(clinic)
        else "INSERT OR REPLACE INTO co2_sessions (id, series_id, number, performed_at, record,"
        " signed_at, signed_by) SELECT id, series_id, number, performed_at, '{}', signed_at,"
        " signed_by FROM co2_sessions WHERE id = ?"
    )
    for sql in (
        "UPDATE co2_sessions SET record = '{}' WHERE id = ?",
        "DELETE FROM co2_sessions WHERE id = ?",
        replace,
    ):
        # The server's workstations' role is refused first; the triggers hold for its owner
        # (tests/storage/test_schema_parity.py).
        with pytest.raises(sqlite3.DatabaseError, match=r"signed record|permission denied"):
            clinic._db.execute(sql, [signed.id])
    with pytest.raises(sqlite3.IntegrityError, match="keeps its patient"):
        clinic._db.execute("UPDATE co2_series SET patient_id = patient_id + 1")
    # Through the service there is no way to sign the same session twice either.
    with pytest.raises(ChangedElsewhere, match="signed in another window"):
        clinic.sessions.log_session(doctor, series.id, session_at(date(2026, 11, 25)), number=1)
    assert clinic.sessions.get(series.id).sessions == (signed,)
    # A correction is an addendum; the original stays as signed.
    fixed = clinic.sessions.add_addendum(doctor, signed.id, "Energy was 35 mJ on the chin.")
    assert fixed.draft == signed.draft
    assert [a.text for a in fixed.addenda] == ["Energy was 35 mJ on the chin."]
    with pytest.raises(sqlite3.DatabaseError, match=r"signed record|permission denied"):
        clinic._db.execute("UPDATE co2_addenda SET text = 'changed'")


def test_the_front_desk_cannot_open_log_sign_or_change_a_series(
    clinic, desk, doctor, patient
) -> None:
    with pytest.raises(NotAllowed, match="Only the doctor can open or change a CO2 series"):
        clinic.sessions.open_series(desk, patient.id, 4)
    series = clinic.sessions.open_series(doctor, patient.id, 4)
    with pytest.raises(NotAllowed, match="log and sign"):
        clinic.sessions.log_session(desk, series.id, session_at(date(2026, 11, 24)))
    logged = clinic.sessions.log_session(doctor, series.id, session_at(date(2026, 11, 24)))
    with pytest.raises(NotAllowed):
        clinic.sessions.add_addendum(desk, logged.sessions[0].id, "A note")
    for change in (
        lambda: clinic.sessions.extend(desk, series.id, 5, logged.version),
        lambda: clinic.sessions.pause(desk, series.id, "Travelling for two months", logged.version),
        lambda: clinic.sessions.end_early(desk, series.id, "Moved to another state", 1),
    ):
        with pytest.raises(NotAllowed):
            change()
    # The front desk still sees dates and progress.
    assert clinic.sessions.progress(patient.id).startswith("Session 1 of 4 - next due")
    assert (
        clinic._db.execute("SELECT count(*) FROM audit WHERE entity LIKE 'co2%'").fetchone()[0] == 2
    )


@pytest.mark.parametrize("planned", [2, 7])
def test_a_series_is_three_to_six_sessions(clinic, doctor, patient, planned) -> None:
    with pytest.raises(ValidationFailed, match="3 to 6 sessions"):
        clinic.sessions.open_series(doctor, patient.id, planned)


def test_only_an_eligible_patient_starts_a_series(clinic, desk, doctor) -> None:
    marks = clinic.patients.register(
        desk, draft(first_name="Ana", last_name="Cruz", dob="1/2/1990")
    )
    clinic.intakes.record(doctor, marks.id, PIH)
    with pytest.raises(ValidationFailed, match="Laser is not allowed yet"):
        clinic.sessions.open_series(doctor, marks.id, 3)


def test_eligibility_is_checked_again_before_each_session(clinic, doctor, patient, series):
    clinic.sessions.log_session(doctor, series.id, session_at(date(2026, 11, 24)))
    flared = replace(ROLLING, grade=3, acne=AcneStatus.ACTIVE)
    later = at(clinic, date(2027, 3, 1))
    later.intakes.record(doctor, patient.id, flared)
    with pytest.raises(ValidationFailed, match="Acne is active"):
        later.sessions.log_session(doctor, series.id, session_at(date(2027, 3, 1)))


def test_an_early_session_needs_the_doctors_reason(clinic, doctor, series) -> None:
    clinic.sessions.log_session(doctor, series.id, session_at(date(2026, 11, 24)))
    early = at(clinic, date(2027, 2, 10))
    with pytest.raises(ValidationFailed, match="due on Wed, Feb 24, 2027"):
        early.sessions.log_session(doctor, series.id, session_at(date(2027, 2, 10)))
    s = early.sessions.log_session(
        doctor,
        series.id,
        session_at(date(2027, 2, 10)),
        early_reason="Leaving for six months abroad on Feb 20.",
    )
    assert s.sessions[1].early_reason == "Leaving for six months abroad on Feb 20."


def test_settings_and_dates_are_checked_before_signing(clinic, doctor, series) -> None:
    wrong = session_at(
        date(2026, 11, 27),
        settings=replace(SETTINGS, energy_mj=0, passes=20, device=" "),
        areas=(),
    )
    with pytest.raises(ValidationFailed) as refused:
        clinic.sessions.log_session(doctor, series.id, wrong)
    assert set(refused.value.errors) == {"energy_mj", "passes", "device", "areas", "performed_at"}
    assert count_rows(clinic, "co2_sessions") == 0


def test_extend_pause_resume_and_end(clinic, doctor, series) -> None:
    s = clinic.sessions.extend(doctor, series.id, 6, series.version)
    assert s.planned == 6
    with pytest.raises(ValidationFailed, match="3 to 6"):
        clinic.sessions.extend(doctor, series.id, 7, s.version)
    with pytest.raises(ValidationFailed, match="in a sentence"):
        clinic.sessions.pause(doctor, series.id, "tan", s.version)
    s = clinic.sessions.pause(doctor, series.id, "Sunburn from a beach holiday", s.version)
    assert s.status is SeriesStatus.PAUSED and clinic.sessions.next_session_proposal(s) is None
    with pytest.raises(ChangedElsewhere):
        clinic.sessions.resume(doctor, series.id, series.version)
    s = clinic.sessions.resume(doctor, series.id, s.version)
    s = clinic.sessions.end_early(doctor, series.id, "Happy with the result after one", s.version)
    assert s.status is SeriesStatus.ENDED


def test_the_next_session_is_offered_on_the_first_free_time_from_its_due_date(
    clinic, desk, doctor, patient, series
) -> None:
    s = clinic.sessions.log_session(doctor, series.id, session_at(date(2026, 11, 24)))
    offer = clinic.sessions.next_session_proposal(s)
    assert offer.type_code == CO2_SESSION and offer.due == date(2027, 2, 24)
    assert offer.starts == datetime(2027, 2, 24, 10, 0)
    assert clinic.calendar.between(date(2027, 2, 24), date(2027, 2, 24)) == []  # not booked
    other = clinic.patients.register(
        desk, draft(first_name="Ana", last_name="Cruz", dob="1/2/1990")
    )
    clinic.calendar.book(desk, other.id, CO2_SESSION, offer.starts)  # someone else took it
    offer = clinic.sessions.next_session_proposal(s)
    assert offer.starts == datetime(2027, 2, 24, 11, 30)
    booked = clinic.calendar.book(desk, patient.id, CO2_SESSION, offer.starts)
    offer = clinic.sessions.next_session_proposal(s)  # booked: nothing more to offer
    assert offer.starts is None and offer.booked.appointment.id == booked.appointment.id
    reviews = clinic.sessions.review_proposals(s)
    assert [(r.type_code, r.due) for r in reviews] == [(RESULTS_REVIEW, date(2027, 2, 24))]


def test_recall_lists_what_is_due_without_a_booking(clinic, desk, doctor, patient, series):
    clinic.sessions.log_session(doctor, series.id, session_at(date(2026, 11, 24)))
    march = at(clinic, date(2027, 3, 10))  # session 2 was due Feb 24: overdue
    recall = march.sessions.recall(weeks=4)
    [row] = recall.sessions_due
    assert row.overdue and row.what == "Session 2 of 4 due Wed, Feb 24, 2027"
    assert row.patient_name == "María García" and row.phone == "(818) 555-0134"
    assert [r.what for r in recall.reviews_due] == [
        "Results of session 1: Wed, Feb 24, 2027 to Mon, May 24, 2027"
    ]
    march.calendar.book(desk, patient.id, CO2_SESSION, datetime(2027, 3, 15, 10))
    march.calendar.book(desk, patient.id, RESULTS_REVIEW, datetime(2027, 3, 16, 10))
    booked = march.sessions.recall(weeks=4)
    assert booked.sessions_due == [] and booked.reviews_due == []
    assert clinic.sessions.recall(weeks=1).sessions_due == []  # not yet due in November


def test_the_glance_says_overdue_and_the_booking(clinic, desk, doctor, patient, series) -> None:
    clinic.sessions.log_session(doctor, series.id, session_at(date(2026, 11, 24)))
    march = at(clinic, date(2027, 3, 10))
    s = march.sessions.current(patient.id)
    assert march.sessions.glance(s).startswith(
        "Session 1 of 4 - next due Wed, Feb 24, 2027 (overdue)"
    )
    march.calendar.book(desk, patient.id, CO2_SESSION, datetime(2027, 3, 15, 10))
    assert " - booked Mon, Mar 15, 2027, 10:00 am" in march.sessions.glance(s)


def test_a_completed_series_can_take_a_fifth_session(clinic, doctor, patient) -> None:
    series = clinic.sessions.open_series(doctor, patient.id, 3)
    for day in (date(2026, 11, 24), date(2027, 2, 24), date(2027, 5, 24)):
        series = at(clinic, day).sessions.log_session(doctor, series.id, session_at(day))
    assert series.status is SeriesStatus.COMPLETED
    series = clinic.sessions.extend(doctor, series.id, 4, series.version)
    assert series.status is SeriesStatus.ACTIVE and series.planned == 4


def test_the_first_session_is_not_long_before_the_series(clinic, doctor, series) -> None:
    with pytest.raises(ValidationFailed, match="two weeks before the series was opened"):
        clinic.sessions.log_session(doctor, series.id, session_at(date(2019, 1, 2)))


def test_reviews_count_only_bookings_in_their_own_window(clinic, desk, doctor, patient, series):
    s = clinic.sessions.log_session(doctor, series.id, session_at(date(2026, 11, 24)))
    s = at(clinic, date(2027, 2, 24)).sessions.log_session(
        doctor, series.id, session_at(date(2027, 2, 24))
    )
    # The review of session 1 (window Feb 24 - May 24) is booked for Mar 10.
    march = at(clinic, date(2027, 3, 1))
    march.calendar.book(desk, patient.id, RESULTS_REVIEW, datetime(2027, 3, 10, 10))
    # Session 2's window opens May 24: it still needs its own review.
    june = at(clinic, date(2027, 6, 1))
    assert [r.what for r in june.sessions.recall(weeks=2).reviews_due] == [
        "Results of session 2: Mon, May 24, 2027 to Tue, Aug 24, 2027"
    ]
    assert [p.due for p in june.sessions.review_proposals(s)] == [date(2027, 6, 1)]  # from today


def test_the_front_desk_cannot_resume_or_extend(clinic, desk, doctor, series) -> None:
    paused = clinic.sessions.pause(doctor, series.id, "Sunburn from a holiday in Cabo", 1)
    with pytest.raises(NotAllowed):
        clinic.sessions.resume(desk, series.id, paused.version)


def test_recall_leaves_out_archived_patients(clinic, desk, doctor, patient, series) -> None:
    clinic.sessions.log_session(doctor, series.id, session_at(date(2026, 11, 24)))
    march = at(clinic, date(2027, 3, 10))
    assert march.sessions.recall(weeks=4).sessions_due
    clinic.patients.archive(desk, patient.id)
    assert march.sessions.recall(weeks=4).sessions_due == []


def test_a_new_screening_item_stops_the_next_session(clinic, doctor, patient, series) -> None:
    from frontdesk.domain.intake import Screening

    clinic.sessions.log_session(doctor, series.id, session_at(date(2026, 11, 24)))
    pregnant = replace(
        ROLLING, grade=3, screening=Screening(asked=True, pregnant_or_breastfeeding=True)
    )
    later = at(clinic, date(2027, 2, 24))
    later.intakes.record(doctor, patient.id, pregnant)
    with pytest.raises(ValidationFailed, match="Pregnant"):
        later.sessions.log_session(doctor, series.id, session_at(date(2027, 2, 24)))


def test_sessions_are_four_weeks_apart_even_with_a_reason(clinic, doctor, series) -> None:
    clinic.sessions.log_session(doctor, series.id, session_at(date(2026, 11, 24)))
    soon = at(clinic, date(2026, 12, 10))
    with pytest.raises(ValidationFailed, match="at least 4 weeks apart"):
        soon.sessions.log_session(
            doctor,
            series.id,
            session_at(date(2026, 12, 10)),
            early_reason="The patient insists on going faster than planned.",
        )


def test_a_visit_booked_for_a_session_done_early_is_pointed_out(
    clinic, desk, doctor, patient, series
) -> None:
    s = clinic.sessions.log_session(doctor, series.id, session_at(date(2026, 11, 24)))
    visit = clinic.calendar.book(desk, patient.id, CO2_SESSION, datetime(2027, 3, 1, 10))
    early = at(clinic, date(2027, 2, 15))
    s = early.sessions.log_session(
        doctor,
        series.id,
        session_at(date(2027, 2, 15)),
        early_reason="Moving abroad at the end of February.",
    )
    # The Mar 1 visit was for session 2, done early: it is not session 3's booking.
    assert early.sessions.next_session_booking(s) is None
    assert [a.appointment.id for a in early.sessions.stray_bookings(s)] == [visit.appointment.id]
