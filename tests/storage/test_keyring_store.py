"""The clinic key in the keyring: filed under its salt, found again, forgotten; on a computer
with no keyring, said in words (never a key file beside the database)."""

from __future__ import annotations

from pathlib import Path

import keyring
import pytest

from frontdesk.storage import keyring_store
from frontdesk.storage.clinic_keys import ClinicKey
from frontdesk.storage.keyring_store import SERVICE, NoKeyring
from tests.keyring_for_tests import FolderKeyring, fresh_keyring


def test_a_kept_key_is_found_by_its_salt(test_keyring: Path) -> None:
    key = ClinicKey.new()
    assert keyring_store.missing_reason() is None
    assert keyring_store.find(key.salt) is None
    keyring_store.keep(key)
    assert keyring_store.find(key.salt) == key
    assert keyring_store.find(ClinicKey.new().salt) is None


def test_it_is_filed_under_the_salt_and_the_secret_is_all_it_keeps(test_keyring: Path) -> None:
    key = ClinicKey.new()
    keyring_store.keep(key)
    assert keyring.get_password(SERVICE, key.salt.hex()) == key.secret.hex()
    kept = (test_keyring / "keyring.json").read_text()
    assert key.salt.hex() in kept and key.secret.hex() in kept


def test_two_clinics_keep_two_keys(test_keyring: Path) -> None:
    first, second = ClinicKey.new(), ClinicKey.new()
    keyring_store.keep(first)
    keyring_store.keep(second)
    assert keyring_store.find(first.salt) == first
    assert keyring_store.find(second.salt) == second


def test_a_forgotten_key_is_not_found_and_forgetting_twice_is_fine(test_keyring: Path) -> None:
    key = ClinicKey.new()
    keyring_store.keep(key)
    keyring_store.forget(key)
    assert keyring_store.find(key.salt) is None
    keyring_store.forget(key)  # nothing there: nothing happens
    keyring_store.forget(ClinicKey.new())


def test_another_computer_has_no_key(test_keyring: Path) -> None:
    key = ClinicKey.new()
    keyring_store.keep(key)
    fresh_keyring(test_keyring)
    assert keyring_store.find(key.salt) is None


@pytest.mark.parametrize(
    "kept", ["", "not hex", "ab" * 16 + "cd", "ab" * 31], ids=["empty", "text", "33", "31"]
)
def test_something_else_under_the_salt_is_no_key(test_keyring: Path, kept: str) -> None:
    salt = ClinicKey.new().salt
    keyring.set_password(SERVICE, salt.hex(), kept)
    assert keyring_store.find(salt) is None


def test_no_keyring_is_said_in_words(no_keyring: None) -> None:
    reason = keyring_store.missing_reason()
    assert reason is not None
    assert "no keyring" in reason and reason.endswith(".")
    key = ClinicKey.new()
    with pytest.raises(NoKeyring, match="no keyring") as refused:
        keyring_store.keep(key)
    assert key.secret.hex() not in str(refused.value)
    assert keyring_store.find(key.salt) is None
    keyring_store.forget(key)  # nothing to forget, and no error either way


def test_a_keyring_that_refuses_to_keep_is_said_in_words(monkeypatch) -> None:
    def refuse(*_args) -> None:
        raise keyring.errors.PasswordSetError("the keyring is locked")

    monkeypatch.setattr(FolderKeyring, "set_password", refuse)
    with pytest.raises(
        NoKeyring, match=r"refused to keep the clinic's key \(the keyring is locked"
    ):
        keyring_store.keep(ClinicKey.new())


def test_a_keyring_that_cannot_be_read_finds_nothing(monkeypatch) -> None:
    def locked(*_args) -> None:
        raise keyring.errors.KeyringLocked("locked")

    monkeypatch.setattr(FolderKeyring, "get_password", locked)
    assert keyring_store.find(ClinicKey.new().salt) is None
