"""The clinic's key for a command run from a terminal (`backup`, `restore`, `audit verify`,
`handout`): from this computer's keyring, else typed (never shown, never printed); without a
terminal to ask on (a scheduled task), a refusal in words."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from frontdesk.services.encryption import ClinicKeyMissing, unlock
from frontdesk.services.errors import ServiceError

TRIES = 3
PROMPT = "Recovery key (from the clinic's recovery sheet) or the clinic's passphrase: "
IF_ENCRYPTED = (
    "Run the command once from a terminal (it asks for the recovery key and keeps it in the"
    " keyring), or open the app and type the recovery key."
)
IF_NO_KEYRING = (
    "Run it from a terminal: the passphrase or recovery key is asked each time (this computer"
    " has no keyring to keep it), so a command run unattended cannot open it."
)


def without_its_key(path: Path) -> str:
    """Why a command cannot open `path` (a file that starts like an encrypted one) and what
    to do: the same words for every command. Without a keyring nothing keeps the key, so a
    scheduled command can never open it; that is said rather than a step that cannot help."""
    from frontdesk.services.encryption import keyring_problem

    if keyring_problem() is None:
        return f"{path.name} is encrypted, and this computer's keyring does not have its key."
    return f"{path.name} is encrypted, and this computer has no keyring."


def what_to_do() -> str:
    """The step after `without_its_key`: kept once where a keyring is, asked each time where not."""
    from frontdesk.services.encryption import keyring_problem

    return IF_ENCRYPTED if keyring_problem() is None else IF_NO_KEYRING


def refusal(path: Path) -> str:
    return f"{without_its_key(path)} {what_to_do()}"


def _getpass(prompt: str) -> str:
    import getpass

    return getpass.getpass(prompt)


def unlock_for_command(
    path: Path,
    *,
    ask: Callable[[str], str] | None = None,
    err: TextIO | None = None,
    no_terminal: Callable[[], str] | None = None,
) -> bool:
    """True once this process holds the key of `path` (or it needs none). `ask` reads the
    typed key without echo (getpass, on a terminal only); False after a refusal, said on `err`
    (`no_terminal`: the command's own words when it cannot ask)."""
    err = err or sys.stderr
    try:
        unlock(path)
        return True
    except OSError:  # a folder, or a file this user may not read: the command says which
        return True
    except ClinicKeyMissing as missing:
        said = str(missing)
    if ask is None:
        if not _on_a_terminal():
            said = no_terminal() if no_terminal else refusal(path)
            print(f"frontdesk: {said}", file=err)
            return False
        ask = _getpass
    from frontdesk.services.typed_key import unlock_with_typed

    print(f"frontdesk: {said}", file=err)
    for _ in range(TRIES):
        try:
            typed = ask(PROMPT)
        except (EOFError, KeyboardInterrupt):
            print("\nfrontdesk: no key typed; nothing was done.", file=err)
            return False
        try:
            unlock_with_typed(path, typed)
            return True
        except ServiceError as exc:
            print(f"frontdesk: {exc}", file=err)
    print(f"frontdesk: {path.name} was not opened; nothing was done.", file=err)
    return False


def _on_a_terminal() -> bool:
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except ValueError:  # stdin closed
        return False
