from __future__ import annotations

from PySide6.QtCore import QSettings, Qt

from frontdesk.domain.staff import Role
from frontdesk.ui.main_window import MainWindow
from tests.conftest import NOW, draft


def test_only_working_tabs_and_the_menus(window) -> None:
    tabs = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert tabs == ["Patients", "Intake", "Calendar", "CO2 sessions"]
    menus = [a.text() for a in window.menuBar().actions()]
    assert menus == ["&File", "&Patients", "&Intake", "&Calendar", "C&O2", "&Help"]
    patients_menu = window.menuBar().actions()[1].menu()
    shortcuts = {a.text(): a.shortcut().toString() for a in patients_menu.actions()}
    assert shortcuts["&Find patient"] == "Ctrl+F"
    assert shortcuts["&New patient…"] == "Ctrl+N"
    assert shortcuts["&Book an appointment…"] == "Ctrl+B"


def test_staff_at_the_desk_is_shown_and_signs_every_write(qtbot, window, demo) -> None:
    assert window.session.current.role is Role.FRONT_DESK  # the sensible default
    doctor_index = next(
        i
        for i in range(window.staff_picker.count())
        if window.staff_picker.itemData(i).role is Role.DOCTOR
    )
    window.staff_picker.setCurrentIndex(doctor_index)
    assert window.session.current.role is Role.DOCTOR
    assert "now at the desk" in window.statusBar().currentMessage()
    tab = window.patients_tab
    tab.new_patient()
    dialog = tab.dialog
    dialog.first_name.setText("Omid")
    dialog.last_name.setText("Sadeghi")
    dialog.dob.setText("2/2/1988")
    dialog.save()
    patient = tab.detail.patient
    [entry] = demo.audit.history("patient", patient.id)
    assert entry.staff_id == window.session.current.id


def test_geometry_and_desk_choice_are_remembered(qtbot, demo, settings) -> None:
    first = MainWindow(demo, settings, today=lambda: NOW.date())
    qtbot.addWidget(first)
    first.show()
    first.resize(770, 560)  # within the offscreen screen (800x600)
    first.staff_picker.setCurrentIndex(
        next(
            i
            for i in range(first.staff_picker.count())
            if first.staff_picker.itemData(i).role is Role.DOCTOR
        )
    )
    first.close()
    reread = QSettings(settings.fileName(), QSettings.Format.IniFormat)
    second = MainWindow(demo, reread, today=lambda: NOW.date())
    qtbot.addWidget(second)
    second.show()
    assert (second.width(), second.height()) == (770, 560)
    assert second.session.current.role is Role.DOCTOR


def test_menu_entries_have_accessible_names_or_text(window) -> None:
    for menu_action in window.menuBar().actions():
        for action in menu_action.menu().actions():
            assert action.isSeparator() or action.text()
    assert window.staff_picker.accessibleName() == "Who is at the desk"
    assert window.patients_tab.search.accessibleName() == "Find patient"


def test_a_write_announced_elsewhere_refreshes_then_ctrl_f_finds_it(
    qtbot, window, demo, desk
) -> None:
    demo.patients.register(
        desk, draft(first_name="Tatevik", last_name="Avetisyan", dob="9/9/1999", phone="", email="")
    )
    window.notifier.announce("patient", 0)
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(window.patients_tab.search, "avet tat")
    assert window.patients_tab.detail.patient.full_name == "Tatevik Avetisyan"


def test_the_desk_choice_lasts_for_the_day_only(qtbot, demo, settings) -> None:
    from datetime import timedelta

    first = MainWindow(demo, settings, today=lambda: NOW.date())
    qtbot.addWidget(first)
    first.staff_picker.setCurrentIndex(
        next(
            i
            for i in range(first.staff_picker.count())
            if first.staff_picker.itemData(i).role is Role.DOCTOR
        )
    )
    first.close()
    next_day = MainWindow(demo, settings, today=lambda: NOW.date() + timedelta(days=1))
    qtbot.addWidget(next_day)
    assert next_day.session.current.role is Role.FRONT_DESK


def test_the_intake_tab_is_built_when_first_needed(qtbot, window) -> None:
    assert window._intake_tab is None  # start-up does not pay for it
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentWidget() is window.intake_page
    assert window._intake_tab is not None and window.intake_tab.isVisible()
    texts = [a.text() for a in window.intake_menu.actions()]
    assert "&Save intake" in texts and "New &intake" in texts
