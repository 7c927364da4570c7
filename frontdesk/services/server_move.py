"""Moving a one-PC clinic to the clinic server: `frontdesk server move --from FILE --to URL`.

The file is opened read-only and never changed: it stays the clinic's until the admin points
the workstations at the server. Its audit chain is checked before anything is copied (a
broken trail is not carried over as if whole), every row goes over in one server transaction
(storage/server_copy.py), and afterwards the server's chain is checked again and the rows of
every table counted on both sides.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import sqlite_utils

from frontdesk.domain.audit import anchor_finding
from frontdesk.services.errors import ServiceError
from frontdesk.storage import postgres_schema
from frontdesk.storage.audit import AuditRepository
from frontdesk.storage.audit_anchor import AnchorUnreadable, read_anchor
from frontdesk.storage.backups import read_only_uri
from frontdesk.storage.clinic_keys import KeyNeeded
from frontdesk.storage.database import DatabaseError
from frontdesk.storage.engine import connect_file
from frontdesk.storage.migrations import pending_names
from frontdesk.storage.postgres import PgDatabase
from frontdesk.storage.postgres_errors import ConnectionLost
from frontdesk.storage.server_address import address_for_people
from frontdesk.storage.server_copy import (
    CopyRefused,
    TableCount,
    copy_rows,
    file_counts,
    in_use,
    may_set_numbering,
    server_counts,
)
from frontdesk.storage.wal_check import open_elsewhere

if TYPE_CHECKING:
    import sqlite3


class MoveRefused(ServiceError):
    """Nothing was moved; the sentence says why and what to do."""

    unreachable = False


class ServerNotReached(MoveRefused):
    unreachable = True


@dataclass(frozen=True)
class MoveReport:
    """What the move did, checked: rows per table on both sides and the server's chain."""

    server: str
    counts: tuple[TableCount, ...]
    lines: int
    chain_problem: str | None

    @property
    def whole(self) -> bool:
        same = all(count.in_file == count.on_server for count in self.counts)
        return same and self.chain_problem is None

    def table(self) -> str:
        width = max(len(count.table) for count in self.counts)
        rows = [f"{'table':<{width}}  {'file':>8}  {'server':>8}"]
        for count in self.counts:
            mark = "" if count.in_file == count.on_server else "  DIFFERENT"
            rows.append(f"{count.table:<{width}}  {count.in_file:>8}  {count.on_server:>8}{mark}")
        return "\n".join(rows)

    def summary(self) -> str:
        if self.chain_problem is not None:
            return f"The audit trail on the server is not whole: {self.chain_problem}"
        if not self.whole:
            return "Some tables have other numbers of rows on the server (marked above)."
        total = sum(count.on_server for count in self.counts)
        return (
            f"Moved: {total} rows in {len(self.counts)} tables, the same in the file and on"
            f" the server ({self.server}); the audit trail's {self.lines} lines follow one from"
            " another there too. The file was only read: it is as it was. Start each"
            " workstation with `frontdesk --server URL` (the address `server init` printed)."
        )


def move_to_server(
    source: Path, target: str, *, say: Callable[[str], None] = lambda _line: None
) -> MoveReport:
    """Copies the clinic in `source` into the new clinic database at `target` (its owner's
    address); MoveRefused, in words, with nothing changed on either side."""
    server = address_for_people(target)
    if open_elsewhere(source):
        raise MoveRefused(
            f"{source} is open in Frontdesk on this computer: close every window on it first"
            " (what is typed during a move would stay in the file only); nothing was moved."
        )
    try:
        conn = _read_only(source)
    except KeyNeeded as exc:
        raise MoveRefused(
            f"{source.name} is encrypted, and this computer does not have its key: nothing"
            " was moved."
        ) from exc
    file_db = sqlite_utils.Database(conn, execute_plugins=False)
    try:
        expected = _check_file(source, file_db)
        say(f"The file's audit trail is whole ({_lines(file_db)} lines); copying to {server}.")
        target_db = _open_target(target, server)
        try:
            try:
                copy_rows(conn, target_db)
            except CopyRefused as exc:
                raise MoveRefused(f"{exc} Nothing was moved.") from exc
            except ConnectionLost as exc:
                raise ServerNotReached(
                    f"The connection to {server} was lost during the move ({exc}): nothing"
                    " was kept there; run the move again."
                ) from exc
            except DatabaseError as exc:
                refused = f"The server refused the copy ({exc}); nothing was moved."
                raise MoveRefused(refused) from exc
        finally:
            target_db.close()
    finally:
        file_db.close()
    return _checked_after(target, server, expected)


