"""The start to the main window imports the services and sqlite-utils before PySide6: once
loaded, PySide6 reads the source of every module imported after it (cli.py says why); and
what sqlite-utils imports for features Frontdesk never calls waits for a first use."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

# Run as the app's own process; prints the modules first imported once PySide6 was there.
WATCH = """
import json, sys
after = []
def heard(event, args):
    if event == "import" and "PySide6.QtCore" in sys.modules and args[0] not in sys.modules:
        after.append(args[0])
sys.addaudithook(heard)
from frontdesk.cli import main
code = main(["--smoke", "--as", "front_desk", "--db", sys.argv[1]])
import types
ran = [name for name in ("dateutil.parser", "dateutil.parser._parser", "dateutil.tz")
       if type(sys.modules.get(name)) is types.ModuleType]
print(json.dumps({"after_qt": after, "ran": ran}))
sys.exit(code)
"""


def without_qt(name: str) -> bool:
    """Frontdesk's own modules outside ui/ (app.py, the one of them the start needs with
    Qt, is itself imported before PySide6), and sqlite-utils."""
    return name.startswith(("frontdesk.", "sqlite_utils")) and not name.startswith("frontdesk.ui")


def test_the_window_start_imports_the_services_before_qt(tmp_path: Path, demo_template) -> None:
    db = tmp_path / "demo.sqlite3"
    shutil.copy(demo_template, db)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-c", WATCH, str(db)], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "first paint" in done.stdout
    said = json.loads(done.stdout.strip().splitlines()[-1])
    assert said["ran"] == []  # dateutil's parser: only sqlite-utils' recipes would use it
    after_qt = said["after_qt"]
    assert "PySide6.QtWidgets" in after_qt  # the watch itself worked
    late = [name for name in after_qt if without_qt(name)]
    # Only the demo's account list, for `--as`: one small module, read when signing in.
    assert late == ["frontdesk.services.demo_accounts"]


DEFERRED_THEN_USED = """
import sys, types
from frontdesk.storage.unused_imports import defer_unused_imports
assert defer_unused_imports() == ["dateutil.parser"]
import sqlite_utils
from sqlite_utils.recipes import parsedate
assert type(sys.modules["dateutil.parser"]) is not types.ModuleType  # there, not yet run
assert parsedate("6 December 2026") == "2026-12-06"  # the first use runs it
assert type(sys.modules["dateutil.parser"]) is types.ModuleType
assert defer_unused_imports() == []  # loaded: nothing left to defer
"""


def test_a_deferred_import_still_works_when_something_uses_it() -> None:
    done = subprocess.run(
        [sys.executable, "-c", DEFERRED_THEN_USED], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
