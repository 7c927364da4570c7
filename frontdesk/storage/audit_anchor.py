"""The audit trail's anchor: its last line's (id, hash) kept in a small file beside the database.

Why a file and not a keyed hash (HMAC): the chain's hashes need no secret, so anyone with the
sqlite3 shell can cut its last lines (rewinding `audit_head`) or rewrite a line and work every
hash out anew; inside the database nothing can tell. A key kept outside the database would
need a place of its own on every computer (the keyring) and would be lost with it, making the
whole trail unverifiable; a file beside the database needs nothing, travels with it, and a
raw SQL edit cannot reach it.

`<db stem>.audit-anchor` (0600) holds `{"id": ..., "hash": ...}`. It is written after each
commit that appended audit lines (write-then-rename: never half-written; no fsync, so a power
cut may leave it a line or two behind, which is harmless) and only ever moved forward along
the same chain: if the line it names is gone or different, it is left as it is, as evidence,
for `frontdesk audit verify` to report. The one exception is the app's own restore of a
backup, recorded as a "restore" line: the anchor then follows the restored trail.

What it finds: lines cut from the end of the trail (the anchor is ahead of it), a trail
rewritten with fresh hashes (the anchored line's hash differs). What it cannot: someone who
can also rewrite or delete this file (a missing anchor is made anew from the trail as it is,
and said so), or changes made to the trail since the last write the app anchored.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import weakref
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from frontdesk.storage.db import after_commit, pending_after_commit

SUFFIX = ".audit-anchor"
_KEY = "audit-anchor"
_log = logging.getLogger(__name__)
_FILES: weakref.WeakKeyDictionary[sqlite_utils.Database, Path | None]
_FILES = weakref.WeakKeyDictionary()


class AnchorUnreadable(Exception):
    """The anchor file exists but does not hold an anchor (damaged, or written by hand)."""


def anchor_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.stem + SUFFIX)


def database_file(db: sqlite_utils.Database) -> Path | None:
    """The file behind a connection (None in memory), asked once per connection."""
    if db not in _FILES:
        row = db.execute("PRAGMA database_list").fetchone()
        _FILES[db] = Path(row[2]) if row and row[2] else None
    return _FILES[db]


def read_anchor(db_path: Path) -> tuple[int, str] | None:
    """The anchored (id, hash), or None when there is no anchor file."""
    path = anchor_path(db_path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise AnchorUnreadable(f"{path} cannot be read ({exc.strerror or exc})") from exc
    try:
        values = json.loads(text)
        line_id, digest = values["id"], values["hash"]
    except (ValueError, TypeError, KeyError) as exc:
        raise AnchorUnreadable(f"{path} does not hold what Frontdesk wrote there") from exc
    if not isinstance(line_id, int) or not isinstance(digest, str):
        raise AnchorUnreadable(f"{path} does not hold what Frontdesk wrote there")
    return line_id, digest


def write_anchor(db_path: Path, line_id: int, digest: str) -> None:
    """Written to a temporary file then renamed over the anchor: never seen half-written."""
    path = anchor_path(db_path)
    temporary = path.with_name(f".{path.name}.{os.getpid()}-{threading.get_ident()}.tmp")
    data = json.dumps({"id": line_id, "hash": digest}).encode("ascii")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def anchor_current_head(db_path: Path) -> tuple[int, str] | None:
    """Anchors the trail as it is now, whatever the anchor said: for a database put in place
    by a restore. Returns the anchored (id, hash), None for a trail without lines."""
    import sqlite3

    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        head = conn.execute("SELECT last_id, last_hash FROM audit_head").fetchone()
    finally:
        conn.close()
    if head is None:
        return None
    write_anchor(db_path, head[0], head[1])
    return head[0], head[1]


@dataclass(frozen=True)
class _Advance:
    """Moves the anchor to the transaction's last line, once COMMIT has returned."""

    db: sqlite_utils.Database
    db_path: Path
    line_id: int
    digest: str
    rebase: bool

    def __call__(self) -> None:
        try:
            anchored = read_anchor(self.db_path)
        except AnchorUnreadable:
            return  # kept as found: `audit verify` says so
        if anchored is not None and not self.rebase:
            if anchored[0] >= self.line_id:
                return  # another window wrote later lines and anchored them already
            row = self.db.execute("SELECT hash FROM audit WHERE id = ?", [anchored[0]]).fetchone()
            if row is None or row[0] != anchored[1]:
                _log.warning(
                    "audit anchor at line %s no longer matches: left as it is", anchored[0]
                )
                return
        write_anchor(self.db_path, self.line_id, self.digest)


def note_line(db: sqlite_utils.Database, line_id: int, digest: str, *, rebase: bool) -> None:
    """Called for each audit line appended; the anchor moves once, after the commit."""
    db_path = database_file(db)
    if db_path is None:
        return
    earlier = pending_after_commit(db, _KEY)
    rebase = rebase or (isinstance(earlier, _Advance) and earlier.rebase)
    after_commit(db, _KEY, _Advance(db, db_path, line_id, digest, rebase))
