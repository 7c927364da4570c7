"""Search keys: how a typed fragment and a stored name are made comparable."""

from __future__ import annotations

import re
import unicodedata

_JOINERS = re.compile(r"[\u2019'`´]")  # O'Brien -> obrien
_SEPARATORS = re.compile(r"[\s\-‐‑–—_.,;:/\\()\"]+")


def fold(text: str) -> str:
    """Lower-case, accent-free form: "García" and "garcia" fold alike; scripts stay as they are."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", stripped.casefold())


def name_key(name: str) -> str:
    """Words of a name, folded and single-spaced: the indexed form searched by prefix."""
    folded = _JOINERS.sub("", fold(name))
    return " ".join(w for w in _SEPARATORS.split(folded) if w)


def digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit() and ch.isascii())


def prefix_upper_bound(prefix: str) -> str:
    """Smallest string greater than every string starting with `prefix` (for index ranges)."""
    if not prefix:
        raise ValueError("empty prefix has no range")
    head, last = prefix[:-1], ord(prefix[-1])
    if last >= 0x10FFFF:  # nothing follows the last code point: bump the one before it
        return prefix_upper_bound(head) if head else "\U0010ffff" * 2
    following = last + 1
    if 0xD800 <= following <= 0xDFFF:  # surrogates cannot be stored: jump over them
        following = 0xE000
    return head + chr(following)


NUL_PROBLEM = "It cannot contain the invisible NUL character."


def has_nul(text: str) -> bool:
    """SQLite's length() stops at a NUL: a text starting with one would look empty to it."""
    return "\x00" in text
