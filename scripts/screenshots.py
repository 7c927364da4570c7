"""Render every window and dialog to PNG (offscreen), to look at them as a user would.

QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshots.py OUT_DIR
At 150 % scaling: QT_SCALE_FACTOR=1.5 (the window then takes a 1920x1080 screen's room).
"""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import datetime, time, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from frontdesk.app import build_window
from frontdesk.domain.staff import Role
from frontdesk.services.clinic import open_clinic
from frontdesk.services.demo import fill_demo_clinic
from frontdesk.ui import prompts
from frontdesk.ui.style import apply_style


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    prompts.confirm = lambda *_args: True  # no modal questions while rendering
    app = QApplication.instance() or QApplication([])
    apply_style(app)
    work = Path(tempfile.mkdtemp())
    clinic = open_clinic(work / "demo.sqlite3")
    fill_demo_clinic(clinic)
    settings = QSettings(str(work / "settings.ini"), QSettings.Format.IniFormat)

    def shot(widget, name: str) -> None:
        app.processEvents()
        widget.grab().save(str(out / f"{name}.png"))
        print(out / f"{name}.png")

    sign_in_screens(clinic, work, shot)
    encryption_screens(work, shot)
    members = {role.value: clinic.login.demo_member(role) for role in Role}  # as --as does
    window = build_window(clinic, settings, members["front_desk"])
    # The room a 1366x768 screen with a taskbar leaves (1280x720 logical at 150 % of 1920x1080).
    scale = float(os.environ.get("QT_SCALE_FACTOR", "1") or 1)
    wide, high = (1366, 740) if scale == 1 else (1920 / scale, 1040 / scale)
    window.resize(int(wide), int(high))
    window.show()
    tab = window.patients_tab

    def as_role(role: str) -> None:
        window.session.switch_to(members[role])

    shot(window, "patients-tab")
    tab.search.setText("gar mar")
    tab.select_patient(tab.model.patient_at(0).id)
    shot(window, "patients-search")
    dialog = tab.open_selected()
    shot(dialog, "patient-dialog-edit")
    dialog.reject()
    dialog = tab.new_patient()
    dialog.first_name.setText("José")
    dialog.dob.setText("14/3/85")
    dialog.phone.setText("555-0134")
    dialog.email.setText("jose@")
    dialog.save()
    shot(dialog, "patient-dialog-errors")
    dialog.reject()

    intake = window.intake_tab
    window.show_intake()
    as_role("doctor")
    rows = clinic.patients.search("", limit=100).rows
    first = next(p for p in rows if p.finding)
    intake.search.setText(first.last_name)
    intake.choose_patient(first.id)
    shot(window, "intake-read")
    mixed = next(p for p in rows if p.finding and p.finding.startswith("mixed: PIH"))
    intake.search.setText(mixed.last_name)
    intake.choose_patient(mixed.id)
    intake.start_correction()
    form = intake.form
    form.face.select(form.face.selected.__class__("left_cheek"))
    form.felt.setCurrentIndex(1)
    shot(window, "intake-correcting")
    intake._ask_fitzpatrick()
    shot(intake.dialog, "fitzpatrick-dialog")
    intake.dialog.reject()
    intake.cancel()
    due = next(p for p in rows if not p.finding)
    intake.search.setText(due.last_name)
    intake.choose_patient(due.id)
    shot(window, "intake-new")
    pih = next(p for p in rows if p.finding == "PIH")
    intake.search.setText(pih.last_name)
    intake.choose_patient(pih.id)
    intake._override()
    shot(intake.dialog, "override-dialog")
    intake.dialog.reject()

    calendar = window.show_calendar()
    as_role("front_desk")
    shot(window, "calendar-week")
    calendar.step(1)
    shot(window, "calendar-next-week")
    calendar.set_mode("day")
    shot(window, "calendar-day")
    calendar.set_mode("week")
    monday = calendar.visible_days()[0]
    free = clinic.calendar.next_free("consultation", datetime.combine(monday, time(0)), 1)[0]
    booking = calendar.book(starts=free)
    booking.search.setText("gar mar")
    booking.choose_patient(booking.model.patient_at(0).id)
    shot(booking, "booking-dialog")
    friday = monday + timedelta(days=4)
    booking.set_start(datetime.combine(friday, time(15, 45)))
    shot(booking, "booking-dialog-refused")
    booking.reject()
    held = next(a for a in calendar.shown if a.appointment.status.holds_slot)
    opened = calendar.open_appointment(held.appointment.id)
    shot(opened, "appointment-dialog")
    opened.reject()
    calendar.status_menu(held).grab().save(str(out / "appointment-menu.png"))
    as_role("admin")
    settings_dialog = calendar.open_office_settings()
    for index, name in enumerate(("hours", "closures", "types")):
        settings_dialog.tabs.setCurrentIndex(index)
        shot(settings_dialog, f"office-settings-{name}")
    settings_dialog.reject()
    from frontdesk.ui import printing

    calendar.day = monday
    print(printing.save_pdf(calendar.day_sheet_html(), out / "day-sheet.pdf"))

    as_role("doctor")
    sessions = window.show_sessions()
    with_series = [
        s for p in rows for s in clinic.sessions.history(p.id) if s.status.value == "active"
    ]
    mid = max(with_series, key=lambda s: s.done)
    sessions.choose_patient(mid.patient_id)
    shot(window, "sessions-tab")
    log = sessions.log_session()
    shot(log, "session-dialog")
    log.reject()
    addendum = sessions.add_addendum()
    shot(addendum, "addendum-dialog")
    addendum.reject()
    extend = sessions.extend()
    shot(extend, "extend-dialog")
    extend.reject()
    fresh = next(
        p
        for p in rows
        if clinic.intakes.eligibility(p.id).allowed and not clinic.sessions.history(p.id)
    )
    sessions.choose_patient(fresh.id)
    opening = sessions.open_series()
    shot(opening, "open-series-dialog")
    opening.reject()
    sessions.show_recall()
    shot(window, "recall-lists-working")  # the busy line while the lists are worked out
    asked = sessions.recall_call
    if asked is not None:
        asked.wait(30)
    while sessions.recall is None:  # the answer is on its way to this thread
        app.processEvents()
    app.processEvents()
    shot(window, "recall-lists")
    window.tabs.setCurrentIndex(0)
    tab.search.setText("")
    patient = clinic.patients.get(mid.patient_id)
    tab.search.setText(f"{patient.first_name} {patient.last_name}")
    tab.select_patient(patient.id)
    app.processEvents()
    shot(window, "patients-series-progress")

    handout = window.print_handout()
    shot(handout, "handout-dialog")
    handout.reject()
    as_role("admin")
    shot(window.edit_clinic_details(), "clinic-details-dialog")
    window.clinic_dialog.reject()
    admin_screens(window, clinic, patient, shot)
    from frontdesk.domain.handouts import Kind, Language

    for kind in Kind:
        for language in Language:
            made = clinic.handouts.render(kind, patient.id, language)
            first_page(made.html, out / f"handout-{kind.value}-{language.value}.png")
    clinic.close()


