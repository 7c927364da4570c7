"""`frontdesk handout`: one patient's handout saved as PDF, by the same code as the windows."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from frontdesk.services.clinic import Clinic


def save_handout(
    db_path: Path,
    patient_id: int,
    kind: str,
    lang: str | None,
    out: str,
    staff: str | None = None,
    ask_key: Callable[[str], str] | None = None,
) -> int:
    """Renders, saves and records the handout; a refusal is one line on stderr, exit 1.

    The database is opened like the app opens it: a damaged file, a folder, a failed update
    or an unknown patient number (however large) is a sentence, never a traceback.
    """
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # no window: none is needed
    from frontdesk.key_prompt import unlock_for_command
    from frontdesk.services.clinic import open_clinic
    from frontdesk.services.errors import ServiceError

    if not db_path.is_file():
        what = "is a folder, not a clinic database" if db_path.is_dir() else "does not exist"
        print(f"frontdesk: {db_path} {what}.", file=sys.stderr)
        return 1
    if not unlock_for_command(db_path, ask=ask_key):
        return 1
    try:
        clinic = open_clinic(db_path)
    except ServiceError as exc:  # damaged, on a network drive, or could not be updated
        print(f"frontdesk: {exc}", file=sys.stderr)
        return 1
    try:
        return _save(clinic, patient_id, kind, lang, Path(out), staff)
    except (ServiceError, OSError) as exc:
        print(f"frontdesk: {exc}", file=sys.stderr)
        return 1
    finally:
        clinic.close()


def _save(
    clinic: Clinic, patient_id: int, kind: str, lang: str | None, out: Path, staff: str | None
) -> int:
    from PySide6.QtWidgets import QApplication

    from frontdesk.domain.handouts import Kind, Language
    from frontdesk.ui import printing
    from frontdesk.ui.page_breaks import keep_headings_with_text

    clinic.patients.get(patient_id)  # NotFound, in words, before anything is drawn
    member = _acting_member(clinic, staff)
    if member is None:
        who = f"no active staff member called {staff!r}" if staff else "no front desk"
        print(f"frontdesk: {who} to record the handout under.", file=sys.stderr)
        return 1
    _app = QApplication.instance() or QApplication(["frontdesk"])
    handouts = clinic.handouts
    language = Language(lang) if lang else handouts.language_of(patient_id)
    handout = handouts.render(Kind(kind), patient_id, language)
    saved = printing.save_pdf(
        keep_headings_with_text(handout.html),  # as the dialog prints it
        out,
        title=handout.title,
        page_numbers=True,
        page_words=handout.page_words,
    )
    handouts.record(member, patient_id, Kind(kind), language, "pdf")
    print(f"saved {saved}")
    return 0


def _acting_member(clinic: Clinic, staff_name: str | None):
    """Who the handout is recorded under: `--staff NAME`, else the front desk, signed in for
    the command line (such a sign-in may only print handouts)."""
    from frontdesk.services.errors import NotFound

    try:
        return clinic.login.for_command_line(staff_name)
    except NotFound:
        return None
