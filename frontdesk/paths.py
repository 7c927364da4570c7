"""Where the database lives: never in the repository, always overridable."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

APP_NAME = "frontdesk"
DB_ENV_VAR = "FRONTDESK_DB"
DB_FILENAME = "frontdesk.sqlite3"
DEMO_FILENAME = "frontdesk-demo.sqlite3"


def default_db_path() -> Path:
    import platformdirs  # only when no path was given

    return platformdirs.user_data_path(APP_NAME, appauthor=False) / DB_FILENAME


def demo_db_path() -> Path:
    """The demo clinic's own file, beside the clinic's: its passwords are public, so the
    clinic's real patients must never end up in it (nor the demo in the clinic's file)."""
    return default_db_path().with_name(DEMO_FILENAME)


def resolve_db_path(
    cli_value: str | None, env: Mapping[str, str] | None = None, *, demo: bool = False
) -> Path:
    """`--db` wins over FRONTDESK_DB, which wins over the per-user data directory; there the
    demo (`demo`) has its own file."""
    env = os.environ if env is None else env
    if cli_value:
        return Path(cli_value).expanduser()
    if env.get(DB_ENV_VAR):
        return Path(env[DB_ENV_VAR]).expanduser()
    return demo_db_path() if demo else default_db_path()


def is_default_db(path: Path) -> bool:
    """`path` is the clinic's own database file, however it was spelled."""
    return same_file(path, default_db_path())


def same_file(one: Path, other: Path) -> bool:
    def canonical(path: Path) -> str:
        return os.path.normcase(os.path.realpath(Path(path).expanduser()))

    return canonical(one) == canonical(other)


def settings_path(db_path: Path) -> Path:
    """Window settings sit beside the database they belong to, so test runs never share them."""
    return db_path.with_name(db_path.stem + ".settings.ini")


def server_files(address: str) -> Path:
    """Where this workstation keeps its own files for a clinic server (window settings, logs):
    a name in the user data directory, one per server and database. No database is there."""
    import re

    import platformdirs

    name = re.sub(r"[^A-Za-z0-9.@-]+", "_", address).strip("_") or "server"
    return platformdirs.user_data_path(APP_NAME, appauthor=False) / "servers" / f"{name}.server"


SERVER_ENV_VAR = "FRONTDESK_SERVER"
WORKSTATION_FILENAME = "workstation.json"


def workstation_settings_path() -> Path:
    """This computer's own settings (which clinic server it uses, the CA file): the user's
    config folder, never beside a database. No password is ever written there."""
    import platformdirs

    return platformdirs.user_config_path(APP_NAME, appauthor=False) / WORKSTATION_FILENAME
