"""Backups of an encrypted clinic (issue 16, point 3): every kind is encrypted with the clinic's
key and checked after writing, page checksums included; a restore works where the key is held,
and on another computer once the recovery key is typed; a plain clinic's backups stay plain."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from frontdesk.domain.staff import Role
from frontdesk.services import encryption
from frontdesk.services.backups import BackupKeyMissing, BackupService
from frontdesk.services.clinic import Clinic, open_clinic
from frontdesk.services.clock import fixed_clock
from frontdesk.services.errors import ServiceError
from frontdesk.services.signed_in import SignedIn
from frontdesk.storage import keyring_store
from frontdesk.storage.backups import (
    BEFORE_MIGRATION,
    BEFORE_RESTORE,
    DAILY,
    MANUAL,
    check,
    in_use,
    list_backups,
    restore,
    stage_copy,
)
from frontdesk.storage.clinic_keys import SQLITE_HEADER, ClinicKey, forget_all, hold, salt_of
from frontdesk.storage.db import connect
from frontdesk.storage.engine import connect_file, sqlite3
from frontdesk.storage.migrations import migrate
from tests.conftest import ADMIN_PASSWORD as PASSWORD
from tests.conftest import NOW, draft, member_with_role, signed_in
from tests.faults.test_failed_migration import real_steps_plus
from tests.keyring_for_tests import fresh_keyring
from tests.whole_database import whole_database

# Found nowhere in the files of an encrypted clinic, everywhere in a plain one's.
NAME = "Quillonette"
NOTE = "HIV+ on PrEP, kept private zq7"
LATER = NOW + timedelta(days=1)


def traces(path: Path) -> list[str]:
    """Which of the unique name and note the file's bytes show (UTF-8 or UTF-16)."""
    data = path.read_bytes()
    return [
        text
        for text in (NAME, NOTE)
        if any(text.encode(codec) in data for codec in ("utf-8", "utf-16-le", "utf-16-be"))
    ]


def rows_of(path: Path) -> list[str]:
    conn = connect_file(path)
    try:
        return whole_database(conn)
    finally:
        conn.close()


def with_patient(path: Path, key: ClinicKey | None) -> Clinic:
    clinic = open_clinic(path, fixed_clock(NOW), new_key=key)
    desk = member_with_role(clinic, Role.FRONT_DESK)
    clinic.patients.register(desk, draft(first_name=NAME, notes=NOTE))
    return clinic


def admin_of(clinic: Clinic) -> SignedIn:
    return signed_in(clinic, clinic.staff.create_first_admin("Office admin", "office", PASSWORD))


@pytest.fixture
def key() -> ClinicKey:
    return ClinicKey.new()


@pytest.fixture
def encrypted(tmp_path: Path, key: ClinicKey) -> Iterator[Clinic]:
    """An encrypted clinic with one patient whose name and note appear nowhere else."""
    clinic = with_patient(tmp_path / "clinic.sqlite3", key)
    yield clinic
    clinic.close()


def assert_encrypted_with(path: Path, key: ClinicKey) -> None:
    assert path.read_bytes()[:16] == key.salt  # the file names its key
    assert traces(path) == []
    assert check(path, full=True) is None  # page checksums and integrity_check
    assert NAME in "".join(rows_of(path))  # and it opens with the key


def test_every_kind_of_backup_of_an_encrypted_clinic_is_encrypted_with_its_key(
    encrypted: Clinic, key: ClinicKey
) -> None:
    assert encrypted.backups.daily_if_due() is not None  # the first of the day
    manual = encrypted.backups.back_up_now(admin_of(encrypted))
    db = connect(encrypted.path)
    try:  # a new version's schema step
        assert migrate(db, encrypted.path, NOW, steps=real_steps_plus(("noop", noop))) is not None
    finally:
        db.close()
    encrypted.close()
    BackupService(encrypted.path, fixed_clock(LATER)).restore(manual)
    folder = encrypted.backups.folder()
    made = {backup.reason: backup.path for backup in list_backups(folder, "clinic")}
    assert set(made) == {MANUAL, DAILY, BEFORE_MIGRATION, BEFORE_RESTORE}
    for path in made.values():
        assert_encrypted_with(path, key)
    assert traces(encrypted.path) == []


def noop(_db: object) -> None:
    pass


def test_a_backup_of_a_plain_clinic_stays_plain(tmp_path: Path) -> None:
    clinic = with_patient(tmp_path / "clinic.sqlite3", None)
    try:
        made = clinic.backups.back_up_now(admin_of(clinic))
    finally:
        clinic.close()
    assert made.read_bytes()[:16] == SQLITE_HEADER and salt_of(made) is None
    assert traces(made) == [NAME, NOTE]
    assert check(made, full=True) is None


