"""`frontdesk handout`: one patient's handout saved as PDF, by the same code as the windows."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def save_handout(
    db_path: Path,
    patient_id: int,
    kind: str,
    lang: str | None,
    out: str,
    staff: str | None = None,
) -> int:
    """Renders, saves and records the handout; a refusal is one line on stderr, exit 1."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # no window: none is needed
    from PySide6.QtWidgets import QApplication

    from frontdesk.domain.handouts import Kind, Language
    from frontdesk.domain.staff import Role
    from frontdesk.services.clinic import open_clinic
    from frontdesk.services.errors import ServiceError
    from frontdesk.ui import printing

    if not db_path.exists():
        print(f"frontdesk: no clinic database at {db_path}", file=sys.stderr)
        return 1
    _app = QApplication.instance() or QApplication(["frontdesk"])
    clinic = open_clinic(db_path)
    try:
        members = clinic.staff.list_active()
        desk = next(
            (
                s
                for s in members
                if (s.name.casefold() == staff.casefold() if staff else s.role is Role.FRONT_DESK)
            ),
            None,
        )
        if desk is None:
            who = f"no active staff member called {staff!r}" if staff else "no front desk"
            print(f"frontdesk: {who} to record the handout under.", file=sys.stderr)
            return 1
        handouts = clinic.handouts
        language = Language(lang) if lang else handouts.language_of(patient_id)
        handout = handouts.render(Kind(kind), patient_id, language)
        saved = printing.save_pdf(
            handout.html,
            Path(out),
            title=handout.title,
            page_numbers=True,
            page_words=handout.page_words,
        )
        handouts.record(desk, patient_id, Kind(kind), language, "pdf")
    except (ServiceError, OSError) as exc:
        print(f"frontdesk: {exc}", file=sys.stderr)
        return 1
    finally:
        clinic.close()
    print(f"saved {saved}")
    return 0
