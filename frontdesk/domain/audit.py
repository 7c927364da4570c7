"""The audit trail's lines and the hash chain that makes a changed or removed line visible."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64  # what the first line's "previous hash" is


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: str
    staff_id: int | None  # None: the system, or a login attempt by someone unknown
    action: str
    entity: str
    entity_id: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    patient_id: int | None = None


# One encoder made once: json.dumps with these options builds a new one at every call, and
# the chain check hashes every line of a trail that grows for years.
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def line_text(
    previous: str,
    *,
    id: int,
    at: str,
    staff_id: int | None,
    action: str,
    entity: str,
    entity_id: int | None,
    patient_id: int | None,
    before: str | None,
    after: str | None,
) -> str:
    """What a line's hash is taken of: the previous hash and every stored field, exactly as
    stored, as one compact JSON array (other scripts' letters kept as they are)."""
    return _ENCODE(
        [previous, id, at, staff_id, action, entity, entity_id, patient_id, before, after]
    )


def line_hash(previous: str, **fields: Any) -> str:
    """SHA-256 of line_text(): the hash each line stores."""
    return _sha256(line_text(previous, **fields))


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainBreak:
    """The first line that does not follow from the ones before it, and why."""

    row_id: int | None
    reason: str

    def __str__(self) -> str:
        where = f"row {self.row_id}" if self.row_id is not None else "the end of the trail"
        return f"Audit trail broken at {where}: {self.reason}"


def first_break(rows: Iterable[dict[str, Any]], head: tuple[int, str] | None) -> ChainBreak | None:
    """Walks stored rows in id order; `head` is the last (id, hash) the writer recorded."""
    return first_break_in(
        (
            (
                row["id"],
                row["prev_hash"],
                row["hash"],
                line_text(row["prev_hash"], **{k: row[k] for k in _HASHED}),
            )
            for row in rows
        ),
        head,
    )


# A line as the chain check reads it: (id, prev_hash, hash, text), `text` being line_text() of
# its stored fields as the storage encoded them (None: not encoded there).
Line = tuple[int, str, str, str | None]


def first_break_in(
    lines: Iterable[Line],
    head: tuple[int, str] | None,
    exact_text: Callable[[int], str] | None = None,
) -> ChainBreak | None:
    """first_break() over lines whose text the storage may have encoded itself (in SQL: far
    faster than here, and without holding Python's lock). Such a text is only a shortcut:
    when it does not give the line's hash, `exact_text(id)`, line_text() of the stored
    fields, decides, so an encoder differing in some detail never calls a line changed."""
    previous = GENESIS
    expected_id: int | None = None
    last: tuple[int, str] | None = None
    for row_id, prev_hash, digest, text in lines:
        if expected_id is not None and row_id != expected_id:
            return ChainBreak(row_id, f"rows {expected_id} to {row_id - 1} are missing.")
        if prev_hash != previous:
            return ChainBreak(row_id, "it does not follow from the row before it.")
        if (text is None or _sha256(text) != digest) and (
            exact_text is None or _sha256(exact_text(row_id)) != digest
        ):
            return ChainBreak(row_id, "its contents were changed after it was written.")
        previous = digest
        expected_id = row_id + 1
        last = (row_id, previous)
    if last != head:
        if head is None:
            return ChainBreak(None, "the record of the last row written is missing.")
        if last is None or last[0] < head[0]:
            return ChainBreak(None, f"rows after {last[0] if last else 0} were removed.")
        return ChainBreak(last[0], "it was added without the audit writer.")
    return None


_HASHED = ("id", "at", "staff_id", "action", "entity", "entity_id", "patient_id", "before", "after")


# -- rows compared with their last audited state ----------------------------------------------
@dataclass(frozen=True)
class RowFinding:
    """One record that is not as the audit trail last recorded it, in the admin's words."""

    what: str  # "Patient", "Appointment", ... as staff call it
    row_id: int
    change: str  # "changed", "added" or "removed"
    columns: tuple[str, ...] = ()  # in words ("phone", "start time"); for "changed"

    def __str__(self) -> str:
        if self.change == "added":
            return (
                f"{self.what} #{self.row_id} is in the database but the audit trail never"
                " recorded it: it was added behind the app's back."
            )
        if self.change == "removed":
            return (
                f"{self.what} #{self.row_id} is recorded in the audit trail but is no longer"
                " in the database: it was removed behind the app's back."
            )
        return (
            f"{self.what} #{self.row_id}: {_say_list(self.columns)}"
            f" {'is' if len(self.columns) == 1 else 'are'} not what the audit trail last"
            " recorded: changed behind the app's back."
        )


def _say_list(words: tuple[str, ...]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def _plain(value: Any) -> Any:
    """JSON gives True where SQLite stores 1: the same value for this comparison."""
    return int(value) if isinstance(value, bool) else value


def changed_columns(recorded: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """The keys of `recorded` whose value differs in `current` (only what the trail recorded
    is compared: a key the trail never held says nothing)."""
    return [k for k in recorded if _plain(recorded[k]) != _plain(current.get(k))]


def compare_rows(
    what: str,
    recorded: Iterable[tuple[int, dict[str, Any]]],
    current: Iterable[tuple[int, dict[str, Any]]],
    words: dict[str, str] | None = None,
) -> Iterator[RowFinding]:
    """Merges two streams sorted by id: each row's last audited state, and the rows stored.

    Memory stays at one row of each whatever the size of the table or the trail."""
    words = words or {}
    missing = object()
    left, right = iter(recorded), iter(current)
    a = next(left, missing)
    b = next(right, missing)
    while a is not missing or b is not missing:
        if b is missing or (a is not missing and a[0] < b[0]):  # type: ignore[index]
            yield RowFinding(what, a[0], "removed")  # type: ignore[index]
            a = next(left, missing)
        elif a is missing or b[0] < a[0]:  # type: ignore[index]
            yield RowFinding(what, b[0], "added")  # type: ignore[index]
            b = next(right, missing)
        else:
            changed = changed_columns(a[1], b[1])  # type: ignore[index]
            if changed:
                said = tuple(words.get(c, c.replace("_", " ")) for c in changed)
                yield RowFinding(what, a[0], "changed", said)  # type: ignore[index]
            a, b = next(left, missing), next(right, missing)


# -- the anchor: the trail's last line as remembered outside the database ---------------------
@dataclass(frozen=True)
class Anchor:
    """The trail's last line as the app wrote it, and the last line before that write."""

    id: int
    hash: str
    prev_id: int
    prev_hash: str

    def continued_by(self, head: tuple[int, str]) -> bool:
        """Whether a write starting from `head` carries on the trail this anchor was written
        for: `head` is the anchored line, or the line the anchored write began from (that
        write was cut short before its COMMIT)."""
        return (self.id, self.hash) == head or (
            (self.prev_id, self.prev_hash) == head and self.id > head[0]
        )


def anchor_finding(
    anchor: Anchor, head: tuple[int, str] | None, hash_there: str | None
) -> tuple[str | None, str | None]:
    """(problem, note) from comparing the anchor with the trail as it is now.

    `head` is the trail's last line (None: no lines); `hash_there` the hash of its line with
    the anchored id (None: no such line)."""
    last_id, last_hash = head or (0, GENESIS)
    if (anchor.id, anchor.hash) == (last_id, last_hash):
        return None, None
    if (anchor.prev_id, anchor.prev_hash) == (last_id, last_hash) and anchor.id > last_id:
        return None, (
            f"The last change Frontdesk began to save (audit lines #{anchor.prev_id + 1} to"
            f" #{anchor.id}) is not in the trail: Frontdesk or the computer stopped while saving"
            " it, and nothing was saved. (The same would be seen if someone removed exactly"
            " those lines.)"
        )
    if hash_there is None:
        cut = anchor.id - last_id
        return (
            f"The audit trail ends at line #{last_id}, but line #{anchor.id} had been written:"
            f" the last {cut} line{'s' if cut != 1 else ''} of the trail"
            f" {'were' if cut != 1 else 'was'} cut off behind the app's back."
        ), None
    if hash_there != anchor.hash:
        return (
            f"Line #{anchor.id} of the audit trail is not the line that was written there: the"
            " trail was rewritten (or cut and written again) behind the app's back, with its"
            " hashes worked out anew."
        ), None
    return (
        f"Lines #{anchor.id + 1} to #{last_id} were added to the end of the audit trail"
        " without Frontdesk writing them: behind the app's back (or by a Frontdesk that could"
        " not write the record of the trail's end beside the database)."
    ), None


@dataclass(frozen=True)
class Tampering:
    """What the whole check found besides the chain itself: the trail's end as remembered
    outside the database, and the records that differ from their last audited state."""

    anchor: str | None = None
    rows: tuple[RowFinding, ...] = ()
    more_rows: int = 0  # findings beyond those listed, so that a rewritten table stays short

    def __bool__(self) -> bool:
        return self.anchor is not None or bool(self.rows)

    def __str__(self) -> str:
        return self.summary(len(self.rows))

    def summary(self, shown: int = 5) -> str:
        """The anchor's finding and the first `shown` records (a dialog has little room)."""
        lines = []
        if self.anchor:
            lines.append(self.anchor)
        if self.rows:
            count = len(self.rows) + self.more_rows
            lines.append(
                f"{count} record{'s' if count != 1 else ''} in the database"
                f" {'differ' if count != 1 else 'differs'} from the audit trail:"
            )
            lines.extend(f"- {finding}" for finding in self.rows[:shown])
            if count > shown:
                lines.append(f"- and {count - shown} more (`frontdesk audit verify` lists them).")
        return "\n".join(lines)
