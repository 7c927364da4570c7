"""Moving a plain clinic database to an encrypted one (issue 16, point 4), on real files: the
copy is checked row by row before it takes the database's place, and the plain backups go
only after that."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
from datetime import datetime
from pathlib import Path

import pytest

from frontdesk.audit_cli import verify
from frontdesk.domain.staff import Role
from frontdesk.services import encryption
from frontdesk.services.clinic import open_clinic
from frontdesk.services.clock import fixed_clock
from frontdesk.services.encrypt_existing import (
    EncryptionRefused,
    encrypt_existing,
    plaintext_leftovers,
    remove_plaintext_leftovers,
)
from frontdesk.storage import backups, encrypt_copy
from frontdesk.storage.clinic_keys import ClinicKey, KeyNeeded, forget_all, salt_of
from frontdesk.storage.engine import connect_file, sqlite3
from tests.conftest import NOW, draft, member_with_role
from tests.faults.test_file_size_limit import in_child_with_file_size_limit
from tests.keyring_for_tests import fresh_keyring
from tests.whole_database import whole_database

CANARY = "Quillonwick"  # a name no demo patient has: no trace of it may stay in plain text


@pytest.fixture
def plain_clinic(tmp_path: Path, demo_template: Path) -> Path:
    """A plain clinic with the demo's patients, two plain backups, a plain copy a killed
    backup left half-made, and a last patient whose rows are still only in the -wal."""
    path = tmp_path / "clinic" / "clinic.sqlite3"
    path.parent.mkdir(mode=0o700)
    shutil.copyfile(demo_template, path)  # closed: its -wal was copied into it
    shutil.copyfile(demo_template.with_suffix(".audit-anchor"), path.with_suffix(".audit-anchor"))
    path.chmod(0o600)
    folder = backups.default_backup_folder(path)
    backups.backup_database(path, folder, backups.DAILY, datetime(2026, 11, 25, 9, 0))
    backups.backup_database(path, folder, backups.MANUAL, datetime(2026, 11, 26, 9, 0))
    _register_and_die(path)
    shutil.copyfile(path, folder / ".clinic-daily-999999-x1y2.partial")  # pid 999999: gone
    wal = backups.side_file(path, "-wal")
    assert wal.stat().st_size > 0 and CANARY.encode() in wal.read_bytes()
    return path


def _register_and_die(path: Path) -> None:
    """A window that saved a patient and was killed: its frames stay in the -wal, never
    copied into the database file."""
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            clinic = open_clinic(path, fixed_clock(NOW))
            clinic._db.conn.execute("PRAGMA wal_autocheckpoint=0")
            desk = member_with_role(clinic, Role.FRONT_DESK)
            clinic.patients.register(desk, draft(last_name=CANARY, notes=f"{CANARY} note"))
            code = 0
        finally:
            os._exit(code)  # no close: no checkpoint
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0


def _contents(path: Path) -> list[str]:
    """Everything in the database, read without checkpointing its -wal (read-only)."""
    conn = backups.open_read_only(path)
    try:
        return whole_database(conn)
    finally:
        conn.close()


def _digests(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
        if p.is_file()
    }


def _all_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def test_a_plain_clinic_is_encrypted_checked_and_its_plain_copies_removed(
    plain_clinic: Path, clock
) -> None:
    path = plain_clinic
    folder = backups.default_backup_folder(path)
    before = _contents(path)
    plain_backups = [b.path for b in backups.list_backups(folder, path.stem)]
    assert len(plain_backups) == 2
    key = encryption.new_clinic_key()  # kept in the tests' keyring

    report = encrypt_existing(path, key, clock)

    assert salt_of(path) == key.salt
    assert report.tables >= 20 and report.rows_checked > 1000
    assert set(plain_backups) <= set(report.removed)
    assert folder / ".clinic-daily-999999-x1y2.partial" in report.removed
    assert not any(p.exists() for p in report.removed)
    assert not list(path.parent.glob(f".{path.name}.encrypting-*"))  # no copy left
    assert os.stat(path).st_mode & 0o777 == 0o600
    # Every row as it was; the trail gained one line, saying what was done.
    after = _contents(path)
    gained = [line for line in after if line not in before]
    lost = [line for line in before if line not in after]
    assert len(gained) == 2 and "'encrypt'" in gained[0] and "'database'" in gained[0], gained
    assert len(lost) == 1 and lost[0].startswith("(1,"), lost  # the trail's head moved on
    for name in (p.name for p in plain_backups):
        assert name in gained[0]
    # The trail's chain and its anchor beside the database still hold.
    out, err = io.StringIO(), io.StringIO()
    assert verify(path, out, err) == 0, err.getvalue()
    assert "intact" in out.getvalue()
    # Nothing on the disk shows the patient any more, not even the last one in the -wal.
    for file in _all_files(path.parent):
        data = file.read_bytes()
        assert CANARY.encode() not in data, file
        assert not data.startswith(b"SQLite format 3"), file
    # It opens with the key held; after that, only through the keyring or the recovery key.
    opened = open_clinic(path, clock)
    assert opened.patients.search(CANARY).rows[0].last_name == CANARY
    opened.close()
    forget_all()
    with pytest.raises(KeyNeeded):
        open_clinic(path, clock)
    encryption.unlock(path)  # this computer's keyring
    open_clinic(path, clock).close()
    forget_all()
    fresh_keyring(Path(os.environ["FRONTDESK_TEST_KEYRING"]))  # another computer
    with pytest.raises(encryption.ClinicKeyMissing):
        encryption.unlock(path)
    encryption.unlock_with_recovery_key(path, key.recovery_text(), keep=False)
    reopened = open_clinic(path, clock)
    assert reopened.patients.search(CANARY).rows
    reopened.close()


def test_a_difference_found_by_the_check_changes_nothing(
    plain_clinic: Path, clock, monkeypatch
) -> None:
    path = plain_clinic
    folder = backups.default_backup_folder(path)
    before, kept = _contents(path), _digests(folder)

    def differs(source, copy):
        return encrypt_copy.Compared(3, 42, "a row of table patients differs")

    monkeypatch.setattr(encrypt_copy, "compare", differs)
    with pytest.raises(EncryptionRefused, match=r"not the same.*Nothing was changed"):
        encrypt_existing(path, ClinicKey.new(), clock)
    assert salt_of(path) is None and _contents(path) == before
    assert _digests(folder) == kept  # every plain backup, the half-made copy too
    assert not list(path.parent.glob(f".{path.name}.encrypting-*"))


def test_the_comparison_sees_a_changed_row_and_a_missing_one(plain_clinic: Path) -> None:
    """The real comparison, on a real copy changed behind its back."""
    copy = plain_clinic.with_name("copy.sqlite3")
    source = backups.open_read_only(plain_clinic)
    try:
        backups.copy_database(source, copy)
        other = sqlite3.connect(copy, isolation_level=None)
        try:
            assert encrypt_copy.compare(source, other).difference is None
            other.execute("UPDATE patients SET notes = notes || '.' WHERE id = 7")
            assert encrypt_copy.compare(source, other).difference == (
                "a row of table patients differs"
            )
            other.execute(
                "UPDATE patients SET notes = substr(notes, 1, length(notes) - 1) WHERE id = 7"
            )
            words = other.execute("SELECT word, patient_id FROM patient_name_words").fetchone()
            other.execute("DELETE FROM patient_name_words WHERE word = ? AND patient_id = ?", words)
            found = encrypt_copy.compare(source, other).difference
            assert found in (
                "table patient_name_words has another number of rows",
                "a row of table patient_name_words differs",
            )
            other.execute("PRAGMA user_version = 9")
            other.execute("INSERT INTO patient_name_words VALUES (?, ?)", words)
            assert encrypt_copy.compare(source, other).difference == "its user_version differs"
        finally:
            other.close()
    finally:
        source.close()


def test_a_database_open_in_a_window_is_refused(plain_clinic: Path, clock) -> None:
    opened = open_clinic(plain_clinic, clock)
    try:
        with pytest.raises(EncryptionRefused, match="is open in Frontdesk"):
            encrypt_existing(plain_clinic, ClinicKey.new(), clock)
    finally:
        opened.close()
    assert salt_of(plain_clinic) is None
    assert len(backups.list_backups(backups.default_backup_folder(plain_clinic), "clinic")) == 2


def test_an_encrypted_database_is_not_encrypted_again(plain_clinic: Path, clock) -> None:
    key = ClinicKey.new()
    encrypt_existing(plain_clinic, key, clock)
    with pytest.raises(EncryptionRefused, match="already encrypted"):
        encrypt_existing(plain_clinic, ClinicKey.new(), clock)
    assert salt_of(plain_clinic) == key.salt


@pytest.mark.timeout(60)
def test_a_full_disk_stops_it_with_nothing_changed(plain_clinic: Path, clock) -> None:
    path = plain_clinic
    # The -wal's frames are copied into the database first: then the limit is just over
    # the database's size, and the encrypted copy (a little larger) cannot fit under it.
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    before = _contents(path)
    limit = path.stat().st_size + 4096

    def encrypt() -> dict:
        try:
            encrypt_existing(path, ClinicKey.new(), clock)
        except EncryptionRefused as exc:
            return {"said": str(exc)}
        return {"said": None}

    answer = in_child_with_file_size_limit(limit, encrypt)
    assert "crash" not in answer, answer
    said = answer["said"]
    assert said is not None and said.startswith("The clinic database clinic.sqlite3 could not")
    assert "largest size this computer allows" in said and "Nothing was changed" in said
    assert salt_of(path) is None and _contents(path) == before
    assert not list(path.parent.glob(f".{path.name}.encrypting-*"))
    assert len(backups.list_backups(backups.default_backup_folder(path), "clinic")) == 2


def test_a_crash_between_the_switch_and_the_removal_is_finished_at_the_next_start(
    plain_clinic: Path,
) -> None:
    path = plain_clinic
    folder = backups.default_backup_folder(path)
    assert plaintext_leftovers(path) == []  # a plain database's backups are its backups
    key = ClinicKey.new()
    from frontdesk.storage.clinic_keys import hold

    hold(key)
    encrypt_copy.encrypt_file(path, key)  # switched; then the power went
    left = plaintext_leftovers(path)
    assert len(left) == 3 and all(p.parent == folder for p in left)
    assert left[0].name.endswith(".partial")
    # The next start's backup (encrypted) clears the half-made copy itself.
    backups.backup_database(path, folder, backups.MANUAL, datetime(2026, 11, 27, 9, 0))
    assert plaintext_leftovers(path) == left[1:]  # an encrypted backup is no leftover
    assert remove_plaintext_leftovers(path) == left[1:]
    assert plaintext_leftovers(path) == []
    assert [salt_of(b.path) for b in backups.list_backups(folder, "clinic")] == [key.salt]


def test_plain_backups_of_a_damaged_encrypted_database_are_kept(plain_clinic: Path) -> None:
    path = plain_clinic
    key = ClinicKey.new()
    from frontdesk.storage.clinic_keys import hold

    hold(key)
    encrypt_copy.encrypt_file(path, key)
    data = bytearray(path.read_bytes())
    data[5 * 4096 + 100] ^= 0x01  # one bit in a page of the middle: its HMAC fails
    path.write_bytes(bytes(data))
    with pytest.raises(EncryptionRefused, match="plain backups were kept"):
        remove_plaintext_leftovers(path)
    assert len(plaintext_leftovers(path)) == 3


def test_the_chosen_backup_folder_is_cleared_too(plain_clinic: Path, tmp_path: Path, clock):
    chosen = backups.set_backup_folder(plain_clinic, tmp_path / "usb-drive")
    made = backups.backup_database(plain_clinic, chosen, backups.DAILY, datetime(2026, 11, 26))
    report = encrypt_existing(plain_clinic, ClinicKey.new(), clock)
    assert made in report.removed and not made.exists()


def test_a_clinic_from_before_the_trail_still_moves(tmp_path: Path, clock) -> None:
    """A file without the audit tables (and a table without a rowid alias) moves as well."""
    path = tmp_path / "old.sqlite3"
    conn = connect_file(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE notes (a, b)")
    conn.execute("CREATE TABLE pairs (x TEXT, y INTEGER, PRIMARY KEY (y, x)) WITHOUT ROWID")
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO notes VALUES (?, ?)", [(i, f"n{i}") for i in range(2000)])
    conn.execute("DELETE FROM notes WHERE a % 7 = 0")  # rowids with gaps
    conn.executemany("INSERT INTO pairs VALUES (?, ?)", [(f"x{i}", -i) for i in range(300)])
    conn.execute("COMMIT")
    conn.execute("PRAGMA user_version = 5")
    conn.close()
    before = _contents(path)
    report = encrypt_existing(path, ClinicKey.new(), clock)
    assert (report.tables, report.rows_checked) == (2, 2000 - 286 + 300)
    assert _contents(path) == before
    reread = connect_file(path)
    assert reread.execute("PRAGMA user_version").fetchone()[0] == 5
    assert reread.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    reread.close()


def test_a_damaged_database_is_not_encrypted(plain_clinic: Path, clock) -> None:
    """Damage the start's quick look does not reach (an index of the registry): found by the
    full check first, and the file, its -wal and its backups are left for the restore."""
    path = plain_clinic
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'patients_by_name'")
    page = root.fetchone()[0]
    size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    with path.open("r+b") as file:
        file.seek((page - 1) * size + 8)  # past the page's header: its cell pointers
        file.write(b"\xff" * 64)
    assert backups.check_opening(path) is None and backups.check(path, full=True) is not None
    folder = backups.default_backup_folder(path)
    kept = _digests(folder)
    with pytest.raises(EncryptionRefused, match=r"so it was not encrypted.*Nothing was changed"):
        encrypt_existing(path, ClinicKey.new(), clock)
    assert salt_of(path) is None and _digests(folder) == kept
    assert not list(path.parent.glob(f".{path.name}.encrypting-*"))