def free_pages_integrity_check_never_reads(path: Path) -> list[int]:
    """Pages of the file (4096 bytes each) where a changed byte leaves integrity_check 'ok':
    pages on the free list, which no table uses."""
    healthy = path.read_bytes()
    found = []
    try:
        for page in range(1, len(healthy) // 4096):
            damaged = bytearray(healthy)
            damaged[page * 4096 + 1000] ^= 0x01
            path.write_bytes(damaged)
            conn = connect_file(path)
            try:
                if conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]:
                    found.append(page + 1)
            except (sqlite3.Error, MemoryError):  # a page it reads: it fails its checksum
                pass
            finally:
                conn.close()
    finally:
        path.write_bytes(healthy)
    return found


def test_the_full_check_of_an_encrypted_file_checks_every_pages_checksum(
    encrypted: Clinic, tmp_path: Path
) -> None:
    """integrity_check reads only the pages in use; cipher_integrity_check reads them all, so
    a byte changed on a free page is damage too, said in words with the page."""
    db = encrypted._db
    db.execute("CREATE TABLE scratch (x TEXT)")
    db.execute(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40)"
        " INSERT INTO scratch SELECT printf('%.2000c', 'x') FROM n"
    )
    db.execute("DROP TABLE scratch")  # its pages go on the free list
    made = encrypted.backups.back_up_now(admin_of(encrypted))
    copy = tmp_path / "copy.sqlite3"
    copy.write_bytes(made.read_bytes())
    pages = free_pages_integrity_check_never_reads(copy)
    assert pages, "the free list holds pages integrity_check does not read"
    damaged = bytearray(copy.read_bytes())
    damaged[(pages[0] - 1) * 4096 + 1000] ^= 0x01
    copy.write_bytes(damaged)
    assert check(copy, full=True) == (
        f"damaged: page {pages[0]} was changed after it was written (it fails its checksum)"
    )
    assert check(copy) is not None  # quick_check's whole-file run as well


def test_a_restore_of_an_encrypted_backup_where_the_key_is_held(
    encrypted: Clinic, key: ClinicKey
) -> None:
    made = encrypted.backups.back_up_now(admin_of(encrypted))
    encrypted.patients.register(
        member_with_role(encrypted, Role.FRONT_DESK), draft(first_name="Added", last_name="Later")
    )
    encrypted.close()
    before = rows_of(made)

    staged = stage_copy(made, encrypted.path)  # the app's own restore path, step by step
    assert staged.read_bytes()[:16] == key.salt and rows_of(staged) == before
    staged.unlink()
    saved = restore(made, encrypted.path, LATER)

    assert saved is not None and saved.name.startswith("clinic-before-restore-")
    assert_encrypted_with(saved, key)
    assert_encrypted_with(encrypted.path, key)
    assert rows_of(encrypted.path) == before
    reopened = open_clinic(encrypted.path, fixed_clock(LATER))
    try:
        assert [p.first_name for p in reopened.patients.search(NAME).rows] == [NAME]
        assert not reopened.patients.search("Added").rows
    finally:
        reopened.close()


SCHEMA = "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL"


def app_rows(path: Path) -> dict[str, list[str]]:
    """The schema and every table's rows but the audit trail's (a restore writes one line to
    it, saying so)."""
    conn = connect_file(path)
    try:
        found = {"schema": sorted(sql for (sql,) in conn.execute(SCHEMA))}
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'audit%'"
        ).fetchall():
            found[name] = sorted(repr(row) for row in conn.execute(f'SELECT * FROM "{name}"'))
        return found
    finally:
        conn.close()


def audit_lines(path: Path) -> list[tuple]:
    conn = connect_file(path)
    try:
        return conn.execute("SELECT * FROM audit ORDER BY id").fetchall()
    finally:
        conn.close()


def test_on_another_computer_a_backup_opens_with_the_recovery_key_and_is_restored(
    encrypted: Clinic, key: ClinicKey, tmp_path: Path, test_keyring: Path
) -> None:
    made = encrypted.backups.back_up_now(admin_of(encrypted))
    encrypted.close()
    original, original_audit = app_rows(encrypted.path), audit_lines(made)
    assert audit_lines(encrypted.path)[:-1] == original_audit  # and the backup's own line
    carried = tmp_path / "usb drive" / made.name  # the backup, copied to another computer
    carried.parent.mkdir()
    carried.write_bytes(made.read_bytes())
    new_home = tmp_path / "new computer" / "clinic.sqlite3"

    forget_all()
    fresh_keyring(test_keyring)  # another computer: no key held, none in its keyring
    with pytest.raises(BackupKeyMissing, match="encrypted with a key this computer does not") as no:
        BackupService(new_home, fixed_clock(LATER)).restore(carried)
    assert no.value.path == carried  # the file whose recovery key the command line asks for
    assert not new_home.parent.exists()  # nothing was made
    with pytest.raises(ServiceError, match="typing mistake"):
        typed = key.recovery_text()
        encryption.unlock_with_recovery_key(
            carried, typed[:-1] + ("B" if typed[-1] == "A" else "A")
        )

    encryption.unlock_with_recovery_key(carried, key.recovery_text())
    assert BackupService(new_home, fixed_clock(LATER)).restore(carried) is None

    assert new_home.read_bytes()[:16] == key.salt and traces(new_home) == []
    assert app_rows(new_home) == original
    restored_audit = audit_lines(new_home)
    assert restored_audit[: len(original_audit)] == original_audit
    assert [line[3] for line in restored_audit[len(original_audit) :]] == ["restore"]  # action
    assert keyring_store.find(key.salt) == key  # the next start here finds the key itself
    forget_all()
    encryption.unlock(new_home)
    reopened = open_clinic(new_home, fixed_clock(LATER))
    try:
        assert [p.notes for p in reopened.patients.search(NAME).rows] == [NOTE]
    finally:
        reopened.close()


