"""This computer as a workstation of the clinic server: which server it uses (remembered in a
small settings file, never with a password), the password (in the keyring), and the opening.

`frontdesk --server URL` (or FRONTDESK_SERVER) names the server; the app's start remembers it,
so plain `frontdesk` goes there next time. A password given in the URL is used once and moved
into the keyring; a server that asks for one the keyring does not have is asked on a terminal.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from frontdesk.paths import SERVER_ENV_VAR, workstation_settings_path


@dataclass(frozen=True)
class Workstation:
    """What this computer remembers: the server's address (no password) and the CA file."""

    server: str | None = None
    ca_file: str | None = None


def load(path: Path | None = None) -> Workstation:
    """The remembered settings; none when the file is missing or cannot be read."""
    path = path or workstation_settings_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return Workstation()
    if not isinstance(data, dict):
        return Workstation()
    server, ca_file = data.get("server"), data.get("ca_file")
    return Workstation(
        server if isinstance(server, str) and server else None,
        ca_file if isinstance(ca_file, str) and ca_file else None,
    )


def remember(settings: Workstation, path: Path | None = None) -> Path:
    """Writes the settings (readable by this user only); the address never holds a password."""
    from frontdesk.storage.server_address import has_password

    if settings.server and has_password(settings.server):
        raise ValueError("a server address with a password is never written to a file")
    path = path or workstation_settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps({"server": settings.server, "ca_file": settings.ca_file}, indent=2)
    partial = path.with_name(path.name + ".new")
    with contextlib.suppress(FileNotFoundError):
        partial.unlink()
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(text + "\n")
    os.replace(partial, path)
    return path


BOTH_GIVEN = (
    "Give either --db (a clinic database file on this computer) or --server (the clinic"
    " server), not both."
)
BOTH_IN_ENVIRONMENT = (
    "Both FRONTDESK_DB and FRONTDESK_SERVER are set: unset the one this computer should not use."
)


class ChoiceRefused(Exception):
    """The command line or environment names two databases at once (said in words)."""


def chosen_server(
    cli_server: str | None,
    cli_db: str | None,
    *,
    demo: bool,
    env: Mapping[str, str] | None = None,
    settings: Workstation | None = None,
) -> str | None:
    """The server to open, or None for a file: `--server` wins, then `--db`, then
    FRONTDESK_SERVER / FRONTDESK_DB, then the remembered server, else the file as before.
    `demo` (--demo, --as) never goes to the remembered server: the demo has its own file, and
    the demo's public logins must not be tried on the clinic's own database."""
    env = os.environ if env is None else env
    if cli_server and cli_db:
        raise ChoiceRefused(BOTH_GIVEN)
    if cli_server:
        return cli_server
    if cli_db:
        return None
    from frontdesk.paths import DB_ENV_VAR

    if env.get(SERVER_ENV_VAR) and env.get(DB_ENV_VAR):
        raise ChoiceRefused(BOTH_IN_ENVIRONMENT)
    if env.get(SERVER_ENV_VAR):
        return env[SERVER_ENV_VAR]
    if env.get(DB_ENV_VAR) or demo:
        return None
    return (settings or load()).server


@dataclass(frozen=True)
class Opening:
    """How to reach the server: what is remembered and what a connection opens with."""

    address: str  # as remembered: TLS options, no password
    connect: str  # the address with the password this computer keeps (never shown)
    ca_file: str | None


def prepare(given: str, ca_file: str | None = None, *, err: TextIO | None = None) -> Opening:
    """The address as this workstation uses it: TLS as asked, a password in `given` moved into
    the keyring (said on `err`), the keyring's password put back for the connection.
    AddressUnreadable when `given` is not an address."""
    from frontdesk.storage import keyring_store
    from frontdesk.storage.server_address import (
        address_for_people,
        with_password,
        workstation_address,
    )

    err = err or sys.stderr
    parsed = workstation_address(given, ca_file)
    password = parsed.password
    if password:
        try:
            keyring_store.keep_server_password(parsed.address, password)
            print(
                "frontdesk: the password in the server's address is now kept in this"
                " computer's keyring; the address Frontdesk remembers has none"
                f" ({address_for_people(parsed.address)}).",
                file=err,
            )
        except keyring_store.NoKeyring as exc:
            print(
                f"frontdesk: {exc} The password in the address is used this once and kept"
                " nowhere: give it again next time (or type it when asked).",
                file=err,
            )
    else:
        password = keyring_store.server_password(parsed.address)
    return Opening(parsed.address, with_password(parsed.address, password), ca_file)


def needs_password(problem: str) -> bool:
    """The server refused for want of the right password (libpq's words, or postgres_errors'
    sentence for them)."""
    text = problem.lower()
    return any(
        words in text
        for words in (
            "no password supplied",
            "password authentication failed",
            "refused this user name and password",
        )
    )


PASSWORD_PROMPT = "Password of the clinic server ({who}), as `frontdesk server init` printed it: "


def open_on_server(
    opening: Opening,
    *,
    ask: Callable[[str], str] | None = None,
    err: TextIO | None = None,
    files: Path | None = None,
):
    """The clinic on the server; where it wants a password this computer does not keep, it is
    asked (`ask`, or on a terminal) and, once it works, kept in the keyring. ServerUnreachable
    or DatabaseRefused (services/clinic.py) otherwise, naming the server."""
    from frontdesk.services.clinic import ServerUnreachable, open_server
    from frontdesk.storage import keyring_store
    from frontdesk.storage.server_address import address_for_people, with_password

    err = err or sys.stderr
    try:
        return open_server(opening.connect, files=files)
    except ServerUnreachable as exc:
        if not needs_password(str(exc)):
            raise
        if ask is None:
            if not _on_a_terminal():
                raise ServerUnreachable(f"{exc} {NO_PASSWORD_HERE}") from exc
            ask = _getpass
        first = exc
    who = address_for_people(opening.address)
    for _ in range(3):
        try:
            typed = ask(PASSWORD_PROMPT.format(who=who))
        except (EOFError, KeyboardInterrupt):
            raise ServerUnreachable(f"{first} No password was typed.") from first
        try:
            clinic = open_server(with_password(opening.address, typed), files=files)
        except ServerUnreachable as again:
            if not needs_password(str(again)):
                raise
            print("frontdesk: the server refused that password.", file=err)
            continue
        try:
            keyring_store.keep_server_password(opening.address, typed)
            print("frontdesk: the password is now kept in this computer's keyring.", file=err)
        except keyring_store.NoKeyring as no_keyring:
            print(f"frontdesk: {no_keyring} It is asked again next time.", file=err)
        return clinic
    raise ServerUnreachable(f"{first} The password typed was refused three times.")


NO_PASSWORD_HERE = (
    "This computer's keyring has no password for it: run `frontdesk --server URL` once from a"
    " terminal (it asks for the password and keeps it in the keyring)."
)


def _getpass(prompt: str) -> str:
    import getpass

    return getpass.getpass(prompt)


def _on_a_terminal() -> bool:
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except ValueError:
        return False
