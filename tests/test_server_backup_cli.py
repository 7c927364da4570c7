"""`frontdesk --server URL backup` and `restore` on a real throwaway cluster: the dump's path
printed, the backup in the trail; a restore into a new database that switches the workstations
only once its rows, its audit chain and its opening as a workstation are checked."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from frontdesk.backup_cli import run_server_backup, run_server_restore
from frontdesk.domain.clinic import CLINIC_TZ
from frontdesk.services.clinic import open_server
from frontdesk.services.clock import fixed_clock
from frontdesk.services.server_backups import ServerBackupService, restored_address
from frontdesk.storage import server_backups as dumps
from frontdesk.storage.server_address import with_password
from tests.server_fixtures import DemoServer, demo_server

PORT = 55462  # this module's own cluster
NOW = datetime(2026, 11, 26, 10, 30, tzinfo=CLINIC_TZ)


@pytest.fixture(scope="module")
def server() -> Iterator[DemoServer]:
    with demo_server(PORT, NOW) as made:
        yield made


def backup(server: DemoServer, tmp_path: Path, to: Path | None = None) -> Path:
    out, err = io.StringIO(), io.StringIO()
    code = run_server_backup(server.app(), to, NOW, out, err, files=tmp_path / "ws.server")
    assert (code, err.getvalue()) == (0, "")
    return Path(out.getvalue().strip())


def test_backup_prints_the_dump_and_writes_it_in_the_trail(
    server: DemoServer, tmp_path: Path
) -> None:
    out, err = io.StringIO(), io.StringIO()

    code = run_server_backup(server.app(), None, NOW, out, err, files=tmp_path / "ws.server")

    assert (code, err.getvalue()) == (0, "")
    made = Path(out.getvalue().strip())
    assert made == tmp_path / "backups" / "clinic-manual-20261126-103000.dump"  # the default
    assert dumps.read_dump(made).rows["patients"] > 0
    action, details = server.last_audit()
    assert action == "backup"
    assert '"via": "command line"' in details and made.name in details
    assert server.password not in out.getvalue() + details


def test_backup_to_a_folder_given(server: DemoServer, tmp_path: Path) -> None:
    made = backup(server, tmp_path, tmp_path / "usb" / "frontdesk")
    assert made.parent == tmp_path / "usb" / "frontdesk"


def test_an_unreachable_server_is_said_in_words(tmp_path: Path) -> None:
    away = f"postgresql://clinic_app:s3cret-word@/clinic?host={tmp_path}&port=1"
    out, err = io.StringIO(), io.StringIO()

    code = run_server_backup(away, tmp_path / "b", NOW, out, err, files=tmp_path / "ws.server")

    assert code == 1 and out.getvalue() == ""
    said = err.getvalue()
    assert said.startswith("frontdesk: Could not reach the clinic server (clinic_app@")
    assert "s3cret-word" not in said and said.count("\n") == 1


def test_restore_switches_only_after_the_check(server: DemoServer, tmp_path: Path) -> None:
    dump = backup(server, tmp_path)
    before = server.counts()
    remembered: list[str] = []
    out, err = io.StringIO(), io.StringIO()

    code = run_server_restore(
        server.app(), dump, admin=server.admin, yes=True, out=out, err=err, now=NOW,
        files=tmp_path / "ws.server", remember=remembered.append,
    )  # fmt: skip

    assert (code, err.getvalue()) == (0, "")
    new_name = "clinic_20261126_103000"
    try:
        address = restored_address(server.app(), new_name)
        assert remembered == [address]
        assert server.password not in address + out.getvalue()
        said = out.getvalue()
        assert f"into the new database {new_name}" in said
        assert f"The workstations now use: {address}" in said
        assert "The previous database clinic was left as it was" in said
        assert server.counts() == before  # the clinic's database is not touched
        restored = server.counts(new_name)
        # The dump was taken before the backup's own audit line; the restore adds its own.
        assert restored["audit"] == (before["audit"] - 1) + 1
        assert {k: v for k, v in restored.items() if k not in ("audit", "audit_head")} == {
            k: v for k, v in before.items() if k not in ("audit", "audit_head")
        }
        assert server.last_audit(new_name)[0] == "restore"
        reopened = open_server(
            with_password(address, server.password), fixed_clock(NOW), files=tmp_path / "w"
        )
        try:
            assert reopened.audit.verify() is None  # the chain, read as a workstation reads it
            assert reopened.patients.count(include_archived=True) == before["patients"]
        finally:
            reopened.close()
    finally:
        dumps.drop_restored(server.admin, new_name)


def test_restore_asks_first_and_no_changes_nothing(server: DemoServer, tmp_path: Path) -> None:
    dump = backup(server, tmp_path)
    before = server.databases()
    asked: list[str] = []
    out, err = io.StringIO(), io.StringIO()

    def answer(prompt: str) -> str:
        asked.append(prompt)
        return "no"

    code = run_server_restore(
        server.app(), dump, admin=server.admin, yes=False, ask=answer, out=out, err=err, now=NOW
    )

    assert code == 1 and err.getvalue() == ""
    assert asked == ["Type yes to restore it here: "]
    assert "into a new database on the clinic server" in out.getvalue()
    assert "The database clinic itself is not changed." in out.getvalue()
    assert out.getvalue().endswith("Nothing was changed.\n")
    assert server.databases() == before


def test_a_broken_audit_chain_is_refused_and_its_copy_removed(
    server: DemoServer, tmp_path: Path
) -> None:
    with server.connect("postgres") as conn:
        conn.execute("CREATE DATABASE tampered TEMPLATE clinic")
    try:
        with server.connect("tampered") as conn:
            conn.execute("ALTER TABLE audit DISABLE TRIGGER USER")
            conn.execute('UPDATE audit SET after = \'{"name": "someone else"}\' WHERE id = 5')
        dump = ServerBackupService(
            server.cluster.url("tampered"), fixed_clock(NOW), tmp_path / "ws.server"
        ).back_up_to(tmp_path / "b")
        before = server.databases()
        out, err = io.StringIO(), io.StringIO()

        code = run_server_restore(
            server.app(), dump, admin=server.admin, yes=True, out=out, err=err, now=NOW
        )

        assert code == 1
        assert "The audit trail in the backup is not whole" in err.getvalue()
        assert "nothing was switched" in err.getvalue()
        assert server.databases() == before
    finally:
        with server.connect("postgres") as conn:
            conn.execute("DROP DATABASE tampered WITH (FORCE)")


def test_restore_without_the_right_to_create_databases_says_what_is_needed(
    server: DemoServer, tmp_path: Path
) -> None:
    dump = backup(server, tmp_path)
    out, err = io.StringIO(), io.StringIO()

    code = run_server_restore(server.app(), dump, yes=True, out=out, err=err, now=NOW)

    assert code == 1
    assert "the right to create databases" in err.getvalue()
    assert server.password not in err.getvalue()


def test_a_file_that_is_no_backup_is_refused_before_anything(
    server: DemoServer, tmp_path: Path
) -> None:
    stranger = tmp_path / "clinic-manual-20261126-103000.dump"
    stranger.write_text("hello\n")
    out, err = io.StringIO(), io.StringIO()

    code = run_server_restore(server.app(), stranger, yes=True, out=out, err=err, now=NOW)

    assert code == 1 and out.getvalue() == ""
    assert err.getvalue().startswith(f"frontdesk: {stranger} cannot be restored:")


def test_the_daily_backup_is_taken_once_a_day(server: DemoServer, tmp_path: Path) -> None:
    """What the server's timer (docs/server-backup.service) and the marked workstation run."""
    said = []
    for _ in range(2):
        out, err = io.StringIO(), io.StringIO()
        code = run_server_backup(
            server.app(), tmp_path / "b", NOW, out, err, files=tmp_path / "ws.server", daily=True
        )
        assert (code, err.getvalue()) == (0, "")
        said.append(out.getvalue())

    assert said[0] == f"{tmp_path / 'b' / 'clinic-daily-20261126-103000.dump'}\n"
    assert said[1] == "Today's backup was taken already.\n"
    assert [path.name for path in (tmp_path / "b").iterdir()] == [
        "clinic-daily-20261126-103000.dump"
    ]


