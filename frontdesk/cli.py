"""Command line: `frontdesk [--db PATH] [--demo] [--smoke]`, and
`frontdesk handout --patient ID --kind KIND [--lang es] --out FILE.pdf` for batch printing."""

from __future__ import annotations

import argparse
import os
import sys
import time

from frontdesk import __version__
from frontdesk.paths import DB_ENV_VAR, resolve_db_path

HANDOUT_KINDS = ["dark_marks", "co2_plan", "consultation", "laser_care"]  # domain.handouts.Kind


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="frontdesk",
        description="Front desk of Dr. Alex's acne-scar clinic.",
    )
    parser.add_argument(
        "--db",
        metavar="PATH",
        help=f"clinic database file (default: ${DB_ENV_VAR}, else the per-user data folder)",
    )
    parser.add_argument(
        "--demo", action="store_true", help="fill an EMPTY database with the demo clinic first"
    )
    parser.add_argument(
        "--smoke", action="store_true", help="quit as soon as the window has painted (checks)"
    )
    parser.add_argument("--version", action="version", version=f"frontdesk {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    handout = commands.add_parser(
        "handout", help="save a patient's handout as PDF (recorded like one printed)"
    )
    handout.add_argument(
        "--db", metavar="PATH", default=argparse.SUPPRESS, help="clinic database file"
    )
    handout.add_argument(
        "--staff",
        metavar="NAME",
        help="who prints it, as recorded (default: the front desk)",
    )
    handout.add_argument("--patient", type=int, required=True, metavar="ID", help="patient no.")
    handout.add_argument(
        "--kind",
        required=True,
        choices=HANDOUT_KINDS,
        help="which handout",
    )
    handout.add_argument(
        "--lang", choices=["en", "es"], help="language (default: the patient's last one)"
    )
    handout.add_argument("--out", required=True, metavar="FILE.pdf", help="where to save it")
    return parser


def _has_display() -> bool:
    if os.environ.get("QT_QPA_PLATFORM") or sys.platform in ("win32", "darwin"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def main(argv: list[str] | None = None) -> int:
    started = time.perf_counter()
    args = build_parser().parse_args(argv)
    db_path = resolve_db_path(args.db)
    if args.command == "handout":
        from frontdesk.handout_cli import save_handout  # Qt only for the PDF

        return save_handout(db_path, args.patient, args.kind, args.lang, args.out, args.staff)
    if not _has_display():
        # Without this check Qt aborts the whole process with a core dump.
        print(
            "frontdesk: no display found. Run it in a desktop session, or set"
            " QT_QPA_PLATFORM=offscreen for a headless check.",
            file=sys.stderr,
        )
        return 2
    from frontdesk.app import run_gui  # Qt loads only when a window is wanted

    return run_gui(db_path, demo=args.demo, smoke=args.smoke, started=started)
