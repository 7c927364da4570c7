"""The recovery sheet (issue 16, point 2): offered with Print, Save as PDF and Later; one Letter
page with the key as text; printed again from the Admin menu, for an encrypted clinic only."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QSettings

from frontdesk.domain.staff import Role
from frontdesk.services.clinic import Clinic, open_clinic
from frontdesk.storage.clinic_keys import ClinicKey
from frontdesk.ui import printing
from frontdesk.ui.main_window import MainWindow
from frontdesk.ui.recovery_sheet import (
    RecoverySheetDialog,
    key_lines,
    offer_recovery_sheet,
    write_recovery_sheet_pdf,
)
from tests.conftest import ADMIN_PASSWORD, NOW, member_with_role

KEY = ClinicKey.new()
TEXT = KEY.recovery_text()
DAY = date(2026, 12, 6)


def pdf_text(path: Path) -> str:
    reader = PdfReader(str(path))
    return "\n".join(page.extract_text() for page in reader.pages)


def squeezed(text: str) -> str:
    return "".join(text.split())


def shown_sheet_dialog(qtbot, *, offered: bool) -> RecoverySheetDialog:
    dialog = RecoverySheetDialog(
        TEXT, "Acne Scar Clinic", "clinic.sqlite3", today=DAY, offered=offered
    )
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


@pytest.fixture
def offer(qtbot) -> RecoverySheetDialog:
    """The offer at set-up."""
    return shown_sheet_dialog(qtbot, offered=True)


@pytest.fixture
def reprint(qtbot) -> RecoverySheetDialog:
    """Admin > Print the recovery sheet: a sheet was offered before."""
    return shown_sheet_dialog(qtbot, offered=False)


def test_the_key_is_printed_in_lines_of_four_groups_that_read_as_the_key() -> None:
    lines = key_lines(TEXT)
    assert len(lines) == 4
    assert all(line.count("-") == 4 for line in lines[:-1])
    assert lines[-1].count("-") == 3
    assert "".join(lines) == TEXT
    assert not set(TEXT) & set("0189")  # only A-Z and 2-7: nothing read as another


def test_the_pdf_is_one_letter_page_with_the_key_as_text(qapp, tmp_path) -> None:
    path = tmp_path / "sheet.pdf"
    write_recovery_sheet_pdf(path, TEXT, "Acne Scar Clinic", "clinic.sqlite3", DAY)
    reader = PdfReader(str(path))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)  # Letter
    text = pdf_text(path)
    assert TEXT in squeezed(text)
    # Each line is text as printed. Qt places every glyph on its own, and pypdf's guess at
    # word gaps then puts a stray space inside a line now and then (pdftotext reads it whole).
    lines = [squeezed(line) for line in text.splitlines()]
    assert [line for line in lines if line in key_lines(TEXT)] == key_lines(TEXT)
    for said in ("Acne Scar Clinic", "clinic.sqlite3", "Dec 6, 2026", "frontdesk restore FILE"):
        assert said in text
    assert "Never with the computer or the backup drive" in text
    assert "Who keeps this sheet" in text
    used: Any = reader.pages[0]["/Resources"]
    fonts = {str(font.get_object()["/BaseFont"]) for font in used["/Font"].values()}
    assert any("Mono" in font for font in fonts), fonts  # the key in monospace
    assert (path.stat().st_mode & 0o777) == 0o600  # the key is the user's alone


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm is not installed")
def test_the_page_renders_to_an_image(qapp, tmp_path) -> None:
    """The PNG is what a person looked at (and what the lead gets at /tmp/recovery-sheet.png)."""
    path = tmp_path / "sheet.pdf"
    write_recovery_sheet_pdf(path, TEXT, "Acne Scar Clinic", "clinic.sqlite3", DAY)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "80", "-singlefile", str(path), str(tmp_path / "sheet")],
        check=True,
    )
    png = tmp_path / "sheet.png"
    assert png.stat().st_size > 10_000
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout
    assert all(" yes " in line for line in fonts.splitlines()[2:]), fonts  # every font embedded


def test_save_as_pdf_writes_the_sheet_where_chosen(offer, prompts, tmp_path) -> None:
    prompts.save_as = str(tmp_path / "kept-elsewhere" / "sheet")
    saved = offer.save_pdf()
    assert saved == tmp_path / "kept-elsewhere" / "sheet.pdf"
    assert TEXT in squeezed(pdf_text(saved))
    assert offer.made
    assert "Saved as" in offer.done_label.text()
    assert offer.later_button.text() == "&Done"


def test_save_as_pdf_cancelled_makes_nothing(offer, prompts) -> None:
    prompts.save_as = ""
    assert offer.save_pdf() is None
    assert not offer.made


def test_print_opens_the_print_dialog(offer, prompts) -> None:
    offer.print_button.click()
    assert prompts.dialogs == ["Print"]
    assert not offer.made  # the conftest's print dialog is cancelled


def test_print_accepted_paints_the_sheet(offer, prompts, monkeypatch, tmp_path) -> None:
    """Accepted and printed to a file, the printer gets the same page the PDF has."""
    target = tmp_path / "printed.pdf"

    def accept(dialog) -> int:
        printer = dialog.printer()
        printer.setOutputFormat(printer.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(target))
        return 1

    monkeypatch.setattr(printing, "run_dialog", accept)
    offer.print_button.click()
    assert offer.made
    assert TEXT in squeezed(pdf_text(target))


def test_later_asks_first_and_stays_when_not_sure(offer, prompts) -> None:
    prompts.answer = False
    offer.later_button.click()
    assert offer.isVisible()
    [(title, text)] = prompts.asked
    assert title == "No recovery sheet yet"
    assert "unreadable" in text
    # True of both kinds of clinic: a passphrase clinic opens on a new computer with its
    # passphrase, so "a new computer" alone is not said to lose it.
    assert "the keyring's key is lost with this computer (a new computer" in text
    assert "a passphrase when no one remembers it" in text
    assert "a lost keyring leaves" not in text
    prompts.answer = True
    offer.later_button.click()
    assert not offer.isVisible()


def test_once_a_sheet_is_made_done_closes_without_asking(offer, prompts, tmp_path) -> None:
    prompts.save_as = str(tmp_path / "sheet.pdf")
    offer.save_pdf()
    offer.later_button.click()
    assert prompts.asked == []
    assert not offer.isVisible()


def test_offer_says_why_and_returns_whether_a_sheet_was_made(
    qtbot, prompts, monkeypatch, tmp_path
) -> None:
    parent = RecoverySheetDialog(TEXT, "x", "y")  # any widget
    qtbot.addWidget(parent)
    shown: list[str] = []

    def save_then_done(dialog) -> int:
        shown.append(dialog.why.text())
        assert dialog.later_button.text() == "&Later"  # the offer: Later asks first
        prompts.save_as = str(tmp_path / "sheet.pdf")
        dialog.pdf_button.click()
        dialog.later_button.click()
        return 0

    monkeypatch.setattr(printing, "run_dialog", save_then_done)
    assert offer_recovery_sheet(parent, TEXT, "Acne Scar Clinic", "clinic.sqlite3") is True
    assert "frontdesk restore FILE" in shown[0]
    assert "unreadable" in shown[0]
    assert TEXT in squeezed(pdf_text(tmp_path / "sheet.pdf"))

    monkeypatch.setattr(printing, "run_dialog", lambda dialog: 0)  # closed unseen
    assert offer_recovery_sheet(parent, TEXT, "Acne Scar Clinic", "clinic.sqlite3") is False


def test_the_offer_renders_legibly(offer, tmp_path) -> None:
    image = offer.grab()
    assert image.save(str(tmp_path / "offer.png"))
    assert offer.print_button.isVisible() and offer.pdf_button.isVisible()
    assert offer.later_button.text() == "&Later"


def test_no_empty_strip_above_or_below_the_words(offer, qtbot) -> None:
    """The wrapped label is as tall as its words at the dialog's width (its own guess was
    some 40 px taller, painted as an empty strip above the text)."""
    why = offer.why
    needed = why.heightForWidth(why.width())
    assert needed > 0
    assert why.height() <= needed + 4
    buttons_top = offer.print_button.geometry().top()
    assert buttons_top - why.geometry().bottom() <= 16  # the layout's spacing, no more


def test_the_offer_says_what_holds_for_keyring_and_passphrase_clinics(offer) -> None:
    words = offer.why.text()
    assert "keyring" in words and "passphrase" in words
    assert "on any computer" in words
    assert "on any other computer, or on this one" not in words  # untrue with a passphrase


def test_the_pdf_is_meant_for_a_usb_drive_or_a_folder_kept_elsewhere(offer) -> None:
    assert "USB drive or in a folder kept elsewhere" in offer.why.text()


def test_a_pdf_saved_in_the_home_folder_is_said_to_be_on_this_computer(
    offer, prompts, tmp_path, monkeypatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    prompts.save_as = str(tmp_path / "Documents" / "sheet.pdf")
    (tmp_path / "Documents").mkdir()
    offer.save_pdf()
    assert "That is on this computer: move it to a USB drive" in offer.done_label.text()


def test_a_reprint_closes_with_close_and_never_warns(reprint, prompts, tmp_path) -> None:
    assert reprint.later_button.text() == "&Close"
    reprint.later_button.click()
    assert prompts.asked == []
    assert not reprint.isVisible()
    assert not reprint.made
    grabbed = reprint.grab()
    assert grabbed.save(str(tmp_path / "reprint.png"))


def test_a_reprint_closed_with_escape_never_warns(reprint, prompts, qtbot) -> None:
    from PySide6.QtCore import Qt

    qtbot.keyClick(reprint, Qt.Key.Key_Escape)
    assert prompts.asked == []
    assert not reprint.isVisible()


# -- the admin menu ------------------------------------------------------------------------------
@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def encrypted(tmp_path: Path, clock) -> Iterator[Clinic]:
    opened = open_clinic(tmp_path / "encrypted" / "clinic.sqlite3", clock, new_key=KEY)
    opened.staff.create_first_admin("Office admin", "office", ADMIN_PASSWORD)
    yield opened
    opened.close()


def window_for(qtbot, clinic: Clinic, settings: QSettings, role: Role) -> MainWindow:
    member = member_with_role(clinic, role)
    win = MainWindow(clinic, settings, today=lambda: NOW.date(), user=member)
    qtbot.addWidget(win)
    return win


def test_the_admin_prints_the_sheet_of_an_encrypted_clinic(
    qtbot, encrypted, settings, prompts, tmp_path
) -> None:
    win = window_for(qtbot, encrypted, settings, Role.FRONT_DESK)
    action = win.recovery_sheet_action
    assert action in win.admin_menu.actions()
    assert action.text() == "Print the &recovery sheet…"
    assert not action.isEnabled()
    assert "Only the admin" in action.toolTip()
    win.session.switch_to(member_with_role(encrypted, Role.ADMIN))
    assert win.session.current.role is Role.ADMIN
    assert action.isEnabled()
    assert "new computer" in action.toolTip()
    action.trigger()
    dialog = win.recovery_dialog
    assert dialog.later_button.text() == "&Close"  # a reprint: closing it never warns
    prompts.save_as = str(tmp_path / "sheet.pdf")
    dialog.pdf_button.click()
    text = pdf_text(tmp_path / "sheet.pdf")
    assert TEXT in squeezed(text)
    assert "clinic.sqlite3" in text
    assert encrypted.handouts.clinic_info().name in text


def test_a_plain_clinic_has_no_sheet_to_print(qtbot, demo, settings) -> None:
    win = window_for(qtbot, demo, settings, Role.ADMIN)
    assert not win.recovery_sheet_action.isEnabled()
    assert "not encrypted" in win.recovery_sheet_action.toolTip()
    win.print_recovery_sheet()
    assert not hasattr(win, "recovery_dialog")


def test_the_demo_says_it_is_not_encrypted(qtbot, demo_template, tmp_path, clock, settings):
    from frontdesk.services.demo import fill_demo_clinic

    clinic = open_clinic(tmp_path / "demo.sqlite3", clock)
    try:
        fill_demo_clinic(clinic)
        assert clinic.login.is_demo()
        win = window_for(qtbot, clinic, settings, Role.ADMIN)
        assert not win.recovery_sheet_action.isEnabled()
        assert "demo clinic is not encrypted" in win.recovery_sheet_action.toolTip()
    finally:
        clinic.close()


def test_long_names_still_fit_one_page(qapp, tmp_path) -> None:
    path = tmp_path / "sheet.pdf"
    clinic = "Dr. Alexandra Montgomery-Villanueva Acne Scar & Laser Skin Clinic of the Valley"
    database = "frontdesk-clinic-database-encino-office-main-front-desk-2026.sqlite3"
    write_recovery_sheet_pdf(path, TEXT, clinic, database, DAY)
    assert len(PdfReader(str(path)).pages) == 1
    text = pdf_text(path)
    assert "Acne Scar & Laser" in text
    assert TEXT in squeezed(text)


def test_the_pdf_is_offered_under_a_plain_file_name(offer, monkeypatch) -> None:
    from frontdesk.ui import prompts as module

    offered: list[str] = []
    monkeypatch.setattr(
        module, "save_file", lambda _p, _t, suggested, _f: offered.append(suggested) or ""
    )
    offer.save_pdf()
    assert offered == ["recovery-sheet-Acne-Scar-Clinic.pdf"]  # a bare name: Documents
