"""`frontdesk server move`: a one-PC clinic's file into a new clinic database on the server,
on a throwaway cluster of this module's own: every row, the chain whole before and after, the
counts the same, the numbering carried on, the file untouched; refusals change nothing."""

from __future__ import annotations

import hashlib
import io
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from frontdesk import server_cli
from frontdesk.domain.staff import Role
from frontdesk.services.clinic import open_clinic, open_server
from frontdesk.services.server_move import MoveRefused, move_to_server
from frontdesk.storage import clinic_keys
from frontdesk.storage.audit import AuditRepository
from frontdesk.storage.audit_anchor import anchor_path
from frontdesk.storage.clinic_keys import ClinicKey
from frontdesk.storage.postgres import PgDatabase
from frontdesk.storage.postgres_cluster import Cluster, NoServerInstalled, server_bin
from frontdesk.storage.postgres_server import app_role, create_clinic_database
from frontdesk.storage.server_copy import file_counts, server_counts
from tests.conftest import NOW, draft
from tests.server_fixtures import own_cluster


def _server_installed() -> bool:
    try:
        server_bin()
    except NoServerInstalled:
        return False
    return True


pytestmark = pytest.mark.skipif(
    not _server_installed(), reason="PostgreSQL's server programs are not installed"
)

PORT = 55442  # this module's cluster


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    with own_cluster(PORT) as made:
        yield made


_names = iter(range(1000))


@pytest.fixture
def new_clinic(cluster: Cluster) -> str:
    """A clinic database as `server init` makes it; its name."""
    name = f"moved_{next(_names)}"
    create_clinic_database(cluster.url(), name, NOW.isoformat())
    return name


@pytest.fixture
def demo_file(tmp_path: Path, demo_template: Path) -> Path:
    """The demo clinic's file, closed, as a one-PC clinic leaves it at the end of a day."""
    assert not demo_template.with_name(demo_template.name + "-wal").exists()
    copy = tmp_path / "clinic.sqlite3"
    shutil.copy(demo_template, copy)
    anchor = anchor_path(demo_template)
    assert anchor.exists()  # the trail's end, kept beside the file
    shutil.copy(anchor, anchor_path(copy))
    return copy


