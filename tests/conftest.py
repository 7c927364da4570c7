"""Fresh clinic database per test, offscreen Qt, and modal prompts answered by the test."""

from __future__ import annotations

import os

from frontdesk.storage.engine import connect_file

os.environ["QT_QPA_PLATFORM"] = "offscreen"  # before any QApplication exists

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pytest

from frontdesk.domain.clinic import CLINIC_TZ
from frontdesk.domain.patients import PatientDraft
from frontdesk.domain.staff import Role, Staff
from frontdesk.services.changes import Changes
from frontdesk.services.clinic import Clinic, open_clinic
from frontdesk.services.clock import fixed_clock
from frontdesk.services.demo import fill_demo_clinic
from frontdesk.services.signed_in import SignedIn, issue
from frontdesk.storage import clinic_keys, keyring_store
from frontdesk.storage.clinic_keys import ClinicKey
from tests.servers_for_tests import TestServers

NOW = datetime(2026, 11, 26, 10, 30, tzinfo=CLINIC_TZ)
ENCRYPTED_VARIABLE = "FRONTDESK_TEST_ENCRYPTED"
ENGINE_VARIABLE = "FRONTDESK_TEST_ENGINE"
# With --encrypted, the one key of every clinic the fixtures make: the demo is copied page by
# page into a test's clinic, which SQLCipher's backup does only between files of the same key.
FIXTURE_KEY = ClinicKey.new()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--engine",
        choices=("sqlite", "postgresql"),
        default=os.environ.get(ENGINE_VARIABLE, "sqlite"),
        help="the engine under every clinic the fixtures make: a file, or a database on a"
        f" throwaway PostgreSQL cluster (also {ENGINE_VARIABLE})",
    )
    parser.addoption(
        "--encrypted",
        action="store_true",
        help="every clinic the fixtures make (clinic, demo) is encrypted, as the app makes it"
        f" (also {ENCRYPTED_VARIABLE}=1)",
    )


def encrypted_run(config: pytest.Config) -> bool:
    return bool(config.getoption("--encrypted")) or os.environ.get(ENCRYPTED_VARIABLE) == "1"


# Tests of files not marked yet that need the clinic fixture's file to be plain (their own
# encrypted counterparts live in the encrypted-file tests); a `plain_file_only` marker in the
# test file itself does the same.
PLAIN_FILE_ONLY = {
    # zero or rewrite bytes of the clinic's plain file through a connection without its key
    "tests/storage/test_opening_check.py::test_damage_in_the_tables_every_start_reads_is_refused_at_once",
    "tests/storage/test_opening_check.py::test_a_schema_with_a_broken_character_is_damage_said_in_words",
    "tests/storage/test_opening_check.py::test_damage_deep_in_the_registry_is_found_by_the_days_backup_and_refused_next_start",
    # copies the clinic into a plain in-memory database (SQLCipher's backup needs one key)
    "tests/services/test_recall_set_based.py::test_set_based_recall_matches_series_by_series",
    "tests/services/test_recall_set_based.py::test_the_generated_clinics_reach_every_list",
}


