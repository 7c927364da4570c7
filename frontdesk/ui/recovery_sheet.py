"""The recovery sheet: the clinic key written on paper, the way back into the database and its
backups once the way they open day to day is lost (this computer's keyring on a broken disk or
a new computer; a forgotten passphrase). Its words hold for both kinds of clinic, keyring or
passphrase: the dialog is not told which.

Offered at set-up (`offer_recovery_sheet`) and from Admin > Print the recovery sheet; printed
or saved as PDF the same way as the handouts (`printing`), on one US Letter page. It names the
clinic and the database file, never a patient.
"""

from __future__ import annotations

import re
from datetime import date
from html import escape
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from frontdesk.domain.dates import format_day
from frontdesk.ui import printing, prompts
from frontdesk.ui.error_label import error_label
from frontdesk.ui.widgets.heading import dialog_heading

GROUPS_PER_LINE = 4
KEY_POINTS = 26
# Monospace faces in which 2/Z, 5/S, 6/G and I/L differ at a glance (the key has no 0, 1 or 8).
KEY_FAMILIES = "'DejaVu Sans Mono', Consolas, Menlo, 'Courier New', monospace"
TITLE = "Recovery sheet"
# True of both kinds of clinic: a keyring clinic's database opens only with the keyring's key
# or the recovery key; a passphrase clinic's with the passphrase or the recovery key.
DAY_TO_DAY = (
    "The clinic database and all its backups are encrypted. Day to day they open with the key"
    " this computer's keyring keeps or, on a computer without a keyring, with the clinic's"
    " passphrase."
)
ONCE_LOST = (
    "once the day-to-day way in is lost: the keyring's key is lost with this computer (a new"
    " computer, a broken disk, a reinstalled system), a passphrase when no one remembers it"
)
NO_SHEET_WARNING = (
    "Without the recovery sheet, the clinic database and every backup are unreadable for good"
    " " + ONCE_LOST + ".\n\n"
    "An admin can print it later from Admin > Print the recovery sheet."
)


def key_lines(recovery_text: str) -> list[str]:
    """The key in lines of four groups; every line but the last ends with its dash, so the
    lines read one after another are the key exactly as typed."""
    groups = recovery_text.split("-")
    lines = [
        "-".join(groups[i : i + GROUPS_PER_LINE]) for i in range(0, len(groups), GROUPS_PER_LINE)
    ]
    return [line + "-" for line in lines[:-1]] + lines[-1:]


def sheet_html(recovery_text: str, clinic_name: str, database_name: str, printed_on: date) -> str:
    """The sheet as HTML for `printing` (one Letter page)."""
    key_rows = "".join(
        f"<tr><td class='key'>{escape(line)}</td></tr>" for line in key_lines(recovery_text)
    )
    clinic, database = escape(clinic_name), escape(database_name)
    return (
        "<html><head>"
        f"<title>{escape(TITLE)} - {clinic}</title>"
        "<style>"
        "h1 { font-size: 20pt; margin-bottom: 4px; }"
        "h2 { font-size: 13pt; margin-top: 14px; margin-bottom: 4px; }"
        "p, li { font-size: 11pt; }"
        ".facts td { font-size: 11pt; padding: 2px 12px 2px 0; }"
        f".key {{ font-family: {KEY_FAMILIES}; font-size: {KEY_POINTS}pt;"
        " padding: 3px 18px; }"
        ".keybox { border-color: #000000; border-style: solid; }"
        ".small { font-size: 9.5pt; color: #333333; }"
        ".line { font-size: 11pt; }"
        "</style></head><body>"
        f"<h1>{escape(TITLE)}: the key to the clinic database</h1>"
        "<table class='facts' cellspacing='0'>"
        f"<tr><td>Clinic:</td><td><b>{clinic}</b></td></tr>"
        f"<tr><td>Database file:</td><td><b>{database}</b> and every backup of it</td></tr>"
        f"<tr><td>Printed on:</td><td>{escape(format_day(printed_on))}</td></tr>"
        "</table>"
        f"<p>{DAY_TO_DAY} <b>With this key, they open on any computer.</b>"
        f" <b>Without it, they are unreadable for good</b> {ONCE_LOST}: no one can open"
        " them, the clinic included.</p>"
        "<h2>The recovery key</h2>"
        "<table class='keybox' border='2' cellspacing='0' cellpadding='10'><tr><td>"
        f"<table cellspacing='0'>{key_rows}</table>"
        "</td></tr></table>"
        "<p class='small'>Only capital letters A to Z and the digits 2 to 7: there is no zero,"
        " one or eight (O, I and B are letters). Dashes, spaces and small letters do not matter"
        " when it is typed; a typing mistake is caught before it is tried.</p>"
        "<h2>Where to keep it</h2>"
        "<ul>"
        "<li>Locked away: a safe or a locked drawer, or with the clinic's owner.</li>"
        "<li><b>Never with the computer or the backup drive</b> (not in the laptop bag, not"
        " taped to the screen, not in the drive's case): whoever finds them together can read"
        " every patient's file.</li>"
        "<li>No photo of it, no copy in an email or in a file on this computer.</li>"
        "<li>If the sheet is lost or seen by someone who should not have it, tell the clinic's"
        " admin.</li>"
        "</ul>"
        "<h2>On a new computer</h2>"
        "<ol>"
        "<li>Install Frontdesk and copy the newest backup (or the database file) onto it.</li>"
        "<li>Run <b>frontdesk restore FILE</b> (FILE: that backup); it asks for the recovery"
        " key.</li>"
        "<li>Type the key above. Where that computer has a keyring, the keyring keeps it and it"
        " is not asked again; where it has none, it is asked at every start (a clinic with a"
        " passphrase types the passphrase instead).</li>"
        "</ol>"
        "<h2>Who keeps this sheet</h2>"
        "<p class='line'>Name: ______________________________"
        "&nbsp;&nbsp;Where: ______________________________</p>"
        "<p class='line'>Signature: ___________________________"
        "&nbsp;&nbsp;Date: ________________</p>"
        "</body></html>"
    )


