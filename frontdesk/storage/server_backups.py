"""Backups of the clinic server's database: pg_dump's custom format, checked, rotated, and
restored into a new database.

A dump nobody has read back is a hope: the dump is taken in one exported snapshot in which the
rows of every table are also counted, then read back (`pg_restore --list` must list every
table's data, and the rows in the dump must be the rows counted) before it gets its final name.
Names and rotation are those of the file's backups (storage/backup_sets), with `.dump`; files
are 0600 in a 0700 folder.

A restore never overwrites the clinic's database: it makes a new one, restores into it in one
transaction, counts its rows against the dump's and only then says it is ready; a failed
restore drops what it made. The password of an address goes to pg_dump and pg_restore in their
environment (PGPASSWORD), never on their command line, in a file or in a message.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from frontdesk.storage.backup_sets import free_backup_path, rotate
from frontdesk.storage.backups import fsync_folder, plain
from frontdesk.storage.postgres import address_without_password
from frontdesk.storage.postgres_cluster import NoServerInstalled, server_bin
from frontdesk.storage.private_files import PRIVATE_FILE, chmod_quietly, make_folder
from frontdesk.storage.server_address import with_database

DUMP_SUFFIX = ".dump"
PARTIAL_SUFFIX = ".partial"
CONNECT_TIMEOUT_S = "10"
SCHEMA = "public"
# A new database's name: the clinic's, then when its backup was restored (and a -n for a
# second restore in the same second); within PostgreSQL's 63 characters.
RESTORED_STAMP = "%Y%m%d_%H%M%S"
NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")

_COPY = re.compile(rb'^COPY (?:"?[^".]+"?\.)?"?(?P<table>[^" ]+)"? ')
_DBNAME = re.compile(r"^;\s+dbname: (?P<name>.*)$", re.MULTILINE)
_TABLE_DATA = re.compile(r"^\d+; \d+ \d+ TABLE DATA (?P<schema>\S+) (?P<table>\S+) ", re.MULTILINE)
_ACL = re.compile(r"^\d+; \d+ \d+ ACL ", re.MULTILINE)
_GRANT_TO = re.compile(r"^GRANT .* TO (?P<role>\"[^\"]+\"|[^ ;]+);$", re.MULTILINE)


class ServerBackupFailed(Exception):
    """A backup or restore of the server did not happen; the message says why in words."""


@dataclass(frozen=True)
class DumpContents:
    """What a dump holds, read back from it: the database it was taken of, and the rows of
    each table's data."""

    dbname: str
    rows: dict[str, int]


@dataclass(frozen=True)
class Dump:
    path: Path
    rows: dict[str, int]
    rotated_out: list[Path]


@dataclass(frozen=True)
class RestoredDatabase:
    name: str
    rows: dict[str, int]
    # Roles the dump grants rights to that the server did not have: made, with a new password
    # the admin hands to the workstations once.
    new_roles: dict[str, str] = field(default_factory=dict)


# --- the programs and how they are called ----------------------------------------------------


def program(name: str) -> str:
    """pg_dump or pg_restore: the newest installed server's (Debian keeps them out of PATH),
    else the one on PATH."""
    with contextlib.suppress(NoServerInstalled):
        beside = server_bin() / name
        if beside.exists():
            return str(beside)
    found = shutil.which(name)
    if found is None:
        raise ServerBackupFailed(
            f"{name} is not installed on this computer: on Debian or Ubuntu, `sudo apt install"
            " postgresql-client`; elsewhere PostgreSQL's installer brings it."
        )
    return found


def client_call(address: str) -> tuple[str, dict[str, str]]:
    """The address without its password, for a program's command line, and the environment
    that hands it the password."""
    params = _params(address)
    password = params.pop("password", None)
    params.setdefault("connect_timeout", CONNECT_TIMEOUT_S)
    env = dict(os.environ)
    if password:
        env["PGPASSWORD"] = str(password)
    return psycopg.conninfo.make_conninfo(**params), env


def database_of(address: str) -> str:
    """The database an address names (the user's name when it names none, as libpq does)."""
    params = _params(address)
    return str(params.get("dbname") or params.get("user") or "")


def user_of(address: str) -> str:
    return str(_params(address).get("user") or "")


