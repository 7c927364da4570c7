"""Live updates between workstations on the clinic server: NOTIFY on commit, LISTEN apart.

A write transaction tells the other workstations what it changed with `announce`: PostgreSQL
delivers the notice only when (and if) that transaction commits, so a write rolled back is
never heard. Each window keeps one `Listener`, a connection of its own that only listens and
whose socket the window watches: nothing polls a table. SQLite has no such thing; two windows
on one PC compare `PRAGMA data_version` instead (storage/db.data_version).
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import pq

from frontdesk.storage.database import Database
from frontdesk.storage.postgres import CONNECT_TIMEOUT_S, PgDatabase
from frontdesk.storage.postgres_errors import ConnectionLost, translated

CHANNEL = "frontdesk"
# PostgreSQL refuses a notice of 8000 bytes or more; a longer one is said as "everything".
MAX_PAYLOAD = 7900
# A listener on a network that went quiet (a cable pulled) learns it within seconds, not
# hours: TCP keepalives (ignored on a Unix socket, where a closed server is seen at once).
KEEPALIVES: dict[str, Any] = {
    "keepalives": 1,
    "keepalives_idle": 5,
    "keepalives_interval": 2,
    "keepalives_count": 2,
}


def announce(db: Database, payload: str) -> None:
    """Inside a write transaction: the other workstations hear `payload` once it commits.
    Nothing at all on SQLite (callers need not even build the payload there)."""
    if isinstance(db, PgDatabase):
        db.execute("SELECT pg_notify(?, ?)", [CHANNEL, payload])


class Listener:
    """One connection that only listens to the channel; read its socket when it is readable."""

    def __init__(self, address: str) -> None:
        try:
            self._conn: psycopg.Connection[Any] = psycopg.connect(
                address,
                autocommit=True,
                connect_timeout=CONNECT_TIMEOUT_S,
                application_name="frontdesk-live",
                **KEEPALIVES,
            )
            self._conn.execute(f"LISTEN {CHANNEL}")
        except psycopg.Error as exc:
            if hasattr(self, "_conn"):
                self._conn.close()
            raise translated(exc) from exc

    def socket(self) -> int:
        """The file descriptor to watch: readable when a notice (or the server's goodbye)
        has arrived."""
        return self._conn.fileno()

    def heard(self) -> list[str]:
        """The notices arrived so far, oldest first, without waiting. Raises ConnectionLost
        once the server is gone (the listener is then closed; open a new one)."""
        pgconn = self._conn.pgconn
        try:
            pgconn.consume_input()
        except psycopg.Error as exc:
            self.close()
            raise ConnectionLost(f"the clinic server stopped answering ({exc})") from exc
        payloads = []
        while (notice := pgconn.notifies()) is not None:
            payloads.append(notice.extra.decode("utf-8", "replace"))
        if self._conn.broken or pgconn.status != pq.ConnStatus.OK:
            self.close()
            raise ConnectionLost("the clinic server closed the connection")
        return payloads

    @property
    def closed(self) -> bool:
        return self._conn.closed

    def close(self) -> None:
        self._conn.close()
