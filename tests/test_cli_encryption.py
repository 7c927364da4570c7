"""The commands on an encrypted clinic (issue 16, points 2 and 4): the key from this computer's
keyring with no question; without it, typed on a terminal (never echoed, never printed), and
refused in words where there is no terminal to ask on; `frontdesk restore FILE` on another
computer (an empty keyring) with the recovery key, which this computer's keyring then keeps.
The daily job opens the database with a key typed in the window, handed over its stdin."""

from __future__ import annotations

import io
import json
import os
import pty
import select
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest

from frontdesk.audit_cli import verify
from frontdesk.backup_cli import run_backup, run_restore
from frontdesk.services import encryption
from frontdesk.services.backups import BackupService
from frontdesk.services.clinic import open_clinic
from frontdesk.services.demo import fill_demo_clinic
from frontdesk.storage.clinic_keys import ClinicKey, forget_all
from tests.conftest import NOW
from tests.keyring_for_tests import fresh_keyring

PASSPHRASE = "maple lantern orbit seven"


def encrypted_clinic(path: Path, clock, key: ClinicKey | None = None) -> ClinicKey:
    """The demo's staff and patients (María García among them), in a file encrypted with a
    key kept in the keyring."""
    key = key or encryption.new_clinic_key()
    clinic = open_clinic(path, clock, new_key=key)
    try:
        fill_demo_clinic(clinic)
    finally:
        clinic.close()
    return key


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> tuple[Path, ClinicKey]:
    """Made once (the demo takes a while); each test copies it and keeps its key."""
    from frontdesk.services.clock import fixed_clock

    path = tmp_path_factory.mktemp("encrypted") / "clinic.sqlite3"
    key = ClinicKey.new()
    encrypted_clinic(path, fixed_clock(NOW), key)
    forget_all()
    return path, key


@pytest.fixture
def clinic_file(tmp_path: Path, template) -> Path:
    """An encrypted clinic whose key this computer's keyring has; none held by the process."""
    from frontdesk.storage import keyring_store

    source, key = template
    path = tmp_path / "clinic" / "clinic.sqlite3"
    path.parent.mkdir()
    path.write_bytes(source.read_bytes())
    keyring_store.keep(key)
    forget_all()
    return path


@pytest.fixture
def key(template) -> ClinicKey:
    return template[1]