def server_run(config: pytest.Config) -> bool:
    return config.getoption("--engine") == "postgresql"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On an encrypted run, tests that edit the raw bytes of a plain file are left out; on a
    server run, tests of what only a database file has (its bytes, backups, keys)."""
    if server_run(config):
        skip_file = pytest.mark.skip(reason="about a database file, which the server has not")
        skip_own = pytest.mark.skip(reason="both engines by itself: runs in the plain run")
        for item in items:
            if item.fspath.basename in BOTH_ENGINES_MODULES:
                item.add_marker(skip_own)
                continue
            if (
                item.get_closest_marker("file_only")
                or item.fspath.basename in FILE_ONLY_MODULES
                or any(case in item.nodeid for case in FILE_ONLY_CASES)
            ):
                item.add_marker(skip_file)
    if not encrypted_run(config):
        return
    skip = pytest.mark.skip(reason="needs the clinic's file to be plain SQLite")
    for item in items:
        name = item.nodeid.split("[")[0]
        if item.get_closest_marker("plain_file_only") or name in PLAIN_FILE_ONLY:
            item.add_marker(skip)


# Test modules about what only an SQLite file has; a `file_only` marker does the same.
FILE_ONLY_MODULES = {
    "test_audit_anchor.py",  # the anchor file beside the database
    "test_backups.py",
    "test_clinic_keys.py",
    "test_db.py",  # SQLite's pragmas and BEGIN IMMEDIATE
    "test_encrypted_backups.py",
    "test_encrypt_existing.py",
    "test_encryption_service.py",
    "test_engine.py",
    "test_file_modes.py",
    "test_filesystems.py",
    "test_keyring_store.py",
    "test_migrations.py",  # SQLite's steps; the server's are compared in test_schema_parity
    "test_open_clinic.py",
    "test_opening_check.py",
    "test_system_keyring.py",
}


# Test modules that start a cluster of their own and test the server explicitly (with SQLite
# beside it where they compare): once, in the plain run, is enough.
BOTH_ENGINES_MODULES = {
    "test_live.py",
    "test_schema_parity.py",
    "test_server_backups.py",
    "test_server_move.py",
}


# Cases of the service matrices that are about the file's own backups (the server's are taken
# with pg_dump: tests/storage/test_server_backups.py).
FILE_ONLY_CASES = (
    "[backups.back_up_now",
    "[backups.set_folder",
    # the command line on a file (the server's: tests/test_server_cli.py)
    "test_handouts.py::test_the_command_line_",
    # copy the clinic's file into an in-memory database
    "test_recall_set_based.py::test_set_based_recall_matches_series_by_series",
    "test_recall_set_based.py::test_the_generated_clinics_reach_every_list",
)


@pytest.fixture(scope="session")
def fixture_key(pytestconfig: pytest.Config) -> ClinicKey | None:
    """The key the fixtures' clinics are encrypted with; None on a plain run."""
    return FIXTURE_KEY if encrypted_run(pytestconfig) else None


def holding(key: ClinicKey | None) -> None:
    """The key is held and in this test's keyring, as after the app's start on that clinic."""
    if key is not None:
        clinic_keys.hold(key)
        keyring_store.keep(key)


@pytest.fixture
def clock():
    return fixed_clock(NOW)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "clinic.sqlite3"


@pytest.fixture
def clinic(
    request: pytest.FixtureRequest, db_path: Path, clock, fixture_key: ClinicKey | None
) -> Iterator[Clinic]:
    if server_run(request.config):
        # A database of its own on the session's cluster, copied from the template (the
        # demo's when the test asked for the demo), opened as the workstations' role.
        servers: TestServers = request.getfixturevalue("test_servers")
        demo = "demo" in request.fixturenames
        with servers.clinic(demo=demo, clock=clock, files=db_path.with_suffix(".server")) as on:
            yield on
        return
    holding(fixture_key)
    opened = open_clinic(db_path, clock, new_key=fixture_key)
    yield opened
    opened.close()


@pytest.fixture(scope="session")
def test_servers(pytestconfig: pytest.Config) -> Iterator[TestServers]:
    """One throwaway PostgreSQL cluster for the whole run (server runs only)."""
    servers = TestServers.start()
    yield servers
    servers.stop()


def signed_in(clinic: Clinic, member: Staff) -> SignedIn:
    """What the login service hands out after a password (tests skip Argon2's cost)."""
    return issue(clinic._db, member, via="in a test")


def member_with_role(clinic: Clinic, role: Role) -> SignedIn:
    return signed_in(clinic, next(s for s in clinic.staff.list_active() if s.role is role))


@pytest.fixture
def desk(clinic: Clinic) -> SignedIn:
    return member_with_role(clinic, Role.FRONT_DESK)


@pytest.fixture
def doctor(clinic: Clinic) -> SignedIn:
    return member_with_role(clinic, Role.DOCTOR)


@pytest.fixture
def admin(clinic: Clinic) -> SignedIn:
    """The clinic's admin (settings, accounts, audit); the demo has one already."""
    existing = next((s for s in clinic.staff.list_active() if s.role is Role.ADMIN), None)
    member = existing or clinic.staff.create_first_admin("Office admin", "office", ADMIN_PASSWORD)
    return signed_in(clinic, member)


ADMIN_PASSWORD = "a-long-test-password"


def draft(**overrides: str) -> PatientDraft:
    values = {
        "first_name": "María",
        "last_name": "García",
        "dob": "3/14/1985",
        "phone": "(818) 555-0134",
        "email": "maria.garcia@example.com",
        "notes": "",
    }
    values.update(overrides)
    return PatientDraft(**values)


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    """The demo clinic is built once per run; each test gets its own copy of it. A plain
    file on every run (tests copy it as the plain clinic of before the update)."""
    return _built_demo(tmp_path_factory, None)


