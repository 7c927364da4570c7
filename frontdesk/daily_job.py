"""The day's first backup and audit-chain check, in a process of its own.

    python -m frontdesk.daily_job DB_PATH MOMENT [--check-chain] [--key-on-stdin]

The window starts it (app.py) and reads one line of JSON back: {"backup": path or null,
"failed": sentence or null, "broken": sentence or null}. A process of its own, not a thread:
the chain check hashes every line of the trail in Python, and a thread doing that holds the
interpreter's lock the window needs to answer each keystroke. It also runs at a lower
priority, so that on a machine with few cores the desk's typing comes first. No Qt here.

An encrypted database opens with the key from this user's keyring; a key the window was given
by hand (a passphrase, a recovery key on a computer without a keyring) comes over stdin as one
line of hex with `--key-on-stdin`: never on the command line or in the environment, which other
users of the computer can read.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import date, datetime
from pathlib import Path

from frontdesk.domain.audit import Tampering
from frontdesk.services.audit import verify_file
from frontdesk.services.backups import BackupService
from frontdesk.services.clock import fixed_clock
from frontdesk.services.encryption import unlock
from frontdesk.services.errors import ServiceError
from frontdesk.storage.daily_checks import chain_checked_on, note_chain_checked

NICENESS = 10


def chain_due(db_path: Path, today: date) -> bool:
    """The day's chain check is not done yet: read from a small file beside the database, so
    that asking costs the window nothing. (Whether the day's backup is due is asked here, in
    the job: the backup folder may be a network drive, slow to list or gone.)"""
    return chain_checked_on(db_path) != today


def run(db_path: Path, now: datetime, *, check_chain: bool) -> dict[str, str | None]:
    """The backup if none was taken today (its full check reads the whole file), then the
    chain when asked; what the window should say. A failed backup stops there, as before."""
    said: dict[str, str | None] = {"backup": None, "failed": None, "broken": None}
    try:
        unlock(db_path)
    except ServiceError as exc:  # no key in the keyring, none handed over
        said["failed"] = str(exc)
        return said
    try:
        made = BackupService(db_path, fixed_clock(now)).daily_if_due()
    except ServiceError as exc:
        said["failed"] = str(exc)
        return said
    said["backup"] = str(made) if made is not None else None
    if check_chain:
        broken = verify_file(db_path)
        if broken is None:
            note_chain_checked(db_path, now.date())
        else:  # a whole list of changed records would not fit a message box: the first five
            said["broken"] = broken.summary(5) if isinstance(broken, Tampering) else str(broken)
    return said


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m frontdesk.daily_job")
    parser.add_argument("db", type=Path)
    parser.add_argument("moment", type=datetime.fromisoformat, help="the clinic's now, ISO")
    parser.add_argument("--check-chain", action="store_true")
    parser.add_argument("--key-on-stdin", action="store_true", help="the key, hex, on stdin")
    args = parser.parse_args(argv)
    if args.key_on_stdin:
        from frontdesk.services.encryption import unlock_with_hex

        unlock_with_hex(
            args.db, sys.stdin.readline()
        )  # a wrong one: unlock says the key is missing
    if hasattr(os, "nice"):
        os.nice(NICENESS)
    said = run(args.db, args.moment, check_chain=args.check_chain)
    print(json.dumps(said), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
