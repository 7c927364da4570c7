"""Registry search as ranked groups of index range reads, paged by keyset.

Each group ("stream") is one WHERE over one index, read in that index's order, so a page
costs the same with 10k or 1M patients: no scan, no sort of all matches, no OFFSET.
"""

from __future__ import annotations

from dataclasses import dataclass

from frontdesk.domain.search import PageCursor, PatientSort, SearchKind, SearchQuery
from frontdesk.domain.text import prefix_upper_bound

NAME_ORDER = ("last_key", "first_key", "id")
FIRST_NAME_ORDER = ("first_key", "last_key", "id")

SORT_ORDER: dict[PatientSort, tuple[str, ...]] = {
    PatientSort.NAME: NAME_ORDER,
    PatientSort.DOB: ("dob", "last_key", "first_key", "id"),
    PatientSort.PHONE: ("phone_digits", "id"),
    PatientSort.EMAIL: ("email_key", "id"),
    PatientSort.STATUS: ("archived", "last_key", "first_key", "id"),
}


@dataclass(frozen=True)
class Stream:
    where: str
    params: tuple
    order: tuple[str, ...]


def _prefix(column: str, prefix: str) -> tuple[str, tuple]:
    return f"({column} >= ? AND {column} < ?)", (prefix, prefix_upper_bound(prefix))


def _both(a: tuple[str, tuple], b: tuple[str, tuple]) -> tuple[str, tuple]:
    return f"({a[0]} AND {b[0]})", a[1] + b[1]


def _conditions(query: SearchQuery) -> list[tuple[tuple[str, tuple], tuple[str, ...]]]:
    """(condition, natural index order) per group, best match first."""
    kind = query.kind
    if kind is SearchKind.ALL:
        return [(("1", ()), NAME_ORDER)]
    if kind is SearchKind.NOTHING:
        return []
    if kind is SearchKind.DOB:
        assert query.day is not None
        return [(("(dob = ?)", (query.day.isoformat(),)), NAME_ORDER)]
    if kind is SearchKind.EMAIL:
        return [(_prefix("email_key", query.text), ("email_key", "id"))]
    if kind is SearchKind.PHONE:
        groups = [(_prefix("phone_digits", query.text), ("phone_digits", "id"))]
        if len(query.text) >= 4:  # last digits, the way callers often give them
            groups.append((_prefix("phone_rev", query.text[::-1]), ("phone_rev", "id")))
        return groups
    words = query.words
    phrase = " ".join(words)
    by_last = [(_prefix("last_key", phrase), NAME_ORDER)]
    by_first = [(_prefix("first_key", phrase), FIRST_NAME_ORDER)]
    for split in range(1, len(words)):
        head, tail = " ".join(words[:split]), " ".join(words[split:])
        by_last.append((_both(_prefix("last_key", head), _prefix("first_key", tail)), NAME_ORDER))
        by_first.append(
            (_both(_prefix("first_key", head), _prefix("last_key", tail)), FIRST_NAME_ORDER)
        )
    groups = by_last + by_first
    if len(words) == 1:
        groups.append((_prefix("email_key", query.text), ("email_key", "id")))
    return groups


def plan(query: SearchQuery, sort: PatientSort, descending: bool) -> list[Stream]:
    """Ranked groups for the default order; one merged group for any other order."""
    groups = _conditions(query)
    if not groups:
        return []
    if sort is PatientSort.NAME and not descending:
        streams: list[Stream] = []
        for index, ((sql, params), order) in enumerate(groups):
            earlier = groups[:index]
            if earlier:  # a patient shows once, in the first group that matches
                sql += " AND NOT (" + " OR ".join(s for (s, _), _ in earlier) + ")"
                params = params + tuple(p for (_, ps), _ in earlier for p in ps)
            streams.append(Stream(sql, params, order))
        return streams
    merged_sql = " OR ".join(sql for (sql, _), _ in groups)
    merged_params = tuple(p for (_, params), _ in groups for p in params)
    return [Stream(f"({merged_sql})", merged_params, SORT_ORDER[sort])]


def page_sql(
    stream: Stream, include_archived: bool, after: tuple | None, descending: bool, limit: int
) -> tuple[str, list]:
    columns = ", ".join(stream.order)
    where = [stream.where]
    params: list = list(stream.params)
    if not include_archived:
        where.append("archived = 0")
    if after is not None:
        marks = ", ".join("?" for _ in stream.order)
        where.append(f"({columns}) {'<' if descending else '>'} ({marks})")
        params.extend(after)
    direction = " DESC" if descending else ""
    order_by = ", ".join(f"{c}{direction}" for c in stream.order)
    sql = f"SELECT * FROM patients WHERE {' AND '.join(where)} ORDER BY {order_by} LIMIT ?"
    params.append(limit)
    return sql, params


def next_cursor(stream_index: int, row: dict, order: tuple[str, ...]) -> PageCursor:
    return PageCursor(stream_index, tuple(row[c] for c in order))
