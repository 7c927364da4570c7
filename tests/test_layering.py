"""DESIGN.md's layers, checked on every module's own imports."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "frontdesk"


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            base = node.module
            if node.level:  # relative import: resolve against the module's package
                parts = path.relative_to(PACKAGE.parent).with_suffix("").parts[: -node.level]
                base = ".".join((*parts, node.module))
            names.add(base)
    return names


def modules(layer: str) -> list[Path]:
    return sorted((PACKAGE / layer).rglob("*.py"))


@pytest.mark.parametrize("layer", ["domain", "storage", "services", "handouts"])
def test_core_layers_never_import_qt(layer: str) -> None:
    for path in modules(layer):
        assert not any(n.split(".")[0] == "PySide6" for n in imports_of(path)), path


def test_domain_has_no_sql_and_no_outer_layers() -> None:
    banned = ("sqlite3", "sqlite_utils", "frontdesk.storage", "frontdesk.services", "frontdesk.ui")
    for path in modules("domain"):
        bad = [n for n in imports_of(path) if n.startswith(banned)]
        assert not bad, (path, bad)


def test_storage_never_reaches_up() -> None:
    for path in modules("storage"):
        bad = [n for n in imports_of(path) if n.startswith(("frontdesk.services", "frontdesk.ui"))]
        assert not bad, (path, bad)


def test_services_never_import_ui() -> None:
    for path in modules("services"):
        assert not [n for n in imports_of(path) if n.startswith("frontdesk.ui")], path


def test_ui_never_touches_storage_or_sql() -> None:
    for path in modules("ui"):
        bad = [
            n
            for n in imports_of(path)
            if n.startswith(("frontdesk.storage", "sqlite_utils", "sqlite3"))
        ]
        assert not bad, (path, bad)


# The services that exist because of one engine: opening either, moving a file to the server,
# the server's pg_dump backups, and the file's encryption key. Every other service works on
# whichever engine it is handed.
ENGINE_SERVICES = {"clinic.py", "server_move.py", "server_backups.py", "encryption.py"}
ENGINES = (
    "sqlite3",
    "sqlite_utils",
    "psycopg",
    "frontdesk.storage.postgres",
    "frontdesk.storage.engine",
)


def test_services_never_know_which_engine_is_underneath() -> None:
    """DESIGN rule 5: services name the seam (storage/database.py), never an engine."""
    for path in modules("services"):
        if path.name in ENGINE_SERVICES:
            continue
        bad = [n for n in imports_of(path) if n.startswith(ENGINES)]
        assert not bad, (path, bad)


def test_the_layers_exist() -> None:
    for layer in ("domain", "storage", "services", "ui"):
        assert modules(layer), layer