def test_a_backup_encrypted_with_another_clinics_key_is_refused_in_words(
    encrypted: Clinic, key: ClinicKey, tmp_path: Path
) -> None:
    other_key = ClinicKey.new()
    other = with_patient(tmp_path / "other" / "clinic.sqlite3", other_key)
    foreign = other.backups.back_up_now(admin_of(other))
    other.close()
    encrypted.close()
    forget_all()
    hold(key)  # this clinic's key only
    before = encrypted.path.read_bytes()

    with pytest.raises(BackupKeyMissing) as refused:
        BackupService(encrypted.path, fixed_clock(LATER)).restore(foreign)

    said = str(refused.value)
    assert said.startswith(f"The backup {foreign} is encrypted with a key this computer does")
    assert "recovery key" in said and said.endswith("Nothing was changed.")
    assert encrypted.path.read_bytes() == before
    assert not [p for p in encrypted.path.parent.iterdir() if p.name.startswith(".")]
    with pytest.raises(ServiceError, match="belongs to another clinic database"):
        encryption.unlock_with_recovery_key(foreign, key.recovery_text())


def test_a_latest_good_backup_is_one_this_computer_can_open(
    encrypted: Clinic, key: ClinicKey, tmp_path: Path
) -> None:
    """A backup of another clinic dropped in the folder is not offered (it cannot be read)."""
    own = encrypted.backups.back_up_now(admin_of(encrypted))
    other = with_patient(tmp_path / "other" / "clinic.sqlite3", ClinicKey.new())
    other.close()
    forget_all()
    hold(key)
    dropped = own.with_name(own.name.replace(f"{NOW:%H%M%S}", f"{NOW:%H%M}59"))  # newer
    dropped.write_bytes((tmp_path / "other" / "clinic.sqlite3").read_bytes())
    latest = encrypted.backups.latest_good()
    assert latest is not None and latest.path == own


@pytest.mark.parametrize("offset", [0, 7, 15])
def test_a_plain_file_with_a_changed_first_byte_is_still_not_a_database(
    tmp_path: Path, offset: int
) -> None:
    """Its first 16 bytes no longer read 'SQLite format 3': not taken for an encrypted file
    whose key is missing (as a random salt would be), but damage, as before encryption."""
    clinic = with_patient(tmp_path / "clinic.sqlite3", None)
    clinic.close()
    data = bytearray(clinic.path.read_bytes())
    data[offset] ^= 0x20
    clinic.path.write_bytes(bytes(data))
    assert check(clinic.path) == "not a SQLite database"
    clinic.path.write_bytes(bytes(16) + bytes(data[16:]))  # zeroed
    assert check(clinic.path, full=True) == "not a SQLite database"


def test_a_database_this_computer_cannot_read_is_kept_whole_when_a_backup_replaces_it(
    encrypted: Clinic, key: ClinicKey, tmp_path: Path
) -> None:
    """Over a file encrypted with a key not held here (or random bytes: they look alike), the
    restore moves it aside unchanged rather than refusing or losing it."""
    made = encrypted.backups.back_up_now(admin_of(encrypted))
    encrypted.close()
    other = with_patient(tmp_path / "other" / "clinic.sqlite3", ClinicKey.new())
    other.close()
    unreadable = other.path.read_bytes()
    encrypted.path.write_bytes(unreadable)
    forget_all()
    hold(key)

    kept = BackupService(encrypted.path, fixed_clock(LATER)).restore(made)

    assert kept is not None and kept.name.startswith("clinic.sqlite3.damaged-")
    assert kept.read_bytes() == unreadable
    assert app_rows(encrypted.path) == app_rows(made)


HOLDER = """
import sys
from sqlcipher3 import dbapi2
conn = dbapi2.connect(sys.argv[1])
conn.execute("PRAGMA key = " + sys.argv[2])
conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
print("open", flush=True)
sys.stdin.read()
"""


def test_a_database_open_elsewhere_is_in_use_though_its_key_is_not_held_here(
    encrypted: Clinic, key: ClinicKey
) -> None:
    """Another program (the app) has the file open with its key; this one (the command line,
    before its recovery key is typed) holds none: the lock alone says the file is in use."""
    encrypted.close()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(encrypted.path), key.pragma()],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        forget_all()
        assert in_use(encrypted.path)
    finally:
        holder.communicate("", timeout=10)
    assert not in_use(encrypted.path)
