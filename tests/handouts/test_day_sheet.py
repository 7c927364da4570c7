"""The day sheet as HTML: what the desk reads on it, with any text a patient's name can hold."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from html.parser import HTMLParser

from hypothesis import given
from hypothesis import strategies as st

from frontdesk.domain.appointments import Appointment, ListedAppointment, Status
from frontdesk.domain.hours import Closure, OfficeCalendar, default_hours
from frontdesk.handouts.day_sheet import day_sheet_html, day_sheet_title

MONDAY = date(2026, 11, 30)
THANKSGIVING = date(2026, 11, 26)
PRINTED = datetime(2026, 11, 26, 10, 30)
CLINIC = "Dr. Alex's acne scar clinic"
OFFICE = OfficeCalendar(default_hours())


def listed(
    name: str,
    starts: datetime,
    minutes: int = 30,
    *,
    phone: str = "+18185550134",
    status: Status = Status.BOOKED,
    note: str = "",
    late: bool = False,
    type_name: str = "Free consultation",
    ident: int = 1,
) -> ListedAppointment:
    appointment = Appointment(
        ident,
        ident,
        "consultation",
        starts,
        starts + timedelta(minutes=minutes),
        status,
        late,
        note,
        1,
    )
    return ListedAppointment(appointment, name, phone, type_name, "#2f7fc1")


def at(hour: int, minute: int = 0, day: date = MONDAY) -> datetime:
    return datetime.combine(day, time(hour, minute))


def sheet(rows: list[ListedAppointment], day: date = MONDAY, office=OFFICE, printed=PRINTED):
    return day_sheet_html(day, rows, office, printed, CLINIC)


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.text: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs) -> None:
        self.tags.add(tag)
        self._skip += tag in ("style", "title")

    def handle_endtag(self, tag) -> None:
        self._skip -= tag in ("style", "title")

    def handle_data(self, data) -> None:
        if not self._skip:
            self.text.append(data)


def read(html: str) -> tuple[set[str], str]:
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader.tags, " ".join(" ".join(reader.text).split())


ALLOWED_TAGS = {"html", "head", "title", "style", "body", "h1", "h2", "p"} | {
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "b",
    "font",
    "br",
}


def test_title_clinic_hours_and_printed_time() -> None:
    html = sheet([])
    _tags, text = read(html)
    assert day_sheet_title(MONDAY) == "Day sheet - Monday, November 30, 2026"
    assert "<title>Day sheet - Monday, November 30, 2026</title>" in html
    assert text.startswith("Day sheet - Monday, November 30, 2026 Dr. Alex's acne scar clinic")
    assert "Office hours 10:00 am-5:00 pm" in text
    assert "Printed Thu, Nov 26, 2026, 10:30 am" in text


def test_friday_hours() -> None:
    _tags, text = read(sheet([], day=date(2026, 12, 4)))
    assert "Day sheet - Friday, December 4, 2026" in text
    assert "Office hours 10:00 am-4:00 pm" in text


def test_printed_time_is_clinic_wall_time() -> None:
    _tags, text = read(sheet([], printed=datetime(2026, 11, 26, 18, 30, tzinfo=UTC)))
    assert "Printed Thu, Nov 26, 2026, 10:30 am" in text


def test_rows_in_time_order_with_span_phone_type_status_note() -> None:
    rows = [
        listed("Ana Cruz", at(10, 30), 90, phone="+13105550199", ident=2, note="Numbing cream"),
        listed("María García", at(10), 30, status=Status.CONFIRMED, ident=1),
        listed("Li Wei", at(15, 45), 30, phone="", ident=3),
    ]
    _tags, text = read(sheet(rows))
    assert "10:00 am-10:30 am María García (818) 555-0134" in text
    assert "10:30 am-12:00 pm Ana Cruz (310) 555-0199" in text
    assert "3:45 pm-4:15 pm Li Wei" in text
    assert text.index("María García") < text.index("Ana Cruz") < text.index("Li Wei")
    assert "Confirmed" in text and "Booked" in text
    assert "Free consultation" in text and "Numbing cream" in text
    assert "3 appointments" in text


def test_one_appointment_is_singular() -> None:
    _tags, text = read(sheet([listed("Ana Cruz", at(11))]))
    assert "1 appointment " in text + " "
    assert "1 appointments" not in text


def test_other_days_are_left_out() -> None:
    rows = [listed("Ana Cruz", at(11)), listed("Tomorrow Person", at(11, day=date(2026, 12, 1)))]
    _tags, text = read(sheet(rows))
    assert "Ana Cruz" in text
    assert "Tomorrow Person" not in text
    assert "1 appointment" in text


def test_names_and_notes_are_escaped() -> None:
    rows = [
        listed("<script>alert(1)</script>", at(10), note='Says "hi" & <b>bold</b>\nsecond line'),
    ]
    html = sheet(rows)
    tags, text = read(html)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "script" not in tags and tags <= ALLOWED_TAGS
    assert "<script>alert(1)</script>" in text
    assert 'Says "hi" & <b>bold</b> second line' in text
    assert "<br>second line" in html  # the note keeps its line break


def test_closed_for_a_holiday() -> None:
    office = OfficeCalendar(
        default_hours(), (Closure(THANKSGIVING, THANKSGIVING, "Thanksgiving Day"),)
    )
    _tags, text = read(sheet([], day=THANKSGIVING, office=office))
    assert "Closed: Thanksgiving Day" in text
    assert "Office hours" not in text
    assert "No appointments on this day." in text


def test_closed_on_a_weekend() -> None:
    _tags, text = read(sheet([], day=date(2026, 11, 29)))
    assert "Closed: no office hours on Sundays" in text


def test_appointments_on_a_closed_day_are_shown_with_a_warning() -> None:
    office = OfficeCalendar(default_hours(), (Closure(MONDAY, MONDAY, "Staff training"),))
    _tags, text = read(sheet([listed("Ana Cruz", at(11))], office=office))
    assert "Closed: Staff training" in text
    assert "call the patients to move them" in text
    assert "Ana Cruz" in text


def test_empty_day_says_so() -> None:
    _tags, text = read(sheet([]))
    assert "No appointments on this day." in text
    assert "<table" not in sheet([])


def test_cancelled_and_no_shows_are_listed_apart_and_not_counted() -> None:
    rows = [
        listed("María García", at(10), ident=1),
        listed("Ana Cruz", at(11), status=Status.CANCELLED_BY_PATIENT, late=True, ident=2),
        listed("Li Wei", at(9, 30), status=Status.NO_SHOW, ident=3),
        listed("Omid Sadeghi", at(14), status=Status.CANCELLED_BY_CLINIC, ident=4),
    ]
    _tags, text = read(sheet(rows))
    apart = text.index("Cancelled and no-shows")
    assert text.index("María García") < apart
    for name in ("Ana Cruz", "Li Wei", "Omid Sadeghi"):
        assert text.index(name) > apart, name
    assert "1 appointment (not counting 3 cancelled or no-show)" in text
    assert "Cancelled by patient (late)" in text
    assert "No-show" in text and "Cancelled by clinic" in text
    # The separate list is in time order too.
    assert text.index("Li Wei") < text.index("Ana Cruz") < text.index("Omid Sadeghi")


def test_only_cancelled_appointments() -> None:
    rows = [listed("Ana Cruz", at(11), status=Status.CANCELLED_BY_CLINIC)]
    _tags, text = read(sheet(rows))
    assert "No appointments on this day." in text
    assert text.index("No appointments") < text.index("Cancelled and no-shows")
    assert "Ana Cruz" in text


@given(name=st.text(min_size=1, max_size=40), note=st.text(max_size=60))
def test_any_text_comes_back_verbatim_and_adds_no_markup(name: str, note: str) -> None:
    tags, text = read(sheet([listed(name, at(10), note=note)]))
    assert tags <= ALLOWED_TAGS
    assert " ".join(name.split()) in text
    assert " ".join(note.split()) in text


def test_no_phone_and_appointments_past_closing_are_pointed_out() -> None:
    from datetime import date, datetime, time

    from frontdesk.domain.appointments import Appointment, ListedAppointment, Status
    from frontdesk.domain.hours import OfficeCalendar, default_hours
    from frontdesk.handouts.day_sheet import day_sheet_html

    friday = date(2026, 12, 4)
    late = ListedAppointment(
        Appointment(
            7,
            1,
            "co2_session",
            datetime.combine(friday, time(15)),
            datetime.combine(friday, time(16, 30)),
            Status.BOOKED,
            False,
            "",
            1,
        ),
        "Ana Cruz",
        "",
        "CO2 laser session",
        "#c2571a",
    )
    html = day_sheet_html(
        friday, [late], OfficeCalendar(default_hours()), datetime(2026, 12, 1, 9), "Clinic"
    )
    assert "no phone on file" in html
    assert "\u26a0 3:00 pm-4:30 pm" in html
    assert "1 appointment marked \u26a0 run outside the office hours" in html
