"""Every handout, in both languages, for demo patients in each state: rendered to PDF and read
back. The personal facts are there; no template placeholder ever reaches the paper."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from frontdesk.domain.appointments import CONSULTATION
from frontdesk.domain.co2 import SeriesStatus
from frontdesk.domain.handouts import ClinicInfo, Kind, Language
from frontdesk.handouts.render import TEMPLATES, _month_year, render, say_date, say_time
from frontdesk.services.errors import ValidationFailed
from tests.conftest import draft

ALLOWED = {
    "patient_name",
    "printed_on",
    "finding",
    "sessions_table",
    "planned",
    "full_results_on",
    "next_session",
    "consult_date",
    "consult_time",
    "office",
    "hours_table",
    "clinic_phone",
    "after_hours_call",
}


def text_of(path: Path) -> str:
    pages = PdfReader(path).pages
    return " ".join(" ".join(page.extract_text().split()) for page in pages)


def save(handout, path: Path) -> Path:
    from PySide6.QtWidgets import QApplication

    from frontdesk.ui import printing

    _app = QApplication.instance() or QApplication([])
    return printing.save_pdf(
        handout.html, path, title=handout.title, page_numbers=True, page_words=handout.page_words
    )


def people(demo):
    """A patient in each state the issue names, from the demo clinic."""
    rows = demo.patients.search("", limit=100).rows
    pih = next(p for p in rows if p.finding == "PIH")
    in_series = next(
        p
        for p in rows
        for s in demo.sessions.history(p.id)
        if s.status is SeriesStatus.ACTIVE and s.done >= 2
    )
    booked = next(
        p
        for p in rows
        if any(a.appointment.type_code == CONSULTATION for a in demo.calendar.upcoming(p.id))
    )
    return {"pih": pih, "series": in_series, "consultation": booked}


@pytest.mark.parametrize("language", list(Language))
@pytest.mark.parametrize("state", ["pih", "series", "consultation"])
def test_every_handout_carries_the_personal_facts(demo, tmp_path, state, language) -> None:
    patient = people(demo)[state]
    facts = demo.handouts.facts(patient.id)
    for kind in Kind:
        handout = demo.handouts.render(kind, patient.id, language)
        text = text_of(save(handout, tmp_path / f"{kind.value}.pdf"))
        assert patient.full_name in text
        assert "${" not in text and "<!--" not in text and "$" not in text
        assert "Dr. Alex - Acne Scar Clinic" in text and "(818) 555-0100" in text
        assert say_date(demo.handouts.today(), language) in text  # the print date
        assert say_time(_at(10), language) in text  # the office hours, from the settings
        if kind is Kind.CO2_PLAN and state == "series":
            for session in facts.sessions:
                assert say_date(session.day, language) in text  # dates by the domain rules
            month = _month_year(facts.full_results_on, language)  # "around March 2028"
            assert month in text
        if kind is Kind.CONSULTATION and state == "consultation":
            assert say_date(facts.consultation.date(), language) in text
            assert say_time(facts.consultation, language) in text
        if kind is Kind.DARK_MARKS and state == "pih":
            assert ("PIH" if language is Language.ENGLISH else "HPI") in text


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "frontdesk", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parents[2],
    )


def _at(hour: int):
    from datetime import datetime

    return datetime(2026, 1, 1, hour)


def test_the_series_handout_follows_the_co2_rules(demo) -> None:
    patient = people(demo)["series"]
    series = demo.sessions.current(patient.id)
    facts = demo.handouts.facts(patient.id)
    assert [s.state for s in facts.sessions][: series.done] == ["done"] * series.done
    assert len(facts.sessions) == series.planned
    booked = demo.sessions.next_session_booking(series)
    if booked is not None:
        assert facts.sessions[series.done].day == booked.appointment.starts.date()
    office = demo.sessions.office(series)
    assert facts.full_results_on == series.full_results(
        office, demo.sessions.today(), booked.appointment.starts.date() if booked else None
    )


@pytest.mark.parametrize("language", list(Language))
@pytest.mark.parametrize("kind", list(Kind))
def test_templates_use_only_known_placeholders_and_balanced_sections(kind, language) -> None:
    from string import Template

    text = (TEMPLATES / language.value / f"{kind.value}.html").read_text(encoding="utf-8")
    assert set(Template(text).get_identifiers()) <= ALLOWED
    opened = re.findall(r"<!--\[(\w+)\]-->", text)
    closed = re.findall(r"<!--\[/(\w+)\]-->", text)
    assert sorted(opened) == sorted(closed)


def test_the_clinic_header_comes_from_the_settings(demo, admin) -> None:
    patient = people(demo)["pih"]
    demo.handouts.set_clinic_info(admin, ClinicInfo("Clínica del Dr. Alex", "Encino, CA", "818-1"))
    html = demo.handouts.render(Kind.LASER_CARE, patient.id, Language.SPANISH).html
    assert "Clínica del Dr. Alex" in html and "818-1" in html
    with pytest.raises(ValidationFailed, match="phone is printed on every handout"):
        demo.handouts.set_clinic_info(admin, ClinicInfo("A", "B", " "))


def test_prints_are_logged_and_the_language_remembered(demo, desk) -> None:
    patient = people(demo)["pih"]
    assert demo.handouts.language_of(patient.id) is Language.ENGLISH
    demo.handouts.record(desk, patient.id, Kind.DARK_MARKS, Language.SPANISH, "printed")
    demo.handouts.record(desk, patient.id, Kind.LASER_CARE, Language.SPANISH, "pdf")
    log = demo.handouts.prints(patient.id)
    assert [(p.kind, p.language, p.how, p.staff_name) for p in log] == [
        (Kind.LASER_CARE, Language.SPANISH, "pdf", "Front desk"),
        (Kind.DARK_MARKS, Language.SPANISH, "printed", "Front desk"),
    ]
    assert demo.handouts.language_of(patient.id) is Language.SPANISH
    audit = demo.audit.history("handout", 1)
    assert audit and audit[0].after["kind"] == "dark_marks"


def test_a_missing_fact_is_an_error_never_a_placeholder(tmp_path, demo) -> None:
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "laser_care.html").write_text("<h1>T</h1><p>${unknown_fact}</p>")
    facts = demo.handouts.facts(people(demo)["pih"].id)
    with pytest.raises(KeyError):
        render(
            Kind.LASER_CARE,
            Language.ENGLISH,
            facts,
            demo.handouts.clinic_info(),
            demo.handouts.today(),
            folder=tmp_path,
        )


def test_the_command_line_saves_and_records_a_handout(demo, db_path, tmp_path) -> None:
    patient = people(demo)["series"]
    out = tmp_path / "plan.pdf"
    done = run_cli(
        "handout",
        "--db",
        str(db_path),
        "--patient",
        str(patient.id),
        "--kind",
        "co2_plan",
        "--lang",
        "es",
        "--out",
        str(out),
    )
    assert done.returncode == 0, done.stderr
    text = text_of(out)
    assert patient.full_name in text and "Su plan de láser de CO2 fraccionado" in text
    assert [(p.kind, p.how) for p in demo.handouts.prints(patient.id)] == [(Kind.CO2_PLAN, "pdf")]
    refused = run_cli(
        "handout",
        "--db",
        str(db_path),
        "--patient",
        "99999",
        "--kind",
        "co2_plan",
        "--out",
        str(tmp_path / "x.pdf"),
    )
    assert refused.returncode == 1 and "does not exist" in refused.stderr


def _words_and_sentences(html: str) -> tuple[list[str], int]:
    text = re.sub(r"<[^>]+>", " ", re.sub(r"\$\{\w+\}", "it", html))
    text = re.sub(r"<!--.*?-->", " ", text)
    sentences = max(1, len(re.findall(r"[.!?:](\s|$)", text)) + html.count("<li>"))
    return re.findall(r"[A-Za-zÁÉÍÓÚáéíóúñÑüÜ']+", text), sentences


def _syllables(word: str) -> int:
    groups = re.findall(r"[aeiouy]+", word.lower().rstrip("e"))
    return max(1, len(groups))


@pytest.mark.parametrize("kind", list(Kind))
def test_the_english_reads_at_about_an_8th_grade_level(kind) -> None:
    """Flesch-Kincaid grade of each English handout (template prose, all sections)."""
    html = (TEMPLATES / "en" / f"{kind.value}.html").read_text(encoding="utf-8")
    words, sentences = _words_and_sentences(html)
    syllables = sum(_syllables(w) for w in words)
    grade = 0.39 * len(words) / sentences + 11.8 * syllables / len(words) - 15.59
    assert grade <= 8.5, f"{kind.value}: grade {grade:.1f}"


@pytest.mark.parametrize("kind", list(Kind))
def test_the_spanish_keeps_sentences_short(kind) -> None:
    html = (TEMPLATES / "es" / f"{kind.value}.html").read_text(encoding="utf-8")
    words, sentences = _words_and_sentences(html)
    assert len(words) / sentences <= 15


def test_dates_times_and_words_as_a_patient_reads_them(demo, admin, tmp_path) -> None:
    from datetime import date, datetime, time

    from frontdesk.domain.hours import DayHours, WeeklyHours, default_hours

    assert say_date(date(2026, 11, 26), Language.SPANISH) == "jueves 26 de noviembre de 2026"
    assert say_date(date(2027, 3, 1), Language.ENGLISH) == "Monday, March 1, 2027"
    assert say_time(datetime(2026, 1, 1, 16, 30), Language.SPANISH) == "4:30 p. m."
    # The hours come from the office settings: a new Friday shows on the next handout.
    later_friday = WeeklyHours(dict(default_hours().days) | {4: DayHours(time(9), time(13))})
    demo.calendar.set_hours(admin, later_friday)
    patient = people(demo)["pih"]
    text = text_of(
        save(
            demo.handouts.render(Kind.CONSULTATION, patient.id, Language.ENGLISH),
            tmp_path / "c.pdf",
        )
    )
    assert "Friday 9:00 am - 1:00 pm" in text and "Fri 9:00 am-1:00 pm" in text


def test_the_finding_paragraph_is_the_patients_own(demo) -> None:
    pih = demo.handouts.render(Kind.DARK_MARKS, people(demo)["pih"].id, Language.ENGLISH).html
    assert "Your intake found flat dark marks" in pih
    assert "Sunken scars:" not in pih
    scars = demo.handouts.render(Kind.DARK_MARKS, people(demo)["series"].id, Language.ENGLISH)
    assert "Your intake found flat dark marks" not in scars.html
    assert "indented (atrophic) scars" in scars.html


def test_a_paused_series_promises_no_dates(demo, doctor) -> None:
    patient = people(demo)["series"]
    series = demo.sessions.current(patient.id)
    demo.sessions.pause(
        doctor, series.id, "Pregnant: waiting until after the birth.", series.version
    )
    html = demo.handouts.render(Kind.CO2_PLAN, patient.id, Language.ENGLISH).html
    assert "The series is paused" in html
    assert "full results around" not in html


def test_a_booked_session_shows_its_time_and_unbooked_ones_say_so(demo) -> None:
    patient = people(demo)["series"]
    series = demo.sessions.current(patient.id)
    booked = demo.sessions.next_session_booking(series)
    html = demo.handouts.render(Kind.CO2_PLAN, patient.id, Language.ENGLISH).html
    assert "not booked yet" in html
    if booked is not None:
        assert f"booked at {say_time(booked.appointment.starts, Language.ENGLISH)}" in html


def test_long_handouts_number_their_pages_in_their_language(demo, tmp_path) -> None:
    patient = people(demo)["series"]
    handout = demo.handouts.render(Kind.DARK_MARKS, patient.id, Language.SPANISH)
    text = text_of(save(handout, tmp_path / "d.pdf"))
    pages = len(PdfReader(tmp_path / "d.pdf").pages)
    if pages > 1:
        assert f"página 1 de {pages}" in text
    short = demo.handouts.render(Kind.LASER_CARE, patient.id, Language.ENGLISH)
    short.html.replace("<h2>", "<h3>")
    one = tmp_path / "one.pdf"
    from frontdesk.ui import printing

    printing.save_pdf("<p>One line.</p>", one, title="T", page_numbers=True)
    assert "page 1 of 1" not in text_of(one)


def test_the_command_line_takes_the_database_before_the_command(demo, db_path, tmp_path):
    patient = people(demo)["pih"]
    out = tmp_path / "dm.pdf"
    done = run_cli(
        "--db",
        str(db_path),
        "handout",
        "--patient",
        str(patient.id),
        "--kind",
        "dark_marks",
        "--out",
        str(out),
    )
    assert done.returncode == 0, done.stderr
    assert patient.full_name in text_of(out)


FULL = ClinicInfo(
    "Dr. Alex - Acne Scar Clinic",
    "16133 Ventura Blvd, Suite 100",
    "(818) 555-0100",
    city="Encino",
    state="ca",
    zip_code="91436",
    after_hours_phone="(818) 555-0111",
)


@pytest.mark.parametrize("language", list(Language))
def test_the_full_address_and_after_hours_line_are_on_every_handout(
    demo, admin, tmp_path, language
) -> None:
    saved = demo.handouts.set_clinic_info(admin, FULL)
    assert saved.state == "CA" and demo.handouts.clinic_info() == saved
    patient = people(demo)["consultation"]
    for kind in Kind:
        handout = demo.handouts.render(kind, patient.id, language)
        text = text_of(save(handout, tmp_path / f"{kind.value}.pdf"))
        assert "16133 Ventura Blvd, Suite 100, Encino, CA 91436" in text, kind
        assert "(818) 555-0111" in text and "(818) 555-0100" in text, kind
        after = "After hours" if language is Language.ENGLISH else "fuera de horario"
        assert after in text, kind
        if kind is Kind.LASER_CARE:
            call = "outside office hours, call" if language is Language.ENGLISH else "llame al"
            assert f"{call} (818) 555-0111" in text


@pytest.mark.parametrize("state", ["consultation", "pih"])  # booked, and not booked yet
def test_the_consultation_handout_gives_the_street_address(demo, admin, state) -> None:
    demo.handouts.set_clinic_info(admin, FULL)
    patient = people(demo)[state]
    english = demo.handouts.render(Kind.CONSULTATION, patient.id, Language.ENGLISH).html
    assert "our office at 16133 Ventura Blvd, Suite 100, Encino, CA 91436" in english
    spanish = demo.handouts.render(Kind.CONSULTATION, patient.id, Language.SPANISH).html
    assert "nuestra oficina en 16133 Ventura Blvd, Suite 100, Encino, CA 91436" in spanish


def test_without_a_street_the_handout_names_the_town(clinic, desk) -> None:
    info = clinic.handouts.clinic_info()  # as migration 0009 left the seeded details
    assert (info.address, info.city, info.state) == ("", "Encino", "CA")
    patient = clinic.patients.register(desk, draft())
    html = clinic.handouts.render(Kind.CONSULTATION, patient.id, Language.ENGLISH).html
    assert "our office in Encino, CA" in html


def test_the_demo_has_a_whole_address_and_an_after_hours_line(demo) -> None:
    info = demo.handouts.clinic_info()
    assert info.full_address == "15000 Sample Street, Suite 100, Encino, CA 91436"
    assert info.after_hours_phone == "(818) 555-0199"
    html = demo.handouts.render(Kind.CONSULTATION, people(demo)["pih"].id, Language.ENGLISH).html
    assert "15000 Sample Street" in html and "(818)\xa0555-0199" in html


def test_clinic_details_check_the_state_and_zip_and_change_nothing_when_refused(
    demo, admin
) -> None:
    before = demo.handouts.clinic_info()
    with pytest.raises(ValidationFailed) as refused:
        demo.handouts.set_clinic_info(
            admin,
            ClinicInfo("Clinic", "1 Main St", "818", city="Encino", state="Cal", zip_code="9143"),
        )
    assert set(refused.value.errors) == {"state", "zip_code"}
    assert "two letters" in refused.value.errors["state"]
    assert "5 digits" in refused.value.errors["zip_code"]
    with pytest.raises(ValidationFailed, match="street address is printed"):
        demo.handouts.set_clinic_info(admin, ClinicInfo("Clinic", " ", "818"))
    with pytest.raises(ValidationFailed, match="broken character"):
        demo.handouts.set_clinic_info(
            admin, ClinicInfo("Clinic", "1 Main St", "818", after_hours_phone="\udc80")
        )
    assert demo.handouts.clinic_info() == before
    # city, state, ZIP and the after-hours line may stay empty
    demo.handouts.set_clinic_info(admin, ClinicInfo("Clinic", "1 Main St", "818", zip_code=""))
    assert demo.handouts.clinic_info() == ClinicInfo("Clinic", "1 Main St", "818")


def test_the_registered_language_is_where_a_handout_starts(clinic, desk) -> None:
    from tests.conftest import draft

    spanish = clinic.patients.register(desk, draft(language="es"))
    unsaid = clinic.patients.register(
        desk, draft(first_name="Ana", last_name="Cruz", phone="", email="", language="")
    )
    assert clinic.handouts.language_of(spanish.id) is Language.SPANISH
    assert clinic.handouts.language_of(unsaid.id) is Language.ENGLISH
    # a handout given in another language later is the later choice
    clinic.handouts.record(desk, spanish.id, Kind.DARK_MARKS, Language.ENGLISH, "printed")
    assert clinic.handouts.language_of(spanish.id) is Language.ENGLISH
