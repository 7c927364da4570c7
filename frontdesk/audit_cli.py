"""`frontdesk audit verify`: checks the audit trail's hash chain without starting the app."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from frontdesk.services.errors import ServiceError


def verify(db_path: Path, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Exit 0 when every line follows from the one before; 1 naming the first bad row."""
    from frontdesk.services.clinic import open_clinic

    out = out or sys.stdout
    err = err or sys.stderr
    if not db_path.exists():
        print(f"frontdesk: there is no clinic database at {db_path}.", file=err)
        return 1
    try:
        clinic = open_clinic(db_path)
    except ServiceError as exc:
        print(f"frontdesk: {exc}", file=err)
        return 1
    try:
        broken = clinic.audit.verify()
        lines = clinic.audit.count()
    finally:
        clinic.close()
    if broken is not None:
        print(str(broken), file=err)
        return 1
    print(
        f"The audit trail is intact: {lines} lines, each following from the one before.", file=out
    )
    return 0
