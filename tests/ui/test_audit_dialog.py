"""The audit trail dialog on the demo clinic: filters, paging, the chain check, refusals.

Every call goes through an `Operations` of its own (as the main window's): reads on the
dialog's connection, the chain check and the export off the GUI thread."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PySide6.QtCore import QDate, Qt

from frontdesk.domain.audit import AuditEntry
from frontdesk.domain.dates import format_day
from frontdesk.domain.permissions import Permission, refusal
from frontdesk.domain.staff import Role
from frontdesk.services.audit import AuditFilter
from frontdesk.services.login import LoginRefused
from frontdesk.ui.dialogs.audit_dialog import AuditDialog
from frontdesk.ui.error_label import ERROR_COLOUR
from frontdesk.ui.models.audit_model import (
    AUDIT_ID_ROLE,
    COL_ACTION,
    COL_CHANGES,
    COL_WHAT,
    COL_WHEN,
    COL_WHO,
    AuditModel,
    details,
    summary,
)
from frontdesk.ui.notifier import ChangeNotifier
from frontdesk.ui.operations import Operations
from tests.conftest import NOW
from tests.ui.typed_days import ON_ONE_WIDGET, forms, typed


def operations(clinic) -> Operations:
    """What the main window hands the dialog; its status-bar lines are kept in `said`."""
    said: list[str] = []
    ops = Operations(clinic, ChangeNotifier(), said.append)
    ops.said = said  # type: ignore[attr-defined]
    return ops


def make(qtbot, clinic, member, **kwargs) -> AuditDialog:
    kwargs.setdefault("ops", operations(clinic))
    made = AuditDialog(
        clinic.patients,
        lambda: member,
        today=lambda: NOW.date(),
        **kwargs,
    )
    qtbot.addWidget(made)
    made.show()
    qtbot.waitExposed(made)
    return made


@pytest.fixture
def dialog(qtbot, demo, admin) -> AuditDialog:  # demo first: `admin` is then the demo's own
    return make(qtbot, demo, admin)


def load_all(dialog: AuditDialog) -> list[AuditEntry]:
    while dialog.model.canFetchMore():
        dialog.model.fetchMore()
    return lines_of(dialog.model)


def lines_of(model: AuditModel) -> list[AuditEntry]:
    """The lines the model holds, in its order."""
    found = [model.entry_at(r) for r in range(model.rowCount())]
    return [e for e in found if e is not None]


def all_time(dialog: AuditDialog) -> None:
    dialog.first_day.setDate(QDate(2000, 1, 1))
    dialog.last_day.setDate(QDate(2030, 12, 31))


def total(clinic, admin, **where) -> int:
    return clinic.audit.search(admin, AuditFilter(**where), 1).total


def newest(clinic, admin) -> AuditEntry:
    return clinic.audit.search(admin, AuditFilter(), 1, count=False).entries[0]


def in_order(entries: list[AuditEntry]) -> bool:
    """Newest first as the admin reads the trail: by stamp, then the later written."""
    keys = [(e.at, e.id) for e in entries]
    return keys == sorted(keys, reverse=True)


# -- the model ------------------------------------------------------------------------------
def test_model_passes_qt_model_tester(qtmodeltester, demo, admin) -> None:
    model = AuditModel(operations(demo), lambda: admin, page_size=40)
    model.set_filter(AuditFilter(first_day="2026-11-01"))
    assert model.rowCount() == 40 and model.canFetchMore()
    qtmodeltester.check(model, force_py=True)  # fetches a page itself
    rows = model.rowCount()
    model.fetchMore()  # still watched: the tester checks the rows as they arrive
    assert model.rowCount() == rows + 40
    model.set_filter(AuditFilter(first_day="2026-11-20", last_day="2026-11-23"))
    assert 0 < model.rowCount() < 40


def test_the_model_holds_only_the_pages_read(qapp, demo, admin) -> None:
    model = AuditModel(operations(demo), lambda: admin, page_size=50)
    model.reload()
    assert model.rowCount() == 50 and model.total == total(demo, admin)
    model.fetchMore()
    assert model.rowCount() == 100
    while model.canFetchMore():
        model.fetchMore()
    ids = [model.index(r, COL_WHEN).data(AUDIT_ID_ROLE) for r in range(model.rowCount())]
    assert len(set(ids)) == model.total == len(ids)
    assert in_order(lines_of(model))


def test_lines_written_while_reading_are_not_shown_twice(qapp, demo, admin, desk) -> None:
    model = AuditModel(operations(demo), lambda: admin, page_size=50)
    model.reload()
    counted = model.total
    demo.calendar.day_sheet_given(desk, NOW.date(), "printed")  # a line above the pages read
    while model.canFetchMore():
        model.fetchMore()
    ids = [e.id for e in lines_of(model)]
    assert len(ids) == len(set(ids)) == counted == model.total  # counted once, with page one
    assert newest(demo, admin).id not in ids  # the new line waits for a reload
    model.reload()
    assert lines_of(model)[0].id == newest(demo, admin).id and model.total == counted + 1


def test_the_lines_are_counted_once_per_filter_and_up_to_a_cap(qapp, demo, admin) -> None:
    asked: list[tuple[bool, int | None]] = []
    search = demo.audit.search

    def watched(*args, **kwargs):
        asked.append((kwargs.get("count", True), kwargs.get("count_cap")))
        return search(*args, **kwargs)

    demo.audit.search = watched  # the real search, its calls noted
    model = AuditModel(operations(demo), lambda: admin, page_size=50, count_cap=120)
    model.reload()
    while model.canFetchMore():
        model.fetchMore()
    assert asked[0] == (True, 120) and all(not count for count, _cap in asked[1:])
    assert len(asked) > 3
    assert (model.total, model.more_than_total) == (120, True)  # "more than 120"
    assert model.rowCount() == total(demo, admin) > 120  # every line can still be read
    model.set_filter(AuditFilter(first_day="2026-11-20", last_day="2026-11-23"))
    assert model.more_than_total is False
    assert model.total == total(demo, admin, first_day="2026-11-20", last_day="2026-11-23")


def test_summaries_name_only_what_changed() -> None:
    entry = AuditEntry(
        id=7,
        at="2026-11-26T10:30:00-08:00",
        staff_id=2,
        action="status",
        entity="appointment",
        entity_id=3,
        before={"status": "booked", "note": "", "patient_id": 4},
        after={"status": "cancelled", "note": "Llamó: está enferma", "patient_id": 4},
        patient_id=4,
    )
    assert summary(entry) == "note: (none) → Llamó: está enferma; status: Booked → Cancelled"
    text = details(entry)
    assert "Changed:\n  note: (none) → Llamó: está enferma\n  status: Booked → Cancelled" in text
    assert "Unchanged:\n  patient id: 4" in text


# -- what the table shows -------------------------------------------------------------------
def test_newest_first_with_readable_cells(dialog, demo, admin) -> None:
    assert dialog.windowTitle() == "Audit trail"
    first = dialog.model.entry_at(0)
    assert first.id == newest(demo, admin).id
    assert dialog.model.index(0, COL_WHEN).data() == "Thu, Nov 26, 2026, 10:30 am"
    assert dialog.model.index(0, COL_WHO).data() == "Front desk"
    assert dialog.model.index(0, COL_ACTION).data() == "printed"
    assert dialog.model.index(0, COL_WHAT).data() == "handout #2 · María García"
    assert dialog.model.index(0, COL_CHANGES).data() == (
        "handout: Your free consultation; language: Spanish"
    )
    assert dialog.model.headerData(COL_CHANGES, Qt.Orientation.Horizontal) == "Changes"


def test_defaults_to_the_last_30_days(dialog) -> None:
    assert dialog.first_day.date() == QDate(2026, 10, 28)
    assert dialog.last_day.date() == QDate(2026, 11, 26)
    assert dialog.first_day.text() == "10/28/2026"
    assert dialog.first_day.said_text() == "Wed, Oct 28, 2026"
    assert dialog.first_day.calendar_button.isVisible()  # the calendar pop-up's button
    entries = load_all(dialog)
    assert entries and all("2026-10-28" <= e.at[:10] <= "2026-11-26" for e in entries)


def test_selecting_a_line_shows_it_whole(qtbot, dialog) -> None:
    all_time(dialog)
    entries = load_all(dialog)
    row = next(
        i for i, e in enumerate(entries) if e.action == "update" and "status" in (e.before or {})
    )
    dialog.table.selectRow(row)
    text = dialog.detail_text()
    assert text.startswith(f"Line #{entries[row].id}, ")
    assert "Changed:" in text and "status: Active → " in text and "Unchanged:" in text
    assert dialog.pane.isReadOnly()


def test_lines_without_anyone_signed_in_say_system(dialog) -> None:
    all_time(dialog)
    entries = load_all(dialog)
    row = next(i for i, e in enumerate(entries) if e.staff_id is None)
    assert dialog.model.index(row, COL_WHO).data() == "system"


def test_a_failed_login_by_an_unknown_name_says_unknown_user(qtbot, demo, admin) -> None:
    with pytest.raises(LoginRefused):
        demo.login.sign_in("nobody", "not-a-password")
    dialog = make(qtbot, demo, admin)
    assert dialog.model.index(0, COL_WHO).data() == "unknown user"
    assert dialog.model.index(0, COL_ACTION).data() == "login failed"
    assert dialog.model.index(0, COL_CHANGES).data() == "username: nobody"


# -- filters --------------------------------------------------------------------------------
def test_filtering_by_patient(qtbot, dialog, demo, admin) -> None:
    all_time(dialog)
    [patient] = demo.patients.search("O'Connor").rows
    qtbot.keyClicks(dialog.picker.search, "O'Connor")
    qtbot.keyClick(dialog.picker.search, Qt.Key.Key_Down)  # walks in: the first is chosen
    assert dialog.patient_id == patient.id
    assert dialog.patient_label.text() == patient.full_name
    entries = load_all(dialog)
    assert entries and all(e.patient_id == patient.id for e in entries)
    assert len(entries) == total(demo, admin, patient_id=patient.id)
    assert all(patient.full_name in t for t in dialog.column_texts(COL_WHAT))

    qtbot.keyClicks(dialog.picker.search, "x")  # a new search alone keeps the filter
    assert dialog.patient_id == patient.id
    qtbot.mouseClick(dialog.any_patient, Qt.MouseButton.LeftButton)
    assert dialog.patient_id is None and dialog.patient_label.text() == "Any patient"
    assert dialog.model.total == total(demo, admin)


def test_filtering_by_staff_member_lists_switched_off_ones(qtbot, demo, admin, desk) -> None:
    gone = demo.staff.add(admin, "Former Nurse", Role.FRONT_DESK)
    demo.staff.set_active(admin, gone.id, False)
    dialog = make(qtbot, demo, admin)
    labels = [dialog.staff_combo.itemText(i) for i in range(dialog.staff_combo.count())]
    assert labels[0] == "Anyone"
    assert "Former Nurse (front desk) – switched off" in labels
    assert len(labels) == 1 + len(demo.staff.accounts())

    all_time(dialog)
    dialog.staff_combo.setCurrentIndex(dialog.staff_combo.findData(desk.id))
    entries = load_all(dialog)
    assert entries and all(e.staff_id == desk.id for e in entries)
    assert len(entries) == total(demo, admin, staff_id=desk.id)
    assert set(dialog.column_texts(COL_WHO)) == {"Front desk"}


def test_filtering_by_dates(dialog, demo, admin) -> None:
    dialog.first_day.setDate(QDate(2026, 11, 20))
    dialog.last_day.setDate(QDate(2026, 11, 23))
    entries = load_all(dialog)
    days = {e.at[:10] for e in entries}
    assert days and days <= {"2026-11-20", "2026-11-21", "2026-11-22", "2026-11-23"}
    assert len(entries) == total(demo, admin, first_day="2026-11-20", last_day="2026-11-23")


def test_the_first_day_cannot_pass_the_last(qtbot, dialog) -> None:
    dialog.last_day.setDate(QDate(2026, 11, 10))
    type_day(qtbot, dialog.first_day, "11/15/2026")
    assert dialog.first_day.said_text() == "Choose Tue, Nov 10, 2026 or earlier."
    assert dialog.model.filter.first_day != "2026-11-15"  # a refused day never filters
    assert not dialog.export_button.isEnabled()
    type_day(qtbot, dialog.last_day, "11/20/2026")
    assert dialog.first_day.isValid() and dialog.last_day.isValid()
    assert dialog.export_button.isEnabled()
    assert dialog.model.filter.first_day == "2026-11-15"
    assert dialog.model.filter.last_day == "2026-11-20"


def test_no_lines_says_so(dialog) -> None:
    dialog.first_day.setDate(QDate(2020, 1, 1))
    dialog.last_day.setDate(QDate(2020, 1, 2))
    assert dialog.model.rowCount() == 0
    assert dialog.count.text() == "No lines match these filters."
    assert dialog.detail_text() == ""


# -- paging ---------------------------------------------------------------------------------
def test_scrolling_loads_the_next_page(qtbot, dialog, demo, admin) -> None:
    all_time(dialog)
    assert dialog.model.total == total(demo, admin) > 400
    assert dialog.model.rowCount() == 200 and dialog.model.canFetchMore()
    assert "200 read so far" in dialog.count.text()
    dialog.table.scrollToBottom()
    qtbot.waitUntil(lambda: dialog.model.rowCount() > 200, timeout=2000)
    assert dialog.model.rowCount() == 400
    dialog.model.fetchMore()
    assert dialog.model.rowCount() == dialog.model.total and not dialog.model.canFetchMore()
    assert dialog.count.text() == f"{dialog.model.total} lines, newest first."


# -- the chain ------------------------------------------------------------------------------
def check(qtbot, dialog: AuditDialog) -> str:
    qtbot.mouseClick(dialog.check_button, Qt.MouseButton.LeftButton)
    dialog.wait_for_check(30)
    qtbot.waitUntil(lambda: dialog.check_job is None, timeout=5000)
    return dialog.chain.text()


def test_checking_the_chain_then_finding_a_changed_line(qtbot, dialog, demo, admin) -> None:
    lines = total(demo, admin)
    assert check(qtbot, dialog) == f"The audit trail is intact ({lines} lines)."
    assert "#1b7f3b" in dialog.chain.styleSheet()

    demo._db.execute("DROP TRIGGER audit_no_update")
    demo._db.execute("UPDATE audit SET after = '{}' WHERE id = 5")
    assert check(qtbot, dialog) == (
        "Audit trail broken at row 5: its contents were changed after it was written."
    )
    assert "#b3261e" in dialog.chain.styleSheet()
    assert dialog.check_button.isEnabled()


def test_the_dialog_stays_in_use_while_the_chain_is_checked(
    qtbot, dialog, demo, admin, monkeypatch
) -> None:
    """The check runs on a thread of its own: held there, the dialog still filters, pages
    and paints; once let go, its answer arrives in words."""
    import threading

    from frontdesk.services.audit import AuditService

    held, running = threading.Event(), threading.Event()
    real = AuditService.check

    def held_check(self):
        running.set()
        assert held.wait(30)
        return real(self)

    monkeypatch.setattr(AuditService, "check", held_check)
    ticks: list[int] = []
    timer_id = dialog.startTimer(10)
    dialog.timerEvent = lambda _event: ticks.append(1)  # the event loop turning
    qtbot.mouseClick(dialog.check_button, Qt.MouseButton.LeftButton)
    assert running.wait(10)
    assert dialog.chain.text() == "Checking the audit chain…"
    assert not dialog.check_button.isEnabled()
    assert dialog._ops.said[-1] == "Checking the audit chain…"  # the busy line

    all_time(dialog)  # the admin goes on working meanwhile
    dialog.staff_combo.setCurrentIndex(1)
    assert dialog.model.rowCount() > 0 and dialog.model.filter.staff_id is not None
    dialog.table.scrollToBottom()
    qtbot.waitUntil(lambda: len(ticks) >= 5, timeout=5000)  # the event loop turns...
    assert dialog.check_job is not None and not held.is_set()  # ...while the check runs

    held.set()
    dialog.wait_for_check(30)
    qtbot.waitUntil(lambda: dialog.check_job is None, timeout=5000)
    dialog.killTimer(timer_id)
    assert dialog.chain.text() == f"The audit trail is intact ({total(demo, admin)} lines)."
    assert dialog.check_button.isEnabled()


def test_a_role_taken_away_before_the_check_is_said_beside_the_button(
    qtbot, demo, admin, doctor, prompts
) -> None:
    demo.staff.set_role(admin, doctor.id, Role.ADMIN)
    dialog = make(qtbot, demo, doctor)
    demo.staff.set_role(admin, doctor.id, Role.DOCTOR)
    assert check(qtbot, dialog) == refusal(Role.DOCTOR, Permission.VIEW_AUDIT)
    assert "#b3261e" in dialog.chain.styleSheet() and prompts.warnings == []
    line = newest(demo, admin)
    assert (line.action, line.staff_id) == ("denied", doctor.id)  # the attempt is recorded
    assert line.after is not None and line.after["tried"] == "read the audit trail"


# -- refusals -------------------------------------------------------------------------------
def test_a_non_admin_sees_the_refusal_and_nothing_else(qtbot, demo, desk) -> None:
    dialog = make(qtbot, demo, desk)
    assert dialog.refused
    assert dialog.refusal.text() == refusal(Role.FRONT_DESK, Permission.VIEW_AUDIT)
    assert dialog.refusal.isVisible()
    assert not dialog.content.isVisible() and not dialog.table.isVisible()
    assert dialog.model.rowCount() == 0


def test_a_role_taken_away_meanwhile_shows_the_refusal(qtbot, demo, admin, doctor) -> None:
    demo.staff.set_role(admin, doctor.id, Role.ADMIN)
    dialog = make(qtbot, demo, doctor)  # the doctor's window, signed in before the change
    all_time(dialog)
    assert dialog.model.canFetchMore()
    demo.staff.set_role(admin, doctor.id, Role.DOCTOR)
    dialog.model.fetchMore()
    assert dialog.refused
    assert dialog.refusal.text() == refusal(Role.DOCTOR, Permission.VIEW_AUDIT)


def test_today_after_the_newest_line_still_ends_the_range(qtbot, demo, admin) -> None:
    made = AuditDialog(
        demo.patients,
        lambda: admin,
        today=lambda: date(2027, 1, 15),
        ops=operations(demo),
    )
    qtbot.addWidget(made)
    assert made.last_day.date() == QDate(2027, 1, 15)
    assert made.first_day.date() == QDate(2026, 10, 28)  # the month before the newest line
    assert made.model.rowCount() > 0


# -- typed days -----------------------------------------------------------------------------
def type_day(qtbot, field, text: str) -> None:
    field.setFocus()
    field.edit.selectAll()
    qtbot.keyClick(field.edit, Qt.Key.Key_Backspace)
    qtbot.keyClicks(field.edit, text)


@pytest.mark.parametrize(
    ("first", "last"),
    [("11/20/2026", "11/23/2026"), ("11/20/26", "11/23/26"), ("2026-11-20", "2026-11-23")],
)
def test_typed_days_filter_the_lines(qtbot, dialog, demo, admin, first, last) -> None:
    type_day(qtbot, dialog.first_day, first)
    type_day(qtbot, dialog.last_day, last)
    assert dialog.first_day.said_text() == "Fri, Nov 20, 2026"
    assert dialog.last_day.said_text() == "Mon, Nov 23, 2026"
    assert dialog.current_filter().first_day == "2026-11-20"
    assert dialog.current_filter().last_day == "2026-11-23"
    assert dialog.model.total == total(demo, admin, first_day="2026-11-20", last_day="2026-11-23")


def test_an_unreadable_day_is_said_and_keeps_the_lines(qtbot, dialog) -> None:
    before = dialog.model.filter
    type_day(qtbot, dialog.last_day, "23/11/2026")
    assert dialog.last_day.said_text() == "The month comes first: did you mean 11/23/2026?"
    assert dialog.model.filter == before
    assert not dialog.export_button.isEnabled()


# -- readable values ------------------------------------------------------------------------
def entry(before, after, action="update", entity="staff") -> AuditEntry:
    return AuditEntry(
        id=9, at="2026-12-07T10:00:00-08:00", staff_id=1, action=action, entity=entity,
        entity_id=2, before=before, after=after, patient_id=None,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("key", "old", "new", "said"),
    [
        ("role", "front_desk", "doctor", "role: Front desk → Doctor"),
        ("note", "", "Call back", "note: (none) → Call back"),
        ("note", None, "Call back", "note: (none) → Call back"),
        ("status", "booked", "no_show", "status: Booked → No-show"),
        ("status", "active", "ended", "status: Active → Ended early"),
        ("archived", False, True, "archived: no → yes"),
        ("dob", "1985-03-14", "1985-03-15", "date of birth: Thu, Mar 14, 1985 → Fri, Mar 15, 1985"),
        (
            "starts",
            "2026-12-07T10:00",
            "2026-12-08T16:30",
            ("starts: Mon, Dec 7, 2026, 10:00 am → Tue, Dec 8, 2026, 4:30 pm"),
        ),
        ("phone", "+18185550134", "", "phone: (818) 555-0134 → (none)"),
        ("language", "en", "es", "language: English → Spanish"),
        ("permission", None, "VIEW_AUDIT", "permission: (none) → read the audit trail"),
        ("username", "dr_alex", "alex", "username: dr_alex → alex"),
    ],
)
def test_values_are_said_as_the_desk_reads_them(key, old, new, said) -> None:
    assert summary(entry({key: old}, {key: new})) == said


def test_a_record_kept_whole_is_said_key_by_key() -> None:
    answers = '{"acne": "none", "regions": [{"region": "left_cheek", "felt": "no"}]}'
    said = summary(entry(None, {"answers": answers}, action="record", entity="intake"))
    assert said == "answers: acne: none, regions: (felt: no, region: left cheek)"


def test_the_detail_pane_shows_readable_values(qtbot, dialog, demo, admin) -> None:
    all_time(dialog)
    entries = load_all(dialog)
    row = next(i for i, e in enumerate(entries) if e.action == "demo_login")
    dialog.table.selectRow(row)
    text = dialog.detail_text()
    assert "role: " in text and "front_desk" not in text and '""' not in text
    assert ", demo login, " in text  # the action in words, as the table says it


# -- the CSV export -------------------------------------------------------------------------
def read_csv(path) -> list[list[str]]:
    import csv

    with open(path, newline="", encoding="utf-8-sig") as f:
        return list(csv.reader(f))


def test_the_filtered_trail_exports_to_csv_with_readable_values(
    qtbot, dialog, demo, admin, prompts, tmp_path
) -> None:
    [patient] = demo.patients.search("García").rows[:1]
    dialog.choose_patient(demo.patients.get(patient.id))
    type_day(qtbot, dialog.first_day, "1/1/2026")
    expected = load_all(dialog)
    assert expected
    when = dialog.column_texts(COL_WHEN)
    prompts.save_as = str(tmp_path / "trail")  # no suffix typed: .csv is added
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    exported(qtbot, dialog)
    path = tmp_path / "trail.csv"
    rows = read_csv(path)
    assert rows[0] == ["Line", "When", "Who", "Action", "What", "Changes"]
    assert [int(r[0]) for r in rows[1:]] == [e.id for e in expected]  # every line, in order
    for row, line, shown in zip(rows[1:], expected, when, strict=True):
        assert row[1] == shown  # as the table says it: "Thu, Nov 26, 2026, 10:30 am"
        assert patient.full_name in row[4]
        assert row[5] == summary(line)  # whole, not cut to the cell
    text = path.read_text(encoding="utf-8-sig")
    assert "front_desk" not in text
    assert all(not r[5].startswith("=") for r in rows[1:])
    assert (path.stat().st_mode & 0o777) == 0o600
    assert dialog.exported.text() == f"{len(expected)} lines exported to {path}."
    # The export is itself a line of the trail, about this patient, with its filter.
    line = newest(demo, admin)
    assert (line.action, line.entity, line.staff_id) == ("export", "audit_trail", admin.id)
    assert line.after is not None
    assert line.after["lines"] == len(expected) and line.after["file"] == str(path)
    assert line.after["first_day"] == "2026-01-01" and line.patient_id == patient.id
    assert dialog.model.entry_at(0).id == line.id  # shown at once


def exported(qtbot, dialog: AuditDialog) -> None:
    dialog.wait_for_export(30)
    qtbot.waitUntil(lambda: dialog.export_job is None, timeout=5000)


def test_the_export_reads_and_writes_off_the_gui_thread(
    qtbot, dialog, demo, admin, prompts, tmp_path, monkeypatch
) -> None:
    import frontdesk.ui.dialogs.audit_dialog as module

    monkeypatch.setattr(module, "EXPORT_PAGE", 50)  # several pages read, each below the last
    all_time(dialog)
    lines = dialog.model.total
    prompts.save_as = str(tmp_path / "all.csv")
    dialog.export_csv()
    assert dialog.export_job is not None and not dialog.export_button.isEnabled()
    assert dialog._ops.said[-1] == "Exporting the audit trail to all.csv…"
    exported(qtbot, dialog)
    rows = read_csv(tmp_path / "all.csv")
    assert len(rows) == lines + 1
    assert len({r[0] for r in rows[1:]}) == lines  # no line twice across the pages
    assert "front_desk" not in (tmp_path / "all.csv").read_text(encoding="utf-8-sig")
    assert "· patient #" not in (tmp_path / "all.csv").read_text(encoding="utf-8-sig")  # named
    assert dialog.export_button.isEnabled()
    assert newest(demo, admin).action == "export"


def test_a_cancelled_export_writes_and_records_nothing(dialog, demo, admin, prompts) -> None:
    before = total(demo, admin)
    prompts.save_as = ""
    dialog.export_csv()
    assert total(demo, admin) == before and dialog.exported.text() == ""


def test_a_formula_in_a_value_is_not_run_by_a_spreadsheet(tmp_path) -> None:
    from frontdesk.ui.dialogs.audit_dialog import write_csv

    path = tmp_path / "x.csv"
    write_csv(path, ["Changes"], [['=HYPERLINK("http://x")'], ["-1"], ["plain"]])
    assert [r[0] for r in read_csv(path)[1:]] == ['\'=HYPERLINK("http://x")', "'-1", "plain"]


def test_an_unwritable_folder_is_said_and_nothing_is_recorded(
    qtbot, dialog, demo, admin, prompts, tmp_path
) -> None:
    before = total(demo, admin)
    prompts.save_as = str(tmp_path / "no-such-folder" / "trail.csv")
    dialog.export_csv()
    exported(qtbot, dialog)
    assert "could not be written" in dialog.exported.text()
    assert prompts.warnings == []  # said beside the button
    assert ERROR_COLOUR in dialog.exported.styleSheet()
    assert total(demo, admin) == before


def test_a_role_taken_away_before_export_keeps_no_file(
    qtbot, demo, admin, doctor, prompts, tmp_path
) -> None:
    demo.staff.set_role(admin, doctor.id, Role.ADMIN)
    dialog = make(qtbot, demo, doctor)
    demo.staff.set_role(admin, doctor.id, Role.DOCTOR)
    prompts.save_as = str(tmp_path / "trail.csv")
    dialog.export_csv()
    exported(qtbot, dialog)
    assert not (tmp_path / "trail.csv").exists()
    assert dialog.exported.text() == refusal(Role.DOCTOR, Permission.VIEW_AUDIT)


@ON_ONE_WIDGET
@given(
    day=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)),
    form=forms("us", "us two-digit year", "iso"),
)
def test_any_from_day_typed_key_by_key_filters_from_it(qtbot, dialog, day, form) -> None:
    dialog.first_day.setDate(date(2020, 1, 1))  # the dialog is shared by the examples
    dialog.last_day.setDate(date(2030, 12, 31))
    text = typed(day, form)
    type_day(qtbot, dialog.first_day, text)
    assert dialog.first_day.said_text() == format_day(day)
    assert dialog.model.filter.first_day == day.isoformat()
    assert dialog.model.filter.last_day == "2030-12-31"
    assert dialog.export_button.isEnabled()


def test_closing_during_a_background_export_still_records_it(
    qtbot, dialog, demo, admin, prompts, tmp_path
) -> None:
    prompts.save_as = str(tmp_path / "closing.csv")
    dialog.export_csv()
    assert dialog.export_job is not None
    dialog.reject()  # Close at once
    assert dialog.export_job is None
    line = newest(demo, admin)
    assert line.action == "export" and line.after is not None
    assert line.after["file"] == str(tmp_path / "closing.csv")
    assert (tmp_path / "closing.csv").exists()


def test_an_export_that_cannot_be_recorded_keeps_no_file(
    qtbot, dialog, demo, admin, prompts, tmp_path, monkeypatch
) -> None:
    from frontdesk.services.audit import AuditService
    from frontdesk.services.errors import ServiceError

    def refused(*_args, **_kwargs):
        raise ServiceError("The audit trail could not be written.")

    monkeypatch.setattr(AuditService, "record_export", refused)
    prompts.save_as = str(tmp_path / "unrecorded.csv")
    dialog.export_csv()
    exported(qtbot, dialog)
    assert not (tmp_path / "unrecorded.csv").exists()
    assert dialog.exported.text() == (
        "The audit trail could not be written. The file was not kept."
    )


def test_a_change_announced_brings_its_lines_to_the_first_page(
    qtbot, dialog, demo, admin, desk
) -> None:
    from frontdesk.services.changes import Change, Changes, Entity

    patient = demo.patients.search("García").rows[0]
    demo.patients.archive(desk, patient.id)  # as another window would, then announced
    dialog._ops.notifier.announce(Changes.of(Change(Entity.PATIENT, patient.id, patient.id)))
    assert dialog.model.entry_at(0).id == newest(demo, admin).id

    all_time(dialog)
    dialog.model.fetchMore()  # deeper in the trail: the admin keeps their place
    kept = dialog.model.rowCount()
    demo.patients.restore(desk, patient.id)
    dialog._ops.notifier.announce(Changes.of(Change(Entity.PATIENT, patient.id, patient.id)))
    assert dialog.model.rowCount() == kept
    assert dialog.count.text().endswith(
        "Newer lines were written since: change a filter to see them."
    )


def test_a_forged_identity_and_a_record_looked_at_read_as_words(qtbot, demo, admin) -> None:
    from frontdesk.domain.staff import Staff
    from frontdesk.services.signed_in import NotSignedIn

    maria = demo.patients.search("garcia maria").rows[0]
    demo.record_views.viewed(admin, maria.id)
    with pytest.raises(NotSignedIn):
        demo.patients.archive(Staff(id=admin.id, name="x", role=Role.ADMIN), maria.id)
    dialog = make(qtbot, demo, admin)
    all_time(dialog)
    model = dialog.model
    rows = [
        tuple(model.data(model.index(r, c)) for c in (COL_WHO, COL_ACTION))
        for r in range(min(model.rowCount(), 5))
    ]
    assert ("not signed in", "refused") in rows
    assert (admin.name, "looked at the record") in rows
