"""The server run's clinics: one throwaway cluster, a database per test copied from a template.

A template (`CREATE DATABASE ... TEMPLATE`) copies in about 50 ms, so each test starts on a
clinic of its own, made by `frontdesk server init`'s code and opened as the workstations'
least-privilege role, exactly as the app opens it.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from frontdesk.domain.clinic import CLINIC_TZ
from frontdesk.services.clinic import Clinic, open_server
from frontdesk.services.clock import Clock, fixed_clock
from frontdesk.services.demo import fill_demo_clinic
from frontdesk.storage.postgres import PgDatabase
from frontdesk.storage.postgres_cluster import Cluster, throwaway_cluster
from frontdesk.storage.postgres_server import app_role, create_clinic_database

TEMPLATE = "clinic_template"
DEMO_TEMPLATE = "demo_template"
# The fixtures' "now" (tests/conftest.NOW), for the demo's template.
_NOW = datetime(2026, 11, 26, 10, 30, tzinfo=CLINIC_TZ)


@dataclass
class TestServers:
    __test__ = False  # not a test class, for pytest

    cluster: Cluster
    _names: Iterator[int] = field(default_factory=itertools.count)
    _demo_made: bool = False

    @staticmethod
    def start(port: int = 5432) -> TestServers:
        cluster = throwaway_cluster(port)
        create_clinic_database(cluster.url(), TEMPLATE, "2026-11-26T10:30:00-08:00")
        return TestServers(cluster)

    def stop(self) -> None:
        self.cluster.remove()

    def admin(self) -> PgDatabase:
        return PgDatabase(self.cluster.url())

    def app_url(self, dbname: str) -> str:
        """The address a workstation uses for `dbname` (its role is the template's)."""
        return self.cluster.url(dbname, user=app_role(TEMPLATE))

    def new_database(self, template: str = TEMPLATE) -> str:
        name = f"clinic_{next(self._names)}"
        admin = self.admin()
        try:
            admin.conn.raw.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
        finally:
            admin.close()
        return name

    def drop(self, dbname: str) -> None:
        admin = self.admin()
        try:
            admin.conn.raw.execute(f"DROP DATABASE IF EXISTS {dbname} WITH (FORCE)")
        finally:
            admin.close()

    @contextmanager
    def clinic(self, *, demo: bool, clock: Clock, files: Path) -> Iterator[Clinic]:
        name = self.new_database(self._demo_template() if demo else TEMPLATE)
        opened = open_server(self.app_url(name), clock, files=files)
        try:
            yield opened
        finally:
            opened.close()
            self.drop(name)

    def _demo_template(self) -> str:
        """The demo clinic, built once per run on the server, as `server init --demo` does."""
        if not self._demo_made:
            name = self.new_database()
            built = open_server(self.app_url(name), fixed_clock(_NOW))
            fill_demo_clinic(built)
            built.close()
            admin = self.admin()
            try:
                admin.conn.raw.execute(f"ALTER DATABASE {name} RENAME TO {DEMO_TEMPLATE}")
            finally:
                admin.close()
            self._demo_made = True
        return DEMO_TEMPLATE
