"""The command line and the start-up end in words and an exit status, never a traceback.

Every command (`handout`, `backup`, `restore`, `audit verify`, and the start of the window with
`--smoke`) is run in this process through `frontdesk.cli.main(argv)` with arguments drawn by
hypothesis and databases that are whole, cut short, random bytes, empty, missing or a folder.
Each run must end with 0, 1 or 2 and say why on stderr, without a traceback and without the
last-resort "something unexpected went wrong" (that sentence is the net, not an answer).
Then the cases the fault battery found, one test each.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from frontdesk import cli, paths
from frontdesk.services.clinic import Clinic
from frontdesk.storage.db import connect
from frontdesk.storage.engine import sqlite3
from frontdesk.storage.migrations import MIGRATIONS
from tests.conftest import draft
from tests.faults._windows import close_windows_left_open


@dataclass
class Ran:
    status: int
    out: str
    err: str


def run_cli(argv: list[str], answer: str = "no\n") -> Ran:
    """`frontdesk ARGV` in this process; stdin answers any question with `answer`."""
    out, err = io.StringIO(), io.StringIO()
    stdin = sys.stdin
    sys.stdin = io.StringIO(answer)
    umask = os.umask(0o022)  # main() sets 077 for the whole process: put this one's back after
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                status = cli.main(argv)
            except SystemExit as exit_:  # argparse: --help, --version, usage errors
                status = exit_.code if isinstance(exit_.code, int) else 2
    finally:
        sys.stdin = stdin
        os.umask(umask)
        close_windows_left_open()
    return Ran(status, out.getvalue(), err.getvalue())


def assert_ended_in_words(ran: Ran, argv: list[str]) -> None:
    said = ran.err + ran.out
    assert ran.status in (0, 1, 2), (argv, ran)
    assert "Traceback" not in said, (argv, said)
    assert cli.UNEXPECTED not in said, (argv, said)  # the net caught it: no real sentence
    if ran.status != 0:
        assert said.strip(), (argv, ran)  # a refusal says why


@pytest.fixture
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The clinic's default database and FRONTDESK_DB point into tmp_path, and so does the
    current folder: no run can reach a real database or leave a file in the checkout."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(paths, "default_db_path", lambda: home / paths.DB_FILENAME)
    monkeypatch.delenv(paths.DB_ENV_VAR, raising=False)
    monkeypatch.delenv("FRONTDESK_DEBUG", raising=False)
    return home


@pytest.fixture
def template(clinic: Clinic, desk, tmp_path: Path) -> Path:
    """A healthy clinic file with one patient (#1), self-contained (no WAL beside it)."""
    clinic.patients.register(desk, draft())
    copy = tmp_path / "template.sqlite3"
    target = sqlite3.connect(copy)
    try:
        clinic._db.conn.backup(target)
        target.execute("PRAGMA journal_mode=DELETE").fetchone()
    finally:
        target.close()
    return copy


KINDS = ("healthy", "truncated", "random", "empty", "missing", "folder", "under_a_file", "torn")


def make_database(folder: Path, kind: str, healthy: bytes, noise: bytes, cut: int) -> Path:
    """A database path of the given kind in `folder` (which is new for each example)."""
    path = folder / "clinic.sqlite3"
    template = healthy
    if kind == "healthy":
        path.write_bytes(template)
    elif kind == "truncated":
        path.write_bytes(template[: max(1, cut % len(template))])
    elif kind == "random":
        path.write_bytes(noise)
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "folder":
        path.mkdir()
    elif kind == "under_a_file":
        (folder / "a-file").write_text("not a folder")
        path = folder / "a-file" / "clinic.sqlite3"
    elif kind == "torn":  # a whole header, then pages overwritten with noise
        spot = 100 + cut % max(1, len(template) - 100)
        torn = template[:spot] + noise + template[spot + len(noise) :]
        path.write_bytes(torn[: len(template)])
    return path


ids = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.sampled_from(["1", "0", "-1", "99999999999999999999", str(2**63), "abc", "", "1e3"]),
)
words = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12)


