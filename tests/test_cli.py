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


def demo_env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "QT_QPA_PLATFORM": "offscreen", "FRONTDESK_DB": str(tmp_path / "d.db")}


def test_as_role_opens_the_demo_signed_in_and_is_refused_elsewhere(tmp_path: Path) -> None:
    env = demo_env(tmp_path)
    result = run("--demo", "--as", "doctor", "--smoke", env=env)
    assert result.returncode == 0, result.stderr
    assert "first paint" in result.stdout
    real = run("--db", str(tmp_path / "real.db"), "--as", "admin", "--smoke", env=env)
    assert real.returncode == 2
    assert "this database is a real one" in real.stderr


def test_audit_verify_names_the_first_row_changed_with_raw_sql(tmp_path: Path) -> None:
    import sqlite3

    env = demo_env(tmp_path)
    assert run("--demo", "--smoke", env=env).returncode == 0
    ok = run("audit", "verify", env=env)
    assert ok.returncode == 0 and "The audit trail is intact" in ok.stdout
    conn = sqlite3.connect(tmp_path / "d.db")
    conn.execute("DROP TRIGGER audit_no_update")
    conn.execute("""UPDATE audit SET after = '{"first_name": "Mallory"}' WHERE id = 7""")
    conn.commit()
    conn.close()
    broken = run("audit", "verify", env=env)
    assert broken.returncode == 1
    assert "Audit trail broken at row 7: its contents were changed" in broken.stderr


def test_backup_then_restore_from_the_command_line_keeps_every_row(tmp_path: Path) -> None:
    import sqlite3

    def rows(path: Path) -> dict[str, list]:
        conn = sqlite3.connect(path)
        names = [n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        found = {n: conn.execute(f'SELECT * FROM "{n}" ORDER BY 1').fetchall() for n in names}
        conn.close()
        return found

    env = demo_env(tmp_path)
    assert run("--demo", "--smoke", env=env).returncode == 0
    made = run("backup", "--to", str(tmp_path / "safe"), env=env)
    assert made.returncode == 0, made.stderr
    backup = Path(made.stdout.strip())
    assert backup.parent == tmp_path / "safe"
    before = rows(tmp_path / "d.db")
    conn = sqlite3.connect(tmp_path / "d.db")
    conn.execute("DELETE FROM patient_language")  # a change the restore must undo
    conn.commit()
    conn.close()
    refused = subprocess.run(
        [sys.executable, "-m", "frontdesk", "restore", str(backup)],
        env=env, input="no\n", capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert refused.returncode == 1 and "Nothing was changed." in refused.stdout
    done = run("restore", str(backup), "--yes", env=env)
    assert done.returncode == 0, done.stderr
    after = rows(tmp_path / "d.db")
    for table in ("audit", "audit_head"):  # the trail says that a backup and a restore happened
        before.pop(table)
        after.pop(table)
    assert after == before
    verify = run("audit", "verify", env=env)
    assert verify.returncode == 0, verify.stderr
