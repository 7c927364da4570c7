"""The server benchmark's clinic: a local cluster that writes as a clinic's server does, with
the synthetic registry of bench/synthetic.py loaded by COPY.

The tests' throwaway cluster runs with fsync off (fast, and nothing there must survive a
crash); a benchmark of bookings on such a server would flatter it. This one keeps PostgreSQL's
defaults (fsync, synchronous_commit, full_page_writes on) and turns on commit timestamps, by
which the live-update latency is measured from each COMMIT.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from bench.synthetic import people
from frontdesk.storage.patients import _columns
from frontdesk.storage.postgres_cluster import Cluster, server_bin, throwaway_cluster
from frontdesk.storage.postgres_server import create_clinic_database

DBNAME = "bench_clinic"
LOADED_AT = "2026-11-26T09:00:00-08:00"  # the SQLite clinics' created_at (bench/synthetic)
ROWS_PER_NOTE = 100_000


class DurableCluster(Cluster):
    """A throwaway cluster started with PostgreSQL's durable defaults, unlike the tests'."""

    def start(self) -> DurableCluster:
        if not (self.data_dir / "PG_VERSION").exists():
            super().start()  # initdb (as the postgres user when root), then the tests' start
            self.stop()
        self._pg_ctl_start()
        return self

    def _pg_ctl_start(self) -> None:
        options = (
            f"-k {self.socket_dir} -c listen_addresses='' -p {self.port}"
            " -c max_connections=200 -c track_commit_timestamp=on"
            " -c shared_buffers=512MB -c maintenance_work_mem=512MB"
        )
        self._run(
            str(server_bin() / "pg_ctl"), "-D", str(self.data_dir), "-o", options,
            "-l", str(self.folder / "server.log"), "-w", "start",
        )  # fmt: skip


@dataclass
class BenchServer:
    cluster: Cluster
    owner_url: str  # the clinic database as its owner (the loader, the trigger)
    app_url: str  # as the workstations connect: the least-privilege app role

    def remove(self) -> None:
        self.cluster.remove()


def start_server(port: int, durable: bool = True) -> BenchServer:
    """A new cluster on `port` with an empty clinic made by `frontdesk server init`'s code."""
    cluster: Cluster
    if durable:
        folder = Path(tempfile.mkdtemp(prefix="frontdesk-pg-bench-"))
        folder.chmod(0o755)
        cluster = DurableCluster(folder, port)
        try:
            cluster.start()
        except BaseException:
            cluster.remove()
            raise
    else:
        cluster = throwaway_cluster(port)
    try:
        role, password = create_clinic_database(cluster.url(), DBNAME, LOADED_AT)
    except BaseException:
        cluster.remove()
        raise
    return BenchServer(
        cluster, cluster.url(DBNAME), cluster.url(DBNAME, user=role, password=password)
    )


def _patient_rows(count: int) -> Any:
    """(patient row, its later name words) for the same registry bench/synthetic writes."""
    for patient_id, fields in enumerate(people(count), start=1):
        values = _columns(fields) | {
            "created_at": LOADED_AT,
            "updated_at": LOADED_AT,
            "archived": 0,
        }
        yield patient_id, values, sorted(fields.later_name_words)


def load_patients(owner_url: str, count: int) -> float:
    """COPYs `count` patients (and their name words) into the empty clinic, with the values
    PatientRepository.insert would write, indexes built afterwards; returns seconds taken."""
    started = time.perf_counter()
    with psycopg.connect(owner_url, autocommit=True) as conn:
        conn.execute("SET maintenance_work_mem = '512MB'")
        indexes = conn.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes AS i"
            " WHERE i.tablename IN ('patients', 'patient_name_words')"
            " AND NOT EXISTS (SELECT 1 FROM pg_constraint AS c"
            "   WHERE c.conindid = (quote_ident(i.indexname))::regclass)"
        ).fetchall()
        for name, _ in indexes:
            conn.execute(f"DROP INDEX {name}")
        words: list[tuple[str, int]] = []
        columns: list[str] | None = None
        with conn.transaction(), conn.cursor() as cursor:
            rows = _patient_rows(count)
            first_id, first_values, first_words = next(rows)
            columns = ["id", *first_values]
            copy_sql = f"COPY patients ({', '.join(columns)}) FROM STDIN"
            with cursor.copy(copy_sql) as copy:
                for patient_id, values, later in _chain_first(
                    (first_id, first_values, first_words), rows
                ):
                    copy.write_row([patient_id, *(_stored(v) for v in values.values())])
                    words.extend((word, patient_id) for word in later)
                    if patient_id % ROWS_PER_NOTE == 0:
                        print(f"  loaded {patient_id:,} patients", file=sys.stderr)
            with cursor.copy("COPY patient_name_words (word, patient_id) FROM STDIN") as copy:
                for row in words:
                    copy.write_row(row)
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('patients', 'id'), max(id)) FROM patients"
            )
        for _, definition in indexes:
            conn.execute(definition)
        conn.execute("VACUUM (ANALYZE) patients")
        conn.execute("VACUUM (ANALYZE) patient_name_words")
    return time.perf_counter() - started


def _chain_first(first: Any, rest: Any) -> Any:
    yield first
    yield from rest


def _stored(value: Any) -> Any:
    """As PgConnection stores it: a bool as 0 or 1 (the columns are integers, as in SQLite)."""
    return int(value) if isinstance(value, bool) else value


def same_as_file(owner_url: str, path: Path, sample: int = 2000) -> str:
    """Whether the server holds what PatientRepository wrote into the SQLite file: every column
    of `sample` patients picked at random, every name word, and the counts; in a sentence."""
    from frontdesk.storage.engine import sqlite3

    file = sqlite3.connect(path)
    try:
        columns = [row[1] for row in file.execute("PRAGMA table_info(patients)")]
        count = file.execute("SELECT count(*) FROM patients").fetchone()[0]
        ids = random.Random(1).sample(range(1, count + 1), min(sample, count))
        listed = ", ".join(columns)
        in_file = file.execute(
            f"SELECT {listed} FROM patients WHERE id IN ({', '.join(map(str, ids))}) ORDER BY id"
        ).fetchall()
        file_words = sorted(file.execute("SELECT word, patient_id FROM patient_name_words"))
    finally:
        file.close()
    with psycopg.connect(owner_url, autocommit=True) as conn:
        on_server = conn.execute(
            f"SELECT {listed} FROM patients WHERE id = ANY(%s) ORDER BY id", [ids]
        ).fetchall()
        server_count = conn.execute("SELECT count(*) FROM patients").fetchone()
        server_words = sorted(conn.execute("SELECT word, patient_id FROM patient_name_words"))
    differ = sum(tuple(a) != tuple(b) for a, b in zip(on_server, in_file, strict=False))
    same = (
        not differ
        and len(on_server) == len(in_file)
        and server_count is not None
        and server_count[0] == count
        and [tuple(w) for w in server_words] == [tuple(w) for w in file_words]
    )
    said = (
        f"{len(ids):,} random patients compared in all {len(columns)} columns ({differ} differ),"
        f" {len(file_words):,} name words, {count:,} patients"
    )
    return ("the server holds the file's registry: " if same else "DIFFERS from the file: ") + said
