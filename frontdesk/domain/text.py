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


NUL_IN_TEXT = "{what} cannot contain the invisible NUL character."
BROKEN_CHARACTER = (
    "{what} contains a broken character (half of a pair, often left by copying from another"
    " program): type that part again."
)
# What callers of has_nul() say: either of the two above.
NUL_PROBLEM = (
    "It cannot contain the invisible NUL character or a broken character (half of a pair,"
    " often left by copying from another program)."
)


def unstorable(text: str, what: str = "It") -> str | None:
    """Why SQLite cannot keep `text` exactly as typed, in words; None when it can.

    A NUL cuts it short for SQLite's length() and for C readers; a lone surrogate ('\\udc80',
    from a damaged paste or file name) is not UTF-8 at all and makes sqlite3 raise. Every
    validator of free text asks this, so the answer is a sentence, never a traceback. `what`
    starts the sentence: "Notes", "The reason".
    """
    if "\x00" in text:
        return NUL_IN_TEXT.format(what=what)
    return not_utf8(text, what)


def not_utf8(text: str, what: str = "It") -> str | None:
    """The broken-character half of `unstorable`, for text that is encoded but not stored
    (a password is hashed as UTF-8 bytes: a NUL there is harmless)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return BROKEN_CHARACTER.format(what=what)
    return None


def has_nul(text: str) -> bool:
    """True for any text `unstorable` refuses (NUL_PROBLEM says both reasons).

    The older name: it once checked only the NUL; a lone surrogate fails the same way.
    """
    return unstorable(text) is not None


def storage_errors(fields: dict[str, tuple[str, str]]) -> dict[str, str]:
    """{field: sentence} for each text that cannot be stored as typed.

    `fields` maps each form field to (how a sentence names it, the text typed).
    """
    return {
        key: said for key, (label, value) in fields.items() if (said := unstorable(value, label))
    }


def counted(count: int, noun: str) -> str:
    """'1 session', '3 sessions': a count said with its noun (regular plurals only)."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
