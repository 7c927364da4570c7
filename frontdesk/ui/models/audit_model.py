"""The audit trail as a lazy table: newest first, a page of lines at a time as the view scrolls.

The trail grows for years, so only the lines fetched so far are held; the cell texts are made
when a row is first shown, from names known beforehand (the staff list; each page brings the
names of the patients its lines are about).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtWidgets import QWidget

from frontdesk.domain.appointments import Status
from frontdesk.domain.audit import AuditEntry
from frontdesk.domain.co2 import SeriesStatus
from frontdesk.domain.dates import format_day, format_stamp
from frontdesk.domain.handouts import Kind
from frontdesk.domain.permissions import Permission
from frontdesk.domain.phones import display_phone
from frontdesk.domain.staff import Role
from frontdesk.services.audit import AuditCursor, AuditFilter
from frontdesk.services.errors import NotAllowed, ServiceError
from frontdesk.services.signed_in import SignedIn
from frontdesk.ui.operations import Operations

COL_WHEN, COL_WHO, COL_ACTION, COL_WHAT, COL_CHANGES = range(5)
HEADERS = {
    COL_WHEN: "When",
    COL_WHO: "Who",
    COL_ACTION: "Action",
    COL_WHAT: "What",
    COL_CHANGES: "Changes",
}
# The CSV export: the line's number first (to find it again), then the columns as shown,
# the changes whole.
CSV_HEADERS = ("Line", "When", "Who", "Action", "What", "Changes")
AUDIT_ID_ROLE = Qt.ItemDataRole.UserRole + 1
PAGE_SIZE = 200
# Lines matching a filter are counted up to this many ("more than 100,000"): counting a
# whole year of a large trail at each filter change would cost more than reading the page.
COUNT_CAP = 100_000
SUMMARY_LENGTH = 140  # a cell shows the start; the tooltip and the pane below show it all
ARROW = "→"

ENTITY_NAMES = {
    "co2_series": "CO2 series",
    "co2_session": "CO2 session",
    "laser_eligibility": "laser eligibility",
    "staff": "staff member",
}
# Lines nobody signed in wrote: a failed login by an unknown username, or the app itself.
ANONYMOUS_ACTIONS = {"login_failed"}
# Actions whose stored word reads badly in a sentence; the rest read as they are ("login").
ACTION_WORDS = {"view": "looked at the record", "denied": "refused"}

Index = QModelIndex | QPersistentModelIndex


NONE = "(none)"  # an empty or missing value, said so rather than shown as "" or null
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
_PHONE = re.compile(r"^\+\d{8,15}$")
_CODE = re.compile(r"^[a-z0-9]+(?:_[a-z0-9]+)+$")  # a stored code: left_cheek, flat_brown
VERBATIM_KEYS = {"username", "email"}  # typed by a person: shown exactly as kept
# Stored codes and the words the desk knows them by (the same labels the app shows).
_ENUMS: dict[str, tuple[type[Role] | type[Status] | type[SeriesStatus] | type[Kind], ...]] = {
    "role": (Role,),
    "status": (Status, SeriesStatus),
    "kind": (Kind,),
}
_LANGUAGES = {"en": "English", "es": "Spanish"}
_CODES = {"co2_session": "CO2 session", "co2_series": "CO2 series"}
KEY_NAMES = {
    "dob": "date of birth",
    "consent_sms": "texts allowed",
    "consent_email": "emails allowed",
    "type": "appointment type",
    "kind": "handout",
    "heard_from": "heard of us from",
}


def say_when(at: str) -> str:
    """'Thu, Nov 26, 2026, 10:30 am' in the clinic's time, from the stored ISO stamp."""
    return format_stamp(at)


def say_key(key: str) -> str:
    """'first name' for first_name; a few keys get the words the desk uses."""
    return KEY_NAMES.get(key, key.replace("_", " "))


