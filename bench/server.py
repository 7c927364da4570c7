"""Clinic server benchmark: search, booking, five workstations and live updates on a local
PostgreSQL server, each figure beside the same one on an SQLite file in the same run.

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m bench.server [--patients 1000000] [--seconds 60]

The server is a throwaway cluster on a Unix socket, started with PostgreSQL's durable defaults
(bench/server_load.py), holding the same synthetic registry as bench/out/clinic-N.sqlite3,
loaded by COPY; the workstations connect as the clinic's least-privilege app role. Goals
(issue 15): with 1M patients, search per keystroke p95 <= 16 ms; a booking's round trip
p95 <= 30 ms; five workstation processes booking for 60 s with 0 errors reaching a user (and
their throughput); live-update latency p95 <= 1 s, from COMMIT to the NOTIFY read on another
workstation's socket.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import psycopg

from bench.run import QUERIES, percentile
from bench.server_load import (
    BenchServer,
    load_patients,
    same_as_file,
    start_server,
)
from bench.server_workers import (
    XID_MARK,
    Tally,
    book_for,
    book_once,
    free_times,
    front_desk,
    listen,
    open_where,
    prepare,
    watch_file,
)
from bench.synthetic import OUT, clinic_file
from frontdesk.services.clinic import Clinic
from frontdesk.ui.models.patients_model import PAGE_SIZE

PORT = 55471
CHANNEL = "frontdesk"
# A trigger of the benchmark's sends, in each booking's own transaction, a notice holding that
# transaction's id, whose commit time the server keeps (track_commit_timestamp): the app's own
# notice (storage/live.py) arrives in the same delivery, at COMMIT; without it, this one is
# what is measured.
BENCH_NOTIFY = f"""
CREATE FUNCTION bench_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('{CHANNEL}', '{XID_MARK}' || (txid_current() % 4294967296)::text);
    RETURN NULL;
END $$;
CREATE TRIGGER bench_notify AFTER INSERT ON appointments
    FOR EACH STATEMENT EXECUTE FUNCTION bench_notify();
"""


def search_ms(clinic: Clinic, rounds: int) -> list[float]:
    """Each query typed a key at a time: PatientService.search as the registry's model calls
    it for every prefix (one page of PAGE_SIZE rows); round 0 warms the caches."""
    times: list[float] = []
    for round_no in range(rounds + 1):
        for query in QUERIES:
            for length in range(1, len(query) + 1):
                started = time.perf_counter()
                clinic.patients.search(query[:length], limit=PAGE_SIZE)
                if round_no:
                    times.append((time.perf_counter() - started) * 1000)
            clinic.patients.search("", limit=PAGE_SIZE)  # Escape clears the search box
    return times


def bookings(clinic: Clinic, times: list[datetime], twin: bool) -> Tally:
    """One booking after another through CalendarService.book, on the clinic's connection, or
    (`twin`) as a window saves: on a connection of its own opened for the write and closed
    after it (Clinic.twin, ui/operations._fill)."""
    actor = front_desk(clinic)
    patients = clinic.patients.count()
    tally = Tally()
    for n, starts in enumerate(times):
        patient_id = 1 + (n * 7919) % patients
        if not twin:
            book_once(clinic, actor, patient_id, starts, tally)
            continue
        began = time.perf_counter()
        own = clinic.twin()
        try:
            book_once(own, actor, patient_id, starts, tally)
        finally:
            own.close()
        tally.ms[-1] = (time.perf_counter() - began) * 1000
    return tally


def workstations(where: str, processes: int, seconds: float, first_time: int) -> list[Tally]:
    """`processes` workstation processes booking at once for `seconds` (bench/server_workers)."""
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    start_at = time.time() + 15  # time for every process to start, connect and read its times
    started = [
        context.Process(
            target=book_for,
            args=(where, index, processes, first_time, seconds, start_at, results),
        )
        for index in range(processes)
    ]
    for process in started:
        process.start()
    tallies = [Tally(**results.get(timeout=seconds + 300)) for _ in started]
    for process in started:
        process.join()
    return tallies


def live_server(
    server: BenchServer, clinic: Clinic, times: list[datetime], gap_s: float
) -> tuple[list[float], int]:
    """ms from each booking's COMMIT (the server's commit timestamp) to its notice being read
    on another workstation's socket, in another process; and how many of those reads held the
    app's own notice of the booking."""
    with psycopg.connect(server.owner_url, autocommit=True) as owner:
        owner.execute(BENCH_NOTIFY)
    context = multiprocessing.get_context("spawn")
    results, ready = context.Queue(), context.Event()
    listener = context.Process(
        target=listen, args=(server.app_url, CHANNEL, len(times), ready, results)
    )
    listener.start()
    ready.wait(60)
    actor = front_desk(clinic)
    tally = Tally()
    for n, starts in enumerate(times):
        book_once(clinic, actor, 1 + n, starts, tally)
        time.sleep(gap_s)
    heard: list[tuple[float, str]] = results.get(timeout=60)
    listener.join()
    # Each benchmark notice, and the app's notice read in the same delivery (if any).
    app_heard = {read_at for read_at, payload in heard if not payload.startswith(XID_MARK)}
    latencies, app_notices = [], 0
    with psycopg.connect(server.owner_url, autocommit=True) as owner:
        for read_at, payload in heard:
            if not payload.startswith(XID_MARK):
                continue
            app_notices += read_at in app_heard
            row = owner.execute(
                "SELECT extract(epoch FROM pg_xact_commit_timestamp(%s::xid))",
                [payload.removeprefix(XID_MARK)],
            ).fetchone()
            if row and row[0] is not None:
                latencies.append((read_at - float(row[0])) * 1000)
    if tally.booked != len(times) or len(latencies) != len(times):
        print(
            f"  live: {tally.booked} of {len(times)} booked, {len(latencies)} heard",
            file=sys.stderr,
        )
    return latencies, app_notices


