"""A key typed by a person (the key dialog, the terminal): the recovery key from the recovery
sheet, or the clinic's passphrase where it uses one. One field takes both, so whoever is at the
desk need not know which kind of clinic this is; the answer names what was wrong in words."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from frontdesk.services import encryption
from frontdesk.services.errors import ServiceError

if TYPE_CHECKING:
    from frontdesk.storage.clinic_keys import ClinicKey

RECOVERY_LETTERS = 80  # letters and digits of a recovery key (50 bytes in base32)
NOTHING_TYPED = "Type the recovery key from the clinic's recovery sheet."


def unlock_with_typed(path: Path, typed: str, *, keep: bool = True) -> ClinicKey:
    """Held from now on (and, for a recovery key with `keep`, kept in this computer's
    keyring). Text shaped like a recovery key is judged as one (its own mistakes are the
    useful answer); anything else is tried as the passphrase too."""
    typed = typed.strip()
    if not typed:
        raise ServiceError(NOTHING_TYPED)
    try:
        return encryption.unlock_with_recovery_key(path, typed, keep=keep)
    except ServiceError:
        if looks_like_recovery_key(typed):
            raise
    try:
        return encryption.unlock_with_passphrase(path, typed)
    except ServiceError as exc:
        raise ServiceError(
            f"That is neither the recovery key nor the passphrase of {path.name}: check it and"
            " type it again. A recovery key has 16 groups of five letters and digits."
        ) from exc


def looks_like_recovery_key(typed: str) -> bool:
    """Groups of five with dashes, or about as many letters and digits as a recovery key
    (a group left out or typed twice): a passphrase is words."""
    letters = sum(ch.isalnum() for ch in typed)
    groups = typed.split("-")
    grouped = len(groups) >= 8 and all(len(g.strip()) <= 5 for g in groups)
    return grouped or (abs(letters - RECOVERY_LETTERS) <= 10 and " " not in typed.strip())


def key_as_hex(path: Path) -> str | None:
    """The key this process opened `path` with, as one line of hex (secret then salt): for
    the daily job's stdin when this computer's keyring does not have it. None for a plain
    file, or when the keyring has it (the job takes it from there)."""
    key = encryption.held_key(path)
    if key is None or in_keyring(path):
        return None
    return (key.secret + key.salt).hex()


def in_keyring(path: Path) -> bool:
    from frontdesk.storage import keyring_store
    from frontdesk.storage.clinic_keys import salt_of

    salt = salt_of(path)
    return salt is not None and keyring_store.find(salt) is not None


def hold_hex(path: Path, text: str) -> bool:
    """The daily job: holds the key read from its stdin when it opens `path`."""
    from frontdesk.storage.clinic_keys import SALT_BYTES, ClinicKey, hold
    from frontdesk.storage.engine import opens_with

    try:
        raw = bytes.fromhex(text.strip())
        key = ClinicKey(raw[:-SALT_BYTES], raw[-SALT_BYTES:])
    except ValueError:
        return False
    if not opens_with(path, key):
        return False
    hold(key)
    return True
