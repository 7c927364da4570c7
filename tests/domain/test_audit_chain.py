"""The audit trail's hash chain: any honest chain verifies; any tampering names its first row."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from frontdesk.domain.audit import (
    GENESIS,
    Anchor,
    ChainBreak,
    RowFinding,
    Tampering,
    anchor_finding,
    changed_columns,
    compare_rows,
    first_break,
    first_break_in,
    line_hash,
    line_text,
)

Row = dict[str, Any]
HASHED = ("at", "staff_id", "action", "entity", "entity_id", "patient_id", "before", "after")

ids = st.none() | st.integers(min_value=1, max_value=10_000)
texts = st.text(max_size=30)
json_or_none = st.none() | st.text(max_size=40)
FIELD_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "at": texts,
    "staff_id": ids,
    "action": texts,
    "entity": texts,
    "entity_id": ids,
    "patient_id": ids,
    "before": json_or_none,
    "after": json_or_none,
}
contents = st.fixed_dictionaries(FIELD_VALUES)


def chain(lines: list[dict[str, Any]]) -> tuple[list[Row], tuple[int, str] | None]:
    """Rows as the audit writer stores them (ids 1..n), and the head it records."""
    rows: list[Row] = []
    previous = GENESIS
    for number, line in enumerate(lines, start=1):
        digest = line_hash(previous, id=number, **line)
        rows.append({"id": number, **line, "prev_hash": previous, "hash": digest})
        previous = digest
    return rows, ((rows[-1]["id"], rows[-1]["hash"]) if rows else None)


def line(n: int, **changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "at": f"2026-11-26T10:{n:02d}:00-08:00",
        "staff_id": 2,
        "action": "update",
        "entity": "patient",
        "entity_id": n,
        "patient_id": n,
        "before": '{"phone": "+18185550134"}',
        "after": '{"phone": "+18185550199"}',
    }
    values.update(changes)
    return values


FIVE = [line(n) for n in range(1, 6)]


@given(st.lists(contents, max_size=12))
def test_any_chain_built_with_line_hash_verifies(lines: list[dict[str, Any]]) -> None:
    rows, head = chain(lines)
    assert first_break(rows, head) is None


def test_an_empty_trail_without_a_head_verifies() -> None:
    assert first_break([], None) is None


@given(st.lists(contents, min_size=1, max_size=10), st.data())
def test_changing_any_field_of_any_line_names_that_line(
    lines: list[dict[str, Any]], data: st.DataObject
) -> None:
    rows, head = chain(lines)
    index = data.draw(st.integers(0, len(rows) - 1), label="line")
    field = data.draw(st.sampled_from(HASHED), label="field")
    new_value = data.draw(FIELD_VALUES[field], label="new value")
    assume(new_value != rows[index][field])
    rows[index] = {**rows[index], field: new_value}
    found = first_break(rows, head)
    assert found is not None and found.row_id == index + 1
    assert found.reason == "its contents were changed after it was written."


@given(st.lists(contents, min_size=2, max_size=10), st.data())
def test_renumbering_a_line_names_it(lines: list[dict[str, Any]], data: st.DataObject) -> None:
    rows, head = chain(lines)
    index = data.draw(st.integers(0, len(rows) - 1), label="line")
    new_id = data.draw(st.integers(1, 1000).filter(lambda i: i != index + 1), label="id")
    rows[index] = {**rows[index], "id": new_id}
    found = first_break(rows, head)
    assert found is not None and found.row_id == new_id


@given(st.lists(contents, min_size=1, max_size=10), st.data())
def test_rewriting_a_stored_hash_names_that_line_or_the_next(
    lines: list[dict[str, Any]], data: st.DataObject
) -> None:
    rows, head = chain(lines)
    index = data.draw(st.integers(0, len(rows) - 1), label="line")
    column = data.draw(st.sampled_from(("prev_hash", "hash")), label="column")
    forged = data.draw(st.text("0123456789abcdef", min_size=64, max_size=64), label="hash")
    assume(forged != rows[index][column])
    rows[index] = {**rows[index], column: forged}
    found = first_break(rows, head)
    assert found is not None and found.row_id == index + 1


@given(st.lists(contents, min_size=2, max_size=10), st.data())
def test_removing_a_line_names_the_row_after_the_gap(
    lines: list[dict[str, Any]], data: st.DataObject
) -> None:
    rows, head = chain(lines)
    index = data.draw(st.integers(0, len(rows) - 2), label="removed")  # not the last
    del rows[index]
    found = first_break(rows, head)
    assert found is not None and found.row_id == index + 2
    if index > 0:
        assert found.reason == f"rows {index + 1} to {index + 1} are missing."


@given(st.lists(contents, min_size=1, max_size=10), st.integers(1, 10))
def test_cutting_lines_off_the_end_is_seen_from_the_head(
    lines: list[dict[str, Any]], cut: int
) -> None:
    rows, head = chain(lines)
    cut = min(cut, len(rows))
    kept = rows[: len(rows) - cut]
    found = first_break(kept, head)
    assert found is not None and found.row_id is None
    assert found.reason == f"rows after {len(kept)} were removed."
    assert str(found) == f"Audit trail broken at the end of the trail: {found.reason}"


@given(st.lists(contents, min_size=2, max_size=10), st.data())
def test_swapping_two_lines_names_the_first_line_out_of_place(
    lines: list[dict[str, Any]], data: st.DataObject
) -> None:
    rows, head = chain(lines)
    i = data.draw(st.integers(0, len(rows) - 2), label="i")
    j = data.draw(st.integers(i + 1, len(rows) - 1), label="j")
    rows[i], rows[j] = rows[j], rows[i]
    found = first_break(rows, head)
    assert found is not None and found.row_id == j + 1  # the row now standing at i's place


@given(st.lists(contents, min_size=2, max_size=10), st.data())
def test_swapping_the_contents_of_two_lines_keeping_their_ids_is_detected(
    lines: list[dict[str, Any]], data: st.DataObject
) -> None:
    rows, head = chain(lines)
    i = data.draw(st.integers(0, len(rows) - 2), label="i")
    j = data.draw(st.integers(i + 1, len(rows) - 1), label="j")
    keep = ("id",)
    a, b = rows[i], rows[j]
    rows[i] = {**b, **{k: a[k] for k in keep}}
    rows[j] = {**a, **{k: b[k] for k in keep}}
    found = first_break(rows, head)
    assert found is not None and found.row_id == i + 1


def test_a_line_appended_without_the_writer_is_named() -> None:
    _, head = chain(FIVE)
    more, _ = chain([*FIVE, line(6)])
    found = first_break(more, head)  # chained correctly, but the head was not moved
    assert found == ChainBreak(6, "it was added without the audit writer.")


def test_a_missing_head_is_reported() -> None:
    rows, _ = chain(FIVE)
    assert first_break(rows, None) == ChainBreak(
        None, "the record of the last row written is missing."
    )


def test_a_head_without_any_rows_means_every_row_was_removed() -> None:
    _, head = chain(FIVE)
    assert first_break([], head) == ChainBreak(None, "rows after 0 were removed.")


@pytest.mark.parametrize(
    ("tamper", "row_id", "reason"),
    [
        (lambda rows: rows.__setitem__(2, {**rows[2], "after": "{}"}), 3, "changed"),
        (lambda rows: rows.__setitem__(0, {**rows[0], "staff_id": 1}), 1, "changed"),
        (lambda rows: rows.__setitem__(4, {**rows[4], "at": "2020-01-01"}), 5, "changed"),
        (lambda rows: rows.pop(1), 3, "rows 2 to 2 are missing"),
        (lambda rows: rows.pop(0), 2, "does not follow"),
        (lambda rows: rows.pop(), None, "rows after 4 were removed"),
        (lambda rows: rows.__delitem__(slice(1, 3)), 4, "rows 2 to 3 are missing"),
    ],
)
def test_examples_of_tampering(
    tamper: Callable[[list[Row]], object], row_id: int | None, reason: str
) -> None:
    rows, head = chain(FIVE)
    tamper(rows)
    found = first_break(rows, head)
    assert found is not None and found.row_id == row_id
    assert reason in found.reason


def test_the_hash_covers_every_stored_field_and_the_previous_hash() -> None:
    base = line(1)
    digest = line_hash(GENESIS, id=1, **base)
    assert len(digest) == 64 and digest != GENESIS
    assert line_hash(GENESIS, id=1, **base) == digest  # deterministic
    assert line_hash("f" * 64, id=1, **base) != digest
    assert line_hash(GENESIS, id=2, **base) != digest
    for field, other in [
        ("at", "2026-11-26T10:02:00-08:00"),
        ("staff_id", None),
        ("action", "archive"),
        ("entity", "appointment"),
        ("entity_id", None),
        ("patient_id", 99),
        ("before", None),
        ("after", '{"phone": ""}'),
    ]:
        assert line_hash(GENESIS, id=1, **{**base, field: other}) != digest, field


def test_a_break_says_where_in_plain_words() -> None:
    assert str(ChainBreak(7, "its contents were changed after it was written.")) == (
        "Audit trail broken at row 7: its contents were changed after it was written."
    )


# -- records compared with their last audited state -------------------------------------------
def test_only_the_recorded_keys_are_compared_and_true_is_one() -> None:
    recorded = {"phone": "+18185550134", "archived": False, "late": True}
    current = {"phone": "+18185550134", "archived": 0, "late": 1, "version": 7}
    assert changed_columns(recorded, current) == []
    assert changed_columns(recorded, current | {"phone": "+13105550000"}) == ["phone"]
    assert changed_columns({"username": None}, {"username": None}) == []


@pytest.mark.parametrize(
    ("recorded", "current", "found"),
    [
        pytest.param([(1, {"a": 1})], [(1, {"a": 1})], [], id="the same"),
        pytest.param([], [], [], id="nothing at all"),
        pytest.param(
            [(1, {"a": 1}), (2, {"a": 2})],
            [(1, {"a": 1}), (2, {"a": 3})],
            [RowFinding("Patient", 2, "changed", ("a",))],
            id="changed",
        ),
        pytest.param(
            [(1, {"a": 1}), (3, {"a": 3})],
            [(1, {"a": 1}), (2, {"a": 2}), (3, {"a": 3})],
            [RowFinding("Patient", 2, "added")],
            id="added in the middle",
        ),
        pytest.param(
            [(1, {"a": 1}), (2, {"a": 2})],
            [(2, {"a": 2})],
            [RowFinding("Patient", 1, "removed")],
            id="removed first",
        ),
        pytest.param(
            [(1, {"a": 1})],
            [(1, {"a": 1}), (9, {"a": 9})],
            [RowFinding("Patient", 9, "added")],
            id="added last",
        ),
        pytest.param(
            [(1, {"a": 1}), (9, {"a": 9})],
            [(1, {"a": 1})],
            [RowFinding("Patient", 9, "removed")],
            id="removed last",
        ),
    ],
)
def test_rows_are_merged_by_id(recorded, current, found) -> None:
    assert list(compare_rows("Patient", recorded, current)) == found


@given(
    st.dictionaries(st.integers(1, 50), st.integers(0, 3)),
    st.dictionaries(st.integers(1, 50), st.integers(0, 3)),
)
def test_the_merge_finds_exactly_the_differences(recorded: dict, current: dict) -> None:
    found = compare_rows(
        "Patient",
        ((k, {"a": v}) for k, v in sorted(recorded.items())),
        ((k, {"a": v}) for k, v in sorted(current.items())),
    )
    expected = (
        {(k, "removed") for k in recorded.keys() - current.keys()}
        | {(k, "added") for k in current.keys() - recorded.keys()}
        | {(k, "changed") for k in recorded.keys() & current.keys() if recorded[k] != current[k]}
    )
    assert {(f.row_id, f.change) for f in found} == expected


def test_findings_are_said_in_words() -> None:
    assert str(RowFinding("Appointment", 4, "changed", ("start time", "end time"))) == (
        "Appointment #4: start time and end time are not what the audit trail last recorded:"
        " changed behind the app's back."
    )
    assert str(RowFinding("Patient", 2, "changed", ("phone",))).startswith(
        "Patient #2: phone is not"
    )
    words = list(
        compare_rows("Patient", [(1, {"dob": "x"})], [(1, {"dob": "y"})], {"dob": "date of birth"})
    )
    assert words[0].columns == ("date of birth",)
    many = Tampering(None, tuple(RowFinding("Patient", n, "added") for n in range(1, 8)), 3)
    assert str(many).count("\n- ") == 8  # all seven listed, then the count of the rest
    assert (
        many.summary(2).splitlines()[0] == "10 records in the database differ from the audit trail:"
    )
    assert many.summary(2).splitlines()[-1] == "- and 8 more (`frontdesk audit verify` lists them)."
    assert not Tampering() and Tampering("cut")


# -- the anchor outside the database -----------------------------------------------------------
A5 = Anchor(5, "h5", 4, "h4")  # line 5 written by a write that began after line 4


def test_an_anchor_on_the_trails_last_line_is_fine() -> None:
    assert anchor_finding(A5, (5, "h5"), "h5") == (None, None)
    assert anchor_finding(Anchor(0, GENESIS, 0, GENESIS), None, None) == (None, None)


def test_a_save_cut_short_after_its_anchor_is_a_note_not_a_problem() -> None:
    problem, note = anchor_finding(A5, (4, "h4"), None)
    assert problem is None and note is not None
    assert "audit lines #5 to #5) is not in the trail" in note
    assert A5.continued_by((4, "h4")) and A5.continued_by((5, "h5"))


def test_an_anchor_ahead_of_the_trail_means_its_end_was_cut() -> None:
    assert anchor_finding(Anchor(9, "h9", 8, "h8"), (7, "h7"), None)[0] == (
        "The audit trail ends at line #7, but line #9 had been written: the last 2 lines of the"
        " trail were cut off behind the app's back."
    )
    assert "the last 1 line of the trail was cut" in (anchor_finding(A5, (4, "x"), None)[0] or "")
    assert not A5.continued_by((3, "h3"))


def test_an_anchored_line_with_another_hash_means_the_trail_was_rewritten() -> None:
    problem, _ = anchor_finding(A5, (9, "h9"), "forged")
    assert problem is not None and "#5" in problem and "rewritten" in problem
    assert not A5.continued_by((5, "forged"))


def test_lines_past_the_anchor_were_added_without_frontdesk() -> None:
    problem, _ = anchor_finding(A5, (7, "h7"), "h5")
    assert problem is not None
    assert problem.startswith("Lines #6 to #7 were added to the end of the audit trail without")
    assert not A5.continued_by((7, "h7"))


# -- texts made by the storage: a shortcut, never the judge -----------------------------------
def as_lines(rows: list[Row], text: Callable[[Row], str | None]) -> list[Any]:
    return [(r["id"], r["prev_hash"], r["hash"], text(r)) for r in rows]


def exact(rows: list[Row]) -> Callable[[int], str]:
    by_id = {r["id"]: r for r in rows}
    return lambda line_id: line_text(
        by_id[line_id]["prev_hash"], id=line_id, **{k: by_id[line_id][k] for k in HASHED}
    )


def test_a_text_the_storage_made_differently_is_checked_again_here() -> None:
    rows, head = chain(FIVE)
    odd = as_lines(rows, lambda r: "an encoder's own spelling" if r["id"] == 3 else None)
    assert first_break_in(odd, head, exact(rows)) is None  # line_text itself decides


def test_a_changed_line_is_named_whatever_text_the_storage_made() -> None:
    rows, head = chain(FIVE)
    rows[2] = {**rows[2], "after": '{"phone": "+18185550100"}'}  # changed behind the app
    made_here = exact(rows)
    for text in (lambda r: None, lambda r: made_here(r["id"])):
        found = first_break_in(as_lines(rows, text), head, exact(rows))
        assert found == ChainBreak(3, "its contents were changed after it was written.")
