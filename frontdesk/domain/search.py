"""What the person at the desk meant by what they typed in the search box."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import Generic, TypeVar

from frontdesk.domain.dates import DateFormatError, looks_like_date, parse_date
from frontdesk.domain.text import digits, fold, name_key, unstorable

T = TypeVar("T")
MIN_PHONE_DIGITS = 3
MAX_QUERY_CHARS = 80
MAX_NAME_WORDS = 4  # "maria jose garcia lopez": more words only narrow what these find
_PHONE_CHARS = re.compile(r"^[\d\s()+\-.]+$")
_US_COUNTRY_CODE = re.compile(r"^(\+\s*1|1(?=[\s\-.(]))")


class SearchKind(Enum):
    ALL = "all"
    NAME = "name"
    PHONE = "phone"
    EMAIL = "email"
    DOB = "dob"
    NOTHING = "nothing"  # typed something that cannot match (e.g. an impossible date)


@dataclass(frozen=True)
class SearchQuery:
    kind: SearchKind
    words: tuple[str, ...] = ()
    text: str = ""  # folded email fragment or phone digits
    day: date | None = None
    hint: str = ""  # why nothing can match, in words for the desk

    @property
    def phone_prefix(self) -> str:
        """Digits to match from the start of a number. No US area code starts with 1, so a
        leading 1 is the country code ("1818555" means 818-555...)."""
        return self.text[1:] if self.text.startswith("1") else self.text


def parse_query(raw: str) -> SearchQuery:
    """Decide once per keystroke; the repository turns the answer into indexed ranges."""
    text = raw.strip()[:MAX_QUERY_CHARS]
    if not text:
        return SearchQuery(SearchKind.ALL)
    said = unstorable(text, "The search")
    if said:  # no stored name holds it, and SQLite cannot even be asked about it
        return SearchQuery(SearchKind.NOTHING, hint=said)
    if looks_like_date(text):
        try:
            return SearchQuery(SearchKind.DOB, day=parse_date(text))
        except DateFormatError as exc:
            return SearchQuery(SearchKind.NOTHING, hint=str(exc))
    if _PHONE_CHARS.match(text):
        number = digits(text)
        if _US_COUNTRY_CODE.match(text):
            number = number[1:]  # "+1 818 ..." : US numbers are indexed without it
        if len(number) >= MIN_PHONE_DIGITS:
            return SearchQuery(SearchKind.PHONE, text=number)
        if number or text.startswith("+"):
            return SearchQuery(SearchKind.NOTHING, hint="Type at least 3 digits of the phone.")
    if "@" in text:
        return SearchQuery(SearchKind.EMAIL, text=fold(text))
    words = tuple(name_key(text).split())[:MAX_NAME_WORDS]
    if not words:
        return SearchQuery(SearchKind.NOTHING)
    return SearchQuery(SearchKind.NAME, words=words, text=fold(text))


class PatientSort(Enum):
    """Orders the registry can be shown in; each is backed by an index."""

    NAME = "name"
    DOB = "dob"
    PHONE = "phone"
    EMAIL = "email"
    STATUS = "status"


@dataclass(frozen=True)
class PageCursor:
    """Where the next page starts: which ranked group, and the last sort key seen in it."""

    stream: int
    after: tuple[object, ...] | None  # the sort key's values, as the row held them


@dataclass(frozen=True)
class Page(Generic[T]):
    rows: list[T]
    next: PageCursor | None  # None: nothing more to fetch
    capped: bool = False  # sorted among the first matches only: there are more
