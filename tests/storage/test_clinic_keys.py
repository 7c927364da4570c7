"""The clinic key: the recovery key a person types back, which file a key opens, and the keys
the process holds. A typing mistake must be refused in words, never turned into another key."""

from __future__ import annotations

import contextlib
import hashlib
import string
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from frontdesk.storage import clinic_keys
from frontdesk.storage.clinic_keys import (
    MIN_PAGE,
    SALT_BYTES,
    SQLITE_HEADER,
    BadRecoveryKey,
    ClinicKey,
    KeyNeeded,
    hold,
    is_encrypted,
    key_for,
    salt_of,
)
from tests.small_database import small_database

keys = st.builds(
    ClinicKey, st.binary(min_size=32, max_size=32), st.binary(min_size=16, max_size=16)
)
BASE32 = string.ascii_uppercase + "234567"


def _numbered_key(n: int) -> ClinicKey:
    made = hashlib.sha512(n.to_bytes(4, "big")).digest()
    return ClinicKey(made[:32], made[32:48])


def _refused(typed: str) -> None:
    """A mistyped recovery key is refused in words, never read as another key."""
    with pytest.raises(BadRecoveryKey, match="typing mistake: check each group"):
        ClinicKey.from_recovery_text(typed)


@given(keys)
def test_the_recovery_key_reads_back_as_the_same_key(key: ClinicKey) -> None:
    text = key.recovery_text()
    assert ClinicKey.from_recovery_text(text) == key
    assert set(text) <= set(BASE32 + "-")
    assert all(len(group) == 5 for group in text.split("-")[:-1])


@settings(max_examples=60)
@given(keys, st.data())
def test_one_character_changed_is_refused(key: ClinicKey, data: st.DataObject) -> None:
    text = key.recovery_text()
    places = [i for i, ch in enumerate(text) if ch != "-"]
    at = data.draw(st.sampled_from(places))
    other = data.draw(st.sampled_from([c for c in BASE32 if c != text[at]]))
    _refused(text[:at] + other + text[at + 1 :])


@settings(max_examples=60)
@given(keys, st.data())
def test_one_character_dropped_is_refused(key: ClinicKey, data: st.DataObject) -> None:
    text = key.recovery_text()
    at = data.draw(st.sampled_from([i for i, ch in enumerate(text) if ch != "-"]))
    with pytest.raises(BadRecoveryKey, match="letters and digits"):
        ClinicKey.from_recovery_text(text[:at] + text[at + 1 :])


@settings(max_examples=60)
@given(keys, st.data())
def test_two_neighbours_swapped_are_refused(key: ClinicKey, data: st.DataObject) -> None:
    plain = key.recovery_text().replace("-", "")
    assume(len(set(plain)) > 1)
    at = data.draw(st.sampled_from([i for i in range(len(plain) - 1) if plain[i] != plain[i + 1]]))
    swapped = plain[:at] + plain[at + 1] + plain[at] + plain[at + 2 :]
    _refused(swapped)


@pytest.mark.parametrize("n", range(25))
def test_every_single_change_and_swap_is_refused(n: int) -> None:
    """Exhaustively, for 25 keys: every place, every other character, every two neighbours
    swapped. (A 2-byte hash as the check let one typo in about 60 000 through as another
    key: one key in 20 had such a typo; the CRC catches them all.)"""
    plain = _numbered_key(n).recovery_text().replace("-", "")
    read_as_a_key = []
    for at in range(len(plain)):
        changed = [plain[:at] + ch + plain[at + 1 :] for ch in BASE32 if ch != plain[at]]
        if at + 1 < len(plain) and plain[at] != plain[at + 1]:
            changed.append(plain[:at] + plain[at + 1] + plain[at] + plain[at + 2 :])
        for typed in changed:
            with contextlib.suppress(BadRecoveryKey):
                read_as_a_key.append(ClinicKey.from_recovery_text(typed))
    assert read_as_a_key == []


@pytest.mark.parametrize(
    "typing",
    [
        pytest.param(lambda t: t.replace("-", " "), id="spaces"),
        pytest.param(lambda t: t.replace("-", ""), id="run together"),
        pytest.param(lambda t: t.lower(), id="lower case"),
        pytest.param(lambda t: "  " + t.replace("-", " - ") + "\n", id="spaces around"),
        pytest.param(lambda t: t.replace("O", "0").replace("I", "1").replace("B", "8"), id="018"),
        pytest.param(lambda t: t.lower().replace("o", "0").replace("i", "1"), id="lower 01"),
    ],
)
def test_how_a_person_types_it_does_not_matter(typing) -> None:
    key = next(
        k for k in map(_numbered_key, range(100)) if {"O", "I", "B"} <= set(k.recovery_text())
    )
    text = key.recovery_text()
    assert {"O", "I", "B"} <= set(text)
    assert ClinicKey.from_recovery_text(typing(text)) == key


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("", "letters and digits; 0 were typed"),
        ("ABCDE-FGHIJ", "letters and digits; 10 were typed"),
        ("A" * 81, "has 80 letters and digits; 81 were typed"),
        ("9" * 80, "not a recovery key"),
        ("A" * 80, "typing mistake"),
        ("A" * 79 + "!", "80 letters and digits; 79 were typed"),
    ],
)
def test_what_is_not_a_recovery_key_is_said(typed: str, said: str) -> None:
    with pytest.raises(BadRecoveryKey, match=said):
        ClinicKey.from_recovery_text(typed)


