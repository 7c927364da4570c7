"""Clusters of a test module's own, and the demo clinic the server's backup tests read.

Each module that starts a server names its own port (two suites running at once never share
one); the cluster is removed however the module ends, and the module is skipped where
PostgreSQL's server programs are not installed (`setup.sh --test` installs them).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import psycopg
import pytest

from frontdesk.services.clinic import open_server
from frontdesk.services.clock import fixed_clock
from frontdesk.services.demo import fill_demo_clinic
from frontdesk.storage import server_backups as dumps
from frontdesk.storage.postgres_cluster import Cluster, NoServerInstalled, throwaway_cluster
from frontdesk.storage.postgres_server import create_clinic_database


@contextmanager
def own_cluster(port: int) -> Iterator[Cluster]:
    """A throwaway cluster on `port`, removed at the end; skips where none can be made."""
    try:
        made = throwaway_cluster(port)
    except NoServerInstalled as exc:
        pytest.skip(str(exc))
    try:
        yield made
    finally:
        made.remove()


class DemoServer:
    """A demo clinic `clinic` on a cluster, made by `server init`'s code: the admin's address,
    the workstations' (role and password), and the superuser's look at any database."""

    def __init__(self, cluster: Cluster, role: str, password: str) -> None:
        self.cluster = cluster
        self.role = role
        self.password = password

    @property
    def admin(self) -> str:
        return self.cluster.url()

    def app(self, dbname: str = "clinic") -> str:
        return self.cluster.url(dbname, user=self.role, password=self.password)

    def connect(self, dbname: str = "clinic") -> psycopg.Connection[Any]:
        return psycopg.connect(self.cluster.url(dbname), autocommit=True)

    def databases(self) -> set[str]:
        with self.connect("postgres") as conn:
            return {row[0] for row in conn.execute("SELECT datname FROM pg_database")}

    def counts(self, dbname: str = "clinic") -> dict[str, int]:
        with self.connect(dbname) as conn:
            return dumps.row_counts(conn)

    def last_audit(self, dbname: str = "clinic") -> tuple[str, str]:
        """(action, after) of the trail's last line."""
        with self.connect(dbname) as conn:
            row = conn.execute(
                "SELECT action, after FROM audit ORDER BY id DESC LIMIT 1"
            ).fetchone()
        assert row is not None
        return row[0], row[1]


@contextmanager
def demo_server(port: int, now: datetime) -> Iterator[DemoServer]:
    """The demo clinic on a cluster of the module's own, removed at the end."""
    with own_cluster(port) as cluster:
        role, password = create_clinic_database(cluster.url(), "clinic", now.isoformat())
        made = DemoServer(cluster, role, password)
        clinic = open_server(made.app(), fixed_clock(now), files=cluster.folder / "ws.server")
        try:
            fill_demo_clinic(clinic)
        finally:
            clinic.close()
        yield made
