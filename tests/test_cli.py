from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from frontdesk.paths import default_db_path, resolve_db_path


def test_db_path_precedence(tmp_path: Path) -> None:
    env = {"FRONTDESK_DB": str(tmp_path / "env.sqlite3")}
    assert resolve_db_path(str(tmp_path / "cli.sqlite3"), env) == tmp_path / "cli.sqlite3"
    assert resolve_db_path(None, env) == tmp_path / "env.sqlite3"
    assert resolve_db_path(None, {}) == default_db_path()
    assert "frontdesk" in str(default_db_path()).lower()
    assert not default_db_path().is_relative_to(Path(__file__).resolve().parents[1])


def run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "frontdesk", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_smoke_run_creates_the_demo_clinic_and_quits_after_painting(tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "FRONTDESK_DB": str(tmp_path / "e.db")}
    result = run("--demo", "--smoke", env=env)
    assert result.returncode == 0, result.stderr
    assert "patients added" in result.stdout and "first paint" in result.stdout
    assert (tmp_path / "e.db").exists()  # FRONTDESK_DB was honoured
    again = run("--demo", "--smoke", "--db", str(tmp_path / "e.db"), env=env)
    assert again.returncode == 0 and "patients added" not in again.stdout  # never refilled


def test_without_a_display_it_says_so_instead_of_crashing(tmp_path: Path) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")
    }
    result = run("--db", str(tmp_path / "x.db"), env=env)
    assert result.returncode == 2
    assert "no display" in result.stderr


def test_a_damaged_database_is_never_opened_and_says_so(tmp_path: Path) -> None:
    bad = tmp_path / "not-a-db.sqlite3"
    bad.write_bytes(b"this is not a database" * 100)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = run("--db", str(bad), "--smoke", env=env)
    assert result.returncode == 2
    assert "is damaged (not a SQLite database); it was not opened" in result.stderr
    assert "Traceback" not in result.stderr
    assert bad.read_bytes() == b"this is not a database" * 100  # left exactly as it was
