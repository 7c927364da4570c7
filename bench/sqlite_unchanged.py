"""The SQLite path did not get slower with the second engine: this tree against the one before.

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m bench.sqlite_unchanged [--patients 100000]
        [--before f9d9267] [--rounds 3]

The code of `--before` (default: the last commit before the PostgreSQL seam) is checked out in a
temporary git worktree; both trees then run the same measurement, in turns (which goes first
alternating), each on its own copy of one synthetic clinic file, with the same interpreter and
packages: the registry search per keystroke (every prefix of the desk's queries, as bench.run
types them) and a booking's round trip through the calendar service. Printed: p50 and p95 of
each, and this tree's p95 over the other's (goal: <= 1.10, within the noise of a shared machine).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.run import QUERIES
from bench.synthetic import clinic_file

ROOT = Path(__file__).resolve().parents[1]
BEFORE_SEAM = "f9d9267"

# Run inside each tree (its own `frontdesk` first on sys.path): prints the timings as JSON.
MEASURE = r"""
import json, sys, time
from datetime import date, datetime, timedelta
from pathlib import Path
from frontdesk.domain.clinic import CLINIC_TZ
from frontdesk.domain.staff import Role
from frontdesk.services.clinic import open_clinic
from frontdesk.services.clock import fixed_clock
from frontdesk.services.errors import ServiceError
from frontdesk.services.signed_in import issue

path, queries = Path(sys.argv[1]), json.loads(sys.argv[2])
now = datetime(2026, 11, 26, 9, 0, tzinfo=CLINIC_TZ)
clinic = open_clinic(path, fixed_clock(now))
member = next(m for m in clinic.staff.list_active() if m.role is Role.FRONT_DESK)
actor = issue(clinic._db, member, via="the SQLite benchmark")
search = []
for query in queries:
    for end in range(1, len(query) + 1):
        began = time.perf_counter()
        clinic.patients.search(query[:end], limit=50)
        search.append((time.perf_counter() - began) * 1000)
booking = []
office = clinic.calendar.office(date(2026, 11, 30), date(2027, 3, 31))
day, patient = date(2026, 11, 30), 1
while len(booking) < 200 and day <= date(2027, 3, 31):
    hours = office.hours_on(day)
    if hours is not None:
        moment = datetime.combine(day, hours.opens)
        for _ in range(4):
            began = time.perf_counter()
            try:
                clinic.calendar.book(actor, patient, "consultation", moment, 30)
            except ServiceError:
                pass
            booking.append((time.perf_counter() - began) * 1000)
            moment += timedelta(minutes=30)
            patient += 1
    day += timedelta(days=1)
clinic.close()
print(json.dumps({"search": search, "booking": booking}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--before", default=BEFORE_SEAM)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    source = clinic_file(args.patients)
    scratch = Path(tempfile.mkdtemp(prefix="frontdesk-bench-"))
    before = scratch / "before"
    subprocess.run(
        ["git", "worktree", "add", "--detach", str(before), args.before],
        cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    try:
        trees = {"before": before, "now": ROOT}
        figures: dict[str, dict[str, list[float]]] = {
            name: {"search": [], "booking": []} for name in trees
        }
        for round_no in range(args.rounds):
            order = list(trees.items())
            if round_no % 2:  # neither tree always first (the disk cache warms for the second)
                order.reverse()
            for name, tree in order:
                copy = scratch / f"{name}-{round_no}.sqlite3"
                shutil.copyfile(source, copy)
                said = _measure(tree, copy)
                for key in ("search", "booking"):
                    figures[name][key].extend(said[key])
        print(f"SQLite, {args.patients:,} patients: {args.before} (before), this tree (now),")
        print(f"{args.rounds} rounds each, in turns")
        for key, what in (("search", "search per keystroke"), ("booking", "booking round trip")):
            p95 = {name: _p95(figures[name][key]) for name in trees}
            for name in trees:
                values = figures[name][key]
                print(
                    f"  {what:22} {name:6}: p50 {statistics.median(values):6.2f} ms,"
                    f" p95 {p95[name]:6.2f} ms ({len(values)} calls)"
                )
            print(f"  {what:22} now/before p95: {p95['now'] / p95['before']:.2f}x (goal <= 1.10)")
    finally:
        subprocess.run(
            ["git", "worktree", "remove", "--force", str(before)], cwd=ROOT, capture_output=True
        )
        shutil.rmtree(scratch, ignore_errors=True)


def _measure(tree: Path, copy: Path) -> dict[str, list[float]]:
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(copy), json.dumps(QUERIES)],
        cwd=tree, env=_env(tree), check=True, capture_output=True, text=True,
    )  # fmt: skip
    result: dict[str, list[float]] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _env(tree: Path) -> dict[str, str]:
    import os

    env = dict(os.environ)
    env["PYTHONPATH"] = str(tree)  # that tree's frontdesk, not the installed (editable) one
    return env


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


if __name__ == "__main__":
    main()
