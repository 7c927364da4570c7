"""The Intake tab driven end to end: fill, live advice, save, correct, reopen from history."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication

from frontdesk.domain.intake import AcneStatus, Intake, Look, Region, RegionFinding, Subtype
from frontdesk.domain.staff import Role
from tests.conftest import announced, draft, member_with_role


def at_the_desk(window, role: Role) -> None:
    """As after that member signed in on the lock screen."""
    window.session.switch_to(member_with_role(window._clinic, role))


@pytest.fixture
def tab(window):
    """The Intake tab with the doctor at the desk: intakes are the doctor's to record."""
    window.show_intake()
    at_the_desk(window, Role.DOCTOR)
    return window.intake_tab


@pytest.fixture
def newcomer(demo, desk, window):
    patient = demo.patients.register(
        desk, draft(first_name="Nare", last_name="Vardanyan", dob="7/4/1996", phone="", email="")
    )
    window.notifier.announce(announced("patient", patient.id))
    return patient


def pick(qtbot, tab, patient) -> None:
    tab.search.clear()
    qtbot.keyClicks(tab.search, "vardanyan")
    assert tab.choose_patient(patient.id)


def tick(qtbot, box) -> None:
    """Click on the box itself (a check box reacts on its indicator and text only)."""
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))


def click_region(qtbot, tab, region: Region) -> None:
    face = tab.form.face
    qtbot.mouseClick(face, Qt.MouseButton.LeftButton, pos=face.region_centre(region).toPoint())


