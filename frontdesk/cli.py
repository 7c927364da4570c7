"""Command line: `frontdesk [--db PATH | --server URL [--server-ca FILE]] [--demo] [--as ROLE]
[--smoke]`; and without a window: `frontdesk handout --patient ID --kind KIND [--lang es] --out
FILE.pdf` (batch printing), `frontdesk backup [--to DIR]`, `frontdesk restore FILE [--yes]`,
`frontdesk audit verify`; for the clinic's admin, `frontdesk server init URL` and
`frontdesk server move --from FILE --to URL` (server_cli.py)."""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from frontdesk import __version__
from frontdesk.domain.staff import Role
from frontdesk.paths import (
    DB_ENV_VAR,
    SERVER_ENV_VAR,
    demo_db_path,
    is_default_db,
    resolve_db_path,
)
from frontdesk.services.errors import ServiceError
from frontdesk.storage.filesystems import path_problem

if TYPE_CHECKING:
    from frontdesk.workstation import Opening, Workstation

ROLES = list(Role)
HANDOUT_KINDS = ["dark_marks", "co2_plan", "consultation", "laser_care"]  # domain.handouts.Kind


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="frontdesk",
        description="Front desk of Dr. Alex's acne-scar clinic.",
    )
    parser.add_argument(
        "--db",
        metavar="PATH",
        help=f"clinic database file (default: ${DB_ENV_VAR}, else the per-user data folder)",
    )
    parser.add_argument(
        "--server",
        metavar="URL",
        help=f"the clinic server, postgresql://user@host/database (default: ${SERVER_ENV_VAR},"
        " else the server this computer used last); the password goes to the keyring",
    )
    parser.add_argument(
        "--server-ca",
        metavar="FILE",
        help="the clinic server's CA certificate: its identity is checked (remembered)",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="the demo clinic, in its own file unless --db names one (filled when empty)",
    )
    parser.add_argument(
        "--as",
        dest="as_role",
        choices=[role.value for role in ROLES],
        help="demo database only: sign in as this role without a password",
    )
    parser.add_argument(
        "--smoke", action="store_true", help="quit as soon as the window has painted (checks)"
    )
    parser.add_argument("--version", action="version", version=f"frontdesk {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    handout = commands.add_parser(
        "handout", help="save a patient's handout as PDF (recorded like one printed)"
    )
    handout.add_argument(
        "--db", metavar="PATH", default=argparse.SUPPRESS, help="clinic database file"
    )
    handout.add_argument("--server", metavar="URL", default=argparse.SUPPRESS, help=SERVER_HELP)
    handout.add_argument(
        "--staff",
        metavar="NAME",
        help="who prints it, as recorded (default: the front desk)",
    )
    handout.add_argument("--patient", type=int, required=True, metavar="ID", help="patient no.")
    handout.add_argument(
        "--kind",
        required=True,
        choices=HANDOUT_KINDS,
        help="which handout",
    )
    handout.add_argument(
        "--lang", choices=["en", "es"], help="language (default: the patient's last one)"
    )
    handout.add_argument("--out", required=True, metavar="FILE.pdf", help="where to save it")

    backup = commands.add_parser("backup", help="back the database up now (checked, rotated)")
    backup.add_argument("--db", metavar="PATH", default=argparse.SUPPRESS, help="clinic database")
    backup.add_argument("--server", metavar="URL", default=argparse.SUPPRESS, help=SERVER_HELP)
    backup.add_argument(
        "--to", metavar="DIR", help="folder for the backup (default: the clinic's backup folder)"
    )
    backup.add_argument(
        "--daily",
        action="store_true",
        help="clinic server only: the day's backup, unless one was taken today (the marked"
        " workstation, the server's timer)",
    )
    restore = commands.add_parser(
        "restore", help="put a backup in place of the database (the current file is kept)"
    )
    restore.add_argument("--db", metavar="PATH", default=argparse.SUPPRESS, help="clinic database")
    restore.add_argument("--server", metavar="URL", default=argparse.SUPPRESS, help=SERVER_HELP)
    restore.add_argument("file", metavar="FILE", help="the backup to restore")
    restore.add_argument(
        "--admin",
        metavar="URL",
        help="clinic server only: an address that may create databases (as given to server"
        " init), when the workstations' may not",
    )
    restore.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    audit = commands.add_parser("audit", help="check the audit trail")
    audit.add_argument("--db", metavar="PATH", default=argparse.SUPPRESS, help="clinic database")
    audit.add_argument("--server", metavar="URL", default=argparse.SUPPRESS, help=SERVER_HELP)
    audit.add_argument("action", choices=["verify"], help="verify: check the hash chain")
    from frontdesk.server_cli import add_server_commands

    add_server_commands(commands)
    return parser