@st.composite
def argument_lists(draw: st.DrawFn, db: str, out_dir: str) -> list[str]:
    """One command line: a command with its options, some of them wrong, in any order."""
    command = draw(st.sampled_from(["handout", "backup", "restore", "audit", "start", "noise"]))
    db_args = ["--db", db]
    if command == "handout":
        args = ["handout", "--patient", draw(ids)]
        args += ["--kind", draw(st.sampled_from([*cli.HANDOUT_KINDS, "x"]))]
        args += ["--out", draw(st.sampled_from([f"{out_dir}/h.pdf", out_dir, "/proc/x.pdf"]))]
        if draw(st.booleans()):
            args += ["--lang", draw(st.sampled_from(["en", "es", "fr"]))]
        if draw(st.booleans()):
            args += ["--staff", draw(words)]
    elif command == "backup":
        args = ["backup"] + (["--to", f"{out_dir}/backups"] if draw(st.booleans()) else [])
    elif command == "restore":
        args = ["restore", draw(st.sampled_from([db, f"{out_dir}/none.sqlite3", out_dir]))]
        args += ["--yes"] if draw(st.booleans()) else []
    elif command == "audit":
        args = ["audit", draw(st.sampled_from(["verify", "verify", "check"]))]
    elif command == "start":  # the window (--smoke: gone as soon as it has painted)
        args = ["--as", "admin"] if draw(st.booleans()) else []
    else:
        args = draw(st.lists(st.one_of(words, st.sampled_from(["--db", "--as", "-h"])), max_size=4))
    if draw(st.booleans()):
        return db_args + args
    return args + db_args if command != "noise" else args


@pytest.mark.timeout(120)
@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_any_command_on_any_database_ends_in_words(
    data: st.DataObject, isolated: Path, template: Path, tmp_path: Path
) -> None:
    folder = tmp_path / f"run{next(COUNTER)}"
    folder.mkdir()
    kind = data.draw(st.sampled_from(KINDS), label="database")
    noise = data.draw(st.binary(min_size=1, max_size=4096), label="noise")
    cut = data.draw(st.integers(min_value=0, max_value=2**20), label="cut")
    db = make_database(
        folder, kind, TEMPLATES.setdefault(template, template.read_bytes()), noise, cut
    )
    # --smoke first, always: a window that started without it would wait for someone to sign in
    argv = ["--smoke", *data.draw(argument_lists(str(db), str(folder)), label="argv")]
    ran = run_cli(argv)
    event(f"{kind}: exit {ran.status}")
    assert_ended_in_words(ran, argv)


COUNTER = itertools.count()
TEMPLATES: dict[Path, bytes] = {}


# --- the cases the battery found ------------------------------------------------------------


@pytest.fixture
def healthy(template: Path) -> Path:
    return template