def _say_code(key: str, code: str) -> str | None:
    for kind in _ENUMS.get(key, ()):
        try:
            return kind(code).label
        except ValueError:
            continue
    if key == "language":
        return _LANGUAGES.get(code, code)
    if key == "permission" and code in Permission.__members__:
        return Permission[code].value  # stored by name: 'VIEW_AUDIT' -> 'read the audit trail'
    if key in ("type", "entity") or key in _ENUMS:
        words = _CODES.get(code, code.replace("_", " "))
        return words[:1].upper() + words[1:]
    return None


def _say_text(key: str, text: str) -> str:
    if not text.strip():
        return NONE
    if (said := _say_code(key, text)) is not None:
        return said
    if key in VERBATIM_KEYS:
        return text
    if text[:1] in "{[":  # a whole record kept as JSON text (an intake's answers)
        try:
            return say_value(json.loads(text), key)
        except ValueError:
            return text
    if _DAY.match(text):
        try:
            return format_day(date.fromisoformat(text))
        except ValueError:
            return text
    if _MOMENT.match(text):
        return say_when(text)
    if _PHONE.match(text):
        try:
            return display_phone(text)
        except ValueError:
            return text
    if _CODE.match(text):
        return _CODES.get(text, text.replace("_", " "))
    return text


def say_value(value: Any, key: str = "") -> str:
    """A stored value as the desk reads it: '(none)', 'yes', 'Front desk', 'Cancelled by the
    patient', 'Mon, Dec 7, 2026, 10:00 am', '(818) 555-0134'; a group of values as 'a: b, c: d'.
    """
    if value is None:
        return NONE
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return _say_text(key, value)
    if isinstance(value, dict):
        if not value:
            return NONE
        return ", ".join(
            f"{say_key(k)}: " + (f"({say_value(v, k)})" if isinstance(v, dict) else say_value(v, k))
            for k, v in sorted(value.items())
        )
    if isinstance(value, list | tuple):
        said = [say_value(v, key) for v in value]
        said = [f"({s})" if isinstance(v, dict) else s for v, s in zip(value, said, strict=True)]
        return ", ".join(said) if value else NONE
    return str(value)


def say_entity(entity: str) -> str:
    return ENTITY_NAMES.get(entity, entity.replace("_", " "))


def changed_keys(entry: AuditEntry) -> list[str]:
    """Keys whose value differs between before and after (all of them on a create)."""
    before, after = entry.before or {}, entry.after or {}
    keys = sorted(set(before) | set(after))
    return [k for k in keys if k not in before or k not in after or before[k] != after[k]]


def summary(entry: AuditEntry) -> str:
    """'status: booked → cancelled; note: "" → Called in sick', changed keys only.

    A line with only an after (a create, a print, a login) lists its values; the patient the
    line is about is already in the What column and is left out here.
    """
    before, after = entry.before, entry.after
    parts = []
    for key in changed_keys(entry):
        if key == "patient_id" and entry.patient_id is not None and before is None:
            continue
        name = say_key(key)
        if before is None:
            parts.append(f"{name}: {say_value(after.get(key), key) if after else NONE}")
        elif after is None:
            parts.append(f"{name}: {say_value(before.get(key), key)} {ARROW} removed")
        else:
            old = say_value(before.get(key), key)
            new = say_value(after.get(key), key)
            parts.append(f"{name}: {old} {ARROW} {new}")
    return "; ".join(parts)


def details(entry: AuditEntry) -> str:
    """Every value before and after, changed ones first: what the pane below the table shows."""
    before, after = entry.before or {}, entry.after or {}
    changed = changed_keys(entry)
    same = sorted(k for k in set(before) & set(after) if k not in changed)
    lines = []
    if entry.before is None and entry.after is None:
        lines.append("No values were recorded with this line.")
    elif entry.before is None:
        lines.append("Recorded:")
        lines += [f"  {say_key(k)}: {say_value(after[k], k)}" for k in changed]
    elif entry.after is None:
        lines.append("Removed:")
        lines += [f"  {say_key(k)}: {say_value(before[k], k)}" for k in changed]
    else:
        lines.append("Changed:" if changed else "Changed: nothing")
        for k in changed:
            old = say_value(before[k], k) if k in before else "(not set)"
            new = say_value(after[k], k) if k in after else "(not set)"
            lines.append(f"  {say_key(k)}: {old} {ARROW} {new}")
        if same:
            lines.append("Unchanged:")
            lines += [f"  {say_key(k)}: {say_value(before[k], k)}" for k in same]
    return "\n".join(lines)


