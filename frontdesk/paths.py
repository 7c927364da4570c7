"""Where the database lives: never in the repository, always overridable."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

APP_NAME = "frontdesk"
DB_ENV_VAR = "FRONTDESK_DB"
DB_FILENAME = "frontdesk.sqlite3"


def default_db_path() -> Path:
    import platformdirs  # only when no path was given

    return platformdirs.user_data_path(APP_NAME, appauthor=False) / DB_FILENAME


def resolve_db_path(cli_value: str | None, env: Mapping[str, str] | None = None) -> Path:
    """`--db` wins over FRONTDESK_DB, which wins over the per-user data directory."""
    env = os.environ if env is None else env
    if cli_value:
        return Path(cli_value).expanduser()
    if env.get(DB_ENV_VAR):
        return Path(env[DB_ENV_VAR]).expanduser()
    return default_db_path()


def settings_path(db_path: Path) -> Path:
    """Window settings sit beside the database they belong to, so test runs never share them."""
    return db_path.with_name(db_path.stem + ".settings.ini")


RESOURCES = Path(__file__).resolve().parent.parent / "resources"
