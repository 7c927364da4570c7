"""Which key opens the clinic's database, and from where: this computer's keyring, the
recovery key typed from the recovery sheet, or (on a computer with no keyring) a passphrase.

Called before `open_clinic` (and before any command reads the file): once a key is found it is
held by the process, so the database, its backups and a restored copy all open with it.
"""

from __future__ import annotations

from contextlib import suppress
from pathlib import Path

from frontdesk.services.errors import ServiceError
from frontdesk.storage import keyring_store
from frontdesk.storage.clinic_keys import BadRecoveryKey, ClinicKey, held, hold, salt_of
from frontdesk.storage.engine import opens_with

MIN_PASSPHRASE = 12


class ClinicKeyMissing(ServiceError):
    """The file is encrypted and its key is not on this computer: ask for the recovery key
    (or the passphrase)."""

    def __init__(self, path: Path, no_keyring: str | None) -> None:
        said = f"{path.name} is encrypted, and this computer does not have its key."
        if no_keyring:
            said += f" {no_keyring}"
        super().__init__(said + " Type the recovery key from the clinic's recovery sheet.")
        self.path = path
        self.no_keyring = no_keyring


def is_encrypted(path: Path) -> bool:
    return salt_of(path) is not None


def unlock(path: Path) -> None:
    """A plain file needs nothing; an encrypted one takes its key from this computer's
    keyring. ClinicKeyMissing when it is not there."""
    salt = salt_of(path)
    if salt is None or held(salt) is not None:
        return
    key = keyring_store.find(salt)
    if key is None:
        raise ClinicKeyMissing(path, keyring_store.missing_reason())
    hold(key)


def unlock_with_recovery_key(path: Path, typed: str, *, keep: bool = True) -> ClinicKey:
    """Opens `path` with a typed recovery key; with `keep`, this computer's keyring keeps it
    (where there is one) so it is not asked again."""
    try:
        key = ClinicKey.from_recovery_text(typed)
    except BadRecoveryKey as exc:
        raise ServiceError(str(exc)) from exc
    _check_opens(path, key, "recovery key")
    hold(key)
    if keep and keyring_store.missing_reason() is None:
        with suppress(keyring_store.NoKeyring):  # held for this run; asked again next time
            keyring_store.keep(key)
    return key


def unlock_with_passphrase(path: Path, passphrase: str) -> ClinicKey:
    """Opens `path` with the clinic's passphrase (a computer with no keyring)."""
    salt = salt_of(path)
    if salt is None:
        raise ServiceError(f"{path.name} is not encrypted: it needs no passphrase.")
    key = ClinicKey.from_passphrase(passphrase, salt)
    _check_opens(path, key, "passphrase")
    hold(key)
    return key


def _check_opens(path: Path, key: ClinicKey, what: str) -> None:
    salt = salt_of(path)
    if salt is None:
        raise ServiceError(f"{path.name} is not encrypted: it needs no {what}.")
    if key.salt != salt:
        raise ServiceError(f"That {what} belongs to another clinic database, not {path.name}.")
    if not opens_with(path, key):
        raise ServiceError(
            f"That {what} does not open {path.name}: check it, or the file may be damaged."
        )


def new_clinic_key() -> ClinicKey:
    """The key for a new clinic database, kept in this computer's keyring (NoKeyring, in
    words, where there is none: then `passphrase_key` instead)."""
    key = ClinicKey.new()
    keyring_store.keep(key)
    return key


def passphrase_key(passphrase: str) -> ClinicKey:
    """The key for a new clinic database on a computer with no keyring: from a passphrase
    the staff type at each start."""
    problem = passphrase_problem(passphrase)
    if problem:
        raise ServiceError(problem)
    return ClinicKey.from_passphrase(passphrase, ClinicKey.new().salt)


def passphrase_problem(passphrase: str) -> str | None:
    if len(passphrase) < MIN_PASSPHRASE:
        return f"A passphrase needs at least {MIN_PASSPHRASE} characters (a few words is best)."
    return None


def keyring_problem() -> str | None:
    """Why this computer cannot keep the clinic's key, in words; None where it can."""
    return keyring_store.missing_reason()


NoKeyring = keyring_store.NoKeyring


def held_key(path: Path) -> ClinicKey | None:
    """The key this process opened `path` with (None for a plain file): for the recovery
    sheet printed again from the admin menu."""
    salt = salt_of(path)
    return None if salt is None else held(salt)


def recovery_text_for(path: Path) -> str | None:
    """The recovery key of the clinic database at `path`, as printed on its recovery sheet
    (None for a plain file)."""
    key = held_key(path)
    return None if key is None else key.recovery_text()


def in_keyring(path: Path) -> bool:
    """Does this computer's keyring have the key of the encrypted file `path`?"""
    salt = salt_of(path)
    return salt is not None and keyring_store.find(salt) is not None


def unlock_with_hex(path: Path, text: str) -> bool:
    """Holds a key handed over by another process (`ClinicKey.as_hex`) when it opens `path`."""
    try:
        key = ClinicKey.from_hex(text)
        _check_opens(path, key, "key")
    except (ValueError, ServiceError):
        return False
    hold(key)
    return True
