"""Logging a CO2 session: pre-filled from the last one, early needs a reason, errors by fields."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PySide6.QtCore import Qt, QTime
from PySide6.QtWidgets import QDialog

from frontdesk.domain.co2 import Series, SeriesStatus, SessionDraft, Settings, SignedSession
from frontdesk.domain.dates import format_day
from frontdesk.domain.intake import Region
from frontdesk.services.errors import NotAllowed, ServiceError, ValidationFailed
from frontdesk.ui.dialogs.session_dialog import NOT_SET, SessionDialog
from tests.conftest import NOW
from tests.ui.typed_days import ON_ONE_WIDGET, forms, typed

SETTINGS = Settings("UltraPulse fractional CO2", 40.0, 10.0, 2, "120 um", "DeepFX")
PREVIOUS = SessionDraft(
    datetime(2026, 9, 1, 11),
    SETTINGS,
    (Region.LEFT_CHEEK, Region.RIGHT_CHEEK),
    "Topical lidocaine 45 min",
    True,
    "Expected redness and pinpoint bleeding",
    "Mild swelling",
    "Tolerated well",
)
DUE = date(2026, 12, 1)  # NOW is Thu Nov 26, 2026, 10:30


def one_done() -> Series:
    session = SignedSession(1, 1, 1, PREVIOUS, "2026-09-01T12:00", "Dr. Alex")
    return Series(1, 7, 4, SeriesStatus.ACTIVE, date(2026, 6, 1), "", 1, (session,))


class Signer:
    """Stands in for the write through Operations: records what was signed, or hands
    `refusal` to the dialog's refusal handler (as `ops.write(on_refusal=...)` does) and
    answers False."""

    def __init__(self, refusal: ServiceError | None = None) -> None:
        self.refusal = refusal
        self.calls: list[tuple[SessionDraft, str]] = []
        self.dialog: SessionDialog | None = None

    def __call__(self, draft: SessionDraft, early_reason: str) -> str | bool:
        self.calls.append((draft, early_reason))
        if self.refusal is not None:
            assert self.dialog is not None
            self.dialog.show_refusal(self.refusal)
            return False
        return "signed"


def make(qtbot, *, due=DUE, now=NOW, previous=PREVIOUS, signer=None, series=None):
    signer = signer or Signer()
    dialog = SessionDialog(series or one_done(), due, now, previous, signer)
    signer.dialog = dialog
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def set_day(dialog: SessionDialog, day: date, at: time = time(10, 30)) -> None:
    dialog.day.setDate(day)
    dialog.at.setTime(QTime(at.hour, at.minute))


def test_title_and_the_settings_come_from_the_previous_session(qtbot) -> None:
    dialog = make(qtbot)
    assert dialog.windowTitle() == "Log CO2 session 2 of 4"
    assert dialog.objectName() == "sessionDialog"
    assert dialog.device.text() == "UltraPulse fractional CO2"
    assert (dialog.energy.value(), dialog.density.value(), dialog.passes.value()) == (40, 10, 2)
    assert (dialog.spot.text(), dialog.mode.text()) == ("120 um", "DeepFX")
    ticked = {r for r, box in dialog.area_boxes.items() if box.isChecked()}
    assert ticked == {Region.LEFT_CHEEK, Region.RIGHT_CHEEK}
    assert set(dialog.area_boxes) == set(Region)
    assert dialog.area_boxes[Region.LEFT_CHEEK].text() == "Left cheek"
    assert dialog.anaesthesia.text() == "Topical lidocaine 45 min"
    assert dialog.antiviral.isChecked()
    # What was observed is this session's own: never copied from the last one.
    assert dialog.response.toPlainText() == ""
    assert dialog.adverse.toPlainText() == ""
    assert dialog.notes.toPlainText() == ""
    assert dialog.performed_at() == datetime(2026, 11, 26, 10, 30)  # today, not September
    assert dialog.day.text() == "11/26/2026" and dialog.day.said_text() == "Thu, Nov 26, 2026"
    assert dialog.at.displayFormat() == "h:mm ap"
    assert "final" in dialog.final_note.text() and "addenda" in dialog.final_note.text()


def test_without_a_previous_session_nothing_is_assumed(qtbot) -> None:
    dialog = make(qtbot, previous=None, due=None, now=datetime(2026, 11, 26, 10, 44))
    assert dialog.performed_at() == datetime(2026, 11, 26, 10, 30)  # down to the quarter hour
    assert dialog.device.text() == ""
    assert dialog.energy.text() == NOT_SET and dialog.energy.value() == 0
    assert dialog.passes.text() == NOT_SET
    assert not any(box.isChecked() for box in dialog.area_boxes.values())
    assert not dialog.antiviral.isChecked()
    assert not dialog.early_box.isVisibleTo(dialog)


def test_early_box_shows_only_before_the_due_date(qtbot) -> None:
    dialog = make(qtbot)  # Nov 26, due Dec 1
    assert dialog.early_box.isVisibleTo(dialog)
    said = dialog.early_label.text().replace("&", "")
    assert said == "Early: due Tue, Dec 1, 2026. Why earlier? (doctor's override)"
    assert "5 days before" in dialog.early_warning.text()
    set_day(dialog, DUE)
    assert not dialog.early_box.isVisibleTo(dialog)
    set_day(dialog, date(2026, 11, 30))
    assert dialog.early_box.isVisibleTo(dialog)
    assert "1 day before" in dialog.early_warning.text()


def test_the_draft_holds_what_is_on_screen(qtbot) -> None:
    signer = Signer()
    dialog = make(qtbot, previous=None, due=None, signer=signer)
    set_day(dialog, date(2026, 11, 26), time(10, 15))
    qtbot.keyClicks(dialog.device, "  eCO2 ")
    dialog.energy.setValue(35.5)
    dialog.density.setValue(12)
    dialog.passes.setValue(3)
    qtbot.keyClicks(dialog.spot, "300 um")
    qtbot.keyClicks(dialog.mode, "Static")
    dialog.area_boxes[Region.FOREHEAD].setChecked(True)
    dialog.area_boxes[Region.CHIN].setChecked(True)
    qtbot.keyClicks(dialog.anaesthesia, "Topical")
    dialog.antiviral.setChecked(True)
    dialog.response.setPlainText("Redness")
    dialog.sign()
    assert signer.calls == [
        (
            SessionDraft(
                datetime(2026, 11, 26, 10, 15),
                Settings("eCO2", 35.5, 12.0, 3, "300 um", "Static"),
                (Region.FOREHEAD, Region.CHIN),
                "Topical",
                True,
                "Redness",
                "",
                "",
            ),
            "",
        )
    ]
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.result_value == "signed"


def test_an_early_session_sends_the_reason_and_an_on_time_one_does_not(qtbot) -> None:
    signer = Signer()
    dialog = make(qtbot, signer=signer)
    dialog.early_reason.setPlainText("Patient moves abroad next week.")
    dialog.sign()
    assert signer.calls[0][1] == "Patient moves abroad next week."
    on_time = make(qtbot, signer=signer, now=datetime(2026, 12, 1, 11))
    on_time.early_reason.setPlainText("left over")
    on_time.sign()
    assert signer.calls[1][1] == ""


def test_refusals_are_said_next_to_their_fields_and_nothing_closes(qtbot) -> None:
    refusal = ValidationFailed(
        {
            "device": "Name the device used.",
            "energy_mj": "Energy is 1 to 300 mJ.",
            "areas": "Tick at least one treated area.",
            "response": "Describe how the skin responded right after.",
            "early_reason": "This session is due on Tue, Dec 1, 2026: earlier needs a reason.",
            "eligibility": "Laser is not allowed today: acne is active.",
        }
    )
    dialog = make(qtbot, signer=Signer(refusal))
    dialog.sign()
    assert dialog.isVisible()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.error_text("device") == "Name the device used."
    assert dialog.error_text("energy_mj") == "Energy is 1 to 300 mJ."
    assert dialog.error_text("areas") == "Tick at least one treated area."
    assert dialog.error_text("response").startswith("Describe")
    assert dialog.error_text("early_reason").startswith("This session is due")
    assert dialog.error_text("spot") == ""
    assert dialog.error_text("general") == "Laser is not allowed today: acne is active."
    assert dialog.focusWidget() is dialog.device  # the first field to fix
    qtbot.keyClicks(dialog.device, "x")  # typing in a field takes its message away
    assert dialog.error_text("device") == ""
    assert dialog.error_text("areas") != ""


def test_other_refusals_show_in_the_red_line(qtbot) -> None:
    dialog = make(qtbot, signer=Signer(NotAllowed("Only the doctor can sign a session.")))
    dialog.sign()
    assert dialog.isVisible()
    assert dialog.error.text() == "Only the doctor can sign a session."
    assert dialog.error.isVisibleTo(dialog)


def test_ctrl_s_signs(qtbot) -> None:
    signer = Signer()
    dialog = make(qtbot, signer=signer, now=datetime(2026, 12, 1, 11))
    with qtbot.waitActive(dialog):
        dialog.activateWindow()
    qtbot.keyClick(dialog.device, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert len(signer.calls) == 1
    assert dialog.result() == QDialog.DialogCode.Accepted


def test_enter_in_a_field_never_signs(qtbot) -> None:
    signer = Signer()
    dialog = make(qtbot, signer=signer, now=datetime(2026, 12, 1, 11))
    qtbot.keyClick(dialog.device, Qt.Key.Key_Return)
    assert signer.calls == []
    assert dialog.isVisible()


def test_cancel_without_changes_closes_without_asking(qtbot, prompts) -> None:
    dialog = make(qtbot)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert prompts.asked == []
    assert dialog.result() == QDialog.DialogCode.Rejected
    assert not dialog.isVisible()


@pytest.mark.parametrize("answer", [False, True])
def test_escape_asks_before_discarding_what_was_typed(qtbot, prompts, answer) -> None:
    signer = Signer()
    dialog = make(qtbot, signer=signer)
    dialog.response.setPlainText("Redness, less than last time")
    prompts.answer = answer
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert prompts.asked and prompts.asked[0][0] == "Discard this session?"
    assert dialog.isVisible() is not answer
    assert signer.calls == []


def type_day(qtbot, dialog: SessionDialog, text: str) -> None:
    dialog.day.setFocus()
    dialog.day.edit.selectAll()
    qtbot.keyClick(dialog.day.edit, Qt.Key.Key_Backspace)
    qtbot.keyClicks(dialog.day.edit, text)


@pytest.mark.parametrize("text", ["12/01/2026", "12/1/26", "2026-12-01"])
def test_a_typed_date_performed_is_the_date_kept(qtbot, text) -> None:
    signer = Signer()
    dialog = make(qtbot, signer=signer)
    type_day(qtbot, dialog, text)
    assert dialog.day.said_text() == "Tue, Dec 1, 2026"
    assert dialog.performed_at() == datetime(2026, 12, 1, 10, 30)
    assert not dialog.early()  # on the due day: no reason asked
    dialog.sign()
    assert signer.calls[-1][0].performed_at == datetime(2026, 12, 1, 10, 30)


def test_an_unreadable_date_performed_is_said_and_cannot_be_signed(qtbot) -> None:
    signer = Signer()
    dialog = make(qtbot, signer=signer)
    type_day(qtbot, dialog, "26/11/2026")
    assert dialog.day.said_text() == "The month comes first: did you mean 11/26/2026?"
    assert not dialog.sign_button.isEnabled()
    qtbot.keyClick(dialog, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    dialog.sign()
    assert signer.calls == []  # neither the button nor Ctrl+S signs an unreadable day
    type_day(qtbot, dialog, "11/26/2026")
    assert dialog.sign_button.isEnabled()


# -- issue 13 point 7: the booked visit's time, closed days asked about, what is signed shown --
TUESDAY = date(2026, 12, 1)


def _series_of(patient_id: int) -> Series:
    session = SignedSession(1, 1, 1, PREVIOUS, "2026-09-01T12:00", "Dr. Alex")
    return Series(1, patient_id, 4, SeriesStatus.ACTIVE, date(2026, 6, 1), "", 1, (session,))


@pytest.fixture
def maria_co2(clinic, desk):
    """María, with her CO2 visit booked on Tuesday December 1 at 2:00 pm."""
    from frontdesk.domain.appointments import CO2_SESSION
    from tests.conftest import draft

    patient = clinic.patients.register(desk, draft())
    clinic.calendar.book(desk, patient.id, CO2_SESSION, datetime(2026, 12, 1, 14, 0))
    return patient.id


def make_with_calendar(qtbot, clinic, patient_id, *, now, signer=None, due=None):
    signer = signer or Signer()
    dialog = SessionDialog(
        _series_of(patient_id), due, now, PREVIOUS, signer, calendar=clinic.calendar
    )
    signer.dialog = dialog
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_the_time_is_the_patients_booked_co2_visit_that_day(qtbot, clinic, maria_co2) -> None:
    opened_later = make_with_calendar(qtbot, clinic, maria_co2, now=datetime(2026, 12, 1, 16, 40))
    assert opened_later.performed_at() == datetime(2026, 12, 1, 14, 0)  # not 4:30 pm
    assert opened_later.booked_note.text() == "Booked that day at 2:00 pm."
    # Logged days later: typing the day of the visit takes its booked time.
    dialog = make_with_calendar(qtbot, clinic, maria_co2, now=datetime(2026, 12, 3, 11, 10))
    assert dialog.performed_at() == datetime(2026, 12, 3, 11, 0) and dialog.booked_note.isHidden()
    type_day(qtbot, dialog, "12/01/2026")
    assert dialog.performed_at() == datetime(2026, 12, 1, 14, 0)
    assert not dialog.booked_note.isHidden()
    # A time the doctor sets is kept when the day changes again.
    dialog.at.setTime(QTime(14, 30))
    type_day(qtbot, dialog, "12/02/2026")
    type_day(qtbot, dialog, "12/01/2026")
    assert dialog.performed_at() == datetime(2026, 12, 1, 14, 30)


def _ready(dialog: SessionDialog) -> None:
    dialog.response.setPlainText("Expected redness")


@pytest.mark.parametrize(
    ("day", "at", "said"),
    [
        (date(2026, 11, 26), time(10, 30), "The office was closed on Thu, Nov 26, 2026:"
                                          " Thanksgiving Day."),
        (date(2026, 11, 28), time(11, 0), "The office is closed on Saturdays (Sat, Nov 28, 2026)."),
        (date(2026, 11, 24), time(19, 0), "7:00 pm is outside the office hours on Tuesdays"
                                          " (10:00 am-5:00 pm)."),
    ],
)  # fmt: skip
def test_a_day_or_time_the_office_was_closed_is_asked_about_first(
    qtbot, clinic, maria_co2, prompts, day, at, said
) -> None:
    signer = Signer()
    dialog = make_with_calendar(
        qtbot, clinic, maria_co2, now=datetime(2026, 12, 3, 11), signer=signer
    )
    _ready(dialog)
    set_day(dialog, day, at)
    prompts.answer = False
    dialog.sign()
    title, text = prompts.asked[-1]
    assert title == "Log it when the office was closed?"
    assert text.startswith(said)
    assert signer.calls == [] and dialog.isVisible()
    prompts.answer = True
    dialog.sign()
    assert [t for t, _ in prompts.asked[-2:]] == ["Log it when the office was closed?",
                                                  "Sign session 2 of 4?"]  # fmt: skip
    assert signer.calls[-1][0].performed_at == datetime.combine(day, at)


def test_an_open_time_is_not_asked_about(qtbot, clinic, maria_co2, prompts) -> None:
    dialog = make_with_calendar(qtbot, clinic, maria_co2, now=datetime(2026, 12, 1, 16, 40))
    _ready(dialog)
    dialog.sign()
    assert [t for t, _ in prompts.asked] == ["Sign session 2 of 4?"]


def test_what_will_be_signed_is_shown_first_and_going_back_signs_nothing(qtbot, prompts) -> None:
    signer = Signer()
    dialog = make(qtbot, signer=signer, now=datetime(2026, 12, 1, 11))
    _ready(dialog)
    dialog.adverse.setPlainText("None seen")
    prompts.answer = False
    dialog.sign()
    assert signer.calls == [] and dialog.isVisible()
    title, text = prompts.asked[-1]
    assert title == "Sign session 2 of 4?"
    for line in (
        "Date: Tue, Dec 1, 2026, 11:00 am",
        "Device: UltraPulse fractional CO2",
        "Settings: 40 mJ, 10 %, 2 passes, spot 120 um, mode DeepFX",
        "Areas: Left cheek, Right cheek",
        "Anaesthesia: Topical lidocaine 45 min",
        "Antiviral prophylaxis: given",
        "Response: Expected redness",
        "Adverse events: None seen",
    ):
        assert line in text.splitlines()
    assert "Signing is final" in text
    prompts.answer = True
    dialog.sign()
    assert len(signer.calls) == 1 and dialog.result() == QDialog.DialogCode.Accepted


def test_an_early_session_shows_its_reason_before_signing(qtbot, prompts) -> None:
    dialog = make(qtbot)
    _ready(dialog)
    dialog.early_reason.setPlainText("Patient moves abroad next week.")
    dialog.sign()
    assert "Early (due Tue, Dec 1, 2026): Patient moves abroad next week." in prompts.asked[-1][1]


def test_a_session_the_rules_refuse_is_not_asked_about(qtbot, prompts) -> None:
    refusal = ValidationFailed({"response": "Describe how the skin responded right after."})
    signer = Signer(refusal)
    dialog = make(qtbot, signer=signer, now=datetime(2026, 12, 1, 11))
    dialog.sign()  # no response yet: the refusal says what to fix, nothing to confirm
    assert prompts.asked == []
    assert dialog.error_text("response").startswith("Describe")


@pytest.fixture
def logging_dialog(qtbot) -> SessionDialog:
    return make(qtbot, due=None)


@ON_ONE_WIDGET
@given(
    day=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)),
    form=forms("us", "us two-digit year", "iso"),
)
def test_any_date_performed_typed_key_by_key_is_kept(qtbot, logging_dialog, day, form) -> None:
    dialog = logging_dialog
    set_day(dialog, date(2026, 11, 26))  # the dialog is shared by the examples
    text = typed(day, form)
    type_day(qtbot, dialog, text)
    assert dialog.day.said_text() == format_day(day)
    assert dialog.performed_at() == datetime.combine(day, time(10, 30))
    assert dialog.sign_button.isEnabled()