class LineWords:
    """Who and what a line is about, in words, from names known beforehand: the staff list
    and the patients' names each page brings along. Pure Python, so that the export can say
    its lines on its own thread."""

    def __init__(self, staff: dict[int, str] | None = None) -> None:
        self.staff: dict[int, str] = dict(staff or {})
        self.patients: dict[int, str] = {}  # kept across filters: names rarely change

    def who(self, entry: AuditEntry) -> str:
        if entry.staff_id is None:
            if entry.action == "denied":  # an identity the login service did not issue
                return "not signed in"
            return "unknown user" if entry.action in ANONYMOUS_ACTIONS else "system"
        return self.staff.get(entry.staff_id, f"staff #{entry.staff_id}")

    def patient_name(self, patient_id: int) -> str:
        return self.patients.get(patient_id, f"patient #{patient_id}")

    def what(self, entry: AuditEntry) -> str:
        text = say_entity(entry.entity)
        if entry.entity_id is not None:
            text += f" #{entry.entity_id}"
        if entry.entity == "staff" and entry.entity_id in self.staff:
            text += f" · {self.staff[entry.entity_id]}"
        if entry.patient_id is not None:
            text += f" · {self.patient_name(entry.patient_id)}"
        return text

    @staticmethod
    def action(entry: AuditEntry) -> str:
        return ACTION_WORDS.get(entry.action, entry.action.replace("_", " "))

    def cells(self, entry: AuditEntry) -> tuple[str, ...]:
        """The table's cells (HEADERS), the changes cut to the cell."""
        changes = summary(entry)
        if len(changes) > SUMMARY_LENGTH:
            changes = changes[: SUMMARY_LENGTH - 1].rstrip() + "…"
        return (say_when(entry.at), self.who(entry), self.action(entry), self.what(entry), changes)

    def csv_row(self, entry: AuditEntry) -> tuple[str, ...]:
        """One line of the CSV export (CSV_HEADERS): the same readable values as the table,
        with the changes whole rather than cut to the cell."""
        return (
            str(entry.id),
            say_when(entry.at),
            self.who(entry),
            self.action(entry),
            self.what(entry),
            summary(entry),
        )


