"""A throwaway PostgreSQL cluster in a folder: for the tests, the benchmarks and the demo trial.

initdb and pg_ctl from the installed server packages (Debian's `postgresql`); the cluster
listens only on a Unix socket in its own folder. initdb refuses to run as root, so as root the
cluster runs as the `postgres` system user the package creates (`runuser -u postgres`).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

SUPERUSER = "postgres"


class ClusterFailed(RuntimeError):
    """initdb or pg_ctl refused; the message carries what it said."""


class NoServerInstalled(RuntimeError):
    """initdb and pg_ctl were not found."""


def server_bin() -> Path:
    """The newest installed server's programs (Debian keeps them out of PATH)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version)
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).parent
    raise NoServerInstalled(
        "PostgreSQL's server programs (initdb, pg_ctl) are not installed: on Debian or Ubuntu,"
        " `sudo apt install postgresql` (scripts/setup.sh --test does it)."
    )


def _version(path: str) -> int:
    try:
        return int(Path(path).parts[-3])
    except (ValueError, IndexError):
        return 0


@dataclass
class Cluster:
    folder: Path
    port: int = 5432

    @property
    def socket_dir(self) -> Path:
        return self.folder / "socket"

    @property
    def data_dir(self) -> Path:
        return self.folder / "data"

    def url(self, dbname: str = "postgres", user: str = SUPERUSER, password: str = "") -> str:
        who = quote(user, safe="") + (":" + quote(password, safe="") if password else "")
        host = quote(str(self.socket_dir), safe="")
        return f"postgresql://{who}@/{dbname}?host={host}&port={self.port}"

    def start(self) -> Cluster:
        binaries = server_bin()
        self.socket_dir.mkdir(parents=True, exist_ok=True)
        owner = _run_as()
        if owner is not None:
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)
            os.chown(self.socket_dir, owner.pw_uid, owner.pw_gid)
        if not (self.data_dir / "PG_VERSION").exists():
            self._run(
                str(binaries / "initdb"), "-D", str(self.data_dir), "-U", SUPERUSER,
                "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync",
            )  # fmt: skip
        options = (
            f"-k {self.socket_dir} -c listen_addresses='' -p {self.port}"
            " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            " -c max_connections=200"
        )
        self._run(
            str(binaries / "pg_ctl"), "-D", str(self.data_dir), "-o", options,
            "-l", str(self.folder / "server.log"), "-w", "start",
        )  # fmt: skip
        return self

    def stop(self, mode: str = "fast") -> None:
        self._run(
            str(server_bin() / "pg_ctl"), "-D", str(self.data_dir), "-m", mode, "-w", "stop",
            check=False,
        )  # fmt: skip

    def restart(self) -> None:
        self.stop("immediate")
        self.start()

    def remove(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)

    def _run(self, *command: str, check: bool = True) -> None:
        prefix = ["runuser", "-u", SUPERUSER, "--"] if _run_as() is not None else []
        done = subprocess.run(
            [*prefix, *command], check=False, capture_output=True, text=True, cwd=self.folder
        )
        if check and done.returncode != 0:  # what initdb or pg_ctl said, not only its status
            said = (done.stderr or done.stdout).strip().splitlines()[-5:]
            raise ClusterFailed(
                f"{Path(command[0]).name} failed (exit {done.returncode}): " + " / ".join(said)
            )


def _run_as() -> pwd.struct_passwd | None:
    """The postgres user when running as root (initdb refuses root); else None."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(SUPERUSER)
    except KeyError as exc:
        raise NoServerInstalled(
            "Running as root needs the `postgres` system user that Debian's postgresql package"
            " creates, to run a cluster (initdb refuses root)."
        ) from exc


def throwaway_cluster(port: int = 5432) -> Cluster:
    """A new cluster in a new folder under the temporary directory, started."""
    folder = Path(tempfile.mkdtemp(prefix="frontdesk-pg-"))
    folder.chmod(0o755)
    return Cluster(folder, port).start()
