"""The recovery sheet: the clinic key written on paper, the one way back into the database
and its backups once this computer's keyring is gone (a new computer, a broken disk).

Offered at set-up and from Admin > Print the recovery sheet; printed or saved as PDF the
same way as the handouts (`printing`), on one US Letter page. It names the clinic and the
database file, never a patient.
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

GROUPS_PER_LINE = 4
KEY_POINTS = 26
# Monospace faces in which 2/Z, 5/S, 6/G and I/L differ at a glance (the key has no 0, 1 or 8).
KEY_FAMILIES = "'DejaVu Sans Mono', Consolas, Menlo, 'Courier New', monospace"
TITLE = "Recovery sheet"


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
        "<p>The clinic database and all its backups are encrypted. Day to day they open with"
        " the key this computer's keyring keeps (or with the clinic's passphrase, where there"
        " is no keyring). <b>Without this key, the database and every backup are"
        " unreadable</b> once that keyring is gone (a new computer, a broken disk, a"
        " reinstalled system): no one can open them, the clinic included."
        " <b>With it, they open on any computer.</b></p>"
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
        "<li>Type the key above. That computer's keyring then keeps it: it is not asked"
        " again.</li>"
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
    """Why the sheet matters, then Print…, Save as PDF… or Later (which asks first)."""

    def __init__(
        self,
        recovery_text: str,
        clinic_name: str,
        database_name: str,
        parent: QWidget | None = None,
        *,
        today: date | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("recoverySheetDialog")
        self.setWindowTitle("Recovery sheet")
        self._key = recovery_text
        self._clinic = clinic_name
        self._database = database_name
        self._today = today
        self.made = False  # printed or saved at least once
        why = QLabel(
            f"<p><b>{escape(database_name)}</b> is encrypted. Day to day it opens with the key"
            " this computer keeps (or the clinic's passphrase, where there is no keyring).</p>"
            "<p><b>Without the recovery key, the database and every backup are unreadable</b>"
            " on any other computer, or on this one after a broken disk or a reinstall."
            " With it they open anywhere: <tt>frontdesk restore FILE</tt> asks for it.</p>"
            "<p>Print the recovery sheet now and keep it locked away, never with the computer"
            " or the backup drive. A PDF belongs on a drive kept elsewhere, not on this"
            " computer.</p>"
        )
        why.setWordWrap(True)
        why.setTextFormat(Qt.TextFormat.RichText)
        self.print_button = QPushButton("&Print…")
        self.pdf_button = QPushButton("Save as P&DF…")
        self.later_button = QPushButton("&Later")
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
        layout.addWidget(why)
        layout.addWidget(self.done_label)
        layout.addWidget(self.error)
        layout.addLayout(row)
        self.setMinimumWidth(520)
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
        self._made(
            f"Saved as {path}. Print it, or keep the file on a drive kept away from this"
            " computer and its backups."
        )
        return path

    def _made(self, text: str) -> None:
        self.made = True
        self.error.hide()
        self.done_label.setText(text)
        self.done_label.show()
        self.later_button.setText("&Done")

    def reject(self) -> None:
        """Later (or Escape, or the window's close): asked first while no sheet was made."""
        if not self.made and not prompts.confirm(
            self,
            "No recovery sheet yet",
            "Without the recovery sheet, a new computer, a broken disk or a lost keyring"
            " leaves the clinic database and every backup unreadable, for good.\n\n"
            "An admin can print it later from Admin > Print the recovery sheet.",
            "Later",
            "Go back",
        ):
            return
        super().reject()


def offer_recovery_sheet(
    parent: QWidget, recovery_text: str, clinic_name: str, database_name: str
) -> bool:
    """The offer to print (or save) the recovery sheet; True when a sheet was made."""
    dialog = RecoverySheetDialog(recovery_text, clinic_name, database_name, parent)
    try:
        printing.run_dialog(dialog)
        return dialog.made
    finally:
        dialog.deleteLater()
