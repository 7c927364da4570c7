"""`frontdesk audit verify`: checks the audit trail's hash chain without starting the app, in a
clinic database file or on the clinic server (`frontdesk --server URL audit verify`)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from frontdesk.services.errors import ServiceError

if TYPE_CHECKING:
    from frontdesk.services.clinic import Clinic


def verify(
    db_path: Path,
    out: TextIO | None = None,
    err: TextIO | None = None,
    ask_key: Callable[[str], str] | None = None,
) -> int:
    """Exit 0 when every line follows from the one before, the trail's end is where it was
    remembered outside the database, and every audited record is as the trail last recorded
    it; else 1, naming the first bad line, the cut or rewritten end, or the changed records."""
    from frontdesk.key_prompt import unlock_for_command
    from frontdesk.services.clinic import open_clinic

    out = out or sys.stdout
    err = err or sys.stderr
    if not db_path.exists():
        print(f"frontdesk: there is no clinic database at {db_path}.", file=err)
        return 1
    if not unlock_for_command(db_path, ask=ask_key, err=err):
        return 1
    try:
        clinic = open_clinic(db_path)
    except ServiceError as exc:
        print(f"frontdesk: {exc}", file=err)
        return 1
    return verify_clinic(clinic, out, err)


def verify_clinic(clinic: Clinic, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """The check itself, on an opened clinic (a file's or the server's), which it closes."""
    out = out or sys.stdout
    err = err or sys.stderr
    where = f" on the clinic server ({clinic.server_name})" if clinic.server else ""
    try:
        found = clinic.audit.check()
        lines = clinic.audit.count()
    except ServiceError as exc:
        print(f"frontdesk: {exc}", file=err)
        return 1
    finally:
        clinic.close()
    for note in found.notes:
        print(note, file=out)
    if found.problem is not None:
        print(str(found.problem), file=err)
        return 1
    print(
        f"The audit trail{where} is intact: {lines} {'line' if lines == 1 else 'lines'}, each"
        " following from the one before, and"
        " every audited record is as the trail last recorded it.",
        file=out,
    )
    return 0
