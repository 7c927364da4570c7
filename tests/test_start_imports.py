"""The start to the main window imports the services and sqlite-utils before PySide6: once
loaded, PySide6 reads the source of every module imported after it (cli.py says why)."""

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
print(json.dumps(after))
sys.exit(code)
"""

WITHOUT_QT = ("frontdesk.services", "frontdesk.storage", "frontdesk.domain", "sqlite_utils")


def test_the_window_start_imports_the_services_before_qt(tmp_path: Path, demo_template) -> None:
    db = tmp_path / "demo.sqlite3"
    shutil.copy(demo_template, db)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-c", WATCH, str(db)], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "first paint" in done.stdout
    after_qt = json.loads(done.stdout.strip().splitlines()[-1])
    assert "PySide6.QtWidgets" in after_qt  # the watch itself worked
    late = [name for name in after_qt if name.startswith(WITHOUT_QT)]
    # Only the demo's account list, for `--as`: one small module, read when signing in.
    assert late == ["frontdesk.services.demo_accounts"]
