"""A clinic server's address as a workstation keeps it: TLS by default, never a password.

Addresses are libpq's (`postgresql://user@host:port/dbname?...` or `key=value` words). The
password travels apart (the keyring) and is put back only into the text a connection opens.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import psycopg


class AddressUnreadable(ValueError):
    """The text is not a PostgreSQL address (said in words)."""


@dataclass(frozen=True)
class ServerAddress:
    """What a workstation remembers (`address`, no password) and what it was given once."""

    address: str  # with TLS as asked, without any password
    password: str | None  # the password the address carried, if it had one


def _parts(address: str) -> dict[str, Any]:
    try:
        return dict(psycopg.conninfo.conninfo_to_dict(address))
    except psycopg.ProgrammingError as exc:
        raise AddressUnreadable(
            f"{address_for_people(address)} is not a PostgreSQL address: write it as"
            " postgresql://user@host/database."
        ) from exc


def _text(parts: dict[str, Any]) -> str:
    """A `postgresql://` URL again (what people read and type), every part quoted."""
    rest = {key: str(value) for key, value in parts.items()}
    user = quote(rest.pop("user", ""), safe="")
    password = rest.pop("password", "")
    who = user + (":" + quote(password, safe="") if password else "")
    host = rest.pop("host", "")
    port = rest.pop("port", "")
    dbname = quote(rest.pop("dbname", ""), safe="")
    netloc = ""
    if host and not host.startswith("/") and "," not in host:
        netloc = (f"[{host}]" if ":" in host else quote(host, safe="")) + (
            f":{port}" if port else ""
        )
    else:  # a socket folder (or several hosts) goes in the query, as libpq reads it
        if host:
            rest = {"host": host, **rest}
        if port:
            rest = {**rest, "port": port}
    query = urlencode(rest, quote_via=quote, safe="/")
    at = f"{who}@" if who else ""
    return f"postgresql://{at}{netloc}/{dbname}" + (f"?{query}" if query else "")


def on_unix_socket(address: str) -> bool:
    """The server on this computer through a socket folder (no host, or a host that is a
    path): nothing crosses a network, so no TLS is asked for."""
    host = str(_parts(address).get("host", "") or "")
    return host == "" or host.startswith("/") or host.startswith("@")


def workstation_address(given: str, ca_file: str | None = None) -> ServerAddress:
    """The address to remember for `given`: its password taken out, TLS required on a TCP
    address without an sslmode (`verify-full` against `ca_file` once the admin gives one)."""
    parts = _parts(given)
    password = parts.pop("password", None)
    if not on_unix_socket(given):
        if ca_file:
            parts["sslmode"] = "verify-full"
            parts["sslrootcert"] = ca_file
        elif not parts.get("sslmode"):
            parts["sslmode"] = "require"
    return ServerAddress(_text(parts), str(password) if password else None)


def with_password(address: str, password: str | None) -> str:
    """The text a connection opens: the remembered address with the keyring's password."""
    if not password:
        return address
    parts = _parts(address)
    parts["password"] = password
    return _text(parts)


def has_password(address: str) -> bool:
    return bool(_parts(address).get("password"))


def keyring_name(address: str) -> str:
    """The name a server's password is filed under: who, where and which database (the same
    whatever TLS options or spelling the address has)."""
    parts = _parts(address)
    host = str(parts.get("host", "") or "")
    port = str(parts.get("port", "") or "")
    where = host + (f":{port}" if port else "")
    return f"{parts.get('user', '')}@{where}/{parts.get('dbname', '')}"


def address_for_people(address: str) -> str:
    """user@host:port/dbname, never a password: for messages and logs."""
    try:
        parts = psycopg.conninfo.conninfo_to_dict(address)
    except psycopg.ProgrammingError:
        return "an address that cannot be read"
    host = str(parts.get("host", "") or "localhost")
    port = parts.get("port")
    where = host + (f":{port}" if port else "")
    return f"{parts.get('user', '')}@{where}/{parts.get('dbname', '')}".lstrip("@")


def database_name(address: str) -> str:
    return str(_parts(address).get("dbname", "") or "")


def with_database(address: str, dbname: str) -> str:
    """The same server, role and options on another database (one just made or restored
    there); a password the address holds goes with it. The one place an address changes
    database."""
    parts = _parts(address)
    parts["dbname"] = dbname
    return _text(parts)


def without_password(address: str) -> str:
    """The address as it may be remembered: any password taken out, nothing else changed."""
    parts = _parts(address)
    parts.pop("password", None)
    return _text(parts)