def _params(address: str) -> dict[str, Any]:
    try:
        return dict(psycopg.conninfo.conninfo_to_dict(address))
    except psycopg.ProgrammingError as exc:
        raise ServerBackupFailed(f"The server address cannot be read: {exc}.") from None


def _connect(address: str, **options: Any) -> psycopg.Connection[Any]:
    try:
        return psycopg.connect(address, connect_timeout=int(CONNECT_TIMEOUT_S), **options)
    except psycopg.Error as exc:
        raise ServerBackupFailed(
            f"Could not reach the clinic server ({address_without_password(address)}):"
            f" {_first_line(str(exc))}."
        ) from None


@contextlib.contextmanager
def _in_words(what: str) -> Iterator[None]:
    """A refusal of the server's inside `what` comes out as ServerBackupFailed, in words."""
    try:
        yield
    except psycopg.Error as exc:
        raise ServerBackupFailed(f"{what} failed: {_first_line(str(exc))}.") from None


def _run(command: list[str], env: dict[str, str], what: str, **options: Any) -> None:
    try:
        done = subprocess.run(command, env=env, stderr=subprocess.PIPE, check=False, **options)
    except OSError as exc:
        raise ServerBackupFailed(f"{what} failed: {plain(exc)}.") from exc
    if done.returncode != 0:
        raise ServerBackupFailed(f"{what} failed: {_first_line(done.stderr)}.")


def _first_line(message: str | bytes) -> str:
    if isinstance(message, bytes):
        message = message.decode("utf-8", "replace")
    lines = [line.strip() for line in message.strip().splitlines() if line.strip()]
    text = lines[0] if lines else "no reason given"
    return text.removeprefix("pg_dump: error: ").removeprefix("pg_restore: error: ").rstrip(".")


# --- counting ---------------------------------------------------------------------------------


def tables_of(conn: psycopg.Connection[Any]) -> list[str]:
    rows = conn.execute(
        "SELECT table_name FROM information_schema.tables"
        " WHERE table_schema = %s AND table_type = 'BASE TABLE' ORDER BY table_name",
        [SCHEMA],
    ).fetchall()
    return [row[0] for row in rows]


def row_counts(conn: psycopg.Connection[Any]) -> dict[str, int]:
    """Rows of every table of the clinic's schema, in the connection's snapshot."""
    counts: dict[str, int] = {}
    for table in tables_of(conn):
        query = sql.SQL("SELECT count(*) FROM {}.{}").format(
            sql.Identifier(SCHEMA), sql.Identifier(table)
        )
        row = conn.execute(query).fetchone()
        counts[table] = int(row[0]) if row else 0
    return counts


# --- reading a dump back ----------------------------------------------------------------------


def read_dump(path: Path) -> DumpContents:
    """Reads the dump back as pg_restore does: its list of contents, then every table's data
    (counted, one COPY line a row). ServerBackupFailed when pg_restore cannot read it."""
    if not path.is_file():
        raise ServerBackupFailed(f"There is no backup file at {path}.")
    listing = _listing(path)
    dbname = _DBNAME.search(listing)
    listed = {m["table"] for m in _TABLE_DATA.finditer(listing) if m["schema"] == SCHEMA}
    if dbname is None or not listed:
        raise ServerBackupFailed(f"{path} is not a backup of a clinic database.")
    rows = _rows_in(path)
    missing = sorted(listed - set(rows))
    if missing:
        raise ServerBackupFailed(f"{path} lists data it does not hold ({', '.join(missing)}).")
    return DumpContents(dbname["name"].strip(), rows)


def _listing(path: Path) -> str:
    try:
        done = subprocess.run(
            [program("pg_restore"), "--list", str(path)], capture_output=True, check=False
        )
    except OSError as exc:
        raise ServerBackupFailed(f"pg_restore could not read {path}: {plain(exc)}.") from exc
    if done.returncode != 0:
        raise ServerBackupFailed(
            f"{path} cannot be read as a backup of the clinic server: {_first_line(done.stderr)}."
        )
    return str(done.stdout.decode("utf-8", "replace"))