def test_the_servers_timer_runs_the_daily_backup() -> None:
    docs = Path(__file__).resolve().parents[1] / "docs"
    service = (docs / "server-backup.service").read_text()
    timer = (docs / "server-backup.timer").read_text()
    assert "User=postgres" in service and "UMask=0077" in service
    assert (
        "Environment=FRONTDESK_SERVER=postgresql:///frontdesk?host=/var/run/postgresql" in service
    )
    assert " backup --daily --to /var/backups/frontdesk" in service
    assert "OnCalendar=" in timer and "Persistent=true" in timer
    marked = (docs / "workstation-backup.service").read_text()  # the marked workstation's
    assert "UMask=0077" in marked and "/bin/frontdesk backup --daily" in marked
    assert "Persistent=true" in (docs / "workstation-backup.timer").read_text()


def test_frontdesk_restore_switches_this_workstation_to_the_new_database(
    server: DemoServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`frontdesk --server URL restore FILE --admin URL --yes`, as the admin types it: the
    workstation then remembers the new database and its keyring holds the password for it, so
    plain `frontdesk` commands go there."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.delenv("FRONTDESK_DB", raising=False)
    monkeypatch.delenv("FRONTDESK_SERVER", raising=False)
    from frontdesk.cli import main
    from frontdesk.workstation import load

    assert main(["--server", server.app(), "backup", "--to", str(tmp_path / "b")]) == 0
    dump = Path(capsys.readouterr().out.strip().splitlines()[-1])
    before = server.databases()

    assert (
        main(["--server", server.app(), "restore", str(dump), "--admin", server.admin, "--yes"])
        == 0
    )

    made = server.databases() - before
    assert len(made) == 1
    new_name = made.pop()
    try:
        said = capsys.readouterr()
        assert f"into the new database {new_name}" in said.out
        assert server.password not in said.out + said.err
        remembered = load().server
        assert remembered is not None and f"/{new_name}?" in remembered
        assert server.password not in remembered
        assert main(["audit", "verify"]) == 0  # the remembered server, the keyring's password
        verified = capsys.readouterr().out
        assert f"/{new_name}) is intact" in verified
    finally:
        dumps.drop_restored(server.admin, new_name)
