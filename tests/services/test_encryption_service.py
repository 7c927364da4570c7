"""Finding the key that opens the clinic's database: this computer's keyring, the recovery key
from the sheet, or a passphrase where there is no keyring. Every refusal is in words, and a
wrong key is never held."""

from __future__ import annotations

from pathlib import Path

import pytest

from frontdesk.services import encryption
from frontdesk.services.clinic import open_clinic
from frontdesk.services.encryption import ClinicKeyMissing, NoKeyring
from frontdesk.services.errors import ServiceError
from frontdesk.storage import clinic_keys, keyring_store
from frontdesk.storage.clinic_keys import ClinicKey, KeyNeeded
from frontdesk.storage.engine import connect_file
from tests.keyring_for_tests import fresh_keyring
from tests.small_database import small_database

PASSPHRASE = "lantern orchard seventeen quietly"


def _file(path: Path, key: ClinicKey | None) -> Path:
    """A small database file, encrypted with `key` (plain without one)."""
    if key is not None:
        clinic_keys.hold(key)
    return small_database(path, key, "Ximena Quistgaard")


def _another_computer(folder: Path) -> None:
    clinic_keys.forget_all()
    fresh_keyring(folder)


@pytest.fixture
def key() -> ClinicKey:
    return ClinicKey.new()


@pytest.fixture
def encrypted(tmp_path: Path, key: ClinicKey) -> Path:
    path = _file(tmp_path / "clinic.sqlite3", key)
    clinic_keys.forget_all()
    return path


def _opens(path: Path) -> bool:
    conn = connect_file(path)
    try:
        return conn.execute("SELECT x FROM t").fetchone() == ("Ximena Quistgaard",)
    finally:
        conn.close()


# -- unlock: from this computer's keyring ------------------------------------------------------
def test_a_plain_file_needs_nothing(tmp_path: Path) -> None:
    path = _file(tmp_path / "plain.sqlite3", None)
    encryption.unlock(path)
    encryption.unlock(tmp_path / "not there yet.sqlite3")
    assert not encryption.is_encrypted(path)
    assert encryption.held_key(path) is None
    assert encryption.recovery_text_for(path) is None
    assert _opens(path)


def test_the_keyring_key_is_held(encrypted: Path, key: ClinicKey) -> None:
    keyring_store.keep(key)
    with pytest.raises(KeyNeeded):
        connect_file(encrypted)
    encryption.unlock(encrypted)
    assert encryption.is_encrypted(encrypted)
    assert encryption.held_key(encrypted) == key
    assert encryption.recovery_text_for(encrypted) == key.recovery_text()
    assert _opens(encrypted)
    encryption.unlock(encrypted)  # held already: nothing asked again


def test_a_key_not_in_the_keyring_is_asked_for_in_words(encrypted: Path) -> None:
    with pytest.raises(ClinicKeyMissing) as missing:
        encryption.unlock(encrypted)
    said = str(missing.value)
    assert said.startswith("clinic.sqlite3 is encrypted, and this computer does not have its key")
    assert "recovery key" in said and "recovery sheet" in said
    assert missing.value.no_keyring is None
    assert isinstance(missing.value, ServiceError)
    assert encryption.held_key(encrypted) is None


def test_without_a_keyring_it_says_so_too(encrypted: Path, no_keyring: None) -> None:
    with pytest.raises(ClinicKeyMissing, match="has no keyring") as missing:
        encryption.unlock(encrypted)
    assert missing.value.no_keyring == encryption.keyring_problem()


# -- the recovery key --------------------------------------------------------------------------
def test_the_recovery_key_opens_it_and_the_keyring_keeps_it(
    encrypted: Path, key: ClinicKey, test_keyring: Path
) -> None:
    _another_computer(test_keyring)
    typed = key.recovery_text().lower().replace("-", " ")
    assert encryption.unlock_with_recovery_key(encrypted, typed) == key
    assert encryption.held_key(encrypted) == key
    assert _opens(encrypted)
    assert keyring_store.find(key.salt) == key
    clinic_keys.forget_all()  # the next start on this computer
    encryption.unlock(encrypted)
    assert _opens(encrypted)


def test_without_keep_the_keyring_is_left_alone(encrypted: Path, key: ClinicKey) -> None:
    encryption.unlock_with_recovery_key(encrypted, key.recovery_text(), keep=False)
    assert encryption.held_key(encrypted) == key
    assert keyring_store.find(key.salt) is None


def test_without_a_keyring_the_recovery_key_still_opens_it(
    encrypted: Path, key: ClinicKey, no_keyring: None
) -> None:
    assert encryption.unlock_with_recovery_key(encrypted, key.recovery_text()) == key
    assert _opens(encrypted)


def test_another_clinics_recovery_key_is_refused(encrypted: Path, tmp_path: Path) -> None:
    other = ClinicKey.new()
    _file(tmp_path / "other.sqlite3", other)
    clinic_keys.forget_all()
    with pytest.raises(ServiceError, match="belongs to another clinic database, not clinic"):
        encryption.unlock_with_recovery_key(encrypted, other.recovery_text())
    assert encryption.held_key(encrypted) is None
    assert keyring_store.find(other.salt) is None


