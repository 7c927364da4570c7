"""Start-up benchmark: cold start to the main window, and `frontdesk handout`, at any size.

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m bench.startup [--sizes 60 100000 1000000]

Each figure is a ratio to a bare PySide6 window (bench/bare_window.py: an application, a main
window with four empty tabs, shown and painted) started in the same run, the two alternating so
that drift in the machine's speed hits both alike; the file in the OS cache (after one warm-up
run of each). Wall time from the process's start, interpreter included: to the first paint of
its window (read from its output as it comes) and to its end; the handout, to its end. Issue 14's
targets: the start to the main window (`--as front_desk`, the demo sign-in on a demo-marked
copy of the synthetic clinic) <= 2.5x at 60, 100k and 1M patients; `frontdesk handout` at 1M
<= 2.5x the same bare window. A bare `python -c pass` is printed for scale.
"""

from __future__ import annotations

import argparse
import compileall
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.synthetic import demo_clinic_file

ROOT = Path(__file__).resolve().parents[1]
TARGET = 2.5
ENV = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}


def timed(args: list[str]) -> tuple[float, float]:
    """One cold process: (ms until it says it painted its first window, ms until it ended).
    A command with no window (handout) gives its end for both. A failure stops the benchmark
    with its stderr."""
    started = time.perf_counter()
    child = subprocess.Popen(
        args, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1
    )
    assert child.stdout is not None
    painted = None
    for line in child.stdout:
        if painted is None and line.startswith("first paint"):
            painted = (time.perf_counter() - started) * 1000
    _, err = child.communicate(timeout=600)
    ended = (time.perf_counter() - started) * 1000
    if child.returncode != 0:
        raise RuntimeError(f"{args} failed ({child.returncode}): {err[-600:]}")
    return (painted if painted is not None else ended), ended


def alternating(one: list[str], other: list[str], runs: int) -> list[float]:
    """Medians of `runs` starts of each, one after the other, after a warm-up of each:
    [one to paint, other to paint, one to its end, other to its end]."""
    timed(one), timed(other)
    ones, others = [], []
    for _ in range(runs):
        ones.append(timed(one))
        others.append(timed(other))
    return [
        statistics.median(r[0] for r in ones),
        statistics.median(r[0] for r in others),
        statistics.median(r[1] for r in ones),
        statistics.median(r[1] for r in others),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[60, 100_000, 1_000_000])
    parser.add_argument("--handout-size", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=11)
    args = parser.parse_args()

    compileall.compile_dir(ROOT / "frontdesk", quiet=1)  # as installed: bytecode made ahead
    bare = [sys.executable, str(ROOT / "bench" / "bare_window.py")]
    rows: list[tuple[str, float, float]] = []
    print(f"median of {args.runs} cold starts each, alternating with a bare PySide6 window;")
    print("'to paint': until the window has painted (the wait at the desk); 'to exit': the")
    print("whole process, quitting included; a ratio is to the bare window's same figure")
    blank = " " * 24
    print(f"{'what':42} {'to paint':>9}   bare  ratio | {'to exit':>8}   bare  ratio")
    for size in args.sizes:
        path = demo_clinic_file(size)
        app = [sys.executable, "-m", "frontdesk", "--smoke", "--as", "front_desk"]
        app += ["--db", str(path)]
        paint, bare_paint, end, bare_end = alternating(app, bare, args.runs)
        label = f"start to the main window, {size:,} patients"
        rows.append((label, paint, bare_paint))
        print(
            f"{label:42} {paint:7.0f}ms {bare_paint:4.0f}ms {paint / bare_paint:5.2f}x |"
            f" {end:6.0f}ms {bare_end:4.0f}ms {end / bare_end:5.2f}x",
            flush=True,
        )

    path = demo_clinic_file(args.handout_size)
    with tempfile.TemporaryDirectory() as folder:
        pdf = Path(folder) / "handout.pdf"
        patient = str(max(1, args.handout_size // 2))
        handout = [
            sys.executable, "-m", "frontdesk", "handout", "--db", str(path),
            "--patient", patient, "--kind", "consultation", "--out", str(pdf),
        ]  # fmt: skip
        _, _, end, bare_end = alternating(handout, bare, args.runs)
    label = f"frontdesk handout, {args.handout_size:,} patients"
    rows.append((label, end, bare_end))
    print(f"{label:42} {blank} | {end:6.0f}ms {bare_end:4.0f}ms {end / bare_end:5.2f}x")
    python_ms = statistics.median(timed([sys.executable, "-c", "pass"])[1] for _ in range(5))
    print(f"{'(python -c pass, for scale)':42} {blank} | {python_ms:6.0f}ms")

    print()
    for label, ms, bare_ms in rows:
        ratio = ms / bare_ms
        verdict = "met" if ratio <= TARGET else "MISSED"
        what = "to exit" if "handout" in label else "to paint"
        print(f"  [{verdict}] {label}: {ratio:.2f}x a bare window, {what} (target <= {TARGET})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
