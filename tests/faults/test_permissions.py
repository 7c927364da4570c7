"""A database the user may not write to is not a damaged one: say what is wrong and what to do.

The battery found a database in a read-only folder reported as "damaged" (with a restore
offered) and a new database there refused with SQLite's "unable to open database file".

The tests run as root, for whom permission bits do not stop writes. Two honest ways around it:
a child process in its own mount namespace where the folder is bind-mounted read-only (the
kernel refuses every write, root's too), and, for a folder whose permission bits say no, the
permission check itself (`os.access`) answering as it would for the clinic's user.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from frontdesk import app, cli, paths
from frontdesk.services.clinic import Clinic
from frontdesk.storage import filesystems

ROOT = Path(__file__).resolve().parents[2]
WORDS_OF_DAMAGE = ("damaged", "restore", "unable to open database file", "Traceback")


def read_only_run(folder: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    """`frontdesk ARGV` in a child that sees `folder` as a read-only mount."""
    if shutil.which("unshare") is None or not sys.platform.startswith("linux"):
        pytest.skip("needs unshare (util-linux) to mount a folder read-only for one process")
    script = 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && shift && exec "$@"'
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    env.pop(paths.DB_ENV_VAR, None)
    done = subprocess.run(
        ["unshare", "-rm", "sh", "-c", script, "sh", str(folder), sys.executable, "-m",
         "frontdesk", *argv],
        capture_output=True, text=True, timeout=60, cwd=ROOT, env=env,
    )  # fmt: skip
    refused = done.stderr.startswith(("unshare:", "mount:")) or "mount" in done.stderr
    if refused and done.returncode != 0 and "frontdesk" not in done.stderr:
        # A container (or a chroot) may refuse user namespaces or mounts to everyone.
        pytest.skip(f"this machine does not allow a private read-only mount: {done.stderr}")
    return done


@pytest.fixture
def closed_clinic(clinic: Clinic) -> Path:
    """A healthy clinic file, closed the way the app closes it (no -wal or -shm left)."""
    clinic.close()
    assert not clinic.path.with_name(clinic.path.name + "-wal").exists()
    return clinic.path


@pytest.mark.timeout(120)
@pytest.mark.parametrize(
    "command",
    [["audit", "verify"], ["backup"], ["--smoke"],
     ["handout", "--patient", "1", "--kind", "co2_plan", "--out", "/tmp/never.pdf"]],
    ids=["audit", "backup", "start", "handout"],
)  # fmt: skip
def test_a_database_on_a_read_only_disk_is_said_to_be_read_only_not_damaged(
    closed_clinic: Path, command: list[str]
) -> None:
    done = read_only_run(closed_clinic.parent, *command, "--db", str(closed_clinic))
    assert done.returncode in (1, 2), done
    assert "read-only disk" in done.stderr, done.stderr
    assert str(closed_clinic) in done.stderr
    assert not any(word in done.stderr for word in WORDS_OF_DAMAGE), done.stderr


@pytest.mark.timeout(60)
def test_a_new_database_in_a_read_only_folder_says_why_it_cannot_be_made(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    done = read_only_run(folder, "--smoke", "--db", str(folder / "new.sqlite3"))
    assert done.returncode == 2, done
    assert f"The folder {folder} is on a read-only disk" in done.stderr, done.stderr
    assert not any(word in done.stderr for word in WORDS_OF_DAMAGE), done.stderr
    assert list(folder.iterdir()) == []


# --- permission bits, as the clinic's user would meet them ----------------------------------


@pytest.fixture
def no_write_in(monkeypatch: pytest.MonkeyPatch):
    """`os.access` answers for the paths given as it would for a user who may only read them
    (files inside a folder keep their own answer, as with real permission bits)."""
    denied: list[Path] = []
    real_access = os.access

    def access(path, mode, *args, **kwargs) -> bool:
        where = Path(path).absolute()
        if mode & os.W_OK and where in denied:
            return False
        return real_access(path, mode, *args, **kwargs)

    monkeypatch.setattr(filesystems.os, "access", access)
    return denied.append


def test_the_start_says_no_permission_and_offers_no_restore(
    closed_clinic: Path, no_write_in, prompts, monkeypatch: pytest.MonkeyPatch
) -> None:
    no_write_in(closed_clinic.parent)
    from frontdesk.ui.dialogs import restore_dialog

    def no_restore(*_args: object) -> None:
        raise AssertionError("a restore was offered for a permission problem")

    monkeypatch.setattr(restore_dialog, "RestoreDialog", no_restore)
    before = closed_clinic.read_bytes()
    with contextlib.redirect_stderr(io.StringIO()) as err:
        assert app.open_or_restore(closed_clinic, quiet=False) is None
    [(title, text)] = prompts.warnings
    assert title == "Frontdesk cannot use this database"
    assert text.startswith(f"There is no permission to write in the folder {closed_clinic.parent}")
    assert "Ask whoever looks after this computer" in text
    assert text in err.getvalue()
    assert not any(word in text for word in WORDS_OF_DAMAGE)
    assert closed_clinic.read_bytes() == before


def test_a_new_database_where_the_user_may_not_write_says_so_at_the_start(
    tmp_path: Path, no_write_in, prompts
) -> None:
    no_write_in(tmp_path)
    new = tmp_path / "clinic" / "frontdesk.sqlite3"
    with contextlib.redirect_stderr(io.StringIO()):
        assert app.open_or_restore(new, quiet=False) is None
    [(_title, text)] = prompts.warnings
    assert text.startswith(f"There is no permission to write in the folder {tmp_path}.")
    assert not new.parent.exists()


@pytest.mark.parametrize("command", [["audit", "verify"], ["backup"], ["restore", "x.sqlite3"]])
def test_the_commands_say_no_permission_too(
    closed_clinic: Path, no_write_in, command: list[str]
) -> None:
    no_write_in(closed_clinic.parent)
    err = io.StringIO()
    umask = os.umask(0o022)  # main() sets 077 for the whole process
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            status = cli.main([*command, "--db", str(closed_clinic)])
    finally:
        os.umask(umask)
    assert status == 1
    assert f"no permission to write in the folder {closed_clinic.parent}" in err.getvalue()


def test_a_file_the_user_may_read_but_not_write_is_named(closed_clinic: Path, no_write_in) -> None:
    no_write_in(closed_clinic)
    said = filesystems.path_problem(closed_clinic)
    assert said is not None
    assert said.startswith(
        f"There is no permission to write in the clinic database {closed_clinic}"
    )


def test_a_folder_given_as_the_database_is_named_as_a_folder(tmp_path: Path) -> None:
    said = filesystems.path_problem(tmp_path)
    assert said == (
        f"{tmp_path} is a folder, not a database file: give the file's own name (for example"
        f" {tmp_path / 'frontdesk.sqlite3'})."
    )


def test_where_the_user_may_write_nothing_stands_in_the_way(tmp_path: Path) -> None:
    assert filesystems.path_problem(tmp_path / "new" / "deeper" / "clinic.sqlite3") is None
    assert filesystems.path_problem(tmp_path / "missing.sqlite3", creating=False) is None