def test_a_key_is_32_bytes_and_a_16_byte_salt() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        ClinicKey(b"short", bytes(16))
    with pytest.raises(ValueError, match="16-byte salt"):
        ClinicKey(bytes(32), bytes(8))


def test_new_keys_differ() -> None:
    made = {ClinicKey.new() for _ in range(20)}
    assert len({k.secret for k in made}) == len({k.salt for k in made}) == 20


def test_its_repr_and_name_never_show_the_secret() -> None:
    key = ClinicKey.new()
    secret = key.secret.hex()
    for shown in (repr(key), str(key), f"{key}", f"{[key]}", key.name, repr({key: 1})):
        assert secret not in shown
        assert secret[:8] not in shown
    assert key.salt.hex() in repr(key)
    assert key.name == key.salt.hex()


def test_the_pragma_is_the_raw_key_and_its_salt() -> None:
    key = ClinicKey(bytes(32), bytes(range(16)))
    assert key.pragma() == "\"x'" + "00" * 32 + bytes(range(16)).hex() + "'\""


def test_a_passphrase_gives_the_same_key_for_a_salt_and_another_for_another() -> None:
    salt, other_salt = bytes(range(16)), bytes(range(1, 17))
    first = ClinicKey.from_passphrase("correct horse battery staple", salt)
    assert first == ClinicKey.from_passphrase("correct horse battery staple", salt)
    assert first.salt == salt
    assert (
        first.secret != ClinicKey.from_passphrase("correct horse battery staple", other_salt).secret
    )
    assert first.secret != ClinicKey.from_passphrase("correct horse battery stapler", salt).secret
    assert ClinicKey.from_passphrase("clínica ñandú 🔑 passphrase", salt).salt == salt


# -- which file a key opens ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("content", "why"),
    [
        (None, "no file: a new database"),
        (b"", "empty: a new database"),
        (b"SQLite fo", "shorter than a salt"),
        (SQLITE_HEADER + bytes(MIN_PAGE - 16), "a plain SQLite header"),
        (b"\x17" * 100, "not whole pages: damage, no database"),
        (b"\x17" * (MIN_PAGE + 1), "one byte over whole pages"),
        (bytes(100) + bytes(range(256)) * 4 + bytes(924), "a zeroed start: damage"),
        (b"\x8f" * 4096, "one byte over and over: damage"),
    ],
)
def test_no_salt(tmp_path: Path, content: bytes | None, why: str) -> None:
    path = tmp_path / "x.sqlite3"
    if content is not None:
        path.write_bytes(content)
    assert salt_of(path) is None, why
    assert not is_encrypted(path)
    assert key_for(path) is None


def test_garbage_of_whole_pages_reads_as_encrypted(tmp_path: Path) -> None:
    """Random pages are what an encrypted file looks like: its first 16 bytes are taken as the
    salt, and opening it then needs that key (said in words, not a crash)."""
    path = tmp_path / "x.sqlite3"
    path.write_bytes(bytes(range(256)) * 8)
    assert salt_of(path) == bytes(range(16))
    with pytest.raises(KeyNeeded):
        key_for(path)


def test_a_plain_database_has_no_salt(tmp_path: Path) -> None:
    path = small_database(tmp_path / "plain.sqlite3")
    assert salt_of(path) is None
    assert key_for(path) is None


def test_an_encrypted_database_starts_with_its_keys_salt(tmp_path: Path) -> None:
    key = ClinicKey.new()
    hold(key)
    path = small_database(tmp_path / "enc.sqlite3", key)
    assert salt_of(path) == key.salt
    assert is_encrypted(path)
    assert key_for(path) is key
    assert len(path.read_bytes()) % MIN_PAGE == 0
    assert b"a note" not in path.read_bytes()


def test_a_key_not_held_is_needed_in_words(tmp_path: Path) -> None:
    key = ClinicKey.new()
    hold(key)
    path = small_database(tmp_path / "enc.sqlite3", key)
    clinic_keys.forget_all()
    assert clinic_keys.held(key.salt) is None
    with pytest.raises(KeyNeeded, match=r"enc\.sqlite3 is encrypted.*recovery key") as caught:
        key_for(path)
    assert caught.value.salt == key.salt
    assert caught.value.path == path
    assert key.secret.hex() not in str(caught.value)
    hold(ClinicKey.new())  # another clinic's key does not open it
    with pytest.raises(KeyNeeded):
        key_for(path)


def test_a_held_key_opens_every_file_with_its_salt(tmp_path: Path) -> None:
    key = ClinicKey.new()
    hold(key)
    first = small_database(tmp_path / "a.sqlite3", key)
    copy = tmp_path / "copy.sqlite3"
    copy.write_bytes(first.read_bytes())
    assert key_for(copy) is key
    assert SALT_BYTES == 16
