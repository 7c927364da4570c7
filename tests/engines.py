"""What a test does differently on the clinic server: the database's owner for tampering."""

from __future__ import annotations

from typing import Any

import psycopg

from frontdesk.storage.database import Database
from frontdesk.storage.postgres import PgDatabase
from frontdesk.storage.postgres_cluster import SUPERUSER


def served(clinic: Any) -> bool:
    return clinic.server is not None


def tamperer(clinic: Any) -> Database:
    """A connection that can change what the app may not, with the trail's and signed
    records' triggers off: the clinic's own on SQLite (after dropping them), the cluster's
    superuser on the server (triggers skipped as a replica does). Someone editing the
    database behind the app's back, for the tests that show it is found."""
    if not served(clinic):
        for name in ("audit_no_update", "audit_no_delete"):
            clinic._db.execute(f"DROP TRIGGER IF EXISTS {name}")
        return clinic._db
    params = psycopg.conninfo.conninfo_to_dict(clinic.server)
    params["user"] = SUPERUSER
    owner = PgDatabase(psycopg.conninfo.make_conninfo(**params))
    owner.execute("SET session_replication_role = replica")
    return owner
