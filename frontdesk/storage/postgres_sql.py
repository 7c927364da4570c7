"""The repositories' SQL (SQLite's dialect) as PostgreSQL reads it: every difference in one place.

The repositories write one SQL text where the engines agree; what differs is rewritten here,
once per text (Django's SQLite backend does the opposite, `%s` to `?`):
- `?` and `:name` placeholders become `%s` and `%(name)s`; a literal `%` becomes `%%`;
- `INSERT OR IGNORE` becomes `INSERT ... ON CONFLICT DO NOTHING`;
- `IS NOT ?` / `IS ?` (SQLite's null-safe comparison) become `IS [NOT] DISTINCT FROM`;
- two-argument `max(a, b)` / `min(a, b)` become `GREATEST` / `LEAST`;
- SQLite's unary `+` on a column (keeping its planner off that column's index) is dropped:
  PostgreSQL's planner would lose the column's statistics behind it and misjudge the filter;
- an INSERT into a table with an `id` returns it, for `cursor.lastrowid`.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Tables whose rows have an `id` the inserting code may ask for (cursor.lastrowid).
TABLES_WITH_ID = frozenset(
    {
        "staff",
        "patients",
        "audit",
        "intakes",
        "laser_overrides",
        "closures",
        "appointments",
        "appointment_history",
        "co2_series",
        "co2_sessions",
        "co2_addenda",
        "handout_prints",
    }
)

_INSERT_INTO = re.compile(r"^\s*INSERT\s+(?:OR\s+IGNORE\s+)?INTO\s+(\w+)", re.IGNORECASE)
_OR_IGNORE = re.compile(r"^(\s*INSERT)\s+OR\s+IGNORE\b", re.IGNORECASE)
_NULL_SAFE = re.compile(r"\bIS\s+(NOT\s+)?(?=%s|%\(\w+\)s|NEW\.|OLD\.)", re.IGNORECASE)
_TWO_ARGUMENT = re.compile(r"\b(max|min)\s*\(", re.IGNORECASE)
# A `+` opening a term (after WHERE, AND, OR or a parenthesis) before a column's name: the
# repositories write binary plus with a space on both sides (`version + 1`).
_UNARY_PLUS = re.compile(
    r"(?:(?<=\bWHERE )|(?<=\bAND )|(?<=\bOR )|(?<=\())\+(?=[a-z_])", re.IGNORECASE
)


@lru_cache(maxsize=4096)
def to_postgres(sql: str) -> tuple[str, bool]:
    """The text PostgreSQL runs, and whether it returns the inserted row's id."""
    text = _placeholders(sql)
    text = _NULL_SAFE.sub(lambda m: "IS DISTINCT FROM " if m[1] else "IS NOT DISTINCT FROM ", text)
    text = _greatest_least(text)
    text = _UNARY_PLUS.sub("", text)
    returns_id = False
    if (insert := _INSERT_INTO.match(text)) is not None:
        if _OR_IGNORE.match(text):
            text = _OR_IGNORE.sub(r"\1", text).rstrip().rstrip(";") + " ON CONFLICT DO NOTHING"
        if insert[1].lower() in TABLES_WITH_ID and "returning" not in text.lower():
            text = text.rstrip().rstrip(";") + " RETURNING id"
            returns_id = True
    return text, returns_id


def _placeholders(sql: str) -> str:
    """`?` -> `%s`, `:name` -> `%(name)s`, `%` -> `%%`, outside quoted text and identifiers."""
    out: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        c = sql[i]
        if c in "'\"":
            end = i + 1
            while end < n:
                if sql[end] == c:
                    if end + 1 < n and sql[end + 1] == c:  # a doubled quote inside
                        end += 2
                        continue
                    break
                end += 1
            out.append(sql[i : end + 1].replace("%", "%%"))
            i = end + 1
        elif c == "?":
            out.append("%s")
            i += 1
        elif c == "%":
            out.append("%%")
            i += 1
        elif c == ":" and i + 1 < n and (sql[i + 1].isalpha() or sql[i + 1] == "_"):
            if i > 0 and sql[i - 1] == ":":  # a cast, `x::text`
                out.append(c)
                i += 1
                continue
            end = i + 1
            while end < n and (sql[end].isalnum() or sql[end] == "_"):
                end += 1
            out.append(f"%({sql[i + 1 : end]})s")
            i = end
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _greatest_least(sql: str) -> str:
    """SQLite's scalar max(a, b) and min(a, b) (more than one argument); aggregates stay."""
    result = sql
    for match in reversed(list(_TWO_ARGUMENT.finditer(sql))):
        open_at = match.end() - 1
        depth, commas, at = 0, 0, open_at
        while at < len(sql):
            ch = sql[at]
            if ch == "(":
                depth += 1
            elif ch == ")":
                depth -= 1
                if depth == 0:
                    break
            elif ch == "," and depth == 1:
                commas += 1
            at += 1
        if commas:
            name = "GREATEST" if match[1].lower() == "max" else "LEAST"
            result = result[: match.start()] + name + result[open_at:]
    return result