def sign_in_screens(clinic, work: Path, shot) -> None:
    """The login dialog of the demo, and the first start of a new clinic."""
    from frontdesk.app import login_dialog
    from frontdesk.ui.dialogs.login_dialog import LoginDialog

    dialog = login_dialog(clinic)
    dialog.show()
    shot(dialog, "login-demo")
    dialog.reject()
    new = open_clinic(work / "new.sqlite3")
    first = LoginDialog(new.login, new.staff)
    first.show()
    shot(first, "login-first-admin")
    first.reject()
    real = open_clinic(work / "real.sqlite3")
    real.staff.create_first_admin("Office admin", "office", "a-long-real-password")
    plain = LoginDialog(real.login, real.staff, clinic_name=real.login.clinic_name())
    plain.show()
    plain.form.username.setText("office")
    plain.form.password.setText("not-the-password")
    plain.form.submit()
    shot(plain, "login-wrong-password")
    plain.reject()
    real.backups.daily_if_due()
    new.close()
    real.close()
    data = bytearray((work / "real.sqlite3").read_bytes())
    data[:100] = bytes(100)
    (work / "real.sqlite3").write_bytes(bytes(data))
    from frontdesk.services.backups import BackupService
    from frontdesk.services.clinic import DatabaseRefused
    from frontdesk.ui.dialogs.restore_dialog import RestoreDialog

    try:
        open_clinic(work / "real.sqlite3")
    except DatabaseRefused as refused:
        restore = RestoreDialog(BackupService(work / "real.sqlite3"), refused.damage)
        restore.show()
        shot(restore, "restore-dialog")
        restore.reject()