class AuditModel(QAbstractTableModel):
    """Lines matching a filter, newest first; `refused` carries the sentence of a refusal.

    Pages are read through the window's `Operations` by keyset (each one starts below the
    last line read: no line is shown twice, however many are written meanwhile), and the
    lines matching a filter are counted once, with its first page, up to COUNT_CAP."""

    refused = Signal(str)

    def __init__(
        self,
        ops: Operations,
        actor: Callable[[], SignedIn],
        page_size: int = PAGE_SIZE,
        parent: QObject | None = None,
        *,
        count_cap: int = COUNT_CAP,
    ) -> None:
        super().__init__(parent)
        self._ops = ops
        self._actor = actor
        self._page_size = page_size
        self._count_cap = count_cap
        self._filter = AuditFilter()
        self._rows: list[AuditEntry] = []
        self._cells: dict[int, tuple[str, ...]] = {}
        self._below: AuditCursor | None = None  # where the next page begins
        self._more = False
        self._fetching = False
        self.words = LineWords()
        self.total = 0  # lines matching the filter, counted with its first page
        self.more_than_total = False  # counting stopped at `total` (COUNT_CAP)
        self.error = ""  # why the last read failed, in words for the desk
        self._refusal = ""  # a NotAllowed sentence not yet announced

    # -- what to show ---------------------------------------------------------------------
    @property
    def filter(self) -> AuditFilter:
        return self._filter

    @property
    def pages_read(self) -> int:
        return -(-len(self._rows) // self._page_size)

    def set_staff_names(self, names: dict[int, str]) -> None:
        self.words.staff = dict(names)
        if self._rows:
            self._cells.clear()
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self._rows) - 1, len(HEADERS) - 1)
            )

    def set_filter(self, where: AuditFilter) -> None:
        if where != self._filter or not self._rows:
            self._filter = where
            self.reload()

    def reload(self) -> None:
        """The first page for the current filter, from the newest line, and its count."""
        self.beginResetModel()
        self._rows = []
        self._cells.clear()
        self._below = None
        self._more = False
        self.total = 0
        self.more_than_total = False
        self._rows = self._read_page()
        self.endResetModel()
        self._announce_refusal()

    def _read_page(self) -> list[AuditEntry]:
        """The next page below the last line read; the count only with the first."""
        first = self._below is None
        actor, where, below = self._actor(), self._filter, self._below
        got = self._ops.read(
            self._widget(),
            lambda c: c.audit.search(
                actor, where, self._page_size, below=below, count=first,
                count_cap=self._count_cap,
            ),
            title="The audit trail was not read",
            on_refusal=self._read_refused,
        )  # fmt: skip
        if got is None:
            self._more = False
            return []
        page = got.value
        self.error = ""
        self.words.patients.update(page.patients)
        if page.total is not None:
            self.total, self.more_than_total = page.total, page.more_than_total
        self._more = len(page.entries) == self._page_size
        self._below = page.next or self._below
        return page.entries

    def _read_refused(self, exc: ServiceError) -> bool:
        """Said by the dialog itself: a refusal hides the trail, anything else beside it."""
        self.error = str(exc)
        self._refusal = self.error if isinstance(exc, NotAllowed) else ""
        return True

    def _widget(self) -> QWidget | None:
        parent = QObject.parent(self)
        return parent if isinstance(parent, QWidget) else None

    def _announce_refusal(self) -> None:
        """After the model is consistent again, so a view may react by hiding itself."""
        if self._refusal:
            text, self._refusal = self._refusal, ""
            self.refused.emit(text)

    def entry_at(self, row: int) -> AuditEntry | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, audit_id: int) -> int | None:
        return next((i for i, e in enumerate(self._rows) if e.id == audit_id), None)

    # -- names ----------------------------------------------------------------------------
    def who(self, entry: AuditEntry) -> str:
        return self.words.who(entry)

    def what(self, entry: AuditEntry) -> str:
        return self.words.what(entry)

    @staticmethod
    def action(entry: AuditEntry) -> str:
        return LineWords.action(entry)

    # -- Qt model API ---------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self._more

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        # A view may ask again while it is told about the rows just added: one page at a time.
        if parent.isValid() or not self._more or self._fetching:
            return
        first = len(self._rows)
        fresh = self._read_page()
        if not fresh:
            self._announce_refusal()
            return
        self._fetching = True
        try:
            self.beginInsertRows(QModelIndex(), first, first + len(fresh) - 1)
            self._rows.extend(fresh)
            self.endInsertRows()
        finally:
            self._fetching = False

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS.get(section)
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row = index.row()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            cells = self._cells.get(row)
            if cells is None:
                cells = self._cells[row] = self.words.cells(self._rows[row])
            if role == Qt.ItemDataRole.DisplayRole:
                return cells[index.column()]
            if index.column() == COL_CHANGES and cells[COL_CHANGES].endswith("…"):
                return summary(self._rows[row])
            if index.column() == COL_WHEN:
                return f"Line #{self._rows[row].id}, stamped {self._rows[row].at}"
            return None
        if role == AUDIT_ID_ROLE:
            return self._rows[row].id
        return None