def _read_only(source: Path) -> sqlite3.Connection:
    """A connection that never writes the file nor leaves anything beside it: without a
    -wal file (nobody has it open, checked above) SQLite is told the file cannot change, so
    it makes no -shm or -wal either; with one, it reads it, read-only."""
    wal = source.with_name(source.name + "-wal")
    uri = read_only_uri(source) + ("" if wal.exists() else "&immutable=1")
    return connect_file(source, uri=uri)


def _check_file(source: Path, file_db: sqlite_utils.Database) -> dict[str, int]:
    try:
        names = file_db.table_names()
        if "patients" not in names or "audit" not in names:
            raise MoveRefused(f"{source} is not a Frontdesk clinic database: nothing was moved.")
        pending = pending_names(file_db)
        if pending:
            raise MoveRefused(
                f"{source} was made by an older Frontdesk: open it once with this version"
                " (it brings it up to date, keeping a copy), then move it."
            )
        broken = AuditRepository(file_db).first_break()
        if broken is not None:
            raise MoveRefused(
                f"The audit trail in {source} is not whole ({broken}): a move would carry it"
                " over as if it were. `frontdesk --db FILE audit verify` says more; nothing was"
                " moved."
            )
        _check_anchor(source, file_db)
        return file_counts(file_db.conn)
    except DatabaseError as exc:  # damaged, or not a database at all
        raise MoveRefused(f"{source} could not be read ({exc}): nothing was moved.") from exc


def _check_anchor(source: Path, file_db: sqlite_utils.Database) -> None:
    """The trail's end against the anchor the app keeps beside the file (read only): a trail
    whose last lines were cut off, head and all, is whole as a chain but not as a record."""
    try:
        anchored = read_anchor(source)
    except AnchorUnreadable as exc:
        raise MoveRefused(
            f"The record of the audit trail's end beside {source.name} cannot be trusted"
            f" ({exc}); `frontdesk --db FILE audit verify` says more. Nothing was moved."
        ) from exc
    if anchored is None:
        return  # none yet (an older file): the chain is all there is to check
    row = file_db.execute("SELECT last_id, last_hash FROM audit_head").fetchone()
    head = (row[0], row[1]) if row else None
    there = file_db.execute("SELECT hash FROM audit WHERE id = ?", [anchored.id]).fetchone()
    problem, _note = anchor_finding(anchored, head, there[0] if there else None)
    if problem is not None:
        raise MoveRefused(
            f"{problem} `frontdesk --db FILE audit verify` says more. Nothing was moved."
        )


def _lines(db: sqlite_utils.Database | PgDatabase) -> int:
    row = db.execute("SELECT count(*) FROM audit").fetchone()
    return int(row[0]) if row else 0


def _open_target(target: str, server: str) -> PgDatabase:
    try:
        db = PgDatabase(target)
    except ConnectionLost as exc:
        raise ServerNotReached(f"Could not reach the clinic server ({server}): {exc}.") from exc
    except DatabaseError as exc:
        raise MoveRefused(f"The clinic server ({server}) refused the connection: {exc}.") from exc
    try:
        if postgres_schema.pending(db):
            raise MoveRefused(
                f"{server} is not a Frontdesk clinic database of this version: make it with"
                " `frontdesk server init` first."
            )
        raw = db.conn.raw
        used = in_use(raw)
        if used is not None:
            raise MoveRefused(
                f"The clinic database {server} is not new: {used}. A clinic is moved only into"
                " a database nobody has used yet (make one with `frontdesk server init"
                " --name ...`); nothing was moved."
            )
        if not may_set_numbering(raw):
            raise MoveRefused(
                f"{server} is the workstations' address: a move needs the database's owner"
                " (the address given to `server init`, with the clinic database's name)."
            )
    except BaseException:
        db.close()
        raise
    return db


def _checked_after(target: str, server: str, expected: dict[str, int]) -> MoveReport:
    """On a connection of its own, after COMMIT: what a workstation will find there."""
    db = _open_target_for_reading(target, server)
    try:
        found = server_counts(db)
        broken = AuditRepository(db).first_break()
        lines = _lines(db)
    finally:
        with contextlib.suppress(DatabaseError):
            db.close()
    counts = tuple(
        TableCount(table, expected.get(table, 0), found.get(table, 0))
        for table in sorted(set(expected) | set(found))
    )
    return MoveReport(server, counts, lines, None if broken is None else str(broken))


def _open_target_for_reading(target: str, server: str) -> PgDatabase:
    try:
        return PgDatabase(target)
    except ConnectionLost as exc:
        raise ServerNotReached(
            f"The move was saved on {server}, but the server could not be reached again to"
            f" check it ({exc}): run `frontdesk --server URL audit verify`."
        ) from exc