def _title(clinic_name: str) -> str:
    return f"{TITLE} - {clinic_name}"


def write_recovery_sheet_pdf(
    path: Path, recovery_text: str, clinic_name: str, database_name: str, printed_on: date
) -> None:
    """The sheet as a one-page PDF (fonts embedded, the key as selectable text; the file is
    the user's alone, as every PDF `printing` writes)."""
    html = sheet_html(recovery_text, clinic_name, database_name, printed_on)
    printing.save_pdf(html, Path(path), title=_title(clinic_name))


def print_recovery_sheet(
    parent: QWidget | None,
    recovery_text: str,
    clinic_name: str,
    database_name: str,
    printed_on: date,
) -> bool:
    """The system print dialog for the sheet; True when it printed."""
    html = sheet_html(recovery_text, clinic_name, database_name, printed_on)
    return printing.print_dialog(html, parent, title=_title(clinic_name))


class RecoverySheetDialog(QDialog):
    """Why the sheet matters, then Print…, Save as PDF… and a closing button. `offered`: the
    offer at set-up, whose "Later" asks first while no sheet was made; otherwise a reprint
    from the Admin menu (a sheet was offered before), which just closes."""

    def __init__(
        self,
        recovery_text: str,
        clinic_name: str,
        database_name: str,
        parent: QWidget | None = None,
        *,
        today: date | None = None,
        offered: bool = False,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("recoverySheetDialog")
        self.setWindowTitle("Recovery sheet")
        self._key = recovery_text
        self._clinic = clinic_name
        self._database = database_name
        self._today = today
        self.offered = offered
        self.made = False  # printed or saved at least once
        heading = dialog_heading("Print the recovery sheet")
        self.why = why = QLabel(
            f"<p style='margin-top:0'><b>{escape(database_name)}</b> and its backups are"
            " encrypted. Day to day they open with the key this computer's keyring keeps or,"
            " where there is no keyring, with the clinic's passphrase.</p>"
            "<p><b>The recovery key opens them on any computer</b>"
            " (<tt>frontdesk restore FILE</tt> asks for it). <b>Without it, they are unreadable"
            f" for good</b> {ONCE_LOST}.</p>"
            "<p style='margin-bottom:0'>Print the sheet and keep it locked away, never with"
            " the computer or the backup drive. A PDF goes on a USB drive or in a folder kept"
            " elsewhere, not on this computer: choose that place when you save it.</p>"
        )
        why.setWordWrap(True)
        why.setTextFormat(Qt.TextFormat.RichText)
        why.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.print_button = QPushButton("&Print…")
        self.pdf_button = QPushButton("Save as P&DF…")
        self.later_button = QPushButton("&Later" if offered else "&Close")
        self.print_button.setDefault(True)
        self.print_button.setAutoDefault(True)
        self.pdf_button.setAutoDefault(False)
        self.later_button.setAutoDefault(False)
        self.done_label = QLabel("")
        self.done_label.setObjectName("recoverySheetDone")
        self.done_label.setWordWrap(True)
        self.done_label.hide()
        self.error = error_label()
        row = QHBoxLayout()
        row.addWidget(self.print_button)
        row.addWidget(self.pdf_button)
        row.addStretch(1)
        row.addWidget(self.later_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 16)
        layout.setSpacing(10)
        layout.addWidget(heading)
        layout.addWidget(why)
        layout.addWidget(self.done_label)
        layout.addWidget(self.error)
        layout.addLayout(row)
        self.setMinimumWidth(560)
        self._fit()
        self.print_button.clicked.connect(self.print_sheet)
        self.pdf_button.clicked.connect(self.save_pdf)
        self.later_button.clicked.connect(self.reject)

    def _printed_on(self) -> date:
        return self._today or date.today()

    def print_sheet(self) -> bool:
        printed = print_recovery_sheet(
            self, self._key, self._clinic, self._database, self._printed_on()
        )
        if printed:
            self._made(
                "The recovery sheet was sent to the printer. Check that it came out"
                " whole and legible before you put it away."
            )
        return printed

    def save_pdf(self) -> Path | None:
        words = re.sub(r"[^A-Za-z0-9]+", "-", self._clinic).strip("-")
        suggested = f"recovery-sheet-{words}.pdf" if words else "recovery-sheet.pdf"
        chosen = prompts.save_file(self, "Save the recovery sheet as PDF", suggested, "PDF (*.pdf)")
        if not chosen:
            return None
        path = prompts.in_documents(chosen)
        if path.suffix.lower() != ".pdf":
            path = path.with_name(path.name + ".pdf")
        try:
            write_recovery_sheet_pdf(
                path, self._key, self._clinic, self._database, self._printed_on()
            )
        except OSError as exc:  # the file system's refusal: a full disk, a read-only drive
            self.error.setText(f"The PDF was not saved: {exc}")
            self.error.show()
            return None
        self._made(f"Saved as {path}. {_where_the_pdf_goes(path)}")
        return path

    def _made(self, text: str) -> None:
        self.made = True
        self.error.hide()
        self.done_label.setText(text)
        self.done_label.show()
        self.later_button.setText("&Done")
        self._fit()

    def _fit(self) -> None:
        """As tall as the words at the dialog's width: a wrapped label's own guess is taller
        and left an empty strip above its text."""
        layout = self.layout()
        if layout is None:
            return
        layout.activate()
        width = self.width() if self.isVisible() else self.minimumWidth()
        self.resize(width, max(self.heightForWidth(width), layout.minimumSize().height()))

    def reject(self) -> None:
        """Later (or Escape, or the window's close): at set-up, asked first while no sheet
        was made; a reprint just closes (a sheet was offered before)."""
        if (
            self.offered
            and not self.made
            and not prompts.confirm(
                self, "No recovery sheet yet", NO_SHEET_WARNING, "Later", "Go back"
            )
        ):
            return
        super().reject()


def _where_the_pdf_goes(path: Path) -> str:
    """The next step for a saved PDF: one left in this user's folders is still on this
    computer, beside the database it opens."""
    try:
        here = path.resolve().is_relative_to(Path.home().resolve())
    except OSError:
        here = False
    if here:
        return (
            "That is on this computer: move it to a USB drive or a folder kept elsewhere"
            " (or print it and delete the file)."
        )
    return "Print it, or keep the file away from this computer and its backups."


def offer_recovery_sheet(
    parent: QWidget, recovery_text: str, clinic_name: str, database_name: str
) -> bool:
    """The offer to print (or save) the recovery sheet; True when a sheet was made."""
    dialog = RecoverySheetDialog(recovery_text, clinic_name, database_name, parent, offered=True)
    try:
        printing.run_dialog(dialog)
        return dialog.made
    finally:
        dialog.deleteLater()