def test_the_right_salt_with_a_wrong_secret_is_refused(encrypted: Path, key: ClinicKey) -> None:
    forged = ClinicKey(bytes(32), key.salt)  # a recovery key whose check is right for it
    with pytest.raises(ServiceError, match=r"does not open clinic\.sqlite3"):
        encryption.unlock_with_recovery_key(encrypted, forged.recovery_text())
    assert encryption.held_key(encrypted) is None
    assert keyring_store.find(key.salt) is None


@pytest.mark.parametrize(
    ("mistake", "said"),
    [
        (lambda t: t[:-1], "has 80 letters and digits; 79 were typed"),
        (lambda t: t[:7] + ("A" if t[7] != "A" else "C") + t[8:], "typing mistake"),
        (lambda t: "", "80 letters and digits; 0 were typed"),
    ],
    ids=["a letter left out", "a letter changed", "nothing"],
)
def test_a_mistyped_recovery_key_is_said(encrypted: Path, key: ClinicKey, mistake, said) -> None:
    with pytest.raises(ServiceError, match=said):
        encryption.unlock_with_recovery_key(encrypted, mistake(key.recovery_text()))
    assert encryption.held_key(encrypted) is None


def test_a_plain_file_needs_no_recovery_key(tmp_path: Path, key: ClinicKey) -> None:
    path = _file(tmp_path / "plain.sqlite3", None)
    with pytest.raises(ServiceError, match=r"plain\.sqlite3 is not encrypted: it needs no"):
        encryption.unlock_with_recovery_key(path, key.recovery_text())
    assert clinic_keys.held(key.salt) is None


def test_a_backup_on_another_computer_opens_with_the_recovery_key(
    tmp_path: Path, clock, test_keyring: Path
) -> None:
    """The whole way: an encrypted clinic, its backup copied to a computer with an empty
    keyring, opened with the recovery key typed from the sheet."""
    key = encryption.new_clinic_key()
    clinic = open_clinic(tmp_path / "clinic.sqlite3", clock, new_key=key)
    made = clinic.backups.daily_if_due()
    assert made is not None
    clinic.close()
    elsewhere = tmp_path / "usb" / made.name
    elsewhere.parent.mkdir()
    elsewhere.write_bytes(made.read_bytes())
    _another_computer(test_keyring)
    with pytest.raises(ClinicKeyMissing):
        encryption.unlock(elsewhere)
    encryption.unlock_with_recovery_key(elsewhere, key.recovery_text())
    reopened = open_clinic(elsewhere, clock)
    assert reopened.staff.list_active() is not None
    reopened.close()


# -- a passphrase where there is no keyring ---------------------------------------------------
def test_a_passphrase_key_opens_its_file(tmp_path: Path, test_keyring: Path) -> None:
    made = encryption.passphrase_key(PASSPHRASE)
    path = _file(tmp_path / "clinic.sqlite3", made)
    _another_computer(test_keyring)
    with pytest.raises(ServiceError, match=r"That passphrase does not open clinic\.sqlite3"):
        encryption.unlock_with_passphrase(path, PASSPHRASE + "!")
    assert encryption.held_key(path) is None
    assert encryption.unlock_with_passphrase(path, PASSPHRASE) == made
    assert _opens(path)
    assert keyring_store.find(made.salt) is None  # a passphrase is typed, never kept


def test_a_plain_file_needs_no_passphrase(tmp_path: Path) -> None:
    path = _file(tmp_path / "plain.sqlite3", None)
    with pytest.raises(ServiceError, match="is not encrypted: it needs no passphrase"):
        encryption.unlock_with_passphrase(path, PASSPHRASE)


def test_each_passphrase_key_has_a_salt_of_its_own() -> None:
    first, second = encryption.passphrase_key(PASSPHRASE), encryption.passphrase_key(PASSPHRASE)
    assert first.salt != second.salt and first.secret != second.secret


@pytest.mark.parametrize("passphrase", ["", "short", "eleven char"])
def test_a_short_passphrase_is_refused_in_words(passphrase: str) -> None:
    assert encryption.passphrase_problem(passphrase) == (
        "A passphrase needs at least 12 characters (a few words is best)."
    )
    with pytest.raises(ServiceError, match="at least 12 characters"):
        encryption.passphrase_key(passphrase)


def test_twelve_characters_are_enough() -> None:
    assert encryption.passphrase_problem("twelve chars") is None
    assert encryption.passphrase_problem(PASSPHRASE) is None


# -- a new clinic's key ------------------------------------------------------------------------
def test_a_new_clinic_key_is_kept_in_the_keyring() -> None:
    key = encryption.new_clinic_key()
    assert keyring_store.find(key.salt) == key
    assert encryption.keyring_problem() is None
    assert key != encryption.new_clinic_key()


def test_a_new_clinic_key_without_a_keyring_is_refused_in_words(no_keyring: None) -> None:
    assert encryption.keyring_problem() is not None
    with pytest.raises(NoKeyring, match="no keyring"):
        encryption.new_clinic_key()
