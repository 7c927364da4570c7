"""The audit trail's anchor: its last line's (id, hash) kept in a small file beside the database.

Why a file and not a keyed hash (HMAC): the chain's hashes need no secret, so anyone with the
sqlite3 shell can cut its last lines (rewinding `audit_head`), rewrite a line and work every
hash out anew, or append a line of their own; inside the database nothing can tell. A key
kept outside the database would need the same protection as this file (whoever reads it can
forge) plus a place on every computer, and losing it would make the whole trail unverifiable;
a file beside the database needs nothing, travels with it, and a raw SQL edit cannot reach it.

`<db stem>.audit-anchor` (0600) holds the trail's last line and the one before the write that
added it: `{"id", "hash", "prev_id", "prev_hash"}`. It is written by each write transaction that
appended audit lines, just before its COMMIT, under the write lock (so two windows never race
on it), to a temporary file flushed to disk then renamed over the anchor: never half-written,
never lost by a power cut that keeps the commit. It only ever follows the trail it was written
for: when the trail no longer continues it, the file is left as it is, as evidence, for
`frontdesk audit verify`. The one exception is the app's own restore of a backup, recorded as
a "restore" line: the anchor then follows the restored trail.

What it finds: lines cut from the end (the anchor is ahead of the trail), a trail rewritten with
fresh hashes (the anchored line's hash differs), and lines appended without Frontdesk (the trail
goes on past the anchor). What it cannot: someone who can also rewrite or delete this file (a
missing anchor is made anew from the trail as it is, and said so); and the last write's lines
removed exactly can not be told from a save cut short by a crash (said as a note).
"""

from __future__ import annotations

import json
import logging
import os
import threading
import weakref
from dataclasses import dataclass
from pathlib import Path

from frontdesk.domain.audit import Anchor
from frontdesk.storage.database import Database
from frontdesk.storage.db import before_commit, pending_before_commit
from frontdesk.storage.db import database_file as file_of

SUFFIX = ".audit-anchor"
_KEY = "audit-anchor"
_log = logging.getLogger(__name__)
_FILES: weakref.WeakKeyDictionary[Database, Path | None]
_FILES = weakref.WeakKeyDictionary()


class AnchorUnreadable(Exception):
    """The anchor file exists but does not hold an anchor (damaged, or written by hand)."""


def anchor_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.stem + SUFFIX)


def database_file(db: Database) -> Path | None:
    """The file behind a connection (None in memory and on the clinic server, where the app's
    role cannot remove lines at all), asked once per connection."""
    if db not in _FILES:
        _FILES[db] = file_of(db)
    return _FILES[db]


def read_anchor(db_path: Path) -> Anchor | None:
    """The anchor, or None when there is no anchor file."""
    path = anchor_path(db_path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise AnchorUnreadable(f"{path} cannot be read ({exc})") from exc
    try:
        values = json.loads(text)
        anchor = Anchor(values["id"], values["hash"], values["prev_id"], values["prev_hash"])
    except (ValueError, TypeError, KeyError) as exc:
        raise AnchorUnreadable(f"{path} does not hold what Frontdesk wrote there") from exc
    if not all(isinstance(v, int) for v in (anchor.id, anchor.prev_id)) or not all(
        isinstance(v, str) for v in (anchor.hash, anchor.prev_hash)
    ):
        raise AnchorUnreadable(f"{path} does not hold what Frontdesk wrote there")
    return anchor


def write_anchor(db_path: Path, anchor: Anchor) -> None:
    """A temporary file flushed to disk, renamed over the anchor, the folder flushed: the
    anchor is never seen half-written and never older on disk than the commit after it."""
    path = anchor_path(db_path)
    temporary = path.with_name(f".{path.name}.{os.getpid()}-{threading.get_ident()}.tmp")
    data = json.dumps(
        {"id": anchor.id, "hash": anchor.hash, "prev_id": anchor.prev_id,
         "prev_hash": anchor.prev_hash}
    ).encode("ascii")  # fmt: skip
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _flush_folder(path.parent)


def _flush_folder(folder: Path) -> None:
    """The rename itself on disk (POSIX); Windows has no folder handle to flush."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def anchor_current_head(db_path: Path) -> Anchor | None:
    """Anchors the trail as it is now, whatever the anchor said: for a database put in place
    without the app's restore. Returns the anchor, None for a trail without lines."""
    from frontdesk.storage.backups import read_only_uri
    from frontdesk.storage.engine import connect_file

    conn = connect_file(db_path, uri=read_only_uri(db_path))
    try:
        head = conn.execute("SELECT last_id, last_hash FROM audit_head").fetchone()
    finally:
        conn.close()
    if head is None:
        return None
    anchor = Anchor(head[0], head[1], head[0], head[1])
    write_anchor(db_path, anchor)
    return anchor


@dataclass(frozen=True)
class _Advance:
    """Moves the anchor to the transaction's last line, just before its COMMIT."""

    db_path: Path
    anchor: Anchor  # prev: the trail's last line when this transaction began
    rebase: bool

    def __call__(self) -> None:
        try:
            found = read_anchor(self.db_path)
        except AnchorUnreadable:
            return  # kept as found: `audit verify` says so
        began = (self.anchor.prev_id, self.anchor.prev_hash)
        if found is not None and not self.rebase and not found.continued_by(began):
            _log.warning(
                "audit anchor at line %s does not match the trail: left as it is", found.id
            )
            return
        try:
            write_anchor(self.db_path, self.anchor)
        except OSError:  # the write itself goes on; `audit verify` will name the lines
            _log.exception("the audit anchor could not be written")


def note_line(
    db: Database,
    line_id: int,
    digest: str,
    previous: tuple[int, str],
    *,
    rebase: bool,
) -> None:
    """Called for each audit line appended, with the line it follows; the anchor moves once,
    just before the transaction commits."""
    db_path = database_file(db)
    if db_path is None:
        return
    earlier = pending_before_commit(db, _KEY)
    if isinstance(earlier, _Advance):  # the transaction's first line says where it began
        previous = (earlier.anchor.prev_id, earlier.anchor.prev_hash)
        rebase = rebase or earlier.rebase
    anchor = Anchor(line_id, digest, previous[0], previous[1])
    before_commit(db, _KEY, _Advance(db_path, anchor, rebase))


def retire_for_new_database(db_path: Path, stamp: str) -> Path | None:
    """A new, empty database where another one's anchor was left (that file was renamed or
    moved away, as the demo is when a clinic starts its own): the anchor tells of a trail that
    is not here, so it is kept aside under a new name, never deleted, and not held against the
    new trail."""
    anchor = anchor_path(db_path)
    if not anchor.exists():
        return None
    kept = anchor.with_name(f"{anchor.name}.before-{stamp}")
    anchor.replace(kept)
    return kept
