"""Audit trail benchmark: the admin's dialog on a trail of 1M lines.

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m bench.audit_trail [--lines 1000000]

In a real, offscreen `AuditDialog` on a cached synthetic clinic (bench/out/, built once with a
valid chain, its anchor and every trigger in place), measures:
  - each filter change (staff, patient, days; alone and together): p95, goal <= 50 ms;
  - each page read as the table is scrolled down: p95, goal <= 50 ms;
  baseline for both, in the same run: the same filters read the way the dialog read them
  before (every page by LIMIT/OFFSET, ordered by id, counted on every page), on the same file;
  - "Check the chain", then the CSV export of a year of lines: the longest the GUI event loop
  went without turning while each ran in the background, and the table's repaints as it is
  scrolled meanwhile, against the job's own duration (which, before, froze the window
  whole); goal: no stall over ~100 ms.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from frontdesk.storage.engine import sqlite3

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from bench.run import percentile
from bench.synthetic import OUT
from frontdesk.domain.audit import GENESIS, line_hash
from frontdesk.domain.clinic import CLINIC_TZ
from frontdesk.domain.patients import PatientDraft
from frontdesk.domain.staff import Role
from frontdesk.services.clinic import Clinic, open_clinic
from frontdesk.services.clock import fixed_clock
from frontdesk.services.signed_in import SignedIn, issue
from frontdesk.storage.audit_anchor import anchor_current_head
from frontdesk.storage.db import write_transaction

NOW = datetime(2026, 11, 26, 10, 30, tzinfo=CLINIC_TZ)
FIRST_DAY = date(2018, 1, 2)  # eight years and more of work
PATIENTS = 3_000
STAFF = ("Ana Front", "Ben Front", "Cara Nurse", "Dan Front", "Eve Admin2")
SURNAMES = ("García", "López", "Petrosyan", "Kim", "Nguyen", "Smith", "Cruz", "Sarkisian")
PASSWORD = "bench-password-123"
CHUNK = 50_000


# -- the synthetic clinic ------------------------------------------------------------------------
def clinic_with_lines(lines: int) -> Path:
    """A clinic whose trail holds `lines` lines (built once, cached under bench/out/)."""
    path = OUT / f"audit-{lines}.sqlite3"
    if path.exists():
        return path
    OUT.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.stem + "-partial.sqlite3")
    for leftover in OUT.glob(partial.stem + "*"):
        leftover.unlink()
    started = time.perf_counter()
    clinic = open_clinic(partial, fixed_clock(datetime.combine(FIRST_DAY, NOW.timetz())))
    admin = _people(clinic)
    rng = random.Random(14)
    drafts = [
        (
            PatientDraft(
                first_name=rng.choice(("Ana", "Luis", "María", "Hakob", "Mei", "Sam")),
                last_name=rng.choice(SURNAMES) + " " + rng.choice(SURNAMES),
                dob=f"{rng.randint(1, 12)}/{rng.randint(1, 28)}/{rng.randint(1950, 2005)}",
            ),
            False,
        )
        for n in range(PATIENTS)
    ]
    clinic.patients.register_all_if_empty(admin, drafts)
    _bulk_lines(clinic, lines)
    clinic._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    clinic.close()
    anchor_current_head(partial)
    partial.rename(path)
    partial.with_name(partial.stem + ".audit-anchor").rename(
        path.with_name(path.stem + ".audit-anchor")
    )
    for leftover in OUT.glob(partial.stem + "*"):
        leftover.unlink()
    print(f"built {path.name} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return path


def _people(clinic: Clinic) -> SignedIn:
    member = clinic.staff.create_first_admin("Office admin", "office", PASSWORD)
    admin = issue(clinic._db, member, via="the audit benchmark")
    for n, name in enumerate(STAFF):
        clinic.staff.add(admin, name, Role.FRONT_DESK if n % 2 == 0 else Role.DOCTOR)
    return admin


def _bulk_lines(clinic: Clinic, lines: int) -> None:
    """Lines of the kinds a clinic writes most (records looked at, handouts printed,
    sign-ins, day sheets), chained as the app chains them, in big transactions: none of
    them describes a change to a record, so every record stays as the trail says."""
    db = clinic._db
    head = db.execute("SELECT last_id, last_hash FROM audit_head").fetchone()
    last_id, previous = head if head else (0, GENESIS)
    staff = [r[0] for r in db.execute("SELECT id FROM staff ORDER BY id")]
    patients = [r[0] for r in db.execute("SELECT id FROM patients ORDER BY id")]
    rng = random.Random(7)
    begin = datetime.combine(FIRST_DAY + timedelta(days=1), NOW.timetz()).timestamp()
    count = max(1, lines - last_id)
    span = NOW.timestamp() - 3600 - begin
    batch: list[dict[str, Any]] = []
    for new_id in range(last_id + 1, lines + 1):
        moment = begin + span * (new_id - last_id - 1 + rng.random()) / count  # in order
        at = datetime.fromtimestamp(moment, CLINIC_TZ).isoformat(timespec="seconds")
        who = rng.choice(staff)
        kind = rng.random()
        patient: int | None = rng.choice(patients)
        entity_id: int | None = patient
        after: str | None = None
        if kind < 0.5:
            action, entity = "view", "patient"
        elif kind < 0.75:
            action, entity, entity_id = "print", "handout", None
            after = json.dumps({"kind": "consultation", "language": rng.choice(("en", "es"))})
        elif kind < 0.95:
            action, entity, entity_id, patient = "login", "staff", who, None
        else:
            action, entity, entity_id, patient = "print", "day_sheet", None, None
            after = json.dumps({"day": at[:10], "how": "printed"})
        line = dict(
            id=new_id, at=at, staff_id=who, action=action, entity=entity, entity_id=entity_id,
            patient_id=patient, before=None, after=after,
        )  # fmt: skip
        digest = line_hash(previous, **line)
        batch.append({**line, "prev_hash": previous, "hash": digest})
        previous = digest
        if len(batch) == CHUNK or new_id == lines:
            _insert(db, batch)
            batch = []


def _insert(db: Any, batch: list[dict[str, Any]]) -> None:
    with write_transaction(db):
        db.conn.executemany(
            "INSERT INTO audit (id, at, staff_id, action, entity, entity_id, patient_id,"
            " before, after, prev_hash, hash) VALUES (:id, :at, :staff_id, :action, :entity,"
            " :entity_id, :patient_id, :before, :after, :prev_hash, :hash)",
            batch,
        )
        db.execute(
            "UPDATE audit_head SET last_id = ?, last_hash = ?",
            [batch[-1]["id"], batch[-1]["hash"]],
        )


def before_file(path: Path) -> Path:
    """The same clinic with the trail's indexes as they were before migration 0011 (staff and
    patient ordered by id): where the baseline reads the way the dialog read before."""
    before = path.with_name(path.stem + "-before-0011.sqlite3")
    if before.exists():
        return before
    partial = before.with_name(before.stem + "-partial.sqlite3")
    partial.unlink(missing_ok=True)
    source = sqlite3.connect(path)
    target = sqlite3.connect(partial)
    try:
        source.backup(target)
        target.execute("CREATE INDEX audit_by_patient ON audit (patient_id, id)")
        target.execute("CREATE INDEX audit_by_staff ON audit (staff_id, id)")
        for index in ("audit_by_staff_at", "audit_by_patient_at", "audit_by_entity_with_values"):
            target.execute(f"DROP INDEX IF EXISTS {index}")
        target.commit()
    finally:
        source.close()
        target.close()
    partial.rename(before)
    return before


# -- the dialog ------------------------------------------------------------------------------
class Bench:
    """A real AuditDialog, offscreen, on the synthetic clinic, as the main window opens it."""

    def __init__(self, path: Path) -> None:
        from PySide6.QtWidgets import QApplication

        from frontdesk.ui.dialogs.audit_dialog import AuditDialog
        from frontdesk.ui.notifier import ChangeNotifier
        from frontdesk.ui.operations import Operations

        self.app = QApplication.instance() or QApplication([])
        self.clinic = open_clinic(path, fixed_clock(NOW))
        member = next(s for s in self.clinic.staff.list_active() if s.role is Role.ADMIN)
        self.admin = issue(self.clinic._db, member, via="the audit benchmark")
        self.said: list[str] = []
        self.ops = Operations(self.clinic, ChangeNotifier(), self.said.append)
        started = time.perf_counter()
        self.dialog = AuditDialog(
            self.clinic.patients,
            lambda: self.admin,
            ops=self.ops,
            today=lambda: NOW.date(),
        )
        self.dialog.show()
        self.settle()
        self.opened_ms = (time.perf_counter() - started) * 1000

    def settle(self) -> None:
        self.app.processEvents()

    def timed(self, action: Callable[[], object]) -> float:
        """Milliseconds from the action to the dialog painted with its answer."""
        started = time.perf_counter()
        action()
        self.settle()
        return (time.perf_counter() - started) * 1000

    def close(self) -> None:
        self.dialog.close()
        self.clinic.close()


def filter_changes(bench: Bench, rng: random.Random, rounds: int) -> list[float]:
    """What an admin does with the filters: a staff member, a patient, a span of days (the
    last week, a year ago, all time), then several together; each timed to the repaint."""
    dialog = bench.dialog
    patients = [r[0] for r in bench.clinic._db.execute("SELECT id FROM patients")]
    staff = list(range(1, dialog.staff_combo.count()))
    spans = [
        (date(2026, 11, 19), date(2026, 11, 26)),
        (date(2025, 11, 1), date(2025, 11, 30)),
        (date(2018, 1, 1), date(2026, 11, 26)),
        (date(2022, 3, 1), date(2023, 2, 28)),
        (date(2026, 10, 28), date(2026, 11, 26)),
    ]
    times: list[float] = []
    for _ in range(rounds):
        first, last = rng.choice(spans)
        index = rng.choice(staff)
        patient = bench.clinic.patients.get(rng.choice(patients))
        for action in (
            lambda: dialog.first_day.setDate(first),  # noqa: B023 (called at once)
            lambda: dialog.last_day.setDate(last),  # noqa: B023
            lambda: dialog.staff_combo.setCurrentIndex(index),  # noqa: B023
            lambda: dialog.choose_patient(patient),  # noqa: B023
            lambda: dialog.staff_combo.setCurrentIndex(0),
        ):
            times.append(bench.timed(action))
        times.append(bench.timed(dialog.clear_patient))
    return times


def scrolled_pages(bench: Bench, pages: int, staff_index: int) -> list[float]:
    """All time, then page after page as the table is scrolled to its end; again for one
    staff member (deep pages: the 100th is read like the first)."""
    dialog = bench.dialog
    dialog.first_day.setDate(date(2018, 1, 1))
    dialog.last_day.setDate(date(2026, 11, 26))
    times: list[float] = []
    for index in (0, staff_index):
        dialog.staff_combo.setCurrentIndex(index)
        bench.settle()
        for _ in range(pages):
            rows = dialog.model.rowCount()
            times.append(bench.timed(dialog.table.scrollToBottom))
            if dialog.model.rowCount() == rows:  # the view did not ask: fetch as it would
                times[-1] += bench.timed(dialog.model.fetchMore)
    return times


def baseline(path: Path, bench: Bench, pages: int) -> tuple[list[float], list[float]]:
    """The queries the dialog made before, on the file with the indexes it had: the count
    with every page, and each page by id with LIMIT/OFFSET."""
    db = sqlite3.connect(path)
    staff_id = bench.dialog.staff_combo.itemData(1)
    patient = db.execute("SELECT id FROM patients LIMIT 1 OFFSET 100").fetchone()[0]
    wheres = [
        ("at >= ? AND at < ?", ["2026-11-19", "2026-11-26T99"]),
        ("at >= ? AND at < ?", ["2018-01-01", "2026-11-26T99"]),
        ("staff_id = ? AND at >= ? AND at < ?", [staff_id, "2018-01-01", "2026-11-26T99"]),
        ("patient_id = ? AND at >= ? AND at < ?", [patient, "2025-11-01", "2025-11-30T99"]),
        ("staff_id = ? AND at >= ? AND at < ?", [staff_id, "2025-11-01", "2025-11-30T99"]),
    ]

    def read(clause: str, params: list[Any], offset: int) -> float:
        started = time.perf_counter()
        db.execute(f"SELECT count(*) FROM audit WHERE {clause}", params).fetchone()
        db.execute(
            f"SELECT * FROM audit WHERE {clause} ORDER BY id DESC LIMIT 200 OFFSET ?",
            [*params, offset],
        ).fetchall()
        return (time.perf_counter() - started) * 1000

    filters = [read(clause, params, 0) for clause, params in wheres for _ in range(2)]
    scrolls = [read(*wheres[1], 200 * n) for n in range(1, pages + 1)]
    scrolls += [read(*wheres[2], 200 * n) for n in range(1, pages + 1)]
    db.close()
    return filters, scrolls


def while_running(
    bench: Bench, start: Callable[[], object], running: Callable[[], bool]
) -> dict[str, Any]:
    """Starts a background job from the dialog and measures, until it ends: how long it
    takes, the longest the event loop went without turning (a 5 ms timer's widest gap),
    and the repaints of the table as the admin scrolls it every 50 ms meanwhile."""
    from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer

    dialog = bench.dialog
    clock = QElapsedTimer()
    ticks: list[float] = []
    repaints: list[float] = []
    rng = random.Random(3)

    def tick() -> None:
        ticks.append(clock.nsecsElapsed() / 1e6)

    def scroll() -> None:
        bar = dialog.table.verticalScrollBar()
        started = time.perf_counter()
        bar.setValue(rng.randrange(0, max(1, bar.maximum())))
        dialog.table.viewport().repaint()
        repaints.append((time.perf_counter() - started) * 1000)

    loop = QEventLoop()
    turning, scrolling, done = QTimer(), QTimer(), QTimer()
    turning.setInterval(5)
    turning.timeout.connect(tick)
    scrolling.setInterval(50)
    scrolling.timeout.connect(scroll)
    done.setInterval(20)

    def maybe_done() -> None:
        if not running():
            loop.quit()

    done.timeout.connect(maybe_done)
    idle = [bench.timed(scroll) for _ in range(20)]
    clock.start()
    started = time.perf_counter()
    start()
    for timer in (turning, scrolling, done):
        timer.start()
    loop.exec()
    took = time.perf_counter() - started
    for timer in (turning, scrolling, done):
        timer.stop()
    gaps = [b - a for a, b in itertools.pairwise(ticks)]
    return {
        "took_s": took,
        "longest_stall_ms": max(gaps, default=took * 1000),
        "ticks": len(ticks),
        "repaint_p95_ms": percentile(repaints, 0.95) if repaints else float("nan"),
        "repaint_max_ms": max(repaints, default=float("nan")),
        "repaint_idle_p95_ms": percentile(idle, 0.95),
    }


def say_responsiveness(what: str, found: dict[str, Any], said: str) -> None:
    stall, took = found["longest_stall_ms"], found["took_s"]
    print(
        f"{what}: {took:.1f} s off the GUI thread; the event loop's longest stall"
        f" {stall:.0f} ms ({found['ticks']} turns of a 5 ms timer) = {stall / 10 / took:.2f} %"
        f" of the job (before: the whole job, {took * 1000:.0f} ms, on the GUI thread);"
        f" goal <= 100 ms: {'met' if stall <= 100 else 'NOT met'}"
    )
    print(
        f"  scrolling the table meanwhile: repaint p95 {found['repaint_p95_ms']:.1f} ms, max"
        f" {found['repaint_max_ms']:.1f} ms (idle p95 {found['repaint_idle_p95_ms']:.1f} ms)"
    )
    print(f"  said: {said}")


def export_a_year(bench: Bench) -> None:
    """The CSV export of a year of lines (read, written and recorded off the GUI thread)."""
    from frontdesk.ui import prompts

    dialog = bench.dialog
    dialog.first_day.setDate(date(2025, 11, 27))
    dialog.last_day.setDate(date(2026, 11, 26))
    dialog.staff_combo.setCurrentIndex(0)
    dialog.clear_patient()
    bench.settle()
    target = OUT / "audit-export.csv"
    chosen = prompts.save_file
    prompts.save_file = lambda *_args: str(target)
    try:
        found = while_running(bench, dialog.export_csv, lambda: dialog.export_job is not None)
    finally:
        prompts.save_file = chosen
        target.unlink(missing_ok=True)
    say_responsiveness("export a year to CSV", found, dialog.exported.text())


def walk_before(path: Path) -> float:
    """Seconds the chain walk took the way it was done before: a dict per line read through
    sqlite-utils, its text made in Python (the hashing itself unchanged)."""
    from frontdesk.domain.audit import first_break
    from frontdesk.storage.db import connect

    db = connect(path)
    try:
        started = time.perf_counter()
        head = db.execute("SELECT last_id, last_hash FROM audit_head").fetchone()
        assert first_break(db.query("SELECT * FROM audit ORDER BY id"), tuple(head)) is None
        return time.perf_counter() - started
    finally:
        db.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--pages", type=int, default=60)
    args = parser.parse_args()
    path = clinic_with_lines(args.lines)
    before = before_file(path)
    bench = Bench(path)
    print(f"audit trail of {args.lines:,} lines; the dialog opened in {bench.opened_ms:.0f} ms")
    rng = random.Random(11)
    filters = filter_changes(bench, rng, args.rounds)
    pages = scrolled_pages(bench, args.pages, staff_index=2)
    old_filters, old_pages = baseline(before, bench, args.pages)
    for name, now, then in (
        ("filter change", filters, old_filters),
        ("scrolled page", pages, old_pages),
    ):
        p95, was = percentile(now, 0.95), percentile(then, 0.95)
        print(
            f"{name:14s} p95 {p95:7.1f} ms  (median {statistics.median(now):6.1f}, max"
            f" {max(now):6.1f}, n={len(now)});  before (OFFSET, count per page) p95 {was:7.1f}"
            f" ms: {was / p95:5.1f}x faster;  goal <= 50 ms: {'met' if p95 <= 50 else 'NOT met'}"
        )
    dialog = bench.dialog
    found = while_running(bench, dialog.check_button.click, lambda: dialog.check_job is not None)
    say_responsiveness("check the chain", found, dialog.chain.text())
    walked = walk_before(path)
    print(f"  the chain alone walked as before (a dict per line, texts made here): {walked:.1f} s")
    export_a_year(bench)
    bench.close()


if __name__ == "__main__":
    main()