def _rows_in(path: Path) -> dict[str, int]:
    """Each table's rows in the dump, streamed (a dump may be larger than memory)."""
    command = [program("pg_restore"), "--data-only", "--file=-", str(path)]
    rows: dict[str, int] = {}
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as reading:
        assert reading.stdout is not None
        table: str | None = None
        for line in reading.stdout:
            if table is None:
                started = _COPY.match(line)
                if started is not None:
                    table = started["table"].decode("utf-8", "replace")
                    rows[table] = 0
            elif line == b"\\.\n":
                table = None
            else:
                rows[table] += 1
        problem = reading.stderr.read() if reading.stderr is not None else b""
    if reading.returncode != 0 or table is not None:
        reason = _first_line(problem) if problem else "it ends in the middle of a table"
        raise ServerBackupFailed(f"{path} cannot be read back whole: {reason}.")
    return rows


def check_dump(path: Path, expected: dict[str, int] | None = None) -> DumpContents:
    """The dump read back; with `expected` (the rows counted in the dump's snapshot), every
    table of it must be in the dump with exactly those rows."""
    contents = read_dump(path)
    if expected is not None and contents.rows != expected:
        raise ServerBackupFailed(
            f"The backup {path.name} does not hold what the database held:"
            f" {differences(expected, contents.rows)}."
        )
    return contents


def differences(expected: dict[str, int], found: dict[str, int]) -> str:
    """Tables whose rows differ, in words: `patients 120 rows, 119 in the copy`."""
    said = []
    for table in sorted(set(expected) | set(found)):
        if expected.get(table) != found.get(table):
            had = expected.get(table)
            got = found.get(table)
            said.append(
                f"{table} {'missing' if had is None else f'{had} rows'},"
                f" {'missing' if got is None else f'{got}'} in the copy"
            )
    return "; ".join(said) or "no difference"


# --- taking one -------------------------------------------------------------------------------


def take_dump(address: str, folder: Path, reason: str, now: datetime) -> Dump:
    """A checked dump of the address's database in `folder`, named after the database, and
    the folder rotated. The dump and the row counts it is checked against read one snapshot,
    so work going on at the workstations meanwhile is neither in the one nor the other."""
    stem = database_of(address)
    dsn, env = client_call(address)
    try:
        make_folder(folder, stem)
    except OSError as exc:
        raise ServerBackupFailed(
            f"The backup folder {folder} could not be created: {plain(exc)}."
        ) from exc
    partial = _new_partial(folder, stem)
    try:
        with _connect(address) as conn, _in_words(f"The backup of {stem}"):
            conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            conn.read_only = True
            row = conn.execute("SELECT pg_export_snapshot()").fetchone()
            snapshot = str(row[0]) if row else ""
            counted = row_counts(conn)
            with open(partial, "wb") as out:
                _run(
                    [program("pg_dump"), "--format=custom", f"--snapshot={snapshot}", dsn],
                    env, f"The backup of {stem}", stdout=out,
                )  # fmt: skip
                out.flush()
                os.fsync(out.fileno())
            conn.rollback()
        check_dump(partial, counted)
        final = free_backup_path(folder, stem, reason, now, DUMP_SUFFIX)
        os.replace(partial, final)
        fsync_folder(folder)
    except BaseException:
        with contextlib.suppress(OSError):
            partial.unlink()
        raise
    return Dump(final, counted, rotate(folder, stem, DUMP_SUFFIX, now))


def _new_partial(folder: Path, stem: str) -> Path:
    """A 0600 file to write the dump into, hidden and named for its process."""
    for _ in range(100):
        partial = folder / f".{stem}-{os.getpid()}-{secrets.token_hex(4)}{PARTIAL_SUFFIX}"
        try:
            handle = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
        except FileExistsError:
            continue
        except OSError as exc:
            raise ServerBackupFailed(
                f"Backups cannot be written to {folder}: {plain(exc)}."
            ) from exc
        os.close(handle)
        chmod_quietly(partial, PRIVATE_FILE)
        return partial
    raise ServerBackupFailed(f"Backups cannot be written to {folder}.")


# --- restoring into a new database --------------------------------------------------------------


def new_database_name(dbname: str, now: datetime, taken: set[str]) -> str:
    """`{dbname}_{YYYYmmdd_HHMMSS}`, shortened to fit, with _2, _3... if needed. A name that
    already ends in a restore's stamp gets a fresh stamp instead of a second one."""
    base = re.sub(r"_\d{8}_\d{6}(?:_\d+)?$", "", dbname)
    stamp = now.strftime(RESTORED_STAMP)
    base = base[: 63 - len(stamp) - 4]
    name = f"{base}_{stamp}"
    copy = 1
    while name in taken:
        copy += 1
        name = f"{base}_{stamp}_{copy}"
    if not NAME.match(name):
        raise ServerBackupFailed(
            f"The backup is of a database called {dbname!r}, which cannot name a clinic"
            " database here: use lower-case letters, digits and _."
        )
    return name


