"""What the server benchmark runs in processes of their own: workstations booking, and a
workstation listening for what the others saved (PostgreSQL) or watching the file (SQLite).

Each is started by multiprocessing's "spawn", so every process opens its own connection, as a
workstation does; results come back through a queue as plain values.
"""

from __future__ import annotations

import random
import select
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from frontdesk.domain.appointments import CONSULTATION
from frontdesk.domain.booking import hours_refusal, latest_day
from frontdesk.domain.clinic import CLINIC_TZ
from frontdesk.domain.staff import Role
from frontdesk.services.clinic import Clinic, open_clinic, open_server
from frontdesk.services.clock import fixed_clock
from frontdesk.services.errors import ServiceError, SlotRefused
from frontdesk.services.signed_in import SignedIn, issue

NOW = datetime(2026, 12, 1, 10, 30, tzinfo=CLINIC_TZ)  # a Tuesday morning, as bench/calendar
MINUTES = 5  # short bookings: two years of 5-minute times hold every booking of the run
CONTENDED = 0.1  # one attempt in ten goes to a time another workstation is about to book
WORKSTATION_FILES = Path(__file__).resolve().parent / "out" / "server-workstation"


def open_where(where: str) -> Clinic:
    """A workstation's clinic: the server's address, or an SQLite file's path."""
    clock = fixed_clock(NOW)
    if where.startswith("postgresql://"):
        return open_server(where, clock, files=WORKSTATION_FILES)
    return open_clinic(Path(where), clock)


def front_desk(clinic: Clinic) -> SignedIn:
    member = next(m for m in clinic.staff.list_active() if m.role is Role.FRONT_DESK)
    return issue(clinic._db, member, via="the server benchmark")


def free_times(clinic: Clinic) -> list[datetime]:
    """Every bookable 5-minute time from tomorrow to the booking horizon, in order, by the
    clinic's own hours and closures (the same list for every process on one clinic)."""
    first = NOW.date() + timedelta(days=1)
    last = latest_day(NOW.date())
    office = clinic.calendar.office(first, last)
    times: list[datetime] = []
    day = first
    while day <= last:
        hours = office.hours_on(day)
        if hours is not None:
            moment = datetime.combine(day, hours.opens)
            closes = datetime.combine(day, hours.closes)
            while moment + timedelta(minutes=MINUTES) <= closes:
                if hours_refusal(office, moment, MINUTES) is None:
                    times.append(moment)
                moment += timedelta(minutes=MINUTES)
        day += timedelta(days=1)
    return times


def prepare(clinic: Clinic) -> None:
    """The holidays of every year a booking may fall in, saved before anything is timed (the
    first booking in a new year would otherwise save them)."""
    clinic.calendar.add_default_closures(latest_day(NOW.date()).year)


@dataclass
class Tally:
    """One workstation's bookings: saved, refused in words because another desk took the time
    first, and anything else that would have reached the person at the desk."""

    booked: int = 0
    taken: int = 0
    in_words: list[str] = field(default_factory=list)  # other refusals (busy, ...)
    raw: list[str] = field(default_factory=list)  # not a ServiceError: a raw error
    ms: list[float] = field(default_factory=list)
    exhausted: bool = False


def book_once(
    clinic: Clinic, actor: SignedIn, patient_id: int, starts: datetime, tally: Tally
) -> None:
    began = time.perf_counter()
    try:
        clinic.calendar.book(actor, patient_id, CONSULTATION, starts, MINUTES)
    except SlotRefused:
        tally.taken += 1
    except ServiceError as exc:
        tally.in_words.append(f"{type(exc).__name__}: {exc}")
    except Exception as exc:
        tally.raw.append(f"{type(exc).__name__}: {exc}")
    else:
        tally.booked += 1
    tally.ms.append((time.perf_counter() - began) * 1000)


def book_for(
    where: str, index: int, processes: int, first_time: int, seconds: float, start_at: float,
    results: Any,
) -> None:  # fmt: skip
    """Workstation `index` of `processes`: books its own times (every `processes`-th from
    `first_time`) for `seconds` from the wall-clock moment `start_at`; one attempt in ten
    takes the same-numbered time of another workstation instead, as two desks offering one
    time. Puts its Tally (as a dict) on `results`."""
    tally = Tally()
    try:
        clinic = open_where(where)
        actor = front_desk(clinic)
        times = free_times(clinic)[first_time:]
        patients = clinic.patients.count()
        rng = random.Random(index)
        time.sleep(max(0.0, start_at - time.time()))
        ends = time.perf_counter() + seconds
        n = 0
        while time.perf_counter() < ends:
            lane = index
            if processes > 1 and rng.random() < CONTENDED:
                lane = rng.choice([k for k in range(processes) if k != index])
            target = lane + processes * n
            if target >= len(times):
                tally.exhausted = True
                break
            book_once(clinic, actor, rng.randrange(1, patients + 1), times[target], tally)
            n += 1
        clinic.close()
    except Exception as exc:  # the workstation could not even start: said in the report
        tally.raw.append(f"{type(exc).__name__}: {exc}")
    results.put(tally.__dict__)


# -- live updates ---------------------------------------------------------------------------------
XID_MARK = "bench-xid:"  # the benchmark trigger's notice: its transaction's id


def listen(url: str, channel: str, expected: int, ready: Any, results: Any) -> None:
    """A workstation listening for the others' notices: the app's own Listener
    (storage/live.py) when there is one, else a plain LISTEN on `channel`. Waits on its socket
    (as the window's QSocketNotifier does), reads what arrived, and notes the wall-clock moment
    of that read. Puts [(read at, payload)] on `results` once `expected` benchmark notices
    arrived, or nothing came for 10 s."""
    try:
        from frontdesk.storage.live import Listener
    except ImportError:
        Listener = None  # type: ignore[assignment,misc]
    heard: list[tuple[float, str]] = []
    if Listener is not None:
        listener = Listener(url)
        socket, read, close = listener.socket, listener.heard, listener.close
    else:
        import psycopg

        conn = psycopg.connect(url, autocommit=True)
        conn.execute(f"LISTEN {channel}")

        def plain_read() -> list[str]:
            conn.pgconn.consume_input()
            payloads = []
            while (note := conn.pgconn.notifies()) is not None:
                payloads.append(note.extra.decode())
            return payloads

        socket, read, close = conn.fileno, plain_read, conn.close
    ready.set()
    marks = 0
    while marks < expected:
        readable, _, _ = select.select([socket()], [], [], 10)
        if not readable:
            break
        read_at = time.time()
        for payload in read():
            heard.append((read_at, payload))
            marks += payload.startswith(XID_MARK)
    close()
    results.put(heard)


def watch_file(path: str, expected: int, every_ms: float, ready: Any, results: Any) -> None:
    """Another window on the same SQLite file: asks `PRAGMA data_version` every `every_ms`
    and notes the wall-clock moment it saw a change. Puts [seen at] on `results`."""
    from frontdesk.storage.db import connect

    conn = connect(path)
    seen: list[float] = []
    last = conn.execute("PRAGMA data_version").fetchone()[0]
    ready.set()
    quiet_until = time.time() + 30
    while len(seen) < expected and time.time() < quiet_until:
        time.sleep(every_ms / 1000)
        now = conn.execute("PRAGMA data_version").fetchone()[0]
        if now != last:
            seen.append(time.time())
            last = now
            quiet_until = time.time() + 10
    conn.close()
    results.put(seen)
