"""The clinic's encryption key: what it is, which file it opens, and the keys this process holds.

A key is 32 random bytes for AES-256 plus the 16-byte salt SQLCipher writes as the first bytes
of every file encrypted with it (the database, its WAL pages and every backup). The salt is not
secret, so it names the key: a file's first 16 bytes say which key opens it, wherever the file
was copied. The recovery key is both, written for a person to type back.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

SECRET_BYTES = 32
SALT_BYTES = 16
CHECK_BYTES = 2  # a mistyped recovery key is caught before it is tried on a file
SQLITE_HEADER = b"SQLite format 3\x00"
MIN_PAGE = 512  # the smallest page size: a database file is a whole number of pages
GROUP = 5  # characters per group on the recovery sheet


class KeyNeeded(Exception):
    """The file is encrypted and this process holds no key for it."""

    def __init__(self, path: Path, salt: bytes) -> None:
        super().__init__(
            f"{path.name} is encrypted, and this computer does not have its key."
            " Type its recovery key to open it."
        )
        self.path = path
        self.salt = salt


class BadRecoveryKey(ValueError):
    """Typed text that is not a recovery key (said in words)."""


@dataclass(frozen=True, repr=False)
class ClinicKey:
    secret: bytes
    salt: bytes

    def __post_init__(self) -> None:
        if len(self.secret) != SECRET_BYTES or len(self.salt) != SALT_BYTES:
            raise ValueError("a clinic key is 32 bytes of secret and a 16-byte salt")

    def __repr__(self) -> str:  # never the secret, in a log line or a traceback
        return f"ClinicKey(salt={self.salt.hex()})"

    @classmethod
    def new(cls) -> ClinicKey:
        return cls(secrets.token_bytes(SECRET_BYTES), secrets.token_bytes(SALT_BYTES))

    @property
    def name(self) -> str:
        """What the key is filed under (its salt, which every file it encrypts starts with)."""
        return self.salt.hex()

    def pragma(self) -> str:
        """The value of `PRAGMA key`: a raw key with its salt, so SQLCipher derives nothing
        (no PBKDF2 at each connection) and new files carry this salt."""
        return f"\"x'{self.as_hex()}'\""

    def as_hex(self) -> str:
        """Secret then salt in hex, on one line: how a key is handed to another process."""
        return (self.secret + self.salt).hex()

    @classmethod
    def from_hex(cls, text: str) -> ClinicKey:
        """The key `as_hex` wrote (ValueError for anything else)."""
        raw = bytes.fromhex(text.strip())
        return cls(raw[:SECRET_BYTES], raw[SECRET_BYTES:])

    def recovery_text(self) -> str:
        """The recovery key as printed: base32 in groups of five, with a check at the end."""
        raw = self.secret + self.salt
        raw += _check(raw)
        text = base64.b32encode(raw).decode("ascii").rstrip("=")
        return "-".join(text[i : i + GROUP] for i in range(0, len(text), GROUP))

    @classmethod
    def from_recovery_text(cls, typed: str) -> ClinicKey:
        """The key a typed recovery key stands for; spaces, dashes and case do not matter, and
        a 0, 1 or 8 (never printed on the sheet) is read as the letter it looks like."""
        text = "".join(ch for ch in typed.upper() if ch.isalnum())
        text = text.translate(str.maketrans("018", "OIB"))
        size = SECRET_BYTES + SALT_BYTES + CHECK_BYTES
        wanted = len(base64.b32encode(bytes(size)).decode("ascii").rstrip("="))
        if len(text) != wanted:
            raise BadRecoveryKey(
                f"A recovery key has {wanted} letters and digits; {len(text)} were typed."
            )
        try:
            raw = base64.b32decode(text + "=" * (-len(text) % 8))
        except ValueError as exc:
            raise BadRecoveryKey("That is not a recovery key: check each group.") from exc
        body, check = raw[:-CHECK_BYTES], raw[-CHECK_BYTES:]
        if _check(body) != check:
            raise BadRecoveryKey("That recovery key has a typing mistake: check each group.")
        return cls(body[:SECRET_BYTES], body[SECRET_BYTES:])

    @classmethod
    def from_passphrase(cls, passphrase: str, salt: bytes) -> ClinicKey:
        """For a computer with no keyring: the key follows from a passphrase (Argon2id, slow
        on purpose) and the file's salt."""
        from argon2.low_level import Type, hash_secret_raw

        secret = hash_secret_raw(
            passphrase.encode("utf-8"),
            salt,
            time_cost=3,
            memory_cost=64 * 1024,
            parallelism=2,
            hash_len=SECRET_BYTES,
            type=Type.ID,
        )
        return cls(secret, salt)


def _check(body: bytes) -> bytes:
    """CRC-16 (CCITT): it catches every change of up to 16 bits in a row, so every mistyped
    character (5 bits) and every two neighbours swapped (10 bits) is refused, never read as
    another key (a 2-byte hash let about one typo in 60 000 through)."""
    return binascii.crc_hqx(body, 0xFFFF).to_bytes(CHECK_BYTES, "big")


def salt_of(path: Path) -> bytes | None:
    """The salt an encrypted file starts with; None for a plain SQLite file, an empty one or
    none at all (a new database)."""
    try:
        with path.open("rb") as file:
            head = file.read(SALT_BYTES)
            size = os.fstat(file.fileno()).st_size
    except FileNotFoundError:
        return None
    if len(head) < SALT_BYTES or head == SQLITE_HEADER:
        return None
    if size < MIN_PAGE or size % MIN_PAGE:  # not whole pages: no database at all (damage)
        return None
    if len(set(head)) == 1:  # a salt is random: a zeroed or overwritten start is damage
        return None
    return head


def is_encrypted(path: Path) -> bool:
    return salt_of(path) is not None


# -- the keys this process holds -----------------------------------------------------------------
_HELD: dict[bytes, ClinicKey] = {}


def hold(key: ClinicKey) -> None:
    """From now on every file encrypted with `key` opens in this process (the database, its
    backups, a restored copy)."""
    _HELD[key.salt] = key


def held(salt: bytes) -> ClinicKey | None:
    return _HELD.get(salt)


def held_keys() -> list[ClinicKey]:
    """Every key this process holds (a file whose salt was changed may still open with one)."""
    return list(_HELD.values())


def key_for(path: Path) -> ClinicKey | None:
    """The key that opens `path`: None for a plain file; KeyNeeded when it is encrypted with
    a key this process does not hold."""
    salt = salt_of(path)
    if salt is None:
        return None
    key = _HELD.get(salt)
    if key is None:
        raise KeyNeeded(path, salt)
    return key


def forget_all() -> None:
    """At sign-out of the process (and between tests)."""
    _HELD.clear()
