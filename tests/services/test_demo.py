from __future__ import annotations

from frontdesk.domain.text import fold
from frontdesk.services.demo import demo_drafts, fill_demo_clinic
from tests.conftest import draft


def test_demo_fills_an_empty_clinic_with_about_sixty_patients(clinic) -> None:
    added = fill_demo_clinic(clinic)
    assert 55 <= added <= 65
    assert clinic.patients.count(include_archived=True) == added
    assert 0 < clinic.patients.count() < added  # a few archived ones, to show the option
    assert clinic.patients.search("gar mar").rows[0].full_name == "María García"


def test_demo_is_deterministic() -> None:
    assert demo_drafts() == demo_drafts()


def test_demo_names_are_the_valleys_mix() -> None:
    last_names = {fold(d.last_name) for d, _ in demo_drafts()}
    assert last_names & {"garcia", "hernandez", "lopez", "martinez", "ramirez"}  # Spanish
    assert any(n.endswith("yan") for n in last_names)  # Armenian
    assert last_names & {"rahimi", "hosseini", "karimi", "tehrani", "moradi"}  # Persian
    assert last_names & {"kim", "park", "lee", "choi", "jung"}  # Korean
    assert last_names & {"smith", "johnson", "williams", "brown", "miller"}  # English


def test_demo_never_touches_a_clinic_in_use(clinic, desk) -> None:
    clinic.patients.register(desk, draft())
    assert fill_demo_clinic(clinic) == 0
    assert clinic.patients.count(include_archived=True) == 1


def test_demo_twice_adds_once(clinic) -> None:
    first = fill_demo_clinic(clinic)
    assert fill_demo_clinic(clinic) == 0
    assert clinic.patients.count(include_archived=True) == first


def test_demo_intakes_cover_every_state(clinic) -> None:
    from frontdesk.domain.assessment import Finding, assess

    fill_demo_clinic(clinic)
    shown = [p for p in clinic.patients.search("", limit=100).rows]
    latest = [clinic.intakes.latest(p.id) for p in shown]
    recorded = [i for i in latest if i is not None]
    assert 10 <= len(recorded) < len(shown)  # and some patients still "intake due"
    summaries = {i.summary for i in recorded}
    assert {
        "PIH",
        "PIE",
        "atrophic: ice pick",
        "atrophic: boxcar",
        "atrophic: rolling",
        "hypertrophic/keloid",
    } <= summaries
    assert any(s.startswith("mixed:") for s in summaries)
    today = clinic.intakes.today()
    results = [assess(i.intake, today) for i in recorded]
    assert any("Active acne" in r.recommendation for r in results)
    warnings = " ".join(w for r in results for w in r.warnings)
    for expected in (
        "higher risk of PIH",
        "antiviral",
        "Isotretinoin stopped",
        "Pregnant",
        "keloids",
        "skin infection",
        "Recent tan",
        "photosensitising",
        "still taking it",
        "Fitzpatrick skin type not recorded",
    ):
        assert expected in warnings, expected
    assert sum(bool(r.contradictions) for r in results) == 1  # one, to show how it looks
    assert any(Finding.ATROPHIC in r.findings for r in results)
    assert any(i.version == 2 for i in recorded)  # a corrected intake
    verdicts = [clinic.intakes.eligibility(i.patient_id) for i in recorded]
    assert any(v.overridden for v in verdicts) and any(v.allowed for v in verdicts)
    assert any(not v.allowed for v in verdicts)


def test_demo_calendar_is_lived_in_around_today(clinic) -> None:
    from datetime import timedelta

    from frontdesk.domain.appointments import Status

    fill_demo_clinic(clinic)
    today = clinic.calendar.today()
    past = clinic.calendar.between(today - timedelta(weeks=8), today - timedelta(days=1))
    ahead = clinic.calendar.between(today + timedelta(days=1), today + timedelta(weeks=5))
    seen = {listed.appointment.status for listed in past}
    assert {
        Status.COMPLETED,
        Status.NO_SHOW,
        Status.CANCELLED_BY_PATIENT,
        Status.CANCELLED_BY_CLINIC,
    } <= seen
    assert any(listed.appointment.late for listed in past)
    assert {listed.appointment.status for listed in ahead} >= {Status.BOOKED, Status.CONFIRMED}
    assert {listed.type_name for listed in ahead} == {
        "Free consultation",
        "CO2 laser session",
        "Results review",
    }
    # Partly booked: the next weeks still have free times.
    assert clinic.calendar.next_free("consultation", clinic.calendar.now(), 5)
    assert not clinic.calendar.outside_hours()
    assert max(clinic.calendar.attendance(p).no_shows for p in _patients(clinic)) >= 2


def test_an_earlier_demo_without_appointments_gets_its_calendar(clinic) -> None:
    fill_demo_clinic(clinic)
    clinic._db.execute("DELETE FROM appointment_history")
    clinic._db.execute("DELETE FROM appointments")
    assert fill_demo_clinic(clinic) == 0
    assert not clinic.calendar.is_empty()


def _patients(clinic) -> list[int]:
    return [p.id for p in clinic.patients.search("", limit=1000).rows]


def test_demo_series_in_every_state_match_the_calendar(clinic) -> None:
    from frontdesk.domain.appointments import CO2_SESSION, Status
    from frontdesk.domain.co2 import SeriesStatus

    fill_demo_clinic(clinic)
    every = [s for p in _patients(clinic) for s in clinic.sessions.history(p)]
    states = {(s.status, s.done) for s in every}
    assert (SeriesStatus.ACTIVE, 1) in states  # just started
    assert (SeriesStatus.ACTIVE, 2) in states  # mid-series
    assert any(s.status is SeriesStatus.PAUSED for s in every)
    assert sum(s.status is SeriesStatus.COMPLETED for s in every) >= 2
    recall = clinic.sessions.recall(weeks=4)
    assert any(r.overdue for r in recall.sessions_due)  # overdue, not booked
    assert any(r.what.startswith("Full results review") for r in recall.reviews_due)
    assert recall.completed
    # Every signed session was a completed CO2 visit on the calendar that day.
    for series in every:
        visits = {
            a.appointment.starts.date()
            for a in clinic.calendar.of_patient(series.patient_id)
            if a.appointment.type_code == CO2_SESSION and a.appointment.status is Status.COMPLETED
        }
        assert {s.day for s in series.sessions} <= visits
        assert clinic.intakes.eligibility(series.patient_id).allowed