def grantees(path: Path) -> set[str]:
    """The roles the dump grants rights to (the workstations' role)."""
    listing = _listing(path)
    chosen = "\n".join(line for line in listing.splitlines() if _ACL.match(line)) + "\n"
    with tempfile.TemporaryDirectory(prefix="frontdesk-restore-") as scratch:
        chosen_file = Path(scratch) / "acl.list"
        chosen_file.write_text(chosen, encoding="utf-8")
        done = subprocess.run(
            [program("pg_restore"), f"--use-list={chosen_file}", "--file=-", str(path)],
            capture_output=True,
            check=False,
        )
    if done.returncode != 0:
        raise ServerBackupFailed(f"{path} cannot be read: {_first_line(done.stderr)}.")
    text = done.stdout.decode("utf-8", "replace")
    roles = {m["role"].strip('"') for m in _GRANT_TO.finditer(text)}
    return {role for role in roles if role.upper() != "PUBLIC"}


def restore_dump(
    path: Path, admin_address: str, now: datetime, contents: DumpContents | None = None
) -> RestoredDatabase:
    """Restores the dump into a new database on the admin's server (a role that may create
    databases), in one transaction, with the rights the dump grants; roles it grants to that
    the server lacks are made. The new database's rows must be the dump's rows; on any failure
    the new database is dropped and nothing else has changed."""
    contents = contents or read_dump(path)
    roles = grantees(path)
    with (
        _connect(admin_address, autocommit=True) as admin,
        _in_words("The restore into a new database"),
    ):
        existing = {row[0] for row in admin.execute("SELECT datname FROM pg_database")}
        name = new_database_name(contents.dbname, now, existing)
        known = {
            row[0]
            for row in admin.execute(
                "SELECT rolname FROM pg_roles WHERE rolname = ANY(%s)", [sorted(roles)]
            )
        }
        new_roles = {role: secrets.token_urlsafe(24) for role in sorted(roles - known)}
        try:
            admin.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C'").format(
                    sql.Identifier(name)
                )
            )
        except psycopg.Error as exc:
            raise ServerBackupFailed(
                f"The server refused to make a new database for the restore: "
                f"{_first_line(str(exc))}. The address given needs the right to create"
                " databases (the one `frontdesk server init` was given)."
            ) from None
        try:
            for role, password in new_roles.items():
                admin.execute(
                    sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                        sql.Identifier(role), sql.Literal(password)
                    )
                )
            admin.execute(
                sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(sql.Identifier(name))
            )
            for role in sorted(roles):
                admin.execute(
                    sql.SQL("GRANT CONNECT, TEMPORARY ON DATABASE {} TO {}").format(
                        sql.Identifier(name), sql.Identifier(role)
                    )
                )
            new_address = with_database(admin_address, name)
            dsn, env = client_call(new_address)
            _run(
                [program("pg_restore"), "--no-owner", "--single-transaction", "--exit-on-error",
                 f"--dbname={dsn}", str(path)],
                env, f"The restore of {path.name}", stdout=subprocess.DEVNULL,
            )  # fmt: skip
            with _connect(new_address) as restored:
                rows = row_counts(restored)
            if rows != contents.rows:
                raise ServerBackupFailed(
                    f"The restored database does not hold what the backup holds:"
                    f" {differences(contents.rows, rows)}."
                )
        except BaseException:
            drop_database(admin, name)
            for role in new_roles:
                with contextlib.suppress(psycopg.Error):
                    admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))
            raise
    return RestoredDatabase(name, rows, new_roles)


def drop_database(admin: psycopg.Connection[Any], name: str) -> None:
    """Drops a database this restore made (sessions still on it are ended)."""
    with contextlib.suppress(psycopg.Error):
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def drop_restored(admin_address: str, name: str) -> None:
    """Best effort, after a failed check: a server gone meanwhile keeps the copy (it is
    named for the restore's moment, and no workstation was switched to it)."""
    with contextlib.suppress(ServerBackupFailed), _connect(admin_address, autocommit=True) as admin:
        drop_database(admin, name)