@pytest.fixture(scope="session")
def fixture_demo_template(
    tmp_path_factory, demo_template: Path, fixture_key: ClinicKey | None
) -> Path:
    """The demo the `demo` fixture copies into its clinic: encrypted with the fixtures' key
    on an encrypted run (SQLCipher copies pages only between files of the same key)."""
    return demo_template if fixture_key is None else _built_demo(tmp_path_factory, fixture_key)


def _built_demo(tmp_path_factory, key: ClinicKey | None) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    built = open_clinic(path, fixed_clock(NOW), new_key=key)
    fill_demo_clinic(built)
    built.close()
    return path


@pytest.fixture
def demo(request: pytest.FixtureRequest, clinic):
    if server_run(request.config):
        return clinic  # made from the demo's template database
    source = connect_file(request.getfixturevalue("fixture_demo_template"))
    try:
        source.backup(clinic._db.conn)
    finally:
        source.close()
    return clinic


@pytest.fixture
def fresh(demo):
    """An eligible demo patient without a series yet (for the doctor's CO2 steps)."""
    for p in demo.patients.search("", limit=100).rows:
        if demo.intakes.eligibility(p.id).allowed and not demo.sessions.history(p.id):
            return p
    raise AssertionError("the demo has an eligible patient without a series")


@dataclass
class PromptLog:
    """What the app asked; `answer` is what the next confirm() returns."""

    answer: bool = True
    asked: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    save_as: str = ""  # what the next "save as" question answers ("" = cancelled)
    open_as: str = ""  # what the next "open which file" question answers
    folder: str = ""  # what the next "which folder" question answers
    dialogs: list[str] = field(default_factory=list)  # print dialogs shown (then cancelled)


@pytest.fixture(autouse=True)
def test_keyring(tmp_path_factory, monkeypatch) -> Iterator[Path]:
    """Every test keeps clinic keys in a keyring of its own (a folder), never the user's; a
    child process it starts finds the same one. No key is held from an earlier test."""
    from frontdesk.storage import clinic_keys
    from tests.keyring_for_tests import FOLDER_VARIABLE

    folder = tmp_path_factory.mktemp("keyring")
    root = str(Path(__file__).resolve().parent.parent)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "tests.keyring_for_tests.FolderKeyring")
    monkeypatch.setenv(FOLDER_VARIABLE, str(folder))
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))
    )
    import keyring

    from tests.keyring_for_tests import FolderKeyring

    keyring.set_keyring(FolderKeyring())
    clinic_keys.forget_all()
    yield folder
    clinic_keys.forget_all()


@pytest.fixture
def no_keyring(monkeypatch) -> Iterator[None]:
    """A computer without a keyring: keyring's own 'fail' backend, in this process and in the
    child processes a test starts."""
    import keyring
    from keyring.backends import fail

    from tests.keyring_for_tests import FolderKeyring

    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(FolderKeyring())


@pytest.fixture(autouse=True)
def prompts(monkeypatch) -> PromptLog:
    from frontdesk.ui import prompts as module

    log = PromptLog()

    def confirm(_parent, title, text, _accept_label, _reject_label=""):
        log.asked.append((title, text))
        return log.answer

    monkeypatch.setattr(module, "confirm", confirm)
    monkeypatch.setattr(module, "warn", lambda _p, title, text: log.warnings.append((title, text)))
    monkeypatch.setattr(
        module, "inform", lambda _p, title, text: log.warnings.append((title, text))
    )
    monkeypatch.setattr(module, "save_file", lambda *_args: log.save_as)
    monkeypatch.setattr(module, "open_file", lambda *_args: log.open_as)
    monkeypatch.setattr(module, "choose_folder", lambda *_args: log.folder)
    from frontdesk.ui import printing

    def run_dialog(dialog) -> int:
        log.dialogs.append(dialog.windowTitle())
        return 0  # Rejected: a test never waits on a modal print dialog

    monkeypatch.setattr(printing, "run_dialog", run_dialog)
    return log


def announced(entity: str, entity_id: int | None = None) -> Changes:
    """What the operations helper announces after another writer's change to one record."""
    from frontdesk.services.changes import Change, Entity

    return Changes.of(Change(Entity(entity), entity_id or None))