def encryption_screens(work: Path, shot) -> None:
    """The key dialog (another computer), the passphrase of a new clinic with no keyring, the
    question on a plain clinic, and the recovery sheet's offer."""
    from frontdesk.services.clock import clinic_now
    from frontdesk.storage.clinic_keys import ClinicKey, forget_all
    from frontdesk.ui.dialogs.encrypt_dialog import EncryptDialog
    from frontdesk.ui.dialogs.key_dialog import KeyDialog, NewPassphraseDialog
    from frontdesk.ui.recovery_sheet import RecoverySheetDialog

    key = ClinicKey.new()
    locked = work / "encrypted.sqlite3"
    open_clinic(locked, new_key=key).close()
    forget_all()
    ask = KeyDialog(locked, no_keyring=None)
    ask.show()
    shot(ask, "key-dialog")
    ask.reject()
    choose = NewPassphraseDialog("This computer has no keyring (the system's password store).")
    choose.show()
    shot(choose, "new-passphrase")
    choose.reject()
    plain = work / "plain.sqlite3"
    open_clinic(plain).close()
    question = EncryptDialog(plain, clinic_now, lambda: None)
    question.show()
    shot(question, "encrypt-question")
    question.reject()
    offer = RecoverySheetDialog(key.recovery_text(), "Dr. Alex - Acne Scar Clinic", locked.name)
    offer.show()
    shot(offer, "recovery-sheet-offer")
    offer.done(0)


def admin_screens(window, clinic, patient, shot) -> None:
    """The admin's dialogs, then the lock screen over the window and over a dialog."""
    from frontdesk.ui.lock import LockGuard

    accounts = window.show_accounts()
    shot(accounts, "accounts-dialog")
    accounts.reject()
    audit = window.show_audit()
    shot(audit, "audit-dialog")
    audit.reject()
    admin = window.show_admin_settings()
    shot(admin, "admin-settings-dialog")
    admin.reject()
    window.session.switch_to(clinic.login.demo_member(Role.FRONT_DESK))
    guard = LockGuard(window, clinic.login, window.session, 10, window.lock_action)
    guard.lock()
    shot(window, "lock-window")
    guard.unlock_as(window.session.current)
    window.patients_tab.select_patient(patient.id)
    dialog = window.patients_tab.open_selected()
    guard.lock()
    shot(dialog, "lock-dialog")
    guard.unlock_as(window.session.current)
    dialog.reject()
    guard.stop()


def first_page(html: str, path: Path) -> None:
    """A handout's first page as the printer lays it out (Letter, at 96 dpi)."""
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QColor, QImage, QPainter

    from frontdesk.ui import printing

    doc = printing.document_from_html(html)
    size = doc.pageSize()
    image = QImage(int(size.width()), int(size.height()), QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    doc.drawContents(painter, QRectF(0, 0, size.width(), size.height()))
    painter.end()
    image.save(str(path))
    print(path)


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "shots"))
