"""The demo is never the clinic's database.

`scripts/start.sh` used to run `--demo` on the default database path, so a clinic that followed
the README kept its real patients in a database whose accounts have public passwords (and
`--as admin` opened it without one). The demo now has its own file; `--demo`/`--as` refuse the
clinic's path; a clinic path that already holds the demo is said at every start, with how to
move on. The default path points into tmp_path in every test here.
"""

from __future__ import annotations

import contextlib
import io
import os
import shlex
from pathlib import Path

import pytest

from frontdesk import app, cli, paths
from frontdesk.services.clinic import Clinic, open_clinic
from tests.faults._windows import close_windows_left_open

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The per-user data folder, in tmp_path; no FRONTDESK_DB."""
    folder = tmp_path / "data"
    monkeypatch.setattr(paths, "default_db_path", lambda: folder / paths.DB_FILENAME)
    monkeypatch.delenv(paths.DB_ENV_VAR, raising=False)
    return folder


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    umask = os.umask(0o022)  # main() sets 077 for the whole process
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = cli.main(list(argv))
    finally:
        os.umask(umask)
        close_windows_left_open()
    return status, out.getvalue(), err.getvalue()


def test_the_demo_has_a_file_of_its_own_beside_the_clinics(data_dir: Path) -> None:
    assert paths.resolve_db_path(None, {}, demo=True) == data_dir / "frontdesk-demo.sqlite3"
    assert paths.resolve_db_path(None, {}) == data_dir / "frontdesk.sqlite3"
    assert not paths.is_default_db(paths.demo_db_path())


@pytest.mark.timeout(120)
def test_demo_without_db_fills_the_demo_file_and_leaves_the_clinics_path_alone(
    data_dir: Path,
) -> None:
    status, out, err = run_cli("--demo", "--smoke")
    assert status == 0, err
    assert f"patients added to {data_dir / 'frontdesk-demo.sqlite3'}" in out
    assert not (data_dir / "frontdesk.sqlite3").exists()


@pytest.mark.parametrize("flags", [["--demo"], ["--as", "admin"], ["--demo", "--as", "doctor"]])
def test_demo_and_as_refuse_the_clinics_own_database(data_dir: Path, flags: list[str]) -> None:
    clinic_path = data_dir / "frontdesk.sqlite3"
    status, _out, err = run_cli(*flags, "--smoke", "--db", str(clinic_path))
    assert status == 2
    assert f"never open the clinic's own database ({clinic_path})" in err
    assert str(data_dir / "frontdesk-demo.sqlite3") in err  # where the demo goes instead
    assert "Traceback" not in err
    assert not clinic_path.exists()


def test_the_clinics_path_is_recognised_however_it_is_spelled(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir.mkdir()
    (data_dir / "link").symlink_to(data_dir)
    monkeypatch.setenv(paths.DB_ENV_VAR, str(data_dir / "link" / "." / "frontdesk.sqlite3"))
    status, _out, err = run_cli("--demo", "--smoke")
    assert status == 2 and "never open the clinic's own database" in err
    assert not (data_dir / "frontdesk.sqlite3").exists()


def test_start_sh_runs_the_demo_without_naming_the_clinics_database() -> None:
    script = (ROOT / "scripts" / "start.sh").read_text(encoding="utf-8")
    [launch] = [line for line in script.splitlines() if line.startswith("exec ")]
    words = shlex.split(launch)
    assert words[1:3] == [".venv/bin/frontdesk", "--demo"]
    assert "--db" not in words and "FRONTDESK_DB" not in script


# --- a clinic path that already holds the demo ------------------------------------------------


@pytest.fixture
def demo_in_clinic_path(demo: Clinic, monkeypatch: pytest.MonkeyPatch) -> Clinic:
    """What the old start.sh left: the demo clinic in the clinic's own database file."""
    monkeypatch.setattr(paths, "default_db_path", lambda: demo.path)
    monkeypatch.delenv(paths.DB_ENV_VAR, raising=False)
    return demo


def test_the_start_tells_the_admin_the_clinics_database_is_the_demo(
    demo_in_clinic_path: Clinic, prompts
) -> None:
    path = demo_in_clinic_path.path
    with contextlib.redirect_stderr(io.StringIO()) as err:
        assert app.say_if_demo_in_clinic_file(demo_in_clinic_path, path, quiet=False)
    [(title, text)] = prompts.warnings
    assert title == "This is the demo clinic"
    assert f"{path} is the demo clinic" in text and "passwords are public" in text
    assert f"rename {path.name} to frontdesk-demo.sqlite3 (in {path.parent}" in text
    assert "creates a new, empty database and asks for the admin account" in text
    assert text in err.getvalue()


@pytest.mark.timeout(60)
def test_the_start_from_the_command_line_says_it_too(demo_in_clinic_path: Clinic) -> None:
    demo_in_clinic_path.close()
    status, _out, err = run_cli("--smoke")
    assert status == 0, err
    assert f"{demo_in_clinic_path.path} is the demo clinic" in err


def test_a_real_clinic_or_the_demo_in_its_own_file_says_nothing(
    clinic: Clinic, demo_template: Path, monkeypatch: pytest.MonkeyPatch, prompts
) -> None:
    monkeypatch.setattr(paths, "default_db_path", lambda: clinic.path)
    assert not app.say_if_demo_in_clinic_file(clinic, clinic.path, quiet=False)
    elsewhere = open_clinic(demo_template)  # the demo, but not at the clinic's path
    try:
        assert elsewhere.login.is_demo()
        assert not app.say_if_demo_in_clinic_file(elsewhere, demo_template, quiet=False)
    finally:
        elsewhere.close()
    assert prompts.warnings == []