def fingerprint(path: Path) -> tuple[str, int, list[str]]:
    """The file's bytes, its modification time and what lies beside it."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return digest, path.stat().st_mtime_ns, sorted(p.name for p in path.parent.iterdir())


def test_the_demo_moves_with_identical_counts_and_a_whole_chain(
    cluster: Cluster, new_clinic: str, demo_file: Path, demo_template: Path
) -> None:
    conn = sqlite3.connect(demo_template)  # the same rows (the file is its copy)
    expected = file_counts(conn)
    conn.close()
    before = fingerprint(demo_file)
    out, err = io.StringIO(), io.StringIO()
    status = server_cli.move(demo_file, cluster.url(new_clinic), out=out, err=err)
    assert status == 0, err.getvalue()
    said = out.getvalue()
    assert "Moved:" in said and "DIFFERENT" not in said
    assert f"audit trail's {expected['audit']} lines follow one from another" in said
    for table, rows in expected.items():
        assert any(line.split() == [table, str(rows), str(rows)] for line in said.splitlines())
    # The file was only read: the same bytes, the same time, nothing left beside it.
    assert fingerprint(demo_file) == before
    # On the server, as a workstation sees it.
    server = PgDatabase(cluster.url(new_clinic))
    try:
        assert server_counts(server) == expected
        assert AuditRepository(server).first_break() is None
    finally:
        server.close()


def test_after_the_move_workstations_carry_on_numbering_and_the_chain(
    cluster: Cluster, new_clinic: str, demo_file: Path
) -> None:
    report = move_to_server(demo_file, cluster.url(new_clinic))
    assert report.whole
    file_clinic = open_clinic(demo_file)
    largest = max(p.id for p in file_clinic.patients.search("", limit=1000).rows)
    file_clinic.close()
    clinic = open_server(cluster.url(new_clinic, user=app_role(new_clinic)))
    try:
        assert clinic.login.is_demo()  # the demo's logins came along
        desk = clinic.login.sign_in_demo(Role.FRONT_DESK)
        added = clinic.patients.register(desk, draft(first_name="Nueva", last_name="Paciente"))
        assert added.id > largest  # the sequence was set past the largest id moved
        assert clinic.audit.verify() is None
    finally:
        clinic.close()


def test_a_second_move_into_a_used_clinic_is_refused_and_changes_nothing(
    cluster: Cluster, new_clinic: str, demo_file: Path
) -> None:
    assert move_to_server(demo_file, cluster.url(new_clinic)).whole
    server = PgDatabase(cluster.url(new_clinic))
    counted = server_counts(server)
    server.close()
    with pytest.raises(MoveRefused, match="is not new: it already holds 60 patients"):
        move_to_server(demo_file, cluster.url(new_clinic))
    server = PgDatabase(cluster.url(new_clinic))
    assert server_counts(server) == counted
    server.close()


def test_the_workstations_role_cannot_move_a_clinic(
    cluster: Cluster, new_clinic: str, demo_file: Path
) -> None:
    with pytest.raises(MoveRefused, match="the workstations' address: a move needs the"):
        move_to_server(demo_file, cluster.url(new_clinic, user=app_role(new_clinic)))
    server = PgDatabase(cluster.url(new_clinic))
    try:
        assert server_counts(server)["patients"] == 0
        assert server_counts(server)["staff"] == 2  # what server init put there, still there
    finally:
        server.close()


def test_a_broken_chain_in_the_file_is_not_moved(
    cluster: Cluster, new_clinic: str, demo_file: Path
) -> None:
    conn = sqlite3.connect(demo_file)
    conn.execute("DROP TRIGGER audit_no_update")
    conn.execute("UPDATE audit SET after = '{}' WHERE id = 5")
    conn.commit()
    conn.close()
    err = io.StringIO()
    assert server_cli.move(demo_file, cluster.url(new_clinic), out=io.StringIO(), err=err) == 1
    assert "is not whole (Audit trail broken at row 5" in err.getvalue()
    server = PgDatabase(cluster.url(new_clinic))
    assert server_counts(server)["audit"] == 0
    server.close()


def test_a_trail_cut_off_at_its_end_is_not_moved(
    cluster: Cluster, new_clinic: str, demo_file: Path
) -> None:
    """The last lines and the head rewritten to match: a whole chain, but the anchor beside
    the file remembers a longer trail."""
    conn = sqlite3.connect(demo_file)
    conn.execute("DROP TRIGGER audit_no_delete")
    last = conn.execute("SELECT max(id) FROM audit").fetchone()[0]
    conn.execute("DELETE FROM audit WHERE id > ?", [last - 2])
    conn.execute(
        "UPDATE audit_head SET last_id = ?, last_hash = (SELECT hash FROM audit WHERE id = ?)",
        [last - 2, last - 2],
    )
    conn.commit()
    conn.close()
    with pytest.raises(MoveRefused, match="were cut off behind the app's back"):
        move_to_server(demo_file, cluster.url(new_clinic))


def test_a_file_open_in_frontdesk_is_not_moved(
    cluster: Cluster, new_clinic: str, demo_file: Path
) -> None:
    """Frontdesk running on the file (another process, as the app would be): what is typed
    meanwhile would stay in the file only."""
    script = (
        "import sys\nfrom pathlib import Path\nfrom frontdesk.services.clinic import open_clinic\n"
        "c = open_clinic(Path(sys.argv[1]))\nprint('open', flush=True)\nsys.stdin.readline()\n"
        "c.close()\n"
    )
    app = subprocess.Popen(
        [sys.executable, "-c", script, str(demo_file)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert app.stdout is not None and app.stdout.readline().strip() == "open"
        with pytest.raises(MoveRefused, match="is open in Frontdesk on this computer"):
            move_to_server(demo_file, cluster.url(new_clinic))
    finally:
        app.communicate("\n", timeout=30)


def test_an_encrypted_file_moves_with_its_key_and_is_refused_without(
    cluster: Cluster, new_clinic: str, tmp_path: Path
) -> None:
    path = tmp_path / "encrypted.sqlite3"
    key = ClinicKey.new()
    made = open_clinic(path, new_key=key)
    made.staff.create_first_admin("Office admin", "office", "a-long-admin-password")
    admin = made.login.sign_in("office", "a-long-admin-password")
    made.patients.register(admin, draft())
    made.close()
    clinic_keys.forget_all()  # another computer: neither held nor in its keyring
    err = io.StringIO()
    assert server_cli.move(path, cluster.url(new_clinic), out=io.StringIO(), err=err) == 1
    assert "encrypted" in err.getvalue() and "keyring" in err.getvalue()
    clinic_keys.hold(key)  # as after typing the recovery key
    report = move_to_server(path, cluster.url(new_clinic))
    assert report.whole
    assert {c.table: c.on_server for c in report.counts}["patients"] == 1


def test_not_a_frontdesk_database_is_refused(
    cluster: Cluster, new_clinic: str, tmp_path: Path
) -> None:
    other = tmp_path / "other.sqlite3"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE notes (text TEXT)")
    conn.commit()
    conn.close()
    with pytest.raises(MoveRefused, match="is not a Frontdesk clinic database"):
        move_to_server(other, cluster.url(new_clinic))


def test_a_server_that_does_not_answer_exits_2(demo_file: Path) -> None:
    err = io.StringIO()
    status = server_cli.move(
        demo_file, "postgresql://postgres@127.0.0.1:9/clinic", out=io.StringIO(), err=err
    )
    assert status == 2
    assert "Could not reach the clinic server (postgres@127.0.0.1:9/clinic)" in err.getvalue()
