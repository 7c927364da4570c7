"""A clinic on a throwaway PostgreSQL cluster of its own, for the live-update tests.

The cluster listens on a port of its own (the suite's server run uses another), so these tests
never share a server; it is removed however the test ends.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from frontdesk.domain.staff import Role, Staff
from frontdesk.services.clinic import Clinic, open_server
from frontdesk.services.clock import Clock
from frontdesk.services.signed_in import SignedIn, issue
from frontdesk.storage.postgres_cluster import Cluster, throwaway_cluster
from frontdesk.storage.postgres_server import create_clinic_database

PORT = 55437  # the live-update tests' own
DBNAME = "live_clinic"
ADMIN_PASSWORD = "a-long-test-password"


@dataclass
class LiveServer:
    cluster: Cluster
    address: str  # what a workstation opens: the clinic's database, as its app role

    def open(self, clock: Clock, files: Path) -> Clinic:
        """One workstation's clinic: a connection of its own."""
        return open_server(self.address, clock, files=files)


@contextmanager
def live_server(port: int = PORT) -> Iterator[LiveServer]:
    cluster = throwaway_cluster(port)
    try:
        role, _password = create_clinic_database(cluster.url(), DBNAME, "2026-11-26T10:30:00-08:00")
        yield LiveServer(cluster, cluster.url(DBNAME, user=role))
    finally:
        cluster.remove()


def the_admin(clinic: Clinic) -> SignedIn:
    """The clinic's admin, made at the first sign-in when there is none yet (skipping the
    password's cost, as tests/conftest.signed_in does)."""
    existing = next((s for s in clinic.staff.list_active() if s.role is Role.ADMIN), None)
    member: Staff = existing or clinic.staff.create_first_admin(
        "Office admin", "office", ADMIN_PASSWORD
    )
    return issue(clinic._db, member, via="in a test")
