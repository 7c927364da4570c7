"""Encryption at rest (issue 16): search per keystroke and cold start at 1M patients, plain vs
encrypted with SQLCipher, measured in the same run.

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m bench.encryption [--size 1000000]

The encrypted files are SQLCipher exports of the cached plain ones (bench/synthetic.py:
`encrypted_copy`), their key kept in a keyring of the benchmarks' own (bench/out/keyring, the
tests' folder keyring), so that the app's process finds it as on a real start.
  search    bench/run.py's queries typed a keystroke at a time into the patient list's model
            under a shown table (bench.run.search_latency), plain and encrypted alternating;
  start     to the first paint of the main window (`--smoke --as front_desk` on demo-marked
            copies), as bench/startup.py measures it, plain and encrypted alternating.
Goal (issue 16): each encrypted figure within 1.3x the plain one of the same run.

--system-keyring starts the encrypted file once more with its key in this system's own keyring
(Secret Service on Linux: copied there for the run, removed after), the lookup a real start
pays; run it where a keyring is unlocked (e.g. in `dbus-run-session` with gnome-keyring-daemon).
"""

from __future__ import annotations

import argparse
import compileall
import os
import statistics
import subprocess
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from bench import startup
from bench.run import percentile, search_latency
from bench.synthetic import clinic_file, demo_clinic_file, encrypted_copy, use_bench_keyring
from frontdesk.storage.clinic_keys import ClinicKey, held, salt_of

GOAL = 1.3
PASSES = 2  # each file searched this many times, alternating, so drift hits both alike

KEYRING_LOOKUP = """
import time
started = time.perf_counter()
from frontdesk.storage.keyring_store import _native_backend
backend = _native_backend()
print(f"{(time.perf_counter() - started) * 1000:.0f} ms (found: {type(backend).__name__})")
"""


def searches(
    plain_path: Path, encrypted_path: Path
) -> tuple[list[float], list[float], list[float], list[float]]:
    """Per keystroke, ms: (plain update, encrypted update, plain painted, encrypted painted)."""
    plain, encrypted, plain_painted, encrypted_painted = [], [], [], []
    for _ in range(PASSES):
        updates, painted = search_latency(plain_path)
        plain += updates
        plain_painted += painted
        updates, painted = search_latency(encrypted_path)
        encrypted += updates
        encrypted_painted += painted
    return plain, encrypted, plain_painted, encrypted_painted


def search_figures(size: int) -> tuple[str, float]:
    """The search's figures printed; the verdict's line and the ratio of the p95s."""
    plain_file = clinic_file(size)
    encrypted_file = encrypted_copy(plain_file)
    plain, encrypted, plain_painted, encrypted_painted = searches(plain_file, encrypted_file)
    print(f"search per keystroke at {size:,} patients, ms ({len(plain)} keys each,")
    print("plain and encrypted alternating): query + model update | the same + view repaint")
    print(f"{'file':10} {'median':>7} {'p95':>6} {'max':>6} | {'median':>7} {'p95':>6} {'max':>6}")
    for label, updates, painted in (
        ("plain", plain, plain_painted),
        ("encrypted", encrypted, encrypted_painted),
    ):
        print(
            f"{label:10} {statistics.median(updates):7.2f} {percentile(updates, 0.95):6.2f}"
            f" {max(updates):6.2f} | {statistics.median(painted):7.2f}"
            f" {percentile(painted, 0.95):6.2f} {max(painted):6.2f}"
        )
    p95_plain, p95_encrypted = percentile(plain, 0.95), percentile(encrypted, 0.95)
    ratio = p95_encrypted / p95_plain
    print(f"search p95: encrypted {p95_encrypted:.2f} ms / plain {p95_plain:.2f} ms = {ratio:.2f}x")
    painted_ratio = percentile(encrypted_painted, 0.95) / percentile(plain_painted, 0.95)
    print(f"(with the repaint: {painted_ratio:.2f}x)")
    return f"search p95 at {size:,}, encrypted / plain = {ratio:.2f}x", ratio


