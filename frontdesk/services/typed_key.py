"""A key typed by a person (the key dialog, the terminal): the recovery key from the recovery
sheet, or the clinic's passphrase where it uses one. One field takes both, so whoever is at the
desk need not know which kind of clinic this is; the answer names what was wrong in words."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from frontdesk.services import encryption
from frontdesk.services.errors import ServiceError

if TYPE_CHECKING:
    from frontdesk.storage.clinic_keys import ClinicKey

RECOVERY_LETTERS = 80  # letters and digits of a recovery key (50 bytes in base32)
RECOVERY_GROUPS = 16
NOTHING_TYPED = "Type the recovery key from the clinic's recovery sheet."
NO_PASSPHRASE_TYPED = (
    "Type the clinic's passphrase (or the recovery key from the clinic's recovery sheet)."
)
WRONG_PASSPHRASE = "That passphrase does not open {name}. Check it (or type the recovery key)."


def unlock_with_typed(
    path: Path, typed: str, *, keep: bool = True, passphrase_expected: bool = False
) -> ClinicKey:
    """Held from now on (and, for a recovery key with `keep`, kept in this computer's
    keyring). It is tried as the recovery key, then as the passphrase; when neither opens,
    text shaped like a recovery key gets the recovery key's own mistake (the useful answer).
    `passphrase_expected` (a computer with no keyring: the clinic most likely chose a
    passphrase): anything else is called a wrong passphrase."""
    typed = typed.strip()
    if not typed:
        raise ServiceError(NO_PASSPHRASE_TYPED if passphrase_expected else NOTHING_TYPED)
    try:
        return encryption.unlock_with_recovery_key(path, typed, keep=keep)
    except ServiceError as exc:
        as_recovery_key = exc
    try:  # five-letter words can look like groups: the passphrase is tried all the same
        return encryption.unlock_with_passphrase(path, typed)
    except ServiceError as exc:
        if looks_like_recovery_key(typed):
            raise as_recovery_key from None
        if passphrase_expected:
            raise ServiceError(WRONG_PASSPHRASE.format(name=path.name)) from exc
        raise ServiceError(
            f"That is neither the recovery key nor the passphrase of {path.name}: check it and"
            " type it again. A recovery key has 16 groups of five letters and digits."
        ) from exc


def looks_like_recovery_key(typed: str) -> bool:
    """Letters and digits in groups of five (split by dashes or spaces, a group or two
    mistyped), or about as many letters and digits as a recovery key in one run: a
    passphrase is words, and words are seldom all five letters long."""
    groups = [group for group in re.split(r"[\s\-]+", typed.strip()) if group]
    if len(groups) >= RECOVERY_GROUPS // 2 and all(group.isalnum() for group in groups):
        fives = sum(len(group) == 5 for group in groups)
        if fives * 4 >= len(groups) * 3:
            return True
    letters = sum(ch.isalnum() for ch in typed)
    return abs(letters - RECOVERY_LETTERS) <= 10 and not any(ch.isspace() for ch in typed.strip())


def key_as_hex(path: Path) -> str | None:
    """The key this process opened `path` with, as one line of hex: for the daily job's
    stdin when this computer's keyring does not have it. None for a plain file, or when the
    keyring has it (the job takes it from there)."""
    key = encryption.held_key(path)
    if key is None or encryption.in_keyring(path):
        return None
    return key.as_hex()
