from __future__ import annotations

from PySide6.QtCore import QSettings, Qt

from frontdesk.domain.staff import Role
from frontdesk.ui.main_window import MainWindow
from tests.conftest import NOW, announced, draft, member_with_role


def test_only_working_tabs_and_the_menus(window) -> None:
    tabs = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert tabs == ["Patients", "Intake", "Calendar", "CO2 sessions"]
    menus = [a.text() for a in window.menuBar().actions()]
    assert menus == ["&File", "&Patients", "&Intake", "&Calendar", "C&O2", "&Admin", "&Help"]
    patients_menu = window.menuBar().actions()[1].menu()
    shortcuts = {a.text(): a.shortcut().toString() for a in patients_menu.actions()}
    assert shortcuts["&Find patient"] == "Ctrl+F"
    assert shortcuts["&New patient…"] == "Ctrl+N"
    assert shortcuts["&Book an appointment…"] == "Ctrl+B"


def test_the_signed_in_member_is_shown_and_signs_every_write(qtbot, window, demo) -> None:
    assert window.session.current.role is Role.FRONT_DESK
    assert window.user_label.text() == "Signed in: Front desk"
    doctor = member_with_role(demo, Role.DOCTOR)
    window.session.switch_to(doctor)  # as after the doctor signed in on the lock screen
    assert window.user_label.text() == "Signed in: Dr. Alex (doctor)"
    tab = window.patients_tab
    tab.new_patient()
    dialog = tab.dialog
    dialog.first_name.setText("Omid")
    dialog.last_name.setText("Sadeghi")
    dialog.dob.setText("2/2/1988")
    dialog.save()
    patient = tab.detail.patient
    [entry] = [e for e in demo.audit.history("patient", patient.id) if e.action != "view"]
    assert entry.staff_id == doctor.id


def test_admin_entries_are_greyed_with_the_reason_for_others(window, demo) -> None:
    assert not window.accounts_action.isEnabled()
    assert "Only the admin" in window.audit_action.toolTip()
    assert not window.calendar_tab.hours_action.isEnabled()
    admin = member_with_role(demo, Role.ADMIN)
    window.session.switch_to(admin)
    for action in (
        window.accounts_action,
        window.audit_action,
        window.admin_settings_action,
        window.clinic_details_action,
        window.calendar_tab.hours_action,
    ):
        assert action.isEnabled()


def test_geometry_is_remembered(qtbot, demo, settings, desk) -> None:
    first = MainWindow(demo, settings, today=lambda: NOW.date(), user=desk)
    qtbot.addWidget(first)
    first.show()
    first.resize(770, 560)  # within the offscreen screen (800x600)
    first.close()
    reread = QSettings(settings.fileName(), QSettings.Format.IniFormat)
    second = MainWindow(demo, reread, today=lambda: NOW.date(), user=desk)
    qtbot.addWidget(second)
    second.show()
    assert (second.width(), second.height()) == (770, 560)


def test_menu_entries_have_accessible_names_or_text(window) -> None:
    for menu_action in window.menuBar().actions():
        for action in menu_action.menu().actions():
            assert action.isSeparator() or action.text()
    assert window.lock_button.accessibleName() == "Lock Frontdesk"
    assert window.patients_tab.search.accessibleName() == "Find patient"


def test_a_write_announced_elsewhere_refreshes_then_ctrl_f_finds_it(
    qtbot, window, demo, desk
) -> None:
    demo.patients.register(
        desk, draft(first_name="Tatevik", last_name="Avetisyan", dob="9/9/1999", phone="", email="")
    )
    window.notifier.announce(announced("patient", 0))
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(window.patients_tab.search, "avet tat")
    assert window.patients_tab.detail.patient.full_name == "Tatevik Avetisyan"


def test_the_intake_tab_is_built_when_first_needed(qtbot, window) -> None:
    assert window._intake_tab is None  # start-up does not pay for it
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentWidget() is window.intake_page
    assert window._intake_tab is not None and window.intake_tab.isVisible()
    texts = [a.text() for a in window.intake_menu.actions()]
    assert "&Save intake" in texts and "New &intake" in texts


def test_the_demo_says_so_in_the_title_and_the_status_bar(window) -> None:
    assert window.windowTitle().endswith("DEMO, fictional patients")
    assert window.findChild(type(window.user_label), "demoMark").text().strip() == "DEMO"


def test_a_real_clinic_has_no_demo_mark(qtbot, clinic, settings, desk) -> None:
    real = MainWindow(clinic, settings, today=lambda: NOW.date(), user=desk)
    qtbot.addWidget(real)
    assert "DEMO" not in real.windowTitle()
    assert real.findChild(type(real.user_label), "demoMark") is None


def test_the_days_first_start_backs_up_and_checks_the_trail(qtbot, window, demo, prompts) -> None:
    from frontdesk.app import _daily_backup

    demo._db.execute("DROP TRIGGER audit_no_update")
    demo._db.execute("UPDATE audit SET after = '{}' WHERE id = 12")
    _daily_backup(demo, window)
    qtbot.waitUntil(lambda: bool(prompts.warnings), timeout=20_000)
    title, text = prompts.warnings[-1]
    assert title == "The audit trail has been changed"
    assert text.startswith("Audit trail broken at row 12")
    assert window.statusBar().currentMessage().startswith("Today's backup is saved:")
    [backup] = demo.backups.backups()
    assert backup.reason == "daily"


def test_the_doctors_co2_entries_are_greyed_for_the_desk_and_say_why(window, demo) -> None:
    _ = window.sessions_tab  # fills the CO2 menu
    log = {a.text(): a for a in window.sessions_menu.actions()}["&Log and sign a session…"]
    assert not log.isEnabled()
    assert log.toolTip() == "Only the doctor can log and sign a CO2 session."
    window.session.switch_to(member_with_role(demo, Role.DOCTOR))
    assert log.isEnabled() and "Only" not in log.toolTip()


def test_the_days_check_names_a_record_changed_behind_the_apps_back(
    qtbot, window, demo, prompts
) -> None:
    """The row comparison's findings, the first five, in the day's warning."""
    from frontdesk.app import _daily_backup

    patient = demo.patients.search("garcia maria").rows[0]
    demo._db.execute("UPDATE patients SET phone = '+18185550000' WHERE id = ?", [patient.id])
    _daily_backup(demo, window)
    qtbot.waitUntil(lambda: bool(prompts.warnings), timeout=20_000)
    title, text = prompts.warnings[-1]
    assert title == "The audit trail has been changed"
    assert f"Patient #{patient.id}" in text and "behind the app's back" in text
