"""The day sheet: one day's appointments, times and phone numbers, for the front desk."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from html import escape

from frontdesk.domain.appointments import ListedAppointment, Status, wall
from frontdesk.domain.booking import say_span
from frontdesk.domain.dates import format_long, format_moment
from frontdesk.domain.hours import WEEKDAY_NAMES, DayHours, OfficeCalendar, format_time
from frontdesk.domain.phones import display_phone

# QTextDocument understands a subset of CSS: element and class selectors, colours, font
# sizes and weights, padding on cells, border-collapse. Widths go in attributes.
_STYLE = """
h1 { font-size: 16pt; font-weight: bold; margin-bottom: 2px; }
h2 { font-size: 12pt; font-weight: bold; margin-top: 14px; margin-bottom: 4px; }
p { margin-top: 0; margin-bottom: 4px; }
.clinic { font-size: 11pt; }
.hours { font-size: 11pt; font-weight: bold; }
.closed { font-size: 11pt; font-weight: bold; color: #a32020; }
.warning { color: #a32020; }
.muted { color: #555555; }
table.sheet { border-collapse: collapse; border-color: #8a8f94; margin-top: 6px; }
th { background-color: #e6e9ec; font-weight: bold; text-align: left; }
td, th { font-size: 9.5pt; }
.nowrap { white-space: nowrap; }
.cancelled { color: #555555; }
.count { font-weight: bold; margin-top: 6px; }
.printed { font-size: 8.5pt; color: #555555; margin-top: 12px; }
"""

_COLUMNS = ("Time", "Patient", "Phone", "Type", "Status", "Note")
# Percent widths of the columns: the time and the phone never wrap, the note takes the rest.
_WIDTHS = ("19%", "20%", "14%", "14%", "12%", "21%")


def day_sheet_title(day: date) -> str:
    return f"Day sheet - {WEEKDAY_NAMES[day.weekday()]}, {format_long(day)}"


def day_sheet_html(
    day: date,
    appointments: list[ListedAppointment],
    office: OfficeCalendar,
    printed_at: datetime,
    clinic_name: str,
) -> str:
    """The sheet as HTML. `appointments` may hold other days and any status, in any order:
    the day's own are picked out; cancelled ones and no-shows go in a list of their own,
    because the desk wants to see them but they do not take up the day."""
    mine = sorted(
        (a for a in appointments if a.appointment.starts.date() == day),
        key=lambda a: (a.appointment.starts, a.appointment.ends, a.appointment.id),
    )
    held = [a for a in mine if a.appointment.status.holds_slot]
    dropped = [a for a in mine if not a.appointment.status.holds_slot]
    title = day_sheet_title(day)
    hours = office.hours_on(day)

    parts = [
        "<html><head>",
        f"<title>{escape(title)}</title>",
        f"<style>{_STYLE}</style>",
        "</head><body>",
        f"<h1>{escape(title)}</h1>",
        f'<p class="clinic">{escape(clinic_name)}</p>',
    ]
    if hours is None:
        parts.append(f'<p class="closed">{escape(_closed_text(day, office))}</p>')
        if held:
            parts.append(
                '<p class="warning">The office is closed, yet these appointments are still'
                " booked: call the patients to move them.</p>"
            )
    else:
        span = f"{format_time(hours.opens)}-{format_time(hours.closes)}"
        parts.append(f'<p class="hours">Office hours {escape(span)}</p>')
        outside = [
            a
            for a in held
            if a.appointment.starts.time() < hours.opens or a.appointment.ends.time() > hours.closes
        ]
        if outside:
            parts.append(
                f'<p class="warning">{escape(_plural(len(outside), "appointment"))} marked'
                " \u26a0 run outside the office hours: move them or stay longer.</p>"
            )

    if held:
        parts.append(_table(held, cancelled=False, hours=hours))
        parts.append(f'<p class="count">{escape(_count_line(held, dropped))}</p>')
    else:
        parts.append('<p class="count">No appointments on this day.</p>')

    if dropped:
        parts.append("<h2>Cancelled and no-shows</h2>")
        parts.append('<p class="muted">Listed for reference: these do not take up the day.</p>')
        parts.append(_table(dropped, cancelled=True))

    printed = wall(printed_at)
    parts.append(f'<p class="printed">Printed {escape(format_moment(printed))}</p>')
    parts.append("</body></html>")
    return "\n".join(parts)


def _closed_text(day: date, office: OfficeCalendar) -> str:
    closure = office.closure_on(day)
    if closure is not None:
        return f"Closed: {closure.reason}"
    return f"Closed: no office hours on {WEEKDAY_NAMES[day.weekday()]}s"


def _count_line(held: list[ListedAppointment], dropped: list[ListedAppointment]) -> str:
    line = _plural(len(held), "appointment")
    if dropped:
        line += f" (not counting {len(dropped)} cancelled or no-show)"
    return line


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _table(
    rows: Iterable[ListedAppointment], *, cancelled: bool, hours: DayHours | None = None
) -> str:
    head = "".join(
        f'<th width="{width}">{escape(name)}</th>'
        for name, width in zip(_COLUMNS, _WIDTHS, strict=True)
    )
    body = "".join(_row(listed, cancelled, hours) for listed in rows)
    return (
        '<table class="sheet" width="100%" border="1" cellspacing="0" cellpadding="4">'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def _row(listed: ListedAppointment, cancelled: bool, hours: DayHours | None) -> str:
    a = listed.appointment
    span = say_span(a.starts, a.ends)
    if (
        hours is not None
        and not cancelled
        and (a.starts.time() < hours.opens or a.ends.time() > hours.closes)
    ):
        span = "\u26a0 " + span
    phone = display_phone(listed.phone) or "no phone on file"
    cells = (
        f'<td class="nowrap">{escape(span)}</td>',
        f"<td><b>{escape(listed.patient_name)}</b></td>",
        f'<td class="nowrap">{escape(phone)}</td>',
        f'<td><font color="{escape(listed.colour)}">&#9632;</font> {escape(listed.type_name)}</td>',
        f"<td>{escape(_status_text(a.status, a.late))}</td>",
        f"<td>{_multiline(a.note)}</td>",
    )
    row_class = ' class="cancelled"' if cancelled else ""
    return f"<tr{row_class}>{''.join(cells)}</tr>"


def _status_text(status: Status, late: bool) -> str:
    return f"{status.label} (late)" if late and status.cancelled else status.label


def _multiline(text: str) -> str:
    return "<br>".join(escape(line) for line in text.strip().splitlines())
