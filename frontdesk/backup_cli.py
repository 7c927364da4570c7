"""`frontdesk backup` and `frontdesk restore`: the clinic's safety net, usable without a window.

Both work when the app cannot start (a damaged database is exactly when a restore is needed),
so they import no Qt and open no clinic: they work on the file through the backup service.
With `--server URL` they work on the clinic server's database instead (`run_server_backup`,
`run_server_restore`): a checked pg_dump, and a restore into a new database.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TextIO

from frontdesk.domain.clinic import CLINIC_TZ
from frontdesk.domain.dates import format_clock, format_day
from frontdesk.key_prompt import refusal, unlock_for_command, what_to_do
from frontdesk.services.backups import BackupKeyMissing, BackupService
from frontdesk.services.clock import fixed_clock
from frontdesk.services.errors import ServiceError
from frontdesk.storage.backups import (
    backup_folder,
    backup_taken,
    check,
    check_opening,
    default_backup_folder,
    in_use,
    latest_good_backup,
    list_backups,
)
from frontdesk.storage.clinic_keys import salt_of

CONFIRM_PROMPT = "Type yes to replace it: "
CONFIRM_PROMPT_NEW = "Type yes to restore it here: "  # nothing there yet to replace


def run_backup(
    db_path: Path,
    to: Path | None,
    now: datetime | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
    ask_key: Callable[[str], str] | None = None,
) -> int:
    """Backs the database up to `to` (or the clinic's backup folder) and rotates that folder.

    Prints the new file's path (scripts may use it); a refusal is one line on `err`, exit 1.
    An encrypted database's key comes from the keyring, else is asked on the terminal
    (`ask_key` reads it without echo).
    """
    out = out or sys.stdout
    err = err or sys.stderr
    moment = now or datetime.now(CLINIC_TZ)
    if not unlock_for_command(
        db_path, ask=ask_key, err=err, no_terminal=lambda: refusal_for_unreadable(db_path)
    ):
        return 1
    problem = check_opening(db_path)  # the backup's own full check reads the rest, once
    if problem == "missing":
        print(f"frontdesk: there is no clinic database at {db_path}.", file=err)
        return 1
    if problem is not None:
        print(f"frontdesk: {refusal_for_damaged(db_path, problem)}", file=err)
        return 1
    try:
        made = BackupService(db_path, fixed_clock(moment)).back_up_to(to)
    except ServiceError as exc:
        print(f"frontdesk: {exc}", file=err)
        return 1
    print(made, file=out)
    return 0


def run_restore(
    db_path: Path,
    backup_file: Path,
    *,
    yes: bool,
    ask: Callable[[str], str] = input,
    out: TextIO | None = None,
    err: TextIO | None = None,
    now: datetime | None = None,
    ask_key: Callable[[str], str] | None = None,
) -> int:
    """Replaces the database with `backup_file` after saying what will be replaced by what.

    Asks for a typed "yes" unless `yes`; any other answer changes nothing (exit 1). The
    previous file is kept (as a before-restore backup, or moved aside when damaged) and its
    new place is printed. An encrypted backup whose key this computer lacks (another
    computer) asks for the recovery key first; the key is then kept in this keyring.
    """
    out = out or sys.stdout
    err = err or sys.stderr
    moment = now or datetime.now(CLINIC_TZ)
    if backup_file.is_file() and not unlock_for_command(
        backup_file,
        ask=ask_key,
        err=err,
        no_terminal=lambda: f"{backup_file} cannot be restored: {unreadable_backup()}",
    ):
        return 1
    _unlock_quietly(db_path)  # the file replaced: its own key, if this keyring has it
    problem = check(backup_file, full=True)
    if problem == "missing":
        print(f"frontdesk: there is no backup file at {backup_file}.", file=err)
        return 1
    if problem is not None:
        print(f"frontdesk: {backup_file} cannot be restored: it is {problem}.", file=err)
        return 1
    if in_use(db_path):
        print(
            f"frontdesk: the clinic database {db_path} is open in Frontdesk: close Frontdesk, "
            "then restore.",
            file=err,
        )
        return 1
    print(restore_plan(db_path, backup_file), file=out)
    if not yes:
        try:
            answer = ask(CONFIRM_PROMPT if db_path.exists() else CONFIRM_PROMPT_NEW)
        except (EOFError, KeyboardInterrupt):
            answer = ""
        if answer.strip().casefold() != "yes":
            print("Nothing was changed.", file=out)
            return 1
    service = BackupService(db_path, fixed_clock(moment))
    try:
        try:
            saved = service.restore(backup_file, via="command line")
        except BackupKeyMissing as missing:  # the file it replaces has a key of its own
            if not unlock_for_command(missing.path, ask=ask_key, err=err):
                return 1
            saved = service.restore(backup_file, via="command line")
    except ServiceError as exc:
        print(f"frontdesk: {exc}", file=err)
        return 1
    print(f"Restored {db_path} from {backup_file}.", file=out)
    if saved is None:
        print("There was no previous database to keep.", file=out)
    else:
        print(f"The previous database was kept as {saved}.", file=out)
    return 0


def _unlock_quietly(db_path: Path) -> None:
    """The database being replaced opens with its key when this computer has it; when not
    (another computer's old file), the plan says so instead of reading it."""
    from frontdesk.services.encryption import ClinicKeyMissing, unlock

    with contextlib.suppress(ClinicKeyMissing):
        unlock(db_path)


def restore_plan(db_path: Path, backup_file: Path) -> str:
    """What will be replaced, and by what, in the words the confirmation asks about."""
    incoming = f"the backup {backup_file} ({when_taken(backup_file)})"
    if not db_path.exists():
        return f"There is no clinic database at {db_path} yet: {incoming} will be put there."
    changed = datetime.fromtimestamp(db_path.stat().st_mtime, CLINIC_TZ).replace(tzinfo=None)
    from frontdesk.services.encryption import held_key, is_encrypted

    if is_encrypted(db_path) and held_key(db_path) is None:
        problem: str | None = "encrypted with a key this computer does not have"
    else:
        problem = check(db_path, full=True)
    state = (
        f"last changed {describe_moment(changed)}"
        if problem is None
        else f"it is {problem}; it will be kept aside"
    )
    return f"This replaces the clinic database {db_path} ({state})\nwith {incoming}."


def when_taken(backup_file: Path) -> str:
    """From the backup's name (clinic-<reason>-YYYYMMDD-HHMMSS): a copy on a drive or another
    computer has a new modification time, so that time is given only for a renamed file, and
    said to be the file's, not the backup's."""
    taken = backup_taken(backup_file)
    if taken is not None:
        return f"taken {describe_moment(taken)}"
    changed = datetime.fromtimestamp(backup_file.stat().st_mtime, CLINIC_TZ).replace(tzinfo=None)
    return (
        "its name does not say when it was taken; the file was last written"
        f" {describe_moment(changed)}, which may be when it was copied"
    )


def describe_moment(moment: datetime) -> str:
    return f"{format_day(moment.date())} at {format_clock(moment.time())}"


def refusal_for_unreadable(db_path: Path) -> str:
    """A database that starts like an encrypted one whose key this computer lacks: said as
    every command says it. Random bytes look the same: when no backup of it starts with the
    same salt (which damage could not repeat) and one this computer can open (a plain one)
    exists, it may be damage, and the restore that brings it back is named too."""
    message = f"{refusal(db_path)} It was not backed up."
    good = None if _backed_up_encrypted(db_path) else _latest_good_backup(db_path)
    if good is not None:
        message += (
            " If it was never encrypted, it is damaged: to put the newest good backup back:"
            f" frontdesk restore {good}"
        )
    return message


def unreadable_backup() -> str:
    """A backup whose key is not here: its bytes cannot be told from damage (an encrypted file
    reads as random), so both are said, with what to do if it is encrypted."""
    from frontdesk.services.encryption import keyring_problem

    holder = (
        "this computer's keyring does not"
        if keyring_problem() is None
        else "this computer does not"
    )
    step = what_to_do()
    return (
        f"it is not a SQLite database this computer can read (damaged, or encrypted with a key"
        f" {holder} have). If it is encrypted, {step[0].lower()}{step[1:]}"
    )


def _backed_up_encrypted(db_path: Path) -> bool:
    """A backup of the database starts with the salt it starts with: it is encrypted, not
    overwritten (random bytes would not repeat 16 bytes of another file)."""
    salt = salt_of(db_path)
    folders = {backup_folder(db_path), default_backup_folder(db_path)}
    return salt is not None and any(
        salt_of(backup.path) == salt
        for folder in folders
        for backup in list_backups(folder, db_path.stem)
    )


def _latest_good_backup(db_path: Path) -> Path | None:
    good = latest_good_backup(
        [backup_folder(db_path), default_backup_folder(db_path)], db_path.stem
    )
    return None if good is None else good.path


def refusal_for_damaged(db_path: Path, problem: str) -> str:
    """Says the database is not backed up, and which backup would bring it back."""
    message = f"the clinic database {db_path} is {problem}; it was not backed up."
    good = _latest_good_backup(db_path)
    if good is not None:
        message += f" To put the newest good backup back: frontdesk restore {good}"
    return message


# --- the clinic server ------------------------------------------------------------------------


def run_server_backup(
    address: str,
    to: Path | None,
    now: datetime | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
    files: Path | None = None,
    *,
    daily: bool = False,
) -> int:
    """`frontdesk --server URL backup [--to DIR] [--daily]`: a checked pg_dump of the clinic's
    database in `to` (or this workstation's backup folder for the server), the folder rotated.
    `daily` (the server's timer, the marked workstation) takes the day's backup unless one
    was taken today, as a daily one: the rotation thins those out, not the manual ones.

    Prints the new file's path (scripts and the server's timer may use it); a refusal is one
    line on `err`, exit 1. The address's password reaches pg_dump in its environment only."""
    out = out or sys.stdout
    err = err or sys.stderr
    moment = now or datetime.now(CLINIC_TZ)
    from frontdesk.services.server_backups import ServerBackupService

    service = ServerBackupService(address, fixed_clock(moment), files)
    try:
        made = service.daily_if_due(to) if daily else service.back_up_to(to)
    except ServiceError as exc:
        print(f"frontdesk: {exc}", file=err)
        return 1
    if made is None:
        print("Today's backup was taken already.", file=out)
        return 0
    print(made, file=out)
    return 0


def run_server_restore(
    address: str,
    dump: Path,
    *,
    admin: str | None = None,
    yes: bool,
    ask: Callable[[str], str] = input,
    out: TextIO | None = None,
    err: TextIO | None = None,
    now: datetime | None = None,
    files: Path | None = None,
    remember: Callable[[str], None] | None = None,
) -> int:
    """`frontdesk --server URL restore FILE.dump [--admin URL] [--yes]`: the dump into a new
    database, checked, and only then the workstations switched to it.

    `admin` may create databases (else the workstation's own address must). `remember`, when
    given, keeps the new address as this workstation's server (the workstation settings);
    the new address is printed for the other workstations either way."""
    out = out or sys.stdout
    err = err or sys.stderr
    moment = now or datetime.now(CLINIC_TZ)
    from frontdesk.services.server_backups import ServerBackupService

    service = ServerBackupService(address, fixed_clock(moment), files)
    try:
        contents = service.check(dump)
    except ServiceError as exc:
        print(f"frontdesk: {dump} cannot be restored: {exc}", file=err)
        return 1
    print(server_restore_plan(dump, contents.dbname, sum(contents.rows.values())), file=out)
    if not yes:
        try:
            answer = ask(CONFIRM_PROMPT_NEW)
        except (EOFError, KeyboardInterrupt):
            answer = ""
        if answer.strip().casefold() != "yes":
            print("Nothing was changed.", file=out)
            return 1
    try:
        restored = service.restore(dump, admin)
    except ServiceError as exc:
        print(f"frontdesk: {exc}", file=err)
        return 1
    print(
        f"Restored {dump} into the new database {restored.name}"
        f" ({sum(restored.rows.values())} rows in {len(restored.rows)} tables, as in the backup;"
        " the audit trail is whole).",
        file=out,
    )
    for role, password in restored.new_roles.items():
        print(
            f"The server had no role {role}: it was made with the password {password}"
            " (shown this once; keep it in each workstation's keyring).",
            file=out,
        )
    if remember is not None:
        remember(restored.address)
        print("This workstation now uses it.", file=out)
    print(f"The workstations now use: {restored.address}", file=out)
    print(
        f"The previous database {restored.previous} was left as it was; the admin drops it"
        " once the restored clinic is known to be right.",
        file=out,
    )
    return 0


def server_restore_plan(dump: Path, dbname: str, rows: int) -> str:
    """What the restore makes, in the words the confirmation asks about: nothing is replaced."""
    return (
        f"This restores the backup {dump} ({when_taken_dump(dump)}; {rows} rows of the"
        f" database {dbname}) into a new database on the clinic server, checks it, and then"
        f" switches to it. The database {dbname} itself is not changed."
    )


def when_taken_dump(dump: Path) -> str:
    """From the dump's name (clinic-<reason>-YYYYMMDD-HHMMSS.dump), else the file's time."""
    from frontdesk.storage.backup_sets import parse_name
    from frontdesk.storage.server_backups import DUMP_SUFFIX

    parsed = parse_name(dump.name, DUMP_SUFFIX)
    if parsed is not None:
        return f"taken {describe_moment(parsed[1])}"
    changed = datetime.fromtimestamp(dump.stat().st_mtime, CLINIC_TZ).replace(tzinfo=None)
    return (
        "its name does not say when it was taken; the file was last written"
        f" {describe_moment(changed)}, which may be when it was copied"
    )