def test_handout_on_a_damaged_database_says_so(isolated: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(b"\x00garbage" * 1000)
    argv = ["handout", "--db", str(bad), "--patient", "1", "--kind", "co2_plan", "--out", "x.pdf"]
    ran = run_cli(argv)
    assert_ended_in_words(ran, argv)
    assert ran.status == 1 and "is damaged (not a SQLite database)" in ran.err


def test_handout_with_a_folder_for_a_database_says_it_is_a_folder(
    isolated: Path, tmp_path: Path
) -> None:
    argv = ["handout", "--db", str(tmp_path), "--patient", "1", "--kind", "co2_plan"]
    ran = run_cli([*argv, "--out", str(tmp_path / "x.pdf")])
    assert_ended_in_words(ran, argv)
    assert ran.status == 1 and "is a folder, not a" in ran.err


@pytest.mark.parametrize("patient", ["99999999999999999999", str(2**63), str(2**64), "-1", "0"])
def test_handout_for_a_patient_number_no_one_has_says_so(
    isolated: Path, healthy: Path, tmp_path: Path, patient: str
) -> None:
    out = tmp_path / "x.pdf"
    argv = ["handout", "--db", str(healthy), "--patient", patient, "--kind", "co2_plan"]
    ran = run_cli([*argv, "--out", str(out)])
    assert_ended_in_words(ran, argv)
    assert ran.status == 1 and f"Patient #{patient} does not exist." in ran.err
    assert not out.exists()


# --- a schema update that cannot be made -------------------------------------------------------


def older_clinic(path: Path, *, broken_reference: bool = False) -> None:
    """A clinic file as the previous version left it: the newest schema step not applied."""
    names = [m.name for m in MIGRATIONS.pending(connect(":memory:"))]
    db = connect(path)
    try:
        MIGRATIONS.apply(db, stop_before=names[-1])
        if broken_reference:  # an appointment of a patient who is not there (foreign keys off)
            db.execute("PRAGMA foreign_keys=OFF")
            code = db.execute("SELECT code FROM appointment_types").fetchone()[0]
            db.execute(
                "INSERT INTO appointments (patient_id, type_code, starts, ends, booked_at,"
                " booked_by) VALUES (999, ?, '2026-11-30T10:00', '2026-11-30T10:30', 'x', 1)",
                [code],
            )
    finally:
        db.close()


def backups_go_under_a_file(path: Path) -> None:
    """The chosen backup folder cannot be made: the copy before the update cannot be taken."""
    blocker = path.with_name("not-a-folder")
    blocker.write_text("a file")
    path.with_name(path.stem + ".backup-folder").write_text(f"{blocker / 'backups'}\n")


def test_audit_verify_says_when_the_backup_before_an_update_fails(
    isolated: Path, tmp_path: Path
) -> None:
    path = tmp_path / "old.sqlite3"
    older_clinic(path)
    backups_go_under_a_file(path)
    before = path.read_bytes()
    ran = run_cli(["audit", "verify", "--db", str(path)])
    assert_ended_in_words(ran, ["audit", "verify"])
    assert ran.status == 1
    assert "needs an update" in ran.err and "could not be saved" in ran.err
    assert "Nothing was changed" in ran.err
    assert path.read_bytes() == before


def test_audit_verify_says_when_an_update_finds_broken_references(
    isolated: Path, tmp_path: Path
) -> None:
    path = tmp_path / "old.sqlite3"
    older_clinic(path, broken_reference=True)
    ran = run_cli(["audit", "verify", "--db", str(path)])
    assert_ended_in_words(ran, ["audit", "verify"])
    assert ran.status == 1
    assert "could not be updated" in ran.err and "appointments -> patients" in ran.err
    assert "IntegrityError" not in ran.err and "[(" not in ran.err


@pytest.mark.timeout(60)
def test_audit_verify_says_when_the_disk_is_too_full_for_the_backup_before_an_update(
    isolated: Path, tmp_path: Path
) -> None:
    from tests.faults.test_disk_full import fill, small_tmpfs

    path = tmp_path / "old.sqlite3"
    older_clinic(path)
    with small_tmpfs(tmp_path / "small", "1m") as disk:
        path.with_name(path.stem + ".backup-folder").write_text(f"{disk / 'backups'}\n")
        fill(disk / "filler", leave=4096)
        ran = run_cli(["audit", "verify", "--db", str(path)])
    assert_ended_in_words(ran, ["audit", "verify"])
    assert ran.status == 1
    assert "could not be saved: the disk is full. Nothing was changed" in ran.err


@pytest.mark.parametrize("broken", ["backup", "references"])
def test_the_window_start_says_why_an_update_cannot_be_made(
    isolated: Path, tmp_path: Path, prompts, broken: str
) -> None:
    """At the start of the window: a message box in words (and stderr), exit 2, no window."""
    from frontdesk.app import open_or_restore

    path = tmp_path / "old.sqlite3"
    older_clinic(path, broken_reference=broken == "references")
    if broken == "backup":
        backups_go_under_a_file(path)
    with contextlib.redirect_stderr(io.StringIO()) as err:
        assert open_or_restore(path, quiet=False) is None
    [(title, text)] = prompts.warnings
    assert "could not" in title.lower()
    assert text in err.getvalue()
    assert ("could not be saved" if broken == "backup" else "could not be updated") in text


def test_the_start_up_with_smoke_ends_with_2_and_a_sentence(isolated: Path, tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    older_clinic(path)
    backups_go_under_a_file(path)
    ran = run_cli(["--db", str(path), "--smoke"])
    assert_ended_in_words(ran, ["--smoke"])
    assert ran.status == 2 and "could not be saved" in ran.err


# --- the last resort ----------------------------------------------------------------------------


def test_an_unexpected_error_still_ends_in_one_sentence(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug nobody foresaw: one line on stderr and exit 2, not a traceback."""

    def broken(*_args: object) -> int:
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(cli, "dispatch", broken)
    ran = run_cli(["audit", "verify"])
    assert ran.status == 2
    assert ran.err.count("\n") == 1 and "Traceback" not in ran.err
    assert cli.UNEXPECTED in ran.err and "ZeroDivisionError" in ran.err


def test_what_the_app_creates_is_the_users_alone(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """main() sets umask 077 before anything is created: new files 0600, new folders 0700."""
    seen: list[int] = []

    def creates(_args: object, db_path: Path, _started: float) -> int:
        db_path.parent.mkdir(parents=True, exist_ok=True)
        db_path.write_text("x")
        seen.extend([db_path.stat().st_mode & 0o777, db_path.parent.stat().st_mode & 0o777])
        return 0

    monkeypatch.setattr(cli, "dispatch", creates)
    ran = run_cli(["audit", "verify", "--db", str(isolated / "new" / "clinic.sqlite3")])
    assert ran.status == 0, ran
    assert seen == [0o600, 0o700]
