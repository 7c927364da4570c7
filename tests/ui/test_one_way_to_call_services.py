"""The UI runs service calls one way (ui/operations.py): no view catches a service error or
announces a change by hand (issue 14, point 4)."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import frontdesk.services
from frontdesk.services.errors import ServiceError

UI = Path(__file__).resolve().parents[2] / "frontdesk" / "ui"
THE_HELPER = {"operations.py"}
ANNOUNCERS = {"operations.py", "notifier.py"}


def service_errors() -> set[str]:
    """ServiceError and every subclass any service module defines (LoginRefused, ...)."""
    for module in pkgutil.iter_modules(frontdesk.services.__path__):
        importlib.import_module(f"frontdesk.services.{module.name}")
    found: set[str] = set()
    waiting: list[type] = [ServiceError]
    while waiting:
        kind = waiting.pop()
        found.add(kind.__name__)
        waiting.extend(kind.__subclasses__())
    return found


def names_in(node: ast.expr | None) -> set[str]:
    """The exception names an `except` clause lists: `X`, `errors.X`, `(X, Y)`."""
    if node is None:
        return set()
    if isinstance(node, ast.Tuple):
        return set().union(*(names_in(element) for element in node.elts))
    if isinstance(node, ast.Name):
        return {node.id}
    if isinstance(node, ast.Attribute):
        return {node.attr}
    return set()


def ui_files() -> list[tuple[str, ast.Module]]:
    return [
        (path.relative_to(UI).as_posix(), ast.parse(path.read_text(encoding="utf-8")))
        for path in sorted(UI.rglob("*.py"))
    ]


def offences() -> list[str]:
    errors = service_errors()
    found = []
    for name, tree in ui_files():
        for node in ast.walk(tree):
            if isinstance(node, ast.ExceptHandler) and name not in THE_HELPER:
                caught = names_in(node.type) & errors
                if caught:
                    found.append(f"{name}:{node.lineno} except {', '.join(sorted(caught))}")
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "announce"
                and name not in ANNOUNCERS
            ):
                found.append(f"{name}:{node.lineno} .announce(...)")
    return found


def test_the_scan_knows_the_service_errors_and_sees_the_helpers_own_except():
    errors = service_errors()
    assert {"ServiceError", "NotAllowed", "PossibleDuplicate", "ChangedElsewhere"} <= errors
    assert {"LoginRefused", "DatabaseRefused", "BackupError"} <= errors
    helper = dict(ui_files())["operations.py"]
    assert any(isinstance(node, ast.ExceptHandler) for node in ast.walk(helper))


def test_no_view_catches_a_service_error_or_announces_by_hand():
    assert offences() == []
