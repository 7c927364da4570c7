"""Registry search as ranked groups of index range reads, paged by keyset.

Each group ("stream") is one WHERE over one index, read in that index's order, so a page
costs the same with 10k or 1M patients: no scan, no sort of all matches, no OFFSET.
Another order than the ranked one is applied to a bounded set of matches (see SORT_CAP).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from frontdesk.domain.search import PatientSort, SearchKind, SearchQuery
from frontdesk.domain.text import prefix_upper_bound

NAME_ORDER = ("last_key", "first_key", "id")
FIRST_NAME_ORDER = ("first_key", "last_key", "id")
WORD_ORDER = ("word", "patient_id")
PATIENTS = "patients"
BY_NAME_WORD = "patient_name_words JOIN patients ON patients.id = patient_name_words.patient_id"

# Each order is an index (rowid, i.e. id, ends every index), so an unfiltered list in any
# order, either direction, is read straight off an index.
SORT_ORDER: dict[PatientSort, tuple[str, ...]] = {
    PatientSort.NAME: NAME_ORDER,
    PatientSort.DOB: ("dob", "last_key", "first_key", "id"),
    PatientSort.PHONE: ("phone_digits", "id"),
    PatientSort.EMAIL: ("email_key", "id"),
    PatientSort.STATUS: ("archived", "last_key", "first_key", "id"),
}
# A filtered list shown in another order than the ranked one is sorted among its first
# SORT_CAP matches (found in ranked order), never among all of them.
SORT_CAP = 1000

Condition = tuple[str, tuple[object, ...]]

# The summary of the newest version of the patient's most recent intake (an index lookup
# per shown row, never a scan).
LATEST_FINDING = (
    "(SELECT i.summary FROM intakes AS i WHERE i.patient_id = patients.id"
    " ORDER BY coalesce(i.original_id, i.id) DESC, i.version DESC LIMIT 1) AS finding"
)


@dataclass(frozen=True)
class Stream:
    where: str
    params: tuple[object, ...]
    order: tuple[str, ...]
    source: str = PATIENTS
    # "last name starts with A and first name with B" can be read from either name index.
    # The repository probes both ranges (a bounded count each) and reads the smaller one,
    # so "gar zzq" costs nothing even when thousands of surnames start with "gar".
    probes: tuple[Condition, Condition] | None = None  # (range read by `order`, the other)
    other_order: tuple[str, ...] | None = None

    def reading_the_other_index(self) -> Stream:
        assert self.other_order is not None
        return replace(self, order=self.other_order, probes=None, other_order=None)


def _prefix(column: str, prefix: str) -> Condition:
    return f"({column} >= ? AND {column} < ?)", (prefix, prefix_upper_bound(prefix))


def _both(a: Condition, b: Condition) -> Condition:
    return f"({a[0]} AND {b[0]})", a[1] + b[1]


@dataclass(frozen=True)
class _Group:
    condition: Condition
    order: tuple[str, ...]
    source: str = PATIENTS
    parts: tuple[Condition, Condition] | None = None  # two name ranges, ANDed


def _two_names(head: Condition, tail: Condition, order: tuple[str, ...]) -> _Group:
    return _Group(_both(head, tail), order, PATIENTS, (head, tail))


def _groups(query: SearchQuery) -> list[_Group]:
    """Conditions with the index order they read in, best match first."""
    kind = query.kind
    if kind is SearchKind.ALL:
        return [_Group(("1 = 1", ()), NAME_ORDER)]
    if kind is SearchKind.NOTHING:
        return []
    if kind is SearchKind.DOB:
        assert query.day is not None
        return [_Group(("(dob = ?)", (query.day.isoformat(),)), NAME_ORDER)]
    if kind is SearchKind.EMAIL:
        return [_Group(_prefix("email_key", query.text), ("email_key", "id"))]
    if kind is SearchKind.PHONE:
        groups = [_Group(_prefix("phone_digits", query.phone_prefix), ("phone_digits", "id"))]
        if len(query.text) >= 4:  # last digits, the way callers often give them
            groups.append(_Group(_prefix("phone_rev", query.text[::-1]), ("phone_rev", "id")))
        return groups
    words = query.words
    phrase = " ".join(words)
    by_last = [_Group(_prefix("last_key", phrase), NAME_ORDER)]
    by_first = [_Group(_prefix("first_key", phrase), FIRST_NAME_ORDER)]
    for split in range(1, len(words)):
        head, tail = " ".join(words[:split]), " ".join(words[split:])
        by_last.append(
            _two_names(_prefix("last_key", head), _prefix("first_key", tail), NAME_ORDER)
        )
        by_first.append(
            _two_names(_prefix("first_key", head), _prefix("last_key", tail), FIRST_NAME_ORDER)
        )
    groups = by_last + by_first
    if len(words) == 1:
        groups.append(_Group(_prefix("word", phrase), WORD_ORDER, BY_NAME_WORD))
        groups.append(_Group(_prefix("email_key", query.text), ("email_key", "id")))
    return groups


def _as_patient_condition(group: _Group) -> Condition:
    """The same test phrased on a patients row, to exclude its matches from later groups."""
    if group.source == PATIENTS:
        return group.condition
    sql, params = group.condition
    inner = sql.replace("word", "w.word")
    return (
        f"EXISTS (SELECT 1 FROM patient_name_words AS w"
        f" WHERE w.patient_id = patients.id AND {inner})",
        params,
    )


def ranked_streams(query: SearchQuery) -> list[Stream]:
    """Best groups first; a patient shows once, in the first group that matches."""
    groups = _groups(query)
    streams: list[Stream] = []
    for index, group in enumerate(groups):
        sql, params = group.condition
        earlier = [_as_patient_condition(g) for g in groups[:index]]
        if earlier:
            sql += " AND NOT (" + " OR ".join(s for s, _ in earlier) + ")"
            params = params + tuple(p for _, ps in earlier for p in ps)
        other_order = None
        if group.parts:
            other_order = FIRST_NAME_ORDER if group.order == NAME_ORDER else NAME_ORDER
        streams.append(Stream(sql, params, group.order, group.source, group.parts, other_order))
    return streams


def sorted_stream(sort: PatientSort) -> Stream:
    """The whole registry in one column's order (read off that column's index)."""
    return Stream("1 = 1", (), SORT_ORDER[sort])


def page_sql(
    stream: Stream,
    include_archived: bool,
    after: tuple[object, ...] | None,
    descending: bool,
    limit: int,
) -> tuple[str, list[object]]:
    columns = ", ".join(stream.order)
    where = [stream.where]
    params: list[object] = list(stream.params)
    if not include_archived:
        where.append("+archived = 0")  # a filter, never the index to read
    if after is not None:
        marks = ", ".join("?" for _ in stream.order)
        where.append(f"({columns}) {'<' if descending else '>'} ({marks})")
        params.extend(after)
    direction = " DESC" if descending else ""
    order_by = ", ".join(f"{c}{direction}" for c in stream.order)
    select = "patients.*, " + LATEST_FINDING
    if stream.source != PATIENTS:
        select += ", word, patient_id"
    sql = (
        f"SELECT {select} FROM {stream.source} WHERE {' AND '.join(where)}"
        f" ORDER BY {order_by} LIMIT ?"
    )
    params.append(limit)
    return sql, params


def sort_key(row: dict[str, Any], sort: PatientSort) -> tuple[object, ...]:
    return tuple(row[c] for c in SORT_ORDER[sort])
