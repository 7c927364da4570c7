"""`frontdesk server init URL [--name DBNAME] [--demo]` and `frontdesk server move --from FILE
--to URL`: the clinic admin's set-up of the clinic server, without a window.

`init` makes the clinic's database, its schema and the workstations' least-privilege role,
and prints the address the workstations use with that role's password (shown once: it is kept
in each workstation's keyring, never in a file). `move` puts a one-PC clinic's file there.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TextIO

DEFAULT_NAME = "frontdesk"


def add_server_commands(commands: argparse._SubParsersAction) -> None:
    server = commands.add_parser("server", help="set up the clinic server (the clinic's admin)")
    actions = server.add_subparsers(dest="server_command", metavar="ACTION", required=True)
    init = actions.add_parser(
        "init", help="make the clinic's database and the workstations' role on a server"
    )
    init.add_argument(
        "url",
        metavar="URL",
        help="an address whose role may create databases and roles, e.g."
        " postgresql://postgres@server/postgres",
    )
    init.add_argument(
        "--name",
        metavar="DBNAME",
        default=DEFAULT_NAME,
        help=f"the clinic database's name (default: {DEFAULT_NAME})",
    )
    init.add_argument(
        "--demo", action="store_true", help="fill it with the demo clinic (public passwords)"
    )
    move = actions.add_parser(
        "move", help="move a one-PC clinic (its database file) to the clinic server"
    )
    move.add_argument(
        "--from", dest="source", required=True, metavar="FILE", help="the clinic's database file"
    )
    move.add_argument(
        "--to",
        dest="target",
        required=True,
        metavar="URL",
        help="the new clinic database `server init` made, as its owner (the address given to"
        " init, with the clinic database's name)",
    )


def run_server_command(args: argparse.Namespace) -> int:
    if args.server_command == "init":
        return init(args.url, args.name, demo=args.demo)
    return move(Path(args.source).expanduser(), args.target)


def init(
    url: str,
    name: str = DEFAULT_NAME,
    *,
    demo: bool = False,
    now: datetime | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """0: made, and said how workstations connect; 1: refused (nothing changed); 2: the server
    could not be reached."""
    from frontdesk.domain.clinic import CLINIC_TZ
    from frontdesk.storage.database import DatabaseError
    from frontdesk.storage.postgres_errors import ConnectionLost
    from frontdesk.storage.postgres_server import (
        ServerSetupRefused,
        app_address,
        create_clinic_database,
    )
    from frontdesk.storage.server_address import (
        AddressUnreadable,
        address_for_people,
        database_name,
        with_database,
    )

    out = out or sys.stdout
    err = err or sys.stderr
    moment = now or datetime.now(CLINIC_TZ)
    try:
        database_name(url)  # an address that cannot be read is said as such
        role, password = create_clinic_database(url, name, moment.isoformat())
    except AddressUnreadable as exc:
        print(f"frontdesk: {exc}", file=err)
        return 2
    except ServerSetupRefused as exc:
        print(f"frontdesk: {exc}", file=err)
        return 1
    except ConnectionLost as exc:
        print(f"frontdesk: could not reach {address_for_people(url)}: {exc}.", file=err)
        return 2
    except DatabaseError as exc:  # e.g. the role may not create databases
        print(f"frontdesk: the server refused to make the clinic database: {exc}.", file=err)
        return 1
    address = app_address(url, name, role)
    where = address_for_people(with_database(url, name))
    print(f"The clinic database {name} is ready on the server ({where}).", file=out)
    if demo:
        done = _fill_demo(address, password, moment, err)
        if done != 0:
            return done
        print(
            "It holds the demo clinic: made-up patients, and logins whose passwords are"
            " public (shown on the sign-in screen). Never type real patients into it.",
            file=out,
        )
    print(
        "\nEach workstation starts Frontdesk on it with:\n"
        f"  frontdesk --server '{address}'\n"
        "The first start asks for the password of the workstations' role"
        f" ({role}) and keeps it in that computer's keyring; the next starts need only"
        " `frontdesk`.\n"
        "\nThat password, shown this once (it is not kept on this computer):\n"
        f"  {password}\n"
        "Keep it where the clinic keeps its passwords: it is needed to add a workstation.",
        file=out,
    )
    if not demo:
        print(
            "\nThe first person to sign in at a workstation creates the admin account."
            " To bring a one-PC clinic here instead, run `frontdesk server move` before"
            " anyone signs in.",
            file=out,
        )
    return 0


def _fill_demo(address: str, password: str, moment: datetime, err: TextIO) -> int:
    """The demo clinic, made through the services as the workstations' role, as the app's
    own `--demo` fills a file."""
    from frontdesk.services.clinic import open_server
    from frontdesk.services.clock import fixed_clock
    from frontdesk.services.demo import fill_demo_clinic
    from frontdesk.services.errors import ServiceError
    from frontdesk.storage.server_address import with_password

    try:
        clinic = open_server(with_password(address, password), fixed_clock(moment))
    except ServiceError as exc:
        print(f"frontdesk: the demo could not be made: {exc}", file=err)
        return 2
    try:
        fill_demo_clinic(clinic)
        clinic.make_demo()  # already made by the filling; says so once more, changes nothing
    finally:
        clinic.close()
    return 0


def move(
    source: Path,
    target: str,
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
    ask_key: Callable[[str], str] | None = None,
) -> int:
    """0: every row is on the server and checked; 1: refused or failed (the server's clinic
    as it was); 2: the server could not be reached. The file is only ever read."""
    from frontdesk.key_prompt import unlock_for_command
    from frontdesk.services.errors import ServiceError
    from frontdesk.services.server_move import move_to_server

    out = out or sys.stdout
    err = err or sys.stderr
    if not source.is_file():
        what = "is a folder, not a clinic database" if source.is_dir() else "does not exist"
        print(f"frontdesk: {source} {what}.", file=err)
        return 1
    if not unlock_for_command(source, ask=ask_key, err=err):
        return 1
    try:
        report = move_to_server(source, target, say=lambda line: print(line, file=out))
    except ServiceError as exc:
        print(f"frontdesk: {exc}", file=err)
        return 2 if getattr(exc, "unreachable", False) else 1
    print(report.table(), file=out)
    print(report.summary(), file=out)
    return 0 if report.whole else 1