def cold_starts(
    plain_demo: Path, encrypted_demo: Path, runs: int, label: str
) -> tuple[str, float | None]:
    """Cold starts of each file to the main window (bench/startup.py's measure), alternating;
    the verdict's line and the ratio (None: the encrypted file did not start)."""
    app = [sys.executable, "-m", "frontdesk", "--smoke", "--as", "front_desk", "--db"]
    try:
        paint, encrypted_paint, end, encrypted_end = startup.alternating(
            [*app, str(plain_demo)], [*app, str(encrypted_demo)], runs
        )
    except RuntimeError as exc:
        print(f"  not measured: the encrypted file did not start ({str(exc)[-300:].strip()})")
        return f"{label}, encrypted / plain: not measured", None
    ratio = encrypted_paint / paint
    print(f"  plain      {paint:6.0f} ms to paint   {end:6.0f} ms to exit")
    print(f"  encrypted  {encrypted_paint:6.0f} ms to paint   {encrypted_end:6.0f} ms to exit")
    print(f"cold start: encrypted {encrypted_paint:.0f} ms / plain {paint:.0f} ms = {ratio:.2f}x")
    return f"{label}, encrypted / plain = {ratio:.2f}x", ratio


def in_system_keyring(action: str, key: ClinicKey) -> None:
    """keyring_store.keep or .forget of `key` in this system's own keyring (a process without
    the benchmark's keyring; the key goes through its stdin, never its arguments)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHON_KEYRING_BACKEND"}
    code = (
        "import sys\n"
        "from frontdesk.storage import keyring_store\n"
        "from frontdesk.storage.clinic_keys import ClinicKey\n"
        "secret, salt = (bytes.fromhex(line) for line in sys.stdin.read().split())\n"
        f"keyring_store.{action}(ClinicKey(secret, salt))\n"
    )
    subprocess.run(
        [sys.executable, "-c", code],
        input=f"{key.secret.hex()} {key.salt.hex()}",
        env=env,
        text=True,
        check=True,
        timeout=60,
    )


def system_keyring_lookup_ms() -> str:
    """What finding this system's own keyring costs a fresh process (keyring_store looks the
    backend up directly): the benchmark's keyring is a folder, a real start pays this."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHON_KEYRING_BACKEND"}
    done = subprocess.run(
        [sys.executable, "-c", KEYRING_LOOKUP], env=env, capture_output=True, text=True, timeout=60
    )
    return done.stdout.strip() or done.stderr.strip()[-200:]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument(
        "--system-keyring",
        action="store_true",
        help="also start with the key in this system's own keyring (copied there, then removed)",
    )
    parser.add_argument("--no-search", action="store_true", help="cold starts only")
    args = parser.parse_args()
    startup.ENV.update(use_bench_keyring())  # the app's processes find the bench keyring
    verdicts: list[tuple[str, float | None]] = []

    if not args.no_search:
        verdicts.append(search_figures(args.size))
    compileall.compile_dir(startup.ROOT / "frontdesk", quiet=1)  # as installed
    plain_demo = demo_clinic_file(args.size)
    encrypted_demo = encrypted_copy(plain_demo)
    print(f"\ncold start to the main window's first paint, {args.size:,} patients,")
    print(f"median of {args.runs} each, alternating (after a warm-up of each):")
    label = f"cold start at {args.size:,}"
    verdicts.append(cold_starts(plain_demo, encrypted_demo, args.runs, label))
    print(
        "(the benchmark's keyring is a folder; finding this system's own keyring costs a fresh"
        f" process {system_keyring_lookup_ms()})"
    )
    if args.system_keyring:
        key = held(salt_of(encrypted_demo) or b"")
        assert key is not None
        print("the same, the key found in this system's own keyring (copied there for the run):")
        in_system_keyring("keep", key)
        backend = startup.ENV.pop("PYTHON_KEYRING_BACKEND")
        try:
            label += ", the system's keyring"
            verdicts.append(cold_starts(plain_demo, encrypted_demo, args.runs, label))
        finally:
            startup.ENV["PYTHON_KEYRING_BACKEND"] = backend
            in_system_keyring("forget", key)

    print()
    for text, measured in verdicts:
        verdict = "not measured" if measured is None else "met" if measured <= GOAL else "MISSED"
        print(f"  [{verdict}] {text} (goal <= {GOAL})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
