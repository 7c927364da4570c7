"""The workstation's and the admin's command line for the clinic server, against a real
throwaway cluster of this module's own (password sign-in for the clinics' roles, as a real
server has): `server init [--demo]`, `--server URL` (TLS, the password into the keyring, the
server remembered), `audit verify` and `handout` on the server, and a server that is not there.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from frontdesk import cli
from frontdesk.domain.staff import Role
from frontdesk.paths import workstation_settings_path
from frontdesk.services.clinic import ServerUnreachable, open_server
from frontdesk.storage import keyring_store
from frontdesk.storage.postgres_cluster import Cluster, server_bin
from frontdesk.storage.postgres_server import create_clinic_database
from frontdesk.storage.server_address import (
    address_for_people,
    keyring_name,
    with_database,
    with_password,
    without_password,
    workstation_address,
)
from frontdesk.workstation import (
    BOTH_GIVEN,
    ChoiceRefused,
    Opening,
    Workstation,
    chosen_server,
    load,
    open_on_server,
    prepare,
    remember,
)
from tests.server_fixtures import own_cluster

PORT = 55441  # this module's cluster; other suites use their own ports


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    """The clinics' roles sign in with their password (scram), as on a real server; the
    superuser, who runs `server init` here, is trusted on the socket."""
    with own_cluster(PORT) as made:
        (made.data_dir / "pg_hba.conf").write_text(
            "local all postgres trust\nlocal all all scram-sha-256\n"
        )
        made.restart()
        yield made


@pytest.fixture
def workstation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This test's own config and data folders (the settings file, the server's logs)."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.delenv("FRONTDESK_DB", raising=False)
    monkeypatch.delenv("FRONTDESK_SERVER", raising=False)
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    return tmp_path


def frontdesk(*args: str) -> subprocess.CompletedProcess:
    """The command as a workstation runs it (no terminal: nothing can be asked)."""
    return subprocess.run(
        [sys.executable, "-m", "frontdesk", *args],
        env=dict(os.environ),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )


def init(cluster: Cluster, name: str, *extra: str) -> tuple[str, str, str]:
    """Runs `server init`; returns (the workstations' address, password, all it printed)."""
    result = frontdesk("server", "init", cluster.url(), "--name", name, *extra)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    address = next(line for line in lines if "frontdesk --server" in line)
    address = address.split("--server", 1)[1].strip().strip("'")
    password = lines[lines.index(next(x for x in lines if "shown this once" in x)) + 1].strip()
    return address, password, result.stdout


# --- Addresses, settings and the choice of database (no server needed) ----------------------


def test_a_tcp_address_requires_tls_and_a_ca_file_makes_it_verify_the_server() -> None:
    given = workstation_address("postgresql://clinic_app:pw%40x@db.clinic.lan:5433/clinic")
    assert given.address == "postgresql://clinic_app@db.clinic.lan:5433/clinic?sslmode=require"
    assert given.password == "pw@x"  # taken out: the remembered address has none
    checked = workstation_address("postgresql://clinic_app@db.clinic.lan/clinic", "/etc/ca.pem")
    assert "sslmode=verify-full" in checked.address
    assert "sslrootcert=/etc/ca.pem" in checked.address
    kept = workstation_address("postgresql://u@h/c?sslmode=verify-ca")
    assert "sslmode=verify-ca" in kept.address and "require" not in kept.address


def test_a_unix_socket_address_needs_no_tls() -> None:
    local = workstation_address("postgresql://u@/clinic?host=/run/postgresql&port=5432")
    assert "sslmode" not in local.address
    assert "sslmode" not in workstation_address("postgresql://u@/clinic").address


def test_the_password_is_put_back_only_into_what_a_connection_opens() -> None:
    address = "postgresql://clinic_app@db.clinic.lan/clinic?sslmode=require"
    opened = with_password(address, "a b&c?d")
    assert workstation_address(opened).password == "a b&c?d"
    assert keyring_name(opened) == keyring_name(address) == "clinic_app@db.clinic.lan/clinic"
    assert "a b" not in address_for_people(opened)


def test_another_database_keeps_the_server_role_options_and_password() -> None:
    """One function moves an address to another database (made, restored, or the owner's):
    the TLS options, a socket folder and the password go with it; a URL or key=value words."""
    tcp = "postgresql://clinic_app:pw%40x@db.clinic.lan:5433/clinic?sslmode=verify-full&sslrootcert=/etc/ca.pem"
    moved = with_database(tcp, "clinic_20261126_103000")
    assert workstation_address(moved).password == "pw@x"
    assert keyring_name(moved) == "clinic_app@db.clinic.lan:5433/clinic_20261126_103000"
    assert "sslmode=verify-full" in moved and "sslrootcert=/etc/ca.pem" in moved
    remembered = without_password(moved)
    assert workstation_address(remembered).password is None
    assert remembered == workstation_address(moved).address  # nothing else changed
    socket = with_database("host=/run/postgresql port=5433 user=admin password=s dbname=x", "c")
    assert socket == "postgresql://admin:s@/c?host=/run/postgresql&port=5433"


def test_server_and_db_on_one_command_line_are_refused_in_words() -> None:
    with pytest.raises(ChoiceRefused) as refused:
        chosen_server("postgresql://u@h/c", "clinic.sqlite3", demo=False, env={})
    assert str(refused.value) == BOTH_GIVEN
    with pytest.raises(ChoiceRefused):
        chosen_server(None, None, demo=False, env={"FRONTDESK_DB": "x", "FRONTDESK_SERVER": "y"})


def test_which_database_opens_command_line_then_environment_then_remembered() -> None:
    remembered = Workstation("postgresql://u@h/remembered?sslmode=require")
    choose = chosen_server
    assert choose("postgresql://u@h/cli", None, demo=False, env={}, settings=remembered) == (
        "postgresql://u@h/cli"
    )
    assert choose(None, "f.sqlite3", demo=False, env={}, settings=remembered) is None
    env = {"FRONTDESK_SERVER": "postgresql://u@h/env"}
    assert choose(None, None, demo=False, env=env, settings=remembered) == "postgresql://u@h/env"
    assert choose(None, None, demo=False, env={"FRONTDESK_DB": "f"}, settings=remembered) is None
    assert choose(None, None, demo=False, env={}, settings=remembered) == remembered.server
    # The demo has its own file: --demo never goes to the remembered server.
    assert choose(None, None, demo=True, env={}, settings=remembered) is None
    assert choose(None, None, demo=False, env={}, settings=Workstation()) is None


def test_the_settings_file_is_the_users_alone_and_never_holds_a_password(
    workstation: Path,
) -> None:
    path = remember(Workstation("postgresql://u@h/c?sslmode=require", "/etc/ca.pem"))
    assert path == workstation_settings_path()
    assert path.is_relative_to(workstation / "config")
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert load() == Workstation("postgresql://u@h/c?sslmode=require", "/etc/ca.pem")
    with pytest.raises(ValueError):
        remember(Workstation("postgresql://u:secret@h/c"))
    assert "secret" not in path.read_text()


def test_the_keyring_keeps_a_servers_password_under_its_address(workstation: Path) -> None:
    address = "postgresql://clinic_app@db.clinic.lan/clinic?sslmode=require"
    assert keyring_store.server_password(address) is None
    keyring_store.keep_server_password(address, "s3cret")
    assert keyring_store.server_password(address) == "s3cret"
    # The same server and database, whatever TLS options the address carries.
    assert keyring_store.server_password("postgresql://clinic_app@db.clinic.lan/clinic") == (
        "s3cret"
    )
    assert keyring_store.server_password("postgresql://other@db.clinic.lan/clinic") is None


def test_without_a_keyring_a_given_password_is_used_once_and_said_so(
    workstation: Path, no_keyring: None, capsys: pytest.CaptureFixture[str]
) -> None:
    opening = prepare("postgresql://u:pw@db.clinic.lan/c")
    assert opening.address == "postgresql://u@db.clinic.lan/c?sslmode=require"
    assert workstation_address(opening.connect).password == "pw"
    assert "used this once and kept nowhere" in capsys.readouterr().err


# --- server init ---------------------------------------------------------------------------


def test_server_init_prints_the_workstations_address_and_its_password_once(
    cluster: Cluster, workstation: Path
) -> None:
    address, password, said = init(cluster, "init_clinic")
    assert address.startswith("postgresql://init_clinic_app@/init_clinic?host=")
    assert said.count(password) == 1
    assert "keyring" in said and "creates the admin account" in said
    # The role signs in with that password, and only with it.
    with pytest.raises(ServerUnreachable, match="password"):
        open_server(address)
    clinic = open_server(with_password(address, password))
    try:
        # The first workstation makes the admin account, as a new clinic file does.
        assert clinic.staff.needs_first_admin()
        clinic.staff.create_first_admin("Office admin", "office", "a-long-admin-password")
        assert not clinic.staff.needs_first_admin()
        signed = clinic.login.sign_in("office", "a-long-admin-password")
        assert signed.role is Role.ADMIN
    finally:
        clinic.close()
    again = frontdesk("server", "init", cluster.url(), "--name", "init_clinic")
    assert again.returncode == 1
    assert "already has a database called init_clinic: nothing was changed" in again.stderr


def test_server_init_demo_makes_the_demo_there_and_as_role_signs_in(
    cluster: Cluster, workstation: Path
) -> None:
    address, password, said = init(cluster, "init_demo", "--demo")
    assert "demo clinic" in said
    clinic = open_server(with_password(address, password))
    try:
        assert clinic.login.is_demo()
        assert clinic.patients.count(include_archived=True) > 50
        assert clinic.login.sign_in_demo(Role.DOCTOR).role is Role.DOCTOR
    finally:
        clinic.close()
    # A workstation: the password given once in the address goes to the keyring, the window
    # opens signed in as the doctor, and the server (without its password) is remembered.
    once = with_password(address, password)
    started = frontdesk("--server", once, "--as", "doctor", "--smoke")
    assert started.returncode == 0, started.stderr
    assert "first paint" in started.stdout
    assert "now kept in this computer's keyring" in started.stderr
    settings = json.loads(workstation_settings_path().read_text())
    assert settings["server"] == address and password not in settings["server"]
    assert keyring_store.server_password(address) == password
    # Plain `frontdesk` goes to the remembered server, its password from the keyring: no
    # clinic file is made on this computer.
    plain = frontdesk("--smoke")
    assert plain.returncode == 0, plain.stderr
    assert "first paint" in plain.stdout
    assert not list((workstation / "data").rglob("*.sqlite3"))
    # --as without --server is the demo's own file, never the remembered server.
    demo_file = frontdesk("--as", "front_desk", "--smoke")
    assert demo_file.returncode == 2  # a new, empty demo file: not filled without --demo
    assert [p.name for p in (workstation / "data").rglob("*.sqlite3")] == ["frontdesk-demo.sqlite3"]
    # The password is in no file this workstation wrote.
    for path in (workstation / "config").rglob("*"):
        if path.is_file():
            assert password not in path.read_text(errors="replace")
    for path in (workstation / "data").rglob("*"):
        if path.is_file():
            assert password not in path.read_text(errors="replace")
    # And the audit trail is read on the server.
    verified = frontdesk("--server", address, "audit", "verify")
    assert verified.returncode == 0, verified.stderr
    assert "on the clinic server" in verified.stdout and "is intact" in verified.stdout


def test_audit_verify_on_the_server_finds_a_changed_line(
    cluster: Cluster, workstation: Path
) -> None:
    address, password, _ = init(cluster, "tampered", "--demo")
    owner = open_server(cluster.url("tampered"))  # the superuser: nothing stops it
    try:
        owner._db.execute("ALTER TABLE audit DISABLE TRIGGER audit_no_update")
        owner._db.execute("UPDATE audit SET after = '{}' WHERE id = 3")
        owner._db.execute("ALTER TABLE audit ENABLE TRIGGER audit_no_update")
    finally:
        owner.close()
    result = frontdesk("--server", with_password(address, password), "audit", "verify")
    assert result.returncode == 1
    assert "Audit trail broken at row 3" in result.stderr


def test_a_password_the_keyring_lacks_is_asked_and_then_kept(
    cluster: Cluster, workstation: Path
) -> None:
    address, password, _ = init(cluster, "asked")
    opening = prepare(address)
    assert opening.connect == opening.address  # nothing kept yet
    typed: list[str] = []

    def ask(prompt: str) -> str:
        typed.append(prompt)
        return "wrong" if len(typed) == 1 else password

    clinic = open_on_server(opening, ask=ask)
    clinic.close()
    assert len(typed) == 2 and address_for_people(address) in typed[0]
    assert keyring_store.server_password(address) == password
    # Without a terminal nothing can be asked: said, with what to do.
    other, _, _ = init(cluster, "unasked")
    nobody = frontdesk("--server", other, "audit", "verify")
    assert nobody.returncode == 2
    assert "run `frontdesk --server URL` once from a terminal" in nobody.stderr


def test_handout_on_the_server_saves_the_pdf(cluster: Cluster, workstation: Path) -> None:
    address, password, _ = init(cluster, "handouts", "--demo")
    out = workstation / "handout.pdf"
    result = frontdesk(
        "--server", with_password(address, password), "handout", "--patient", "1",
        "--kind", "consultation", "--out", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert out.read_bytes().startswith(b"%PDF")


def test_backup_on_the_server_prints_the_checked_dump(cluster: Cluster, workstation: Path) -> None:
    address, password, _ = init(cluster, "dumped", "--demo")
    result = frontdesk(
        "--server", with_password(address, password), "backup", "--to", str(workstation / "b")
    )
    assert result.returncode == 0, result.stderr
    dump = Path(result.stdout.strip().splitlines()[-1])
    assert dump.parent == workstation / "b" and dump.stat().st_size > 0


# --- A server that does not answer ---------------------------------------------------------


def test_an_unreachable_server_is_named_and_the_command_exits_2(workstation: Path) -> None:
    gone = "postgresql://clinic_app@127.0.0.1:9/clinic"
    for args in (("audit", "verify"), ("--as", "doctor"), ("--smoke",)):
        result = frontdesk("--server", gone, *args)
        assert result.returncode == 2, (args, result.stderr)
        assert "Could not reach the clinic server (clinic_app@127.0.0.1:9/clinic)" in (
            result.stderr
        )
        assert "Traceback" not in result.stderr
    assert not workstation_settings_path().exists()  # a server never reached is not remembered


def test_both_given_and_the_demo_on_a_server_are_refused_in_words(workstation: Path) -> None:
    both = frontdesk("--server", "postgresql://u@h/c", "--db", str(workstation / "x.sqlite3"))
    assert both.returncode == 2 and BOTH_GIVEN in both.stderr
    demo = frontdesk("--server", "postgresql://u@h/c", "--demo", "--smoke")
    assert demo.returncode == 2 and "server init URL --demo" in demo.stderr
    daily = frontdesk("--db", str(workstation / "x.sqlite3"), "backup", "--daily")
    assert daily.returncode == 1 and "--daily is for the clinic server's backups" in daily.stderr


def test_the_command_line_parses_the_server_commands() -> None:
    parser = cli.build_parser()
    init_args = parser.parse_args(["server", "init", "postgresql://p@h/postgres", "--demo"])
    assert (init_args.server_command, init_args.name, init_args.demo) == (
        "init", "frontdesk", True,
    )  # fmt: skip
    restore = parser.parse_args(["restore", "--server", "postgresql://x", "a.dump", "--admin", "y"])
    assert (restore.server, restore.admin) == ("postgresql://x", "y")
    move_args = parser.parse_args(
        ["server", "move", "--from", "a.sqlite3", "--to", "postgresql://x"]
    )
    assert (move_args.source, move_args.target) == ("a.sqlite3", "postgresql://x")
    on_server = parser.parse_args(["audit", "--server", "postgresql://x", "verify"])
    assert on_server.server == "postgresql://x"


def test_an_opening_is_what_prepare_gives(workstation: Path) -> None:
    opening = prepare("postgresql://u@db.clinic.lan/c", "/etc/ca.pem")
    assert opening == Opening(
        "postgresql://u@db.clinic.lan/c?sslmode=verify-full&sslrootcert=/etc/ca.pem",
        "postgresql://u@db.clinic.lan/c?sslmode=verify-full&sslrootcert=/etc/ca.pem",
        "/etc/ca.pem",
    )


# --- TLS on a TCP address (a cluster of its own, listening on 127.0.0.1 with a certificate) ---

TLS_PORT = 55444


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def _authority(folder: Path, name: str) -> None:
    _openssl(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", f"/CN={name}",
        "-keyout", f"{name}.key", "-out", f"{name}.crt", cwd=folder,
    )  # fmt: skip


@pytest.fixture(scope="module")
def tls_cluster() -> Iterator[tuple[Cluster, Path]]:
    """A cluster reached over TCP with TLS only (hostssl), its certificate signed by the
    clinic's own authority for 127.0.0.1; (cluster, the folder of the certificates)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed: no certificate for the TLS server")
    with own_cluster(TLS_PORT) as made:
        certs = made.folder / "certs"
        certs.mkdir()
        _authority(certs, "clinic-ca")
        _authority(certs, "other-ca")
        (certs / "san.cnf").write_text("subjectAltName = IP:127.0.0.1\n")
        _openssl(
            "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
            "-keyout", "server.key", "-out", "server.csr", cwd=certs,
        )  # fmt: skip
        _openssl(
            "x509", "-req", "-in", "server.csr", "-CA", "clinic-ca.crt", "-CAkey",
            "clinic-ca.key", "-CAcreateserial", "-days", "2", "-extfile", "san.cnf",
            "-out", "server.crt", cwd=certs,
        )  # fmt: skip
        (certs / "server.key").chmod(0o600)
        if os.geteuid() == 0:  # the cluster runs as postgres, who must own its key
            owner = pwd.getpwnam("postgres")
            for path in (certs, certs / "server.key", certs / "server.crt"):
                os.chown(path, owner.pw_uid, owner.pw_gid)
        (made.data_dir / "pg_hba.conf").write_text(
            "local all all trust\nhostssl all all 127.0.0.1/32 trust\n"
        )
        made.stop()
        options = (
            f"-k {made.socket_dir} -c listen_addresses=127.0.0.1 -p {TLS_PORT} -c ssl=on"
            f" -c ssl_cert_file={certs / 'server.crt'} -c ssl_key_file={certs / 'server.key'}"
        )
        made._run(
            str(server_bin() / "pg_ctl"), "-D", str(made.data_dir), "-o", options,
            "-l", str(made.folder / "server.log"), "-w", "start",
        )  # fmt: skip
        create_clinic_database(made.url(), "tls_clinic", "2026-11-26T10:30:00-08:00")
        yield made, certs


def _uses_tls(clinic) -> bool:
    row = clinic._db.execute("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
    return bool(row.fetchone()[0])


def test_a_tcp_server_is_reached_over_tls_and_a_ca_file_checks_who_it_is(
    tls_cluster: tuple[Cluster, Path], workstation: Path
) -> None:
    _cluster, certs = tls_cluster
    given = f"postgresql://tls_clinic_app@127.0.0.1:{TLS_PORT}/tls_clinic"
    opening = prepare(given)
    assert opening.address.endswith("sslmode=require")
    clinic = open_on_server(opening)
    try:
        assert _uses_tls(clinic)
    finally:
        clinic.close()
    checked = prepare(given, str(certs / "clinic-ca.crt"))
    assert "sslmode=verify-full" in checked.address
    clinic = open_on_server(checked)
    try:
        assert _uses_tls(clinic)
    finally:
        clinic.close()
    # A server whose certificate the clinic's authority did not sign is refused.
    with pytest.raises(ServerUnreachable, match="certificate verify failed"):
        open_on_server(prepare(given, str(certs / "other-ca.crt")))
    # Without TLS the server does not let anyone in (hostssl), and the app never asks so.
    with pytest.raises(ServerUnreachable):
        open_on_server(prepare(given + "?sslmode=disable"))


def test_the_ca_file_given_once_is_remembered_with_the_server(
    tls_cluster: tuple[Cluster, Path], workstation: Path
) -> None:
    _cluster, certs = tls_cluster
    given = f"postgresql://tls_clinic_app@127.0.0.1:{TLS_PORT}/tls_clinic"
    ca = certs / "clinic-ca.crt"
    first = frontdesk("--server", given, "--server-ca", str(ca), "--smoke")
    assert first.returncode == 0, first.stderr
    assert load() == Workstation(prepare(given, str(ca)).address, str(ca))
    again = frontdesk("audit", "verify")  # the remembered server, checked against its CA
    assert again.returncode == 0, again.stderr
