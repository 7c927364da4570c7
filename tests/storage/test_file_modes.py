"""Files only the clinic's user can read, whatever the umask Frontdesk was started with.

Each test sets the permissive umask most desktops have (0o022): with it, SQLite made a new
database 0644 in a 0755 folder, readable by every account on the computer.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from frontdesk.paths import settings_path
from frontdesk.services.clinic import open_clinic
from frontdesk.storage.backups import (
    backup_folder_sidecar,
    default_backup_folder,
    make_backup,
    set_backup_folder,
)
from frontdesk.storage.db import connect
from tests.conftest import NOW


@pytest.fixture(autouse=True)
def permissive_umask() -> Iterator[None]:
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def side(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


def test_a_new_database_its_folders_and_side_files_are_the_users_alone(
    tmp_path: Path, clock
) -> None:
    path = tmp_path / "data" / "frontdesk" / "clinic.sqlite3"
    clinic = open_clinic(path, clock)
    try:
        assert mode(tmp_path / "data") == 0o700  # every folder it created
        assert mode(path.parent) == 0o700
        assert mode(path) == 0o600
        assert mode(side(path, "-wal")) == 0o600
        assert mode(side(path, "-shm")) == 0o600
        assert mode(settings_path(path)) == 0o600  # Qt keeps the mode of the file it rewrites
        made = clinic.backups.back_up_to(None)
        assert made.parent == default_backup_folder(path)
        assert mode(made.parent) == 0o700
        assert mode(made) == 0o600
    finally:
        clinic.close()
    assert mode(tmp_path) == 0o700  # pytest's, untouched: not ours


def test_a_wal_sqlite_makes_again_later_is_private_too(tmp_path: Path, clock) -> None:
    path = tmp_path / "clinic.sqlite3"
    open_clinic(path, clock).close()
    assert not side(path, "-wal").exists()  # the last connection closed: SQLite removed it
    db = connect(path)
    try:
        db.execute("CREATE TABLE t (x)")
        assert mode(side(path, "-wal")) == 0o600  # SQLite gives it the database's mode
    finally:
        db.close()


def test_an_existing_database_readable_by_everyone_is_made_private(tmp_path: Path, clock) -> None:
    """A file an earlier Frontdesk made 0644 in a 0755 folder holding only its own files."""
    folder = tmp_path / "frontdesk"
    folder.mkdir(mode=0o755)
    path = folder / "clinic.sqlite3"
    open_clinic(path, clock).close()
    folder.chmod(0o755)
    path.chmod(0o644)
    clinic = open_clinic(path, clock)
    try:
        assert mode(path) == 0o600
        assert mode(side(path, "-wal")) == 0o600
        assert mode(folder) == 0o700
    finally:
        clinic.close()


def test_a_folder_the_user_keeps_other_things_in_keeps_its_permissions(
    tmp_path: Path, clock
) -> None:
    folder = tmp_path / "shared"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    (folder / "letters.odt").write_text("not ours")
    path = folder / "clinic.sqlite3"
    clinic = open_clinic(path, clock)
    try:
        assert mode(folder) == 0o755
        assert mode(path) == 0o600
    finally:
        clinic.close()


def test_a_group_permission_the_admin_chose_is_kept(tmp_path: Path, clock) -> None:
    path = tmp_path / "clinic.sqlite3"
    open_clinic(path, clock).close()
    path.chmod(0o640)
    clinic = open_clinic(path, clock)
    try:
        assert mode(path) == 0o640
        assert mode(side(path, "-wal")) == 0o640
    finally:
        clinic.close()


def test_a_chosen_backup_folder_and_the_note_of_it(tmp_path: Path, clock) -> None:
    path = tmp_path / "clinic.sqlite3"
    open_clinic(path, clock).close()
    chosen = tmp_path / "usb" / "clinic backups"
    set_backup_folder(path, chosen)
    assert mode(chosen) == 0o700
    assert mode(chosen.parent) == 0o700
    assert mode(backup_folder_sidecar(path)) == 0o600
    db = connect(path)
    try:
        made = make_backup(db.conn, chosen, path.stem, "manual", NOW)
    finally:
        db.close()
    assert mode(made) == 0o600


def test_an_existing_chosen_backup_folder_with_other_files_is_left_as_it_is(
    tmp_path: Path, clock
) -> None:
    path = tmp_path / "clinic.sqlite3"
    open_clinic(path, clock).close()
    chosen = tmp_path / "nas"
    chosen.mkdir()
    chosen.chmod(0o775)
    (chosen / "photos").mkdir()
    set_backup_folder(path, chosen)
    assert mode(chosen) == 0o775


def test_a_saved_pdf_is_private_even_over_a_readable_file(tmp_path: Path, qapp) -> None:
    from frontdesk.ui.printing import save_pdf

    new = save_pdf("<p>María García</p>", tmp_path / "handout.pdf")
    assert mode(new) == 0o600
    old = tmp_path / "old.pdf"
    old.write_bytes(b"%PDF-1.4 older handout")
    old.chmod(0o644)
    assert mode(save_pdf("<p>Zoë</p>", old)) == 0o600
    assert old.read_bytes().startswith(b"%PDF")