SERVER_HELP = "the clinic server (instead of a database file)"


# Said instead of starting a window without a display: Qt would abort the whole process with
# a core dump.
NO_DISPLAY = (
    "no display found. Run it in a desktop session, or set QT_QPA_PLATFORM=offscreen for a"
    " headless check."
)


def _has_display() -> bool:
    if os.environ.get("QT_QPA_PLATFORM") or sys.platform in ("win32", "darwin"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def main(argv: list[str] | None = None) -> int:
    """Every way this ends is words and an exit status: 0 done, 1 refused, 2 cannot start."""
    os.umask(0o077)  # what Frontdesk creates (database, backups, PDFs) is the user's alone
    started = time.perf_counter()
    # The start creates many objects and few cycles: collecting while importing only costs
    # time. Back on once the first window is up (app.py), or at the end of a command.
    gc.disable()
    try:
        args = build_parser().parse_args(argv)
        return run(args, started)
    except KeyboardInterrupt:
        print("frontdesk: stopped before it finished.", file=sys.stderr)
        return 1
    except Exception as exc:  # the last resort: a bug must still end in a sentence
        if os.environ.get("FRONTDESK_DEBUG"):
            raise
        print(f"frontdesk: {UNEXPECTED} ({type(exc).__name__}: {exc})", file=sys.stderr)
        return 2
    finally:
        gc.enable()


UNEXPECTED = (
    "something unexpected went wrong, and Frontdesk stopped; what was saved before stays"
    " saved. Please tell whoever looks after Frontdesk what you were doing"
)


def run(args: argparse.Namespace, started: float) -> int:
    if args.command == "server":
        from frontdesk.server_cli import run_server_command

        return run_server_command(args)
    demo_asked = bool(args.demo or args.as_role)
    from frontdesk.workstation import ChoiceRefused, chosen_server

    try:
        server = chosen_server(
            getattr(args, "server", None), getattr(args, "db", None), demo=demo_asked
        )
    except ChoiceRefused as exc:
        print(f"frontdesk: {exc}", file=sys.stderr)
        return 2
    if server is not None:
        return on_server(args, server, started)
    db_path = resolve_db_path(args.db, demo=demo_asked)
    if demo_asked and is_default_db(db_path):
        print(
            f"frontdesk: {DEMO_REFUSED.format(path=db_path, demo=demo_db_path())}", file=sys.stderr
        )
        return 2
    for option, given in (("--daily", "daily"), ("--admin", "admin")):
        if getattr(args, given, None):
            print(f"frontdesk: {ONLY_ON_SERVER.format(option=option)}", file=sys.stderr)
            return 1
    if args.command is not None:
        problem = path_problem(db_path, creating=args.command == "restore")
        if problem is not None:
            print(f"frontdesk: {problem}", file=sys.stderr)
            return 1
    try:
        return dispatch(args, db_path, started)
    except ServiceError as exc:  # refusals reach the desk as they are
        print(f"frontdesk: {exc}", file=sys.stderr)
        return 1


DEMO_REFUSED = (
    "--demo and --as never open the clinic's own database ({path}): the demo's passwords are"
    " public. Leave out --db (the demo then has its own file, {demo}), or name another file"
    " with --db."
)


def dispatch(args: argparse.Namespace, db_path: Path, started: float) -> int:
    if args.command == "backup":
        from frontdesk.backup_cli import run_backup

        return run_backup(db_path, Path(args.to).expanduser() if args.to else None)
    if args.command == "restore":
        from frontdesk.backup_cli import run_restore

        return run_restore(db_path, Path(args.file).expanduser(), yes=args.yes)
    if args.command == "audit":
        from frontdesk.audit_cli import verify

        return verify(db_path)
    if args.command == "handout":
        from frontdesk.handout_cli import save_handout  # Qt only for the PDF

        return save_handout(db_path, args.patient, args.kind, args.lang, args.out, args.staff)
    if not _has_display():
        print(f"frontdesk: {NO_DISPLAY}", file=sys.stderr)
        return 2
    from frontdesk.early_check import start_early_check

    check = start_early_check(db_path)  # runs while Qt loads, if it can read the file
    _import_services_before_qt()
    from frontdesk.app import run_gui  # Qt loads only when a window is wanted

    return run_gui(
        db_path,
        demo=args.demo,
        smoke=args.smoke,
        started=started,
        as_role=args.as_role,
        checked=None if check is None else check.result,
    )


SERVER_DEMO_REFUSED = (
    "--demo opens the demo's own file; a demo clinic on the server is made by"
    " `frontdesk server init URL --demo` (then `frontdesk --server URL --as ROLE` signs in)."
)
ONLY_ON_SERVER = "{option} is for the clinic server's backups (with --server URL)."


def on_server(args: argparse.Namespace, server: str, started: float) -> int:
    """The same commands and window on the clinic server. A server that cannot be reached is
    said in words naming it: exit 2 from a command; the window's start offers Retry."""
    from frontdesk.services.clinic import DatabaseRefused, ServerUnreachable
    from frontdesk.storage.server_address import AddressUnreadable
    from frontdesk.workstation import load, open_on_server, prepare

    if args.demo:
        print(f"frontdesk: {SERVER_DEMO_REFUSED}", file=sys.stderr)
        return 2
    ca_file = args.server_ca or _remembered_ca(server, load())
    if ca_file:
        ca_file = str(Path(ca_file).expanduser().resolve())
    try:
        opening = prepare(server, ca_file)
    except AddressUnreadable as exc:
        print(f"frontdesk: {exc}", file=sys.stderr)
        return 2
    if args.command is None:
        if not _has_display():
            print(f"frontdesk: {NO_DISPLAY}", file=sys.stderr)
            return 2
        _import_services_before_qt()
        from frontdesk.app import run_gui

        return run_gui(
            Path(), demo=False, smoke=args.smoke, started=started, as_role=args.as_role,
            server=opening,
        )  # fmt: skip
    if args.command in ("backup", "restore"):
        return server_backup_command(args, opening)
    try:
        clinic = open_on_server(opening)
    except (ServerUnreachable, DatabaseRefused) as exc:
        print(f"frontdesk: {exc}", file=sys.stderr)
        return 2
    if args.command == "audit":
        from frontdesk.audit_cli import verify_clinic

        return verify_clinic(clinic)
    if args.command == "handout":
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # no window: none is needed
        from frontdesk.handout_cli import _save

        try:
            return _save(clinic, args.patient, args.kind, args.lang, Path(args.out), args.staff)
        except (ServiceError, OSError) as exc:
            print(f"frontdesk: {exc}", file=sys.stderr)
            return 1
        finally:
            clinic.close()
    clinic.close()
    raise AssertionError(f"no such command on the server: {args.command}")


def _remembered_ca(server: str, settings: Workstation) -> str | None:
    """The CA file remembered with this workstation's server: for that server only."""
    from frontdesk.storage.server_address import AddressUnreadable, keyring_name

    if not settings.server or not settings.ca_file:
        return None
    try:
        same = keyring_name(server) == keyring_name(settings.server)
    except AddressUnreadable:
        return None
    return settings.ca_file if same else None


def server_backup_command(args: argparse.Namespace, opening: Opening) -> int:
    """`--server URL backup [--to DIR] [--daily]` and `--server URL restore FILE.dump
    [--admin URL] [--yes]` (backup_cli.py); a restore that switched the clinic to its new
    database makes it this workstation's server, its password kept for it as well."""
    from frontdesk.backup_cli import run_server_backup, run_server_restore

    if args.command == "backup":
        from frontdesk.services.clinic import DatabaseRefused, ServerUnreachable
        from frontdesk.workstation import open_on_server, prepare

        try:  # the password asked for here (on a terminal) when the keyring has none
            open_on_server(opening).close()
        except (ServerUnreachable, DatabaseRefused) as exc:
            print(f"frontdesk: {exc}", file=sys.stderr)
            return 2
        if opening.connect == opening.address:  # typed just now: kept in the keyring since
            opening = prepare(opening.address, opening.ca_file)
        to = Path(args.to).expanduser() if args.to else None
        return run_server_backup(opening.connect, to, daily=args.daily)

    def switch(new_address: str) -> None:
        from frontdesk.storage import keyring_store
        from frontdesk.storage.server_address import workstation_address
        from frontdesk.workstation import Workstation, remember

        password = workstation_address(opening.connect).password
        kept = workstation_address(new_address, opening.ca_file).address
        if password:
            try:
                keyring_store.keep_server_password(kept, password)
            except keyring_store.NoKeyring as exc:
                print(f"frontdesk: {exc}", file=sys.stderr)
        remember(Workstation(kept, opening.ca_file))

    return run_server_restore(
        opening.connect, Path(args.file).expanduser(), admin=args.admin, yes=args.yes,
        remember=switch,
    )  # fmt: skip


def _import_services_before_qt() -> None:
    """The window's start imports the services (and sqlite-utils with them) before PySide6.
    Once loaded, PySide6 reads the source of every module imported after it (to see whether
    that module uses its `__feature__` switches): ~20 ms of a start for modules without Qt."""
    import frontdesk.bundled  # the icon's files
    import frontdesk.domain.appointments
    import frontdesk.logs
    import frontdesk.peak_memory
    import frontdesk.services.clinic
    import frontdesk.services.encrypt_existing
    import frontdesk.services.encryption
    import frontdesk.services.typed_key  # noqa: F401
