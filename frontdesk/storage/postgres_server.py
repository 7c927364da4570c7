"""Making a clinic database on a PostgreSQL server, with the least-privilege role the app uses.

The admin's address (a role that may create databases and roles) makes the database, owns its
schema and runs its migrations; the workstations connect as `<database>_app`, which may read
and write the clinic's records but has no UPDATE, DELETE or TRUNCATE on the audit trail and
the signed CO2 records, and cannot change the schema.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

import psycopg
from psycopg import sql

from frontdesk.storage import postgres_schema
from frontdesk.storage.postgres import PgDatabase, translated
from frontdesk.storage.server_address import with_database

NAME = re.compile(r"^[a-z_][a-z0-9_]{0,50}$")


class ServerSetupRefused(Exception):
    """What the admin asked cannot be done as asked; the sentence says why."""


def app_role(dbname: str) -> str:
    return f"{dbname}_app"


def create_clinic_database(admin_address: str, dbname: str, now: str) -> tuple[str, str]:
    """Creates `dbname`, its schema and its app role; returns (role, password) for the
    workstations. Refuses a database that exists already (nothing is changed)."""
    if not NAME.match(dbname):
        raise ServerSetupRefused(
            f"{dbname!r} cannot name a clinic database: use lower-case letters, digits and _."
        )
    role = app_role(dbname)
    password = secrets.token_urlsafe(24)
    with _connect(admin_address) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname])
        if exists.fetchone():
            raise ServerSetupRefused(
                f"The server already has a database called {dbname}: nothing was changed."
                " Choose another name, or drop that one first if it is not needed."
            )
        # Text compares and sorts byte by byte, and lower() is ASCII's, as in SQLite.
        admin.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C'").format(
                sql.Identifier(dbname)
            )
        )
        known = admin.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role]).fetchone()
        verb = "ALTER" if known else "CREATE"
        admin.execute(
            sql.SQL(verb + " ROLE {} LOGIN PASSWORD {}").format(
                sql.Identifier(role), sql.Literal(password)
            )
        )
    owner_address = with_database(admin_address, dbname)
    db = PgDatabase(owner_address)
    try:
        postgres_schema.migrate(db, now)
        grant_app_role(db, dbname)
    finally:
        db.close()
    return role, password


def grant_app_role(db: PgDatabase, dbname: str) -> None:
    """What the workstations' role may do: records yes, the trail's past and the schema no."""
    role = sql.Identifier(app_role(dbname))
    raw = db.conn.raw
    with raw.transaction():
        raw.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(sql.Identifier(dbname)))
        raw.execute(
            sql.SQL("GRANT CONNECT, TEMPORARY ON DATABASE {} TO {}").format(
                sql.Identifier(dbname), role
            )
        )
        raw.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
        raw.execute(sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(role))
        raw.execute(
            sql.SQL(
                "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}"
            ).format(role)
        )
        tables = sql.SQL(", ").join(
            sql.Identifier(name)
            for name in (*postgres_schema.ADD_ONLY_TABLES, "frontdesk_migrations")
        )
        raw.execute(sql.SQL("REVOKE UPDATE, DELETE, TRUNCATE ON {} FROM {}").format(tables, role))
        raw.execute(
            sql.SQL("REVOKE INSERT ON {} FROM {}").format(
                sql.Identifier("frontdesk_migrations"), role
            )
        )
        raw.execute(
            sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}").format(role)
        )


def app_address(admin_address: str, dbname: str, role: str) -> str:
    """The address the workstations use: the admin's host and port, the clinic's database and
    role, TLS required (the password is kept in each workstation's keyring, not here)."""
    params = psycopg.conninfo.conninfo_to_dict(admin_address)
    host = str(params.get("host", "localhost"))
    port = params.get("port")
    if host.startswith("/"):
        where = f"/{dbname}?host={host}" + (f"&port={port}" if port else "")
        return f"postgresql://{role}@{where}"
    netloc = f"{host}:{port}" if port else host
    return f"postgresql://{role}@{netloc}/{dbname}?sslmode=require"


def _connect(address: str) -> psycopg.Connection[Any]:
    try:
        return psycopg.connect(address, autocommit=True, connect_timeout=10)
    except psycopg.Error as exc:
        raise translated(exc) from exc