def command(*args: str, stdin=subprocess.DEVNULL) -> subprocess.CompletedProcess:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run(
        [sys.executable, "-m", "frontdesk", *args],
        env=env,
        stdin=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_each_command_opens_an_encrypted_clinic_with_the_key_from_the_keyring(
    clinic_file: Path, tmp_path: Path, key: ClinicKey
) -> None:
    backup = command("backup", "--db", str(clinic_file))
    assert backup.returncode == 0, backup.stderr
    made = Path(backup.stdout.strip())
    assert encryption.is_encrypted(made) and made.read_bytes()[:16] == key.salt
    audit = command("audit", "verify", "--db", str(clinic_file))
    assert audit.returncode == 0, audit.stderr
    assert "The audit trail is intact" in audit.stdout
    pdf = tmp_path / "handout.pdf"
    args = ["--patient", "1", "--kind", "laser_care", "--out", str(pdf)]
    handout = command("handout", "--db", str(clinic_file), *args)
    assert handout.returncode == 0, handout.stderr
    assert pdf.read_bytes().startswith(b"%PDF")
    for done in (backup, audit, handout):  # no question was asked, no key was shown
        assert "Recovery key" not in done.stderr
        assert key.recovery_text() not in done.stdout + done.stderr


def test_without_the_key_and_without_a_terminal_each_command_refuses_in_words(
    clinic_file: Path, tmp_path: Path, test_keyring: Path
) -> None:
    fresh_keyring(test_keyring)  # another computer
    before = clinic_file.read_bytes()
    backup_file = tmp_path / "a-backup.sqlite3"
    backup_file.write_bytes(before)
    pdf = tmp_path / "handout.pdf"
    for args in (
        ["backup", "--db", str(clinic_file)],
        ["audit", "verify", "--db", str(clinic_file)],
        ["handout", "--db", str(clinic_file), "--patient", "1", "--kind", "laser_care",
         "--out", str(pdf)],
        ["restore", str(backup_file), "--db", str(tmp_path / "new.sqlite3"), "--yes"],
    ):  # fmt: skip
        done = command(*args)
        assert done.returncode == 1, (args, done.stderr)
        said = done.stderr
        assert said.count("\n") == 1, said
        if args[0] == "restore":  # a backup's bytes cannot be told from damage: both are said
            assert "is not a SQLite database this computer can read (damaged, or encrypted" in said
        else:  # the database: the same words from every command
            assert said.startswith(
                "frontdesk: clinic.sqlite3 is encrypted, and this computer's keyring does not"
                " have its key. Run the command once from a terminal"
            ), said
            assert "damaged" not in said  # no good backup here it could be put back from
        assert "run the command once from a terminal" in said.casefold()
        assert "open the app and type the recovery key" in said
        assert "Traceback" not in said
    assert clinic_file.read_bytes() == before
    assert not pdf.exists() and not (tmp_path / "new.sqlite3").exists()


def test_without_a_keyring_each_command_says_the_key_is_asked_each_time(
    clinic_file: Path, tmp_path: Path, no_keyring: None, capsys
) -> None:
    """Nothing can keep the key on such a computer: "run it once" would not help, and an
    unattended (scheduled) command can never open the file. In-process, to stay fast."""
    from frontdesk.handout_cli import save_handout

    backup_file = tmp_path / "usb" / "copied.sqlite3"
    backup_file.parent.mkdir()
    backup_file.write_bytes(clinic_file.read_bytes())
    refusals = []
    err = io.StringIO()
    assert run_backup(clinic_file, None, out=io.StringIO(), err=err) == 1
    refusals.append(err.getvalue())
    err = io.StringIO()
    assert verify(clinic_file, io.StringIO(), err) == 1
    refusals.append(err.getvalue())
    pdf = str(tmp_path / "h.pdf")
    assert save_handout(clinic_file, 1, "laser_care", None, pdf) == 1
    refusals.append(capsys.readouterr().err)
    words = (
        "frontdesk: clinic.sqlite3 is encrypted, and this computer has no keyring. Run it"
        " from a terminal: the passphrase or recovery key is asked each time (this computer"
        " has no keyring to keep it), so a command run unattended cannot open it."
    )
    assert refusals == [f"{words} It was not backed up.\n", f"{words}\n", f"{words}\n"]
    for said in refusals:
        assert "asked each time" in said and "unattended cannot open it" in said
        assert "keeps it in the keyring" not in said
    err = io.StringIO()
    new_db = tmp_path / "new.sqlite3"
    assert run_restore(new_db, backup_file, yes=True, out=io.StringIO(), err=err) == 1
    said = err.getvalue()
    assert "(damaged, or encrypted with a key this computer does not have)" in said
    assert "If it is encrypted, run it from a terminal" in said and "asked each time" in said


def test_a_backup_of_a_database_that_may_be_damage_also_names_the_restore(
    clinic_file: Path, tmp_path: Path, test_keyring: Path
) -> None:
    """Random bytes start like an encrypted file; a plain backup this computer can open, and
    none with the file's salt, is the sign it may be damage: then the restore is named too."""
    from frontdesk.storage.backups import backup_folder

    plain = tmp_path / "clinic" / "plain.sqlite3"
    clinic = open_clinic(plain)
    clinic.close()
    folder = backup_folder(clinic_file)
    folder.mkdir(parents=True, exist_ok=True)
    old = folder / "clinic-daily-20261120-080000.sqlite3"
    old.write_bytes(plain.read_bytes())
    fresh_keyring(test_keyring)
    err = io.StringIO()
    assert run_backup(clinic_file, None, out=io.StringIO(), err=err) == 1
    said = err.getvalue()
    assert said.startswith(
        "frontdesk: clinic.sqlite3 is encrypted, and this computer's keyring does not have its key."
    ), said
    assert (
        "If it was never encrypted, it is damaged: to put the newest good backup back:"
        f" frontdesk restore {old}" in said
    )
    assert said.count("\n") == 1
    # A backup starting with the database's own salt: encrypted for sure, not damage.
    (folder / "clinic-daily-20261125-080000.sqlite3").write_bytes(clinic_file.read_bytes())
    err = io.StringIO()
    assert run_backup(clinic_file, None, out=io.StringIO(), err=err) == 1
    assert "is encrypted, and this computer's keyring does not have its key" in err.getvalue()
    assert "damaged" not in err.getvalue() and "frontdesk restore" not in err.getvalue()


def test_restore_says_when_the_backup_was_taken_from_its_name_and_asks_to_restore_it_here(
    clinic_file: Path, tmp_path: Path, test_keyring: Path, key: ClinicKey
) -> None:
    """A copy on a USB drive has a new modification time: the date is the one in the name. A
    renamed copy says its time is the file's. With no database there yet, nothing is replaced."""
    backup, new_db = backup_taken_to_another_computer(clinic_file, tmp_path, test_keyring)
    encryption.unlock_with_recovery_key(backup, key.recovery_text())
    stamp = backup.name.removesuffix(".sqlite3").split("-manual-")[1]  # YYYYMMDD-HHMMSS
    os.utime(backup, (1_900_000_000, 1_900_000_000))  # copied much later (2030)
    asked: list[str] = []

    def answer(prompt: str) -> str:
        asked.append(prompt)
        return "no"

    out = io.StringIO()
    assert run_restore(new_db, backup, yes=False, ask=answer, out=out, err=io.StringIO()) == 1
    plan = out.getvalue()
    from frontdesk.backup_cli import describe_moment

    taken = datetime.strptime(stamp, "%Y%m%d-%H%M%S")
    assert f"(taken {describe_moment(taken)})" in plan, plan
    assert "2030" not in plan
    assert "There is no clinic database at" in plan
    assert asked == ["Type yes to restore it here: "]
    assert not new_db.exists()

    renamed = backup.with_name("copied-backup.sqlite3")
    backup.rename(renamed)
    out = io.StringIO()
    assert run_restore(new_db, renamed, yes=False, ask=answer, out=out, err=io.StringIO()) == 1
    assert "its name does not say when it was taken; the file was last written" in out.getvalue()
    assert "(taken " not in out.getvalue()

    new_db.parent.mkdir(parents=True, exist_ok=True)
    new_db.write_bytes(clinic_file.read_bytes())  # now there is one to replace
    asked.clear()
    assert (
        run_restore(new_db, renamed, yes=False, ask=answer, out=io.StringIO(), err=io.StringIO())
        == 1
    )
    assert asked == ["Type yes to replace it: "]


def test_a_key_typed_on_the_terminal_opens_it_and_a_wrong_one_is_said(
    clinic_file: Path, test_keyring: Path, key: ClinicKey
) -> None:
    """The prompt is getpass on a terminal; here the typed lines are handed in."""
    fresh_keyring(test_keyring)
    typed = iter(["KEY1-KEY2", key.recovery_text().lower().replace("-", " ")])
    asked: list[str] = []

    def ask(prompt: str) -> str:
        asked.append(prompt)
        return next(typed)

    out, err = io.StringIO(), io.StringIO()
    assert verify(clinic_file, out, err, ask_key=ask) == 0, err.getvalue()
    assert len(asked) == 2 and "Recovery key" in asked[0]
    said = err.getvalue()
    assert "does not have its key" in said
    assert "neither the recovery key nor the passphrase" in said  # the first try, in words
    assert key.recovery_text() not in said + out.getvalue()
    assert "The audit trail is intact" in out.getvalue()
    forget_all()  # the keyring now has it: the next command asks nothing
    assert run_backup(clinic_file, None, out=io.StringIO(), err=io.StringIO(), ask_key=None) == 0


def test_three_wrong_keys_change_nothing(clinic_file: Path, test_keyring: Path) -> None:
    fresh_keyring(test_keyring)
    err = io.StringIO()
    before = clinic_file.read_bytes()
    code = run_backup(clinic_file, None, err=err, ask_key=lambda _prompt: "A" * 80)
    assert code == 1
    assert err.getvalue().count("frontdesk: ") >= 4  # the question, three answers, the end
    assert "was not opened; nothing was done" in err.getvalue()
    assert clinic_file.read_bytes() == before


def backup_taken_to_another_computer(
    clinic_file: Path, tmp_path: Path, test_keyring: Path
) -> tuple[Path, Path]:
    """A backup on a USB drive, and where it is to be restored on a computer whose keyring
    has never seen the clinic's key."""
    encryption.unlock(clinic_file)
    backup = BackupService(clinic_file).back_up_to(tmp_path / "usb")
    forget_all()
    fresh_keyring(test_keyring)
    return backup, tmp_path / "other-computer" / "clinic.sqlite3"


def test_restore_on_another_computer_asks_for_the_recovery_key_and_keeps_it(
    clinic_file: Path, tmp_path: Path, test_keyring: Path, key: ClinicKey
) -> None:
    """In-process (the prompt handed in): the same path as the terminal test below."""
    backup, new_db = backup_taken_to_another_computer(clinic_file, tmp_path, test_keyring)
    out, err = io.StringIO(), io.StringIO()
    code = run_restore(
        new_db, backup, yes=True, out=out, err=err, ask_key=lambda _p: key.recovery_text()
    )
    assert code == 0, err.getvalue()
    assert f"Restored {new_db}" in out.getvalue()
    forget_all()
    encryption.unlock(new_db)  # from this computer's keyring now: no question
    clinic = open_clinic(new_db)
    try:
        assert [p.last_name for p in clinic.patients.search("García", limit=5).rows]
    finally:
        clinic.close()


def read_until(fd: int, wanted: bytes, seen: bytearray, timeout: float = 60) -> None:
    end = time.monotonic() + timeout
    while wanted not in seen:
        left = end - time.monotonic()
        assert left > 0, f"waited for {wanted!r}; saw {bytes(seen)!r}"
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the child closed the terminal
                chunk = b""
            if not chunk:
                break
            seen.extend(chunk)


def exit_status(pid: int, *, wait_seconds: float) -> int | None:
    end = time.monotonic() + wait_seconds
    while time.monotonic() < end:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        time.sleep(0.05)
    return None


@pytest.mark.timeout(180)  # two processes' starts, on a machine busy with other tests
def test_frontdesk_restore_on_a_terminal_asks_for_the_recovery_key_without_echo(
    clinic_file: Path, tmp_path: Path, test_keyring: Path, key: ClinicKey
) -> None:
    """The real command on a real terminal (a pty): getpass asks, nothing typed is echoed."""
    backup, new_db = backup_taken_to_another_computer(clinic_file, tmp_path, test_keyring)
    argv = [sys.executable, "-m", "frontdesk", "restore", str(backup), "--db", str(new_db)]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    pid, fd = pty.fork()
    if pid == 0:  # the child: the command, with the pty as its terminal
        try:
            os.execve(argv[0], argv, env)
        finally:
            os._exit(127)
    seen = bytearray()
    status = None
    try:
        read_until(fd, b"passphrase: ", seen)  # the whole prompt: getpass reads after it
        time.sleep(0.2)
        os.write(fd, key.recovery_text().encode() + b"\n")
        read_until(fd, b"Type yes", seen)
        os.write(fd, b"yes\n")
        read_until(fd, b"\x00never", seen)  # to the end (the child closes the terminal)
        status = exit_status(pid, wait_seconds=30)
    finally:
        if status is None:  # waiting for an answer the test never gave: not left behind
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        os.close(fd)
    assert status is not None
    text = seen.decode("utf-8", "replace")
    assert os.waitstatus_to_exitcode(status) == 0, text
    assert f"Restored {new_db}" in text
    assert key.recovery_text() not in text  # not echoed, not printed
    assert key.recovery_text()[:11] not in text
    forget_all()
    encryption.unlock(new_db)  # kept in this computer's keyring


def test_the_daily_job_takes_a_typed_key_over_its_stdin(tmp_path: Path, clock) -> None:
    """A clinic with a passphrase (no keyring has its key): the window hands the key over the
    child's stdin, never its command line; without it, the job says the key is missing."""
    path = tmp_path / "clinic.sqlite3"
    key = encryption.passphrase_key(PASSPHRASE)
    clinic = open_clinic(path, clock, new_key=key)
    clinic.close()
    from frontdesk.services.typed_key import key_as_hex

    hexed = key_as_hex(path)
    assert hexed is not None and len(hexed) == 96
    forget_all()
    job = [sys.executable, "-m", "frontdesk.daily_job", str(path), NOW.isoformat()]
    without = subprocess.run(job, capture_output=True, text=True, timeout=120)
    assert json.loads(without.stdout.splitlines()[-1])["failed"].startswith(
        "clinic.sqlite3 is encrypted, and this computer does not have its key"
    )
    given = subprocess.run(
        [*job, "--key-on-stdin"], input=hexed + "\n", capture_output=True, text=True, timeout=120
    )
    said = json.loads(given.stdout.splitlines()[-1])
    assert said["failed"] is None, said
    made = Path(said["backup"])
    assert made.read_bytes()[:16] == key.salt  # encrypted with the same key
    assert hexed not in given.stdout + given.stderr


def test_a_key_kept_in_the_keyring_is_not_handed_to_the_daily_job(clinic_file: Path) -> None:
    from frontdesk.services.typed_key import key_as_hex

    encryption.unlock(clinic_file)
    assert key_as_hex(clinic_file) is None  # the job finds it in the keyring itself


def test_a_check_run_without_the_key_says_so_and_opens_nothing(
    clinic_file: Path, test_keyring: Path
) -> None:
    """`--smoke` cannot ask (no one is there): exit 2 and the reason, the file untouched."""
    fresh_keyring(test_keyring)
    before = clinic_file.read_bytes()
    done = command("--db", str(clinic_file), "--smoke")
    assert done.returncode == 2
    assert "is encrypted, and this computer does not have its key" in done.stderr
    assert "Traceback" not in done.stderr and "first paint" not in done.stdout
    assert clinic_file.read_bytes() == before


def test_a_check_run_with_the_key_in_the_keyring_paints(clinic_file: Path) -> None:
    done = command("--db", str(clinic_file), "--smoke")
    assert done.returncode == 0, done.stderr
    assert "first paint" in done.stdout


def test_the_early_check_starts_only_once_the_key_is_held(
    clinic_file: Path, test_keyring: Path, key: ClinicKey
) -> None:
    """Begun before Qt loads, it would read the file without its key: it waits for the key
    from the keyring, and without one the window asks first and the opening checks."""
    from frontdesk.early_check import start_early_check

    check = start_early_check(clinic_file)
    assert check is not None and check.result() is None  # healthy, read with the key
    forget_all()
    fresh_keyring(test_keyring)
    assert start_early_check(clinic_file) is None
    assert encryption.held_key(clinic_file) is None