def live_file(clinic: Clinic, times: list[datetime], gap_s: float, every_ms: float) -> list[float]:
    """ms from each booking call's return to another process seeing `PRAGMA data_version`
    change, asked every `every_ms` (the file's counterpart; the return is just after COMMIT)."""
    context = multiprocessing.get_context("spawn")
    results, ready = context.Queue(), context.Event()
    watcher = context.Process(
        target=watch_file, args=(str(clinic.path), len(times), every_ms, ready, results)
    )
    watcher.start()
    ready.wait(60)
    actor = front_desk(clinic)
    tally = Tally()
    returned: list[float] = []
    for n, starts in enumerate(times):
        book_once(clinic, actor, 1 + n, starts, tally)
        returned.append(time.time())
        time.sleep(gap_s)
    seen: list[float] = results.get(timeout=60)
    watcher.join()
    return [max(0.0, (s - r) * 1000) for s, r in zip(seen, returned, strict=False)]


# -- printing ------------------------------------------------------------------------------
def row(label: str, server: list[float], file: list[float], fraction: float) -> tuple[float, float]:
    p_server, p_file = percentile(server, fraction), percentile(file, fraction)
    ratio = f"{p_server / p_file:>7.2f}x" if p_file else f"{'-':>8}"
    print(f"  {label:44} {len(server):>5} {p_server:>9.2f} {p_file:>9.2f} {ratio}")
    return p_server, p_file


def say_workstations(label: str, tallies: list[Tally], seconds: float) -> dict[str, float]:
    booked = sum(t.booked for t in tallies)
    taken = sum(t.taken for t in tallies)
    in_words = [e for t in tallies for e in t.in_words]
    raw = [e for t in tallies for e in t.raw]
    ms = [m for t in tallies for m in t.ms]
    print(
        f"  {label:10} {len(ms):>8} {booked:>7} {taken:>6} {len(in_words):>7} {len(raw):>4}"
        f" {booked / seconds:>10.1f} {percentile(ms, 0.5) if ms else 0:>7.2f}"
        f" {percentile(ms, 0.95) if ms else 0:>7.2f} {max(ms, default=0):>7.1f}"
        + ("  (ran out of free times)" if any(t.exhausted for t in tallies) else "")
    )
    for said in sorted(set(in_words + raw))[:5]:
        print(f"      e.g. {said[:160]}")
    return {"booked/s": booked / seconds, "errors": len(in_words) + len(raw)}


def verdict(ok: bool, text: str) -> str:
    return f"  [{'met' if ok else 'MISSED'}] {text}"