def test_fill_see_advice_live_save_correct_and_reopen(qtbot, window, tab, newcomer, demo):
    pick(qtbot, tab, newcomer)
    assert tab.editing == "new" and tab.history.count() == 0
    assert "new intake" in tab.heading.text()

    click_region(qtbot, tab, Region.LEFT_CHEEK)
    assert tab.form.region_combo.currentData() is Region.LEFT_CHEEK
    assert not tab.form.subtypes[Subtype.ROLLING].isEnabled()  # only for indented scars
    tick(qtbot, tab.form.looks[Look.INDENTED])
    tick(qtbot, tab.form.subtypes[Subtype.ROLLING])
    assert "atrophic: rolling" in tab.advice.text()
    assert "candidate for a fractional CO2 series" in tab.advice.text()
    tab.form.acne.setCurrentIndex(tab.form.acne.findData(AcneStatus.CONTROLLED))
    tab.form.fitzpatrick.setCurrentIndex(3)  # type III
    assert "Screening questions not asked" not in tab.advice.text()  # asked: gates laser only
    tick(qtbot, tab.form.screening["asked"])
    assert "Fitzpatrick skin type not recorded" not in tab.advice.text()

    qtbot.keyClick(tab.form.face, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert tab.editing == "" and tab.history.count() == 1
    assert "atrophic: rolling\n    version 1, Dr. Alex" in tab.history.item(0).text()
    assert "Intake of Nare Vardanyan saved" in window.statusBar().currentMessage()
    assert "Yes" in tab.eligibility.text()
    assert demo.patients.get(newcomer.id).finding == "atrophic: rolling"

    qtbot.mouseClick(tab.correct_button, Qt.MouseButton.LeftButton)
    assert tab.editing == "correct"
    tab.form.acne.setCurrentIndex(tab.form.acne.findData(AcneStatus.ACTIVE))
    assert "Active acne: control acne before any scar treatment." in tab.advice.text()
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    assert tab.history.count() == 2 and "version 2" in tab.history.item(0).text()
    assert "Not yet" in tab.eligibility.text()

    tab.history.setCurrentRow(1)  # the first version, still readable as it was
    assert tab.viewing.version == 1
    assert tab.form.acne.currentData() is AcneStatus.CONTROLLED
    assert not tab.form.acne.isEnabled() and not tab.correct_button.isEnabled()
    window.tabs.setCurrentWidget(window.patients_tab)
    window.patients_tab.search.setText("vardanyan")
    assert window.patients_tab.model.patient_at(0).finding == "atrophic: rolling"


def test_regions_by_keyboard(qtbot, tab, newcomer) -> None:
    pick(qtbot, tab, newcomer)
    tab.form.face.setFocus()
    start = tab.form.face.selected
    qtbot.keyClick(tab.form.face, Qt.Key.Key_Down)
    assert tab.form.face.selected is not start
    assert tab.form.region_combo.currentData() is tab.form.face.selected
    tab.form.region_combo.setCurrentIndex(tab.form.region_combo.findData(Region.CHIN))
    assert tab.form.face.selected is Region.CHIN
    tab.form.region_combo.setCurrentIndex(tab.form.region_combo.findData(Region.OTHER))
    assert tab.form.other_text.isVisibleTo(tab.form)


def test_contradictions_show_as_you_answer(qtbot, tab, newcomer) -> None:
    pick(qtbot, tab, newcomer)
    click_region(qtbot, tab, Region.FOREHEAD)
    tab.form.looks[Look.FLAT_BROWN].setChecked(True)
    tab.form.felt.setCurrentIndex(1)  # yes
    assert "Contradictory answers" in tab.advice.text()
    assert "marked as flat, yet the mark can be felt" in tab.advice.text()


def test_fitzpatrick_questions_set_the_type(qtbot, tab, newcomer) -> None:
    pick(qtbot, tab, newcomer)
    qtbot.mouseClick(tab.form.ask_button, Qt.MouseButton.LeftButton)
    dialog = tab.dialog
    assert not dialog.buttons.button(dialog.buttons.StandardButton.Ok).isEnabled()
    for combo in dialog.answers:
        combo.setCurrentIndex(4)  # score 3 each: 30 points
    assert "type V" in dialog.result_label.text()
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    assert tab.form.fitzpatrick.currentData() == 5
    assert "higher risk of PIH after laser" in tab.advice.text()


def test_only_the_doctor_overrides_a_no(qtbot, window, tab, newcomer, demo, doctor) -> None:
    pih = Intake((RegionFinding(Region.CHIN, frozenset({Look.FLAT_BROWN})),), fitzpatrick=4)
    demo.intakes.record(doctor, newcomer.id, pih)
    at_the_desk(window, Role.FRONT_DESK)
    pick(qtbot, tab, newcomer)
    assert "Not yet" in tab.eligibility.text()
    assert tab.override_button.isVisibleTo(tab) and not tab.override_button.isEnabled()
    assert not tab.override_action.isEnabled()  # the menu entry too
    at_the_desk(window, Role.DOCTOR)
    assert tab.override_button.isEnabled() and tab.override_action.isEnabled()
    qtbot.mouseClick(tab.override_button, Qt.MouseButton.LeftButton)
    dialog = tab.dialog
    dialog._accept()  # empty reason: refused in place
    assert dialog.isVisible() and dialog.error.isVisibleTo(dialog)
    dialog.reason.setPlainText("Texture change under the dark marks on the chin.")
    dialog._accept()
    assert "by the doctor's decision" in tab.eligibility.text()
    assert demo.intakes.eligibility(newcomer.id).allowed


def test_leaving_unsaved_answers_asks_first(qtbot, tab, newcomer, demo, desk, prompts) -> None:
    other = demo.patients.register(
        desk, draft(first_name="Ani", last_name="Vardanyan", dob="1/2/1990", phone="", email="")
    )
    tab.model.refresh()
    pick(qtbot, tab, newcomer)
    tab.form.looks[Look.RAISED].setChecked(True)
    prompts.answer = False
    tab.choose_patient(other.id)
    assert tab.patient.id == newcomer.id and prompts.asked[-1][0] == "Discard this intake?"
    prompts.answer = True
    tab.choose_patient(other.id)
    assert tab.patient.id == other.id


def test_a_bad_stop_date_is_refused(qtbot, tab, newcomer, demo, prompts) -> None:
    pick(qtbot, tab, newcomer)
    tab.form.screening["isotretinoin"].setChecked(True)
    qtbot.keyClicks(tab.form.stopped, "13/45/2020")
    assert tab.form.stopped_error.isVisibleTo(tab.form)
    assert tab.save() is None
    assert prompts.warnings and demo.intakes.history(newcomer.id) == []
    tab.form.stopped.setText("5/20/2026")
    assert tab.save().intake.screening.isotretinoin_stopped.isoformat() == "2026-05-20"


def test_ctrl_i_opens_the_selected_patients_intake(qtbot, window, demo) -> None:
    with_intake = next(p for p in demo.patients.search("", limit=100).rows if p.finding)
    tab = window.patients_tab
    tab.search.setText(with_intake.last_name)
    assert tab.select_patient(with_intake.id)
    qtbot.keyClick(window, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentWidget() is window.intake_page
    assert window.intake_tab.patient.id == with_intake.id
    assert window.intake_tab.viewing.summary == with_intake.finding
    assert "read only" in window.intake_tab.heading.text()


def test_the_front_desk_reads_intakes_but_does_not_record_them(qtbot, window, tab, newcomer):
    at_the_desk(window, Role.FRONT_DESK)
    pick(qtbot, tab, newcomer)
    assert tab.editing == "" and "intake due" in tab.heading.text()
    assert not tab.new_button.isEnabled() and not tab.save_button.isEnabled()
    assert "Only the doctor" in tab.new_button.toolTip()
    at_the_desk(window, Role.DOCTOR)
    assert tab.editing == "new" and tab.save_button.isEnabled()


def test_declining_to_discard_keeps_answers_and_history_usable(
    qtbot, tab, newcomer, demo, doctor, prompts
) -> None:
    first = Intake((RegionFinding(Region.NOSE, frozenset({Look.FLAT_RED})),), acne=AcneStatus.NONE)
    demo.intakes.record(doctor, newcomer.id, first)
    pick(qtbot, tab, newcomer)
    qtbot.keyClick(
        tab.form.face,
        Qt.Key.Key_N,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert tab.editing == "new"
    tab.form.looks[Look.RAISED].setChecked(True)
    prompts.answer = False
    item = tab.history.item(0)
    qtbot.mouseClick(
        tab.history.viewport(),
        Qt.MouseButton.LeftButton,
        pos=tab.history.visualItemRect(item).center(),
    )
    region = tab.form.face.selected
    assert tab.editing == "new" and Look.RAISED in tab.form.intake().region(region).looks
    assert tab.history.currentRow() == -1
    prompts.answer = True
    qtbot.mouseClick(
        tab.history.viewport(),
        Qt.MouseButton.LeftButton,
        pos=tab.history.visualItemRect(item).center(),
    )  # opens it from history
    assert tab.viewing is not None and tab.viewing.summary == "PIE"


def test_escape_cancels_and_quitting_asks_about_unsaved_answers(
    qtbot, window, tab, newcomer, prompts
) -> None:
    pick(qtbot, tab, newcomer)
    tab.form.looks[Look.RAISED].setChecked(True)
    prompts.answer = False
    window.close()
    assert window.isVisible() and prompts.asked[-1][0] == "Quit without saving?"
    tab.form.face.setFocus()
    qtbot.keyClick(tab.form.face, Qt.Key.Key_Escape)
    assert tab.editing == "new"  # declined again: still editing
    prompts.answer = True
    qtbot.keyClick(tab.form.face, Qt.Key.Key_Escape)
    assert tab.editing == "" or tab.form.intake() == Intake()


def test_marks_can_be_ticked_from_the_keyboard(qtbot, tab, newcomer) -> None:
    pick(qtbot, tab, newcomer)
    box = tab.form.looks[Look.INDENTED]
    box.setFocus()
    qtbot.keyClick(box, Qt.Key.Key_Space)
    assert Look.INDENTED in tab.form.intake().region(tab.form.face.selected).looks
    assert tab.form.subtypes[Subtype.BOXCAR].isEnabled()


def test_the_registry_cell_shows_the_finding_or_intake_due(qtbot, window, tab, newcomer):
    from frontdesk.ui.models.patients_model import COL_FINDING

    registry = window.patients_tab
    registry.search.setText("vardanyan")
    row = registry.model.row_of(newcomer.id)
    assert registry.model.index(row, COL_FINDING).data() == "intake due"
    pick(qtbot, tab, newcomer)
    tick(qtbot, tab.form.looks[Look.FLAT_BROWN])
    tab.form.acne.setCurrentIndex(tab.form.acne.findData(AcneStatus.NONE))
    tab.save()
    row = registry.model.row_of(newcomer.id)
    assert registry.model.index(row, COL_FINDING).data() == "PIH"


def test_arrow_keys_follow_the_picture(qtbot, tab, newcomer) -> None:
    pick(qtbot, tab, newcomer)
    face = tab.form.face
    face.setFocus()
    face.select(Region.RIGHT_CHEEK)  # the patient's right: on the viewer's left
    qtbot.keyClick(face, Qt.Key.Key_Right)
    assert face.selected is Region.NOSE
    qtbot.keyClick(face, Qt.Key.Key_Right)
    assert face.selected is Region.LEFT_CHEEK
    qtbot.keyClick(face, Qt.Key.Key_Up)
    assert face.selected in (Region.TEMPLES, Region.FOREHEAD)
    face.select(Region.NOSE)
    qtbot.keyClick(face, Qt.Key.Key_Down)
    qtbot.keyClick(face, Qt.Key.Key_Down)
    assert face.selected is Region.CHIN  # through the jawline band


def test_ctrl_f_searches_in_the_tab_in_front(qtbot, window, tab) -> None:
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is tab.search


def test_another_member_signing_in_keeps_the_keyboard_where_it_was(qtbot, window, tab, newcomer):
    pick(qtbot, tab, newcomer)
    tab.form.face.setFocus()
    at_the_desk(window, Role.FRONT_DESK)
    assert QApplication.focusWidget() is tab.form.face
