"""Synthetic clinics of any size, built once and cached under bench/out/.

Names follow the San Fernando Valley mix of the demo clinic, skewed like real registries
(a few very common surnames, a long tail of rare ones), so prefix searches such as "mar"
or "gar" match many thousands of rows at 1M patients.
"""

from __future__ import annotations

import itertools
import json
import random
import shutil
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from frontdesk.domain.patients import PatientFields
from frontdesk.services.clinic import Clinic, open_clinic
from frontdesk.services.clock import Clock
from frontdesk.services.demo import DEMO_DATA, fill_demo_clinic
from frontdesk.services.errors import ServiceError
from frontdesk.storage.db import write_transaction
from frontdesk.storage.engine import sqlite3
from frontdesk.storage.patients import PatientRepository

OUT = Path(__file__).resolve().parent / "out"
SYLLABLES = [
    "ar",
    "an",
    "ba",
    "da",
    "el",
    "ga",
    "ha",
    "ka",
    "li",
    "ma",
    "na",
    "or",
    "pe",
    "ra",
    "sa",
    "ta",
    "va",
    "yo",
    "zu",
    "mi",
    "ko",
    "re",
    "lo",
    "be",
    "tu",
    "sh",
]
ENDINGS = ["yan", "ez", "i", "son", "ov", "ani", "ian", "er", "o", "a", "ski", "ian", "ing"]
AREA_CODES = ["818", "747", "323", "310", "213", "626", "661", "805"]


def _pools(rng: random.Random) -> tuple[list[str], list[str], list[str]]:
    spec = json.loads(DEMO_DATA.read_text(encoding="utf-8"))
    common = [n for c in spec["cultures"] for n in c["last"]]
    firsts = [n for c in spec["cultures"] for n in c["first"]]
    tail = sorted(
        {
            (rng.choice(SYLLABLES) + rng.choice(SYLLABLES) + rng.choice(ENDINGS)).capitalize()
            for _ in range(40_000)
        }
    )
    return common, tail, firsts


def people(count: int, seed: int = 7):
    rng = random.Random(seed)
    common, tail, firsts = _pools(rng)
    weights = list(itertools.accumulate(1 / (rank + 3) for rank in range(len(common))))
    for n in range(count):
        # half the registry shares a few dozen common surnames (Zipf-like), half a long tail
        if rng.random() < 0.5:
            last = rng.choices(common, cum_weights=weights)[0]
        else:
            last = rng.choice(tail)
        first = rng.choice(firsts)
        born = date(1940, 1, 1) + timedelta(days=rng.randrange(0, 365 * 66))
        national = f"{rng.choice(AREA_CODES)}{rng.randrange(200, 999)}{rng.randrange(10000):04d}"
        email = f"{first.lower()[:6]}.{last.lower()[:8]}{n}@example.com".replace(" ", "")
        yield PatientFields(
            first_name=first,
            last_name=last,
            dob=born,
            phone_e164="+1" + national,
            phone_digits=national,
            email=email,
            notes="",
        )


