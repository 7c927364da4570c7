"""A handout's template, filled with one patient's facts, as HTML ready to print (no Qt).

Templates live in resources/handouts/<language>/<kind>.html (package data, read through
frontdesk.bundled): the prose, with `${name}` placeholders and optional
`<!--[section]-->...<!--[/section]-->` parts. The header (the clinic, the patient, the print
date) is built here from settings, never written in a template.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from html import escape
from importlib.resources.abc import Traversable
from string import Template

from frontdesk.bundled import handout_templates
from frontdesk.domain.handouts import ClinicInfo, HandoutFacts, Kind, Language

TEMPLATES = handout_templates()
_SECTION = re.compile(r"<!--\[(\w+)\]-->(.*?)<!--\[/\1\]-->\s*", re.DOTALL)
_TITLE = re.compile(r"<h1>(.*?)</h1>", re.DOTALL)

MONTHS = {
    Language.ENGLISH: [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    Language.SPANISH: [
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ],
}
WEEKDAYS = {
    Language.ENGLISH: [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ],
    Language.SPANISH: ["lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"],
}
WORDS = {
    Language.ENGLISH: {
        "patient": "For",
        "printed": "Printed",
        "hours": "Office hours",
        "closed": "closed",
        "session": "Session",
        "date": "Date",
        "state": "Status",
        "results": "Results show",
        "done": "done",
        "booked": "booked",
        "not_booked": "not booked yet",
        "at": "at",
        "paused": "The series is paused: Dr. Alex will tell you when it can go on.",
        "ended": "The series has ended.",
        "completed": "All the planned sessions are done.",
        "none_noted": "no marks noted",
        "page": "page {n} of {total}",
        "no_next": "No further session is planned.",
        "next": "Your next session: {when} ({state}).",
        "office": "our office at {address}",
        "office_town": "our office in {town}",
        "after_hours": "After hours",
        "after_hours_call": "(outside office hours, call {after})",
        "questions": "Questions? Call us at {phone} during office hours.",
        "questions_after": (
            "Questions? Call us at {phone} during office hours; after hours, call {after}."
        ),
        "not_known": "not known yet",
    },
    Language.SPANISH: {
        "patient": "Para",
        "printed": "Impreso el",
        "hours": "Horario de atención",
        "closed": "cerrado",
        "session": "Sesión",
        "date": "Fecha",
        "state": "Estado",
        "results": "Resultados visibles",
        "done": "realizada",
        "booked": "reservada",
        "not_booked": "sin reservar",
        "at": "a las",
        "paused": "La serie está en pausa: el Dr. Alex le dirá cuándo puede seguir.",
        "ended": "La serie terminó.",
        "completed": "Ya se hicieron todas las sesiones planeadas.",
        "none_noted": "no se anotaron marcas",
        "page": "página {n} de {total}",
        "no_next": "No hay más sesiones planeadas.",
        "next": "Su próxima sesión: {when} ({state}).",
        "office": "nuestra oficina en {address}",
        "office_town": "nuestra oficina en {town}",
        "after_hours": "Fuera de horario",
        "after_hours_call": "(fuera del horario de atención, llame al {after})",
        "questions": "¿Preguntas? Llámenos al {phone} en horario de atención.",
        "questions_after": (
            "¿Preguntas? Llámenos al {phone} en horario de atención; fuera de horario,"
            " llame al {after}."
        ),
        "not_known": "todavía no se sabe",
    },
}


@dataclass(frozen=True)
class Handout:
    kind: Kind
    language: Language
    title: str
    html: str

    @property
    def page_words(self) -> str:
        return WORDS[self.language]["page"]


def say_date(day: date, language: Language) -> str:
    weekday = WEEKDAYS[language][day.weekday()]
    month = MONTHS[language][day.month - 1]
    if language is Language.SPANISH:
        return f"{weekday} {day.day} de {month} de {day.year}"
    return f"{weekday}, {month} {day.day}, {day.year}"


def say_time(moment: datetime, language: Language) -> str:
    hour = moment.hour % 12 or 12
    if language is Language.SPANISH:
        return f"{hour}:{moment.minute:02d} {'a. m.' if moment.hour < 12 else 'p. m.'}"
    return f"{hour}:{moment.minute:02d} {'am' if moment.hour < 12 else 'pm'}"


def template_text(kind: Kind, language: Language, folder: Traversable = TEMPLATES) -> str:
    return (folder / language.value / f"{kind.value}.html").read_text(encoding="utf-8")


def render(
    kind: Kind,
    language: Language,
    facts: HandoutFacts,
    clinic: ClinicInfo,
    printed_on: date,
    folder: Traversable = TEMPLATES,
) -> Handout:
    """The handout as HTML; any placeholder the facts cannot fill is an error, never printed."""
    text = template_text(kind, language, folder)
    keep = set(_sections(kind, facts))
    while _SECTION.search(text):  # sections may sit inside sections: outer ones first
        text = _SECTION.sub(lambda m: m.group(2) if m.group(1) in keep else "", text)
    values = _values(kind, language, facts, clinic, printed_on)
    body = Template(text).substitute(values)
    match = _TITLE.search(body)
    title = re.sub(r"<[^>]+>", "", match.group(1)).strip() if match else kind.label
    html = (
        "<html><head>"
        f"<title>{escape(title)}</title>"
        "<style>h1 { font-size: 20pt; } h2 { font-size: 14pt; margin-top: 12px; }"
        " p, li { font-size: 11.5pt; } table.plan td, table.plan th { padding: 4px; }"
        " .header { color: #444444; font-size: 10pt; }"
        " .footer { color: #444444; font-size: 10pt; }</style>"
        "</head><body>"
        f"{_header(language, facts, clinic, printed_on)}{body}"
        f"{_footer(language, clinic)}</body></html>"
    )
    return Handout(kind, language, title, html)


def _sections(kind: Kind, facts: HandoutFacts) -> list[str]:
    if kind is Kind.DARK_MARKS:
        return list(facts.finding_sections)
    if kind is Kind.CO2_PLAN:
        if not facts.sessions:
            return ["no_series"]
        return ["series", "full_results"] if facts.full_results_on else ["series"]
    if kind is Kind.CONSULTATION:
        return ["booked"] if facts.consultation else ["not_booked"]
    return []


def _values(
    kind: Kind, language: Language, facts: HandoutFacts, clinic: ClinicInfo, printed_on: date
) -> dict[str, str]:
    values = {
        "patient_name": escape(facts.patient_name),
        "printed_on": escape(say_date(printed_on, language)),
        "clinic_phone": escape(_whole(clinic.phone)),
        "finding": escape(_finding(language, facts)),
        "office": escape(_office(language, clinic)),
        "after_hours_call": _after_hours_call(language, clinic),
        "hours_table": _hours_table(language, facts),
        "planned": str(facts.planned),
        "full_results_on": escape(  # "around March 2028": a month, not a precise day
            _month_year(facts.full_results_on, language) if facts.full_results_on else ""
        ),
        "sessions_table": _sessions_table(language, facts),
        "next_session": escape(_next_session(language, facts)),
        "consult_date": escape(
            say_date(facts.consultation.date(), language) if facts.consultation else ""
        ),
        "consult_time": escape(
            say_time(facts.consultation, language) if facts.consultation else ""
        ),
    }
    return values


def _header(language: Language, facts: HandoutFacts, clinic: ClinicInfo, printed_on: date) -> str:
    words = WORDS[language]
    hours = "; ".join(
        f"{WEEKDAYS[language][entry[0]][:3]} {_open_spans(entry, language, '-')}"
        for entry in facts.hours
    )
    phones = _whole(clinic.phone)
    if clinic.after_hours_phone:
        phones += f" - {words['after_hours']}: {_whole(clinic.after_hours_phone)}"
    return (
        f"<p class='header'><b>{escape(clinic.name)}</b><br>"
        f"{escape(clinic.full_address)}<br>"
        f"{escape(phones)}<br>"
        f"{escape(words['hours'])}: {escape(hours)}<br>"
        f"{escape(words['patient'])}: <b>{escape(facts.patient_name)}</b> - "
        f"{escape(words['printed'])} {escape(say_date(printed_on, language))}</p><hr>"
    )


def _footer(language: Language, clinic: ClinicInfo) -> str:
    """The last lines of every handout: whom to call, in and out of office hours."""
    words = WORDS[language]
    if clinic.after_hours_phone:
        call = words["questions_after"].format(
            phone=_whole(clinic.phone), after=_whole(clinic.after_hours_phone)
        )
    else:
        call = words["questions"].format(phone=_whole(clinic.phone))
    return (
        f"<hr><p class='footer'><b>{escape(clinic.name)}</b> - {escape(clinic.full_address)}"
        f"<br>{escape(call)}</p>"
    )


def _whole(phone: str) -> str:
    """A phone number never broken across two lines: its spaces do not break."""
    return phone.replace(" ", "\u00a0")


def _after_hours_call(language: Language, clinic: ClinicInfo) -> str:
    """' (outside office hours, call ...)' before a colon; nothing without an after-hours line."""
    if not clinic.after_hours_phone:
        return ""
    said = WORDS[language]["after_hours_call"].format(after=_whole(clinic.after_hours_phone))
    return " " + escape(said)


def _office(language: Language, clinic: ClinicInfo) -> str:
    """Where the visit is: the street address when staff gave one, else the town."""
    words = WORDS[language]
    if clinic.address:
        return words["office"].format(address=clinic.full_address)
    return words["office_town"].format(town=clinic.town or clinic.name)


def _open_spans(entry: tuple, language: Language, dash: str) -> str:
    """A day's hours: (day, opens, closes) or, with a break, (day, opens, closes,
    break_starts, break_ends) -> '10:00 am-1:00 pm, 2:00 pm-5:00 pm'."""
    opens, closes = entry[1], entry[2]
    pause = entry[3:5] if len(entry) >= 5 and entry[3] and entry[4] else None
    spans = [(opens, pause[0]), (pause[1], closes)] if pause else [(opens, closes)]
    return ", ".join(f"{_clock(a, language)}{dash}{_clock(b, language)}" for a, b in spans)


def _hours_table(language: Language, facts: HandoutFacts) -> str:
    open_days = {entry[0]: entry for entry in facts.hours}
    rows = "".join(
        f"<tr><td>{escape(WEEKDAYS[language][day].capitalize())}</td><td>"
        + (
            escape(_open_spans(open_days[day], language, " - "))
            if day in open_days
            else escape(WORDS[language]["closed"])
        )
        + "</td></tr>"
        for day in range(7)
    )
    return f"<table class='plan' border='1' cellspacing='0'>{rows}</table>"


def _sessions_table(language: Language, facts: HandoutFacts) -> str:
    words = WORDS[language]
    head = (
        f"<tr><th>{escape(words['session'])}</th><th>{escape(words['date'])}</th>"
        f"<th>{escape(words['state'])}</th><th>{escape(words['results'])}</th></tr>"
    )
    rows = "".join(
        f"<tr><td>{s.number}</td><td>{escape(say_date(s.day, language))}</td>"
        f"<td>{escape(_state(s, language))}</td>"
        f"<td>{escape(_window(s.results_from, s.results_to, language))}</td></tr>"
        for s in facts.sessions
    )
    return f"<table class='plan' border='1' cellspacing='0'>{head}{rows}</table>"


def _clock(moment: time, language: Language) -> str:
    return say_time(datetime.combine(date.min, moment), language)


FINDINGS = {
    Language.ENGLISH: {
        "pih": "dark marks (PIH)",
        "pie": "red marks (PIE)",
        "atrophic": "indented (atrophic) scars",
        "raised": "raised scars",
    },
    Language.SPANISH: {
        "pih": "manchas oscuras (HPI)",
        "pie": "marcas rojas (EPI)",
        "atrophic": "cicatrices hundidas (atróficas)",
        "raised": "cicatrices elevadas",
    },
}


def _finding(language: Language, facts: HandoutFacts) -> str:
    if not facts.finding_sections:
        return WORDS[language]["none_noted"]  # an intake that found no marks
    found = [FINDINGS[language][s] for s in facts.finding_sections if s in FINDINGS[language]]
    joiner = " and " if language is Language.ENGLISH else " y "
    return joiner.join(found) if found else WORDS[language]["not_known"]


def _window(first: date, last: date, language: Language) -> str:
    """'May 2027 to August 2027' / 'de mayo de 2027 a agosto de 2027'."""
    if language is Language.SPANISH:
        return f"de {_month_year(first, language)} a {_month_year(last, language)}"
    return f"{_month_year(first, language)} to {_month_year(last, language)}"


def _month_year(day: date, language: Language) -> str:
    month = MONTHS[language][day.month - 1]
    return f"{month} {day.year}" if language is Language.ENGLISH else f"{month} de {day.year}"


def _state(session, language: Language) -> str:
    words = WORDS[language]
    if session.state == "booked" and session.booked_at is not None:
        return f"{words['booked']} {words['at']} {say_time(session.booked_at, language)}"
    return words[session.state]


def _next_session(language: Language, facts: HandoutFacts) -> str:
    words = WORDS[language]
    if facts.series_state in ("paused", "ended", "completed"):
        return words[facts.series_state]
    upcoming = next((s for s in facts.sessions if s.state != "done"), None)
    if upcoming is None:
        return words["no_next"]
    when = say_date(upcoming.day, language)
    return words["next"].format(when=when, state=_state(upcoming, language))