def timed(what: str, work: Callable[[], Any]) -> Any:
    started = time.perf_counter()
    value = work()
    print(f"  ({what}: {time.perf_counter() - started:.1f} s)", file=sys.stderr)
    return value


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=60, help="the five workstations' run")
    parser.add_argument("--processes", type=int, default=5)
    parser.add_argument("--bookings", type=int, default=300, help="for the round trip")
    parser.add_argument("--rounds", type=int, default=5, help="of the search queries")
    parser.add_argument("--live", type=int, default=200, help="bookings heard live")
    parser.add_argument("--gap-ms", type=float, default=50, help="between those bookings")
    parser.add_argument("--poll-ms", type=float, default=1, help="SQLite data_version asked")
    parser.add_argument("--port", type=int, default=PORT)
    parser.add_argument(
        "--no-fsync", action="store_true", help="the tests' cluster (fsync off) instead"
    )
    args = parser.parse_args()

    source = clinic_file(args.patients)  # built once and cached, as bench/run.py's
    load_before = os.getloadavg()[0]
    server = timed("server started", lambda: start_server(args.port, not args.no_fsync))
    work = Path(tempfile.mkdtemp(prefix="server-bench-", dir=OUT))
    try:
        loaded = timed("COPY", lambda: load_patients(server.owner_url, args.patients))
        print(
            f"{args.patients:,} patients COPYed into the server in {loaded:.1f} s", file=sys.stderr
        )
        loaded_as = same_as_file(server.owner_url, source)
        on_server = open_where(server.app_url)
        file_copy = work / "clinic.sqlite3"
        shutil.copyfile(source, file_copy)
        on_file = open_where(str(file_copy))

        searched: dict[str, list[float]] = {}
        for name, clinic in (("server", on_server), ("file", on_file)):
            searched[name] = timed(f"search on {name}", partial(search_ms, clinic, args.rounds))

        for clinic in (on_server, on_file):
            prepare(clinic)
        pool = free_times(on_server)
        assert pool == free_times(on_file)
        n = args.bookings
        booked = {
            (name, twin): bookings(clinic, pool[n * twin : n * (twin + 1)], twin)
            for name, clinic in (("server", on_server), ("file", on_file))
            for twin in (False, True)
        }

        crowd: dict[str, list[Tally]] = {}
        for name, where in (("server", server.app_url), ("file", str(file_copy))):
            crowd[name] = timed(
                f"{args.processes} workstations on {name}",
                partial(workstations, where, args.processes, args.seconds, 2 * n),
            )

        last = pool[-args.live :]
        heard_server, app_notices = live_server(server, on_server, last, args.gap_ms / 1000)
        heard_file = live_file(on_file, last, args.gap_ms / 1000, args.poll_ms)
        on_server.close()
        on_file.close()
    finally:
        server.remove()
        shutil.rmtree(work, ignore_errors=True)

    load_after = os.getloadavg()[0]
    fsync = "fsync off (the tests' cluster)" if args.no_fsync else "durable: fsync on"
    schema = "postgres_schema's schema"
    print(
        f"clinic server (PostgreSQL, local Unix socket, {fsync}) beside an SQLite file,"
        f" {args.patients:,} patients, {schema}"
    )
    print(f"  {loaded_as}")
    print(
        f"  {os.cpu_count()} CPUs, load average {load_before:.1f} at the start and"
        f" {load_after:.1f} at the end (other work on this machine shows in every figure)"
    )
    print(f"  {'ms':44} {'n':>5} {'server':>9} {'file':>9} {'ratio':>8}")
    row("search per keystroke p50", searched["server"], searched["file"], 0.5)
    search_p95, _ = row("search per keystroke p95", searched["server"], searched["file"], 0.95)
    row("search per keystroke max", searched["server"], searched["file"], 1.0)
    on_open = booked["server", False].ms, booked["file", False].ms
    row("booking round trip p50 (open connection)", on_open[0], on_open[1], 0.5)
    booking_p95, _ = row("booking round trip p95 (open connection)", on_open[0], on_open[1], 0.95)
    per_write = booked["server", True].ms, booked["file", True].ms
    row("booking p50, a connection per write (window)", per_write[0], per_write[1], 0.5)
    twin_p95, _ = row(
        "booking p95, a connection per write (window)", per_write[0], per_write[1], 0.95
    )
    for (name, twin), tally in booked.items():
        if tally.booked != len(tally.ms):
            print(f"    {name} {'twin' if twin else 'open'}: only {tally.booked} booked")
    live_p50, _ = row("live update p50 (file: data_version)", heard_server, heard_file, 0.5)
    live_p95, _ = row("live update p95 (file: data_version)", heard_server, heard_file, 0.95)
    whose = (
        "the app's notice (storage/live.py)"
        if app_notices == len(heard_server)
        else f"a benchmark trigger's NOTIFY; the app's own notice came with {app_notices}"
    )
    print(
        f"    server: COMMIT to the notice read on another workstation's socket ({whose});"
        f"\n    file: booking call returned to another process seeing PRAGMA data_version"
        f" change, asked every {args.poll_ms:g} ms"
    )

    print(
        f"\n{args.processes} workstation processes booking for {args.seconds:g} s"
        f" ({int(100 * 0.1)}% of attempts at a time another desk is taking)"
    )
    print(
        f"  {'':10} {'attempts':>8} {'booked':>7} {'taken':>6} {'refused':>7} {'raw':>4}"
        f" {'booked/s':>10} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7}"
    )
    load = {name: say_workstations(name, tallies, args.seconds) for name, tallies in crowd.items()}
    ratio = load["server"]["booked/s"] / load["file"]["booked/s"] if load["file"]["booked/s"] else 0
    print(f"  server / file throughput = {ratio:.2f}x")
    print("  taken: refused in words, another desk had just booked that time (not an error);")
    print("  refused: any other refusal (busy...), and raw: an error not in words; both are errors")

    print()
    size = f"{args.patients:,} patients"
    print(
        verdict(search_p95 <= 16, f"search p95 on the server = {search_p95:.2f} ms (<= 16, {size})")
    )
    print(verdict(booking_p95 <= 30, f"booking p95 on the server = {booking_p95:.2f} ms (<= 30)"))
    print(
        verdict(twin_p95 <= 30, f"booking p95, a connection per write = {twin_p95:.2f} ms (<= 30)")
    )
    errors = int(load["server"]["errors"])
    print(
        verdict(
            errors == 0,
            f"{args.processes} workstations, {args.seconds:g} s: {errors} errors reaching a user,"
            f" {load['server']['booked/s']:.1f} bookings/s",
        )
    )
    print(
        verdict(
            live_p95 <= 1000,
            f"live update on the server p50 = {live_p50:.2f} ms, p95 = {live_p95:.2f} ms (<= 1000)",
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