def clinic_file(count: int) -> Path:
    """Path of a cached synthetic clinic with `count` patients (built when missing)."""
    path = OUT / f"clinic-{count}.sqlite3"
    if path.exists():
        return path
    OUT.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    for leftover in OUT.glob(partial.name + "*"):
        leftover.unlink()
    started = time.perf_counter()
    clinic = open_clinic(partial)
    db = clinic._db
    with write_transaction(db):
        PatientRepository(db).insert_many(people(count), "2026-11-26T09:00:00-08:00")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    clinic.close()
    partial.rename(path)
    print(f"built {path.name} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return path


def planted_copy(name: str, patients: int, clock: Clock, plant: Callable[[Clinic], str]) -> Path:
    """A cached copy of the `patients` clinic (bench/out/`name`) with more planted in it by
    `plant`, which returns what to say of it after the file's name (": 1,200 appointments")."""
    path = OUT / name
    if path.exists():
        return path
    partial = path.with_suffix(".partial")
    shutil.copyfile(clinic_file(patients), partial)
    started = time.perf_counter()
    clinic = open_clinic(partial, clock)
    said = plant(clinic)
    clinic._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    clinic.close()
    partial.rename(path)
    print(f"built {path.name}{said} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return path


def demo_clinic_file(count: int) -> Path:
    """A copy of the synthetic clinic marked as the demo, so that `--as ROLE` opens it signed in
    (the start measured to the main window, not to the sign-in screen); 60 is the demo clinic
    itself, with its appointments, intakes and series. Brought up to the current schema here,
    so that no run measured pays for an update."""
    path = OUT / f"demo-{count}.sqlite3"
    if not _opens(path):
        _remove(path)
        OUT.mkdir(parents=True, exist_ok=True)
        partial = OUT / f"demo-{count}.partial.sqlite3"
        _remove(partial)
        if count == 60:
            clinic = open_clinic(partial)
            fill_demo_clinic(clinic)
        else:
            source = sqlite3.connect(clinic_file(count))
            target = sqlite3.connect(partial)
            source.backup(target)
            source.close()
            target.close()
            clinic = open_clinic(partial)
            clinic.make_demo()
        clinic._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        clinic.close()
        partial.rename(path)
    return path


def _opens(path: Path) -> bool:
    """It exists and opens at the current schema (a new migration is applied here, once)."""
    if not path.exists():
        return False
    try:
        open_clinic(path).close()
    except (ServiceError, sqlite3.Error):
        return False
    return True


def _remove(path: Path) -> None:
    for leftover in OUT.glob(path.name + "*"):
        leftover.unlink()


# -- encrypted copies (issue 16) ---------------------------------------------------------------
BENCH_KEYRING = OUT / "keyring"


def use_bench_keyring() -> dict[str, str]:
    """Clinic keys of the benchmarks live in a keyring of their own (the tests' folder keyring,
    in bench/out/keyring), never the user's; an app process started with this environment
    finds them there as on a real start. Returns the variables set in os.environ."""
    import os

    root = str(Path(__file__).resolve().parents[1])
    BENCH_KEYRING.mkdir(parents=True, exist_ok=True)
    chosen = {
        "PYTHON_KEYRING_BACKEND": "tests.keyring_for_tests.FolderKeyring",
        "FRONTDESK_TEST_KEYRING": str(BENCH_KEYRING),
        "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])),
    }
    os.environ.update(chosen)
    if root not in sys.path:
        sys.path.insert(0, root)
    return chosen


def encrypted_copy(source: Path) -> Path:
    """A cached encrypted copy of `source` (bench/out/NAME.encrypted.sqlite3): SQLCipher's
    export of the plain file into a new one under a new clinic key, which the bench keyring
    keeps (use_bench_keyring first). Its audit anchor and settings are copied beside it. The
    key is held in this process afterwards, as the app holds it once unlocked. Made again when
    the bench keyring lost its key or it no longer opens."""
    from frontdesk.storage import keyring_store
    from frontdesk.storage.clinic_keys import ClinicKey, hold, salt_of

    path = source.with_name(source.stem + ".encrypted.sqlite3")
    salt = salt_of(path)
    key = keyring_store.find(salt) if salt is not None else None
    if key is not None:
        hold(key)
        if _opens(path):  # brought up to the current schema, as demo_clinic_file does
            return path
    _remove(path)
    partial = source.with_name(source.stem + ".encrypted.partial.sqlite3")
    _remove(partial)
    started = time.perf_counter()
    key = ClinicKey.new()
    keyring_store.keep(key)
    hold(key)
    plain = sqlite3.connect(source)
    try:
        plain.execute(f"ATTACH DATABASE ? AS encrypted KEY {key.pragma()}", (str(partial),))
        plain.execute("SELECT sqlcipher_export('encrypted')").fetchall()
        plain.execute("DETACH DATABASE encrypted")
    finally:
        plain.close()
    for suffix in (".audit-anchor", ".settings.ini"):
        beside = source.with_name(source.stem + suffix)
        if beside.exists():
            shutil.copyfile(beside, partial.with_name(partial.stem + suffix))
    clinic = open_clinic(partial)  # opens with the held key, in WAL mode, at the current schema
    clinic._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    clinic.close()
    partial.rename(path)
    for suffix in (".audit-anchor", ".settings.ini"):
        beside = partial.with_name(partial.stem + suffix)
        if beside.exists():
            beside.rename(path.with_name(path.stem + suffix))
    print(f"built {path.name} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return path
