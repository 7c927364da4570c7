"""What one workstation saves, heard at every other at once (the clinic server only).

The unit of work tells the others what its transaction changed (`announce_changes`), in the
same words the views already refresh from (`Changes`); a window listens through a `LiveFeed`.
A notice names the window that saved (`origin`): that window announced its own write already
and leaves the notice out. On SQLite this module does nothing: two windows on one PC compare
the file's data version (`Clinic.saved_since`), and no write pays for a notice.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from frontdesk.services.changes import Change, Changes, Entity
from frontdesk.storage import live
from frontdesk.storage.database import Database, DatabaseError
from frontdesk.storage.db import on_server

if TYPE_CHECKING:  # the unit of work imports this module, and the clinic imports it
    from frontdesk.services.clinic import Clinic

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Heard:
    """One notice: what another window or workstation saved, and which window it was."""

    changes: Changes
    origin: str | None = None


def announce_changes(db: Database, changes: Iterable[Change], origin: str | None) -> None:
    """Inside the write transaction, just before COMMIT: delivered only if it commits."""
    if not on_server(db):
        return  # SQLite: the other windows see the file's data version move
    items = list(changes)
    if items:
        live.announce(db, encode(Changes(frozenset(items)), origin))


def encode(changes: Changes, origin: str | None) -> str:
    """The notice's text: {"from": origin, "changes": [{entity, id, patient_id}, ...]}; too
    many changes for one notice are said as everything."""
    listed = sorted(
        changes.items, key=lambda c: (c.entity.value, c.entity_id or 0, c.patient_id or 0)
    )
    body: dict[str, Any] = {
        "from": origin,
        "changes": [
            {"entity": c.entity.value, "id": c.entity_id, "patient_id": c.patient_id}
            for c in listed
        ],
    }
    if changes.everything:
        body = {"from": origin, "everything": True}
    text = json.dumps(body, separators=(",", ":"))
    if len(text.encode("utf-8")) > live.MAX_PAYLOAD:
        text = json.dumps({"from": origin, "everything": True}, separators=(",", ":"))
    return text


def decode(payload: str) -> Heard:
    """A notice as `Changes`. One this version cannot read (a newer version's kind of
    record, a damaged text) means every view reads again: never a change missed."""
    try:
        body = json.loads(payload)
        said = body.get("from")
        origin = said if isinstance(said, str) else None
        if body.get("everything"):
            return Heard(Changes.of_all(), origin)
        return Heard(
            Changes.of(
                *(
                    Change(Entity(item["entity"]), _id(item.get("id")), _id(item.get("patient_id")))
                    for item in body["changes"]
                )
            ),
            origin,
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        _log.warning("a live notice could not be read; every view reads again")
        return Heard(Changes.of_all())


def _id(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("an id is a whole number")
    return value


class LiveFeed:
    """A window's ear on the clinic server: watch `socket()`, then read `heard()`."""

    def __init__(self, listener: live.Listener) -> None:
        self._listener = listener

    def socket(self) -> int:
        return self._listener.socket()

    def heard(self) -> list[Heard] | None:
        """What arrived, without waiting; None once the server is gone (the feed is closed:
        open another when the server is back, and have every view read again)."""
        try:
            payloads = self._listener.heard()
        except DatabaseError as exc:
            _log.warning("live updates: %s", exc)
            return None
        return [decode(payload) for payload in payloads]

    @property
    def closed(self) -> bool:
        return self._listener.closed

    def close(self) -> None:
        self._listener.close()


def listen(clinic: Clinic) -> LiveFeed | None:
    """A feed on the clinic's server; None on SQLite, and while the server cannot be
    reached (the caller tries again later). Blocks up to the connection timeout: call it
    off the GUI thread."""
    if clinic.server is None:
        return None
    try:
        return LiveFeed(live.Listener(clinic.server))
    except DatabaseError as exc:
        _log.info("live updates: not listening yet (%s)", exc)
        return None
