"""The canary (issue 16): a patient with a name and a note found nowhere else, written through
every path that keeps something on disk (the record, an intake, an appointment, both kinds of
backup, the audit dialog's reading, the log), then every byte the clinic left on disk searched
for them: the database, its -wal and -shm, the backups, the temporary folder, the log, the
settings and the audit anchor. Encrypted, nothing is found, with the WAL's frames not yet
checkpointed and after; plain, the same search finds them (so the search itself works).

Temporary files go to a folder of the test (tempfile's and TMPDIR), so that they are searched
too (SQLite's own, in the app's processes: it reads TMPDIR as it starts, and unlinks them as
soon as made). A PDF the user saves on purpose (a handout) holds the name by design, and is not
made here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from frontdesk.domain.appointments import CONSULTATION
from frontdesk.domain.staff import Role
from frontdesk.logs import start_logging, stop_logging
from frontdesk.services.audit import AuditFilter
from frontdesk.services.clinic import Clinic, open_clinic
from frontdesk.services.intake import Intake
from frontdesk.storage import keyring_store
from frontdesk.storage.clinic_keys import ClinicKey, forget_all, is_encrypted
from tests.conftest import ADMIN_PASSWORD, draft, member_with_role, signed_in

FIRST, LAST = "Quokkafeldia", "Zanzibarr"
ENCODINGS = ("utf-8", "utf-16-le", "utf-16-be")


@dataclass
class Canary:
    folder: Path  # the clinic's folder: database, -wal, -shm, backups, log, settings, anchor
    temporary: Path  # TMPDIR and tempfile's folder while the clinic works
    db: Path
    note: str
    clinic: Clinic
    patient_id: int
    key: ClinicKey | None

    def needles(self) -> dict[bytes, str]:
        """Every form the canary could take on disk: each part of the name, the whole name and
        the note (and its unique part), as typed, case-folded and in capitals, in UTF-8 and
        UTF-16 either way round."""
        texts = [FIRST, LAST, f"{FIRST} {LAST}", f"{LAST}, {FIRST}", self.note]
        texts += [self.note.split()[-1], "HIV+ on PrEP"]
        forms: dict[bytes, str] = {}
        for text in texts:
            for variant in {text, text.casefold(), text.upper()}:
                for encoding in ENCODINGS:
                    forms.setdefault(variant.encode(encoding), f"{variant!r} in {encoding}")
        return forms

    def files(self) -> list[Path]:
        return sorted(
            p for top in (self.folder, self.temporary) for p in top.rglob("*") if p.is_file()
        )

    def traces(self) -> list[str]:
        """Where each form was found: 'file: form' (empty when nowhere)."""
        needles = self.needles()
        found = []
        for path in self.files():
            data = path.read_bytes()
            for needle, said in needles.items():
                if needle in data:
                    found.append(f"{path.relative_to(path.parents[1])}: {said}")
        return found


@pytest.fixture
def temporary(tmp_path: Path, monkeypatch) -> Path:
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    monkeypatch.setenv("TMPDIR", str(folder))
    return folder


def make_canary(tmp_path: Path, temporary: Path, clock, key: ClinicKey | None) -> Canary:
    """The canary's clinic, with the name and note written everywhere the desk would write
    them; left open, so the WAL still holds the last frames."""
    folder = tmp_path / "clinic"
    db = folder / "clinic.sqlite3"
    if key is not None:
        keyring_store.keep(key)
    clinic = open_clinic(db, clock, new_key=key)
    start_logging(db)
    note = f"HIV+ on PrEP canary-{uuid.uuid4()}"
    desk = member_with_role(clinic, Role.FRONT_DESK)
    doctor = member_with_role(clinic, Role.DOCTOR)
    admin = signed_in(
        clinic, clinic.staff.create_first_admin("Office admin", "office", ADMIN_PASSWORD)
    )
    patient = clinic.patients.register(
        desk, draft(first_name=FIRST, last_name=LAST, notes=note, email="qz@example.com")
    )
    clinic.patients.update(desk, patient.id, draft(first_name=FIRST, last_name=LAST, notes=note))
    clinic.intakes.record(
        doctor, patient.id, Intake(fitzpatrick=3, notes=f"{FIRST} {LAST}: {note}")
    )
    [starts] = clinic.calendar.next_free(CONSULTATION, clinic.calendar.now(), 1)
    clinic.calendar.book(desk, patient.id, CONSULTATION, starts, note=f"{LAST} asks: {note}")
    assert clinic.patients.search(FIRST.lower()[:6]).rows[0].id == patient.id
    page = clinic.audit.search(admin, AuditFilter(patient_id=patient.id), 200)
    assert f"{FIRST}" in page.patients[patient.id]  # the dialog's query path was read
    daily = clinic.backups.daily_if_due()  # first: a manual one counts as today's backup
    manual = clinic.backups.back_up_now(admin)
    assert daily is not None and manual != daily
    clinic.patients.update(  # after the backups: these frames stay in the -wal
        desk, patient.id, draft(first_name=FIRST, last_name=LAST, notes=note + " (seen)")
    )
    return Canary(folder, temporary, db, note, clinic, patient.id, key)


@pytest.fixture
def canary_files(tmp_path: Path, temporary: Path, clock) -> Iterator[Canary]:
    canary = make_canary(tmp_path, temporary, clock, ClinicKey.new())
    try:
        yield canary
    finally:
        canary.clinic.close()
        stop_logging()


def wal_frames(db: Path) -> int:
    wal = db.with_name(db.name + "-wal")
    return wal.stat().st_size if wal.exists() else 0


def every_kind_is_searched(canary: Canary) -> None:
    names = {p.name for p in canary.files()}
    db = canary.db.name
    for kind in (db, f"{db}-shm", "clinic.log", "clinic.settings.ini", "clinic.audit-anchor"):
        assert kind in names, f"{kind} was not there to search ({sorted(names)})"
    backups = [p for p in canary.files() if p.parent.name == "backups"]
    assert len(backups) >= 2, backups  # the manual one and the daily one


def test_no_trace_of_the_canary_with_the_wal_not_checkpointed(canary_files: Canary) -> None:
    assert is_encrypted(canary_files.db)
    assert wal_frames(canary_files.db) > 0  # the last update's frames are still only there
    every_kind_is_searched(canary_files)
    assert canary_files.traces() == []


def test_no_trace_of_the_canary_after_a_checkpoint_and_closing(canary_files: Canary) -> None:
    canary_files.clinic._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert wal_frames(canary_files.db) == 0
    every_kind_is_searched(canary_files)
    assert canary_files.traces() == []
    canary_files.clinic.close()  # the -wal and -shm go; what stays is searched again
    stop_logging()
    assert canary_files.traces() == []


def test_no_file_the_clinic_leaves_holds_its_key(canary_files: Canary) -> None:
    """Never a key file beside the database: the key is in the keyring (here the tests' own,
    in a folder elsewhere) and nowhere in the clinic's folder or the temporary one, in any
    form it could be written in."""
    key = canary_files.key
    assert key is not None
    raw = key.secret + key.salt
    forms = [key.secret, raw, key.recovery_text(), key.recovery_text().replace("-", "")]
    forms += [key.secret.hex(), key.secret.hex().upper(), raw.hex(), raw.hex().upper()]
    needles = [f if isinstance(f, bytes) else f.encode("ascii") for f in forms]
    for path in canary_files.files():
        data = path.read_bytes()
        assert not [n for n in needles if n in data], f"key material in {path}"


def test_the_search_finds_the_canary_in_a_plain_clinic(
    tmp_path: Path, temporary: Path, clock
) -> None:
    """The proof the search works: the same clinic unencrypted shows the name and the note in
    the database (or its WAL) and in each backup, in the forms looked for. (The log and the
    settings hold neither, encrypted or not.)"""
    canary = make_canary(tmp_path, temporary, clock, None)
    try:
        assert not is_encrypted(canary.db)
        assert wal_frames(canary.db) > 0
        found = canary.traces()
        unique = canary.note.split()[-1]
        for where in ("clinic.sqlite3", "backups/"):
            here = [f for f in found if where in f]
            assert any(f"{FIRST!r} in utf-8" in f for f in here), (where, found)
            assert any(f"{unique!r} in utf-8" in f for f in here), (where, found)
        assert not [f for f in found if ".log" in f or ".settings.ini" in f], found
        canary.clinic._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        assert any(f.startswith(f"clinic/clinic.sqlite3: {FIRST!r}") for f in canary.traces())
    finally:
        canary.clinic.close()
        stop_logging()


def run_child(args: list[str], temporary: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "TMPDIR": str(temporary)}
    return subprocess.run(
        [sys.executable, *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_no_trace_after_the_app_its_daily_job_and_a_handout_opened_the_encrypted_clinic(
    tmp_path: Path, temporary: Path, clock
) -> None:
    """The app itself, in its own process (its own SQLite, which reads TMPDIR when it starts),
    opens the canary's clinic with the key from this test's keyring and draws its sign-in
    window; then the window's daily job, a process of its own, takes the next day's backup and
    checks the audit chain; then `frontdesk handout` saves the patient's handout as a PDF in
    the user's folder (which holds the name on purpose): nothing left anywhere else."""
    canary = make_canary(tmp_path, temporary, clock, ClinicKey.new())
    canary.clinic.close()
    stop_logging()
    forget_all()  # the processes must find the key in the keyring as on a real start
    started = run_child(["-m", "frontdesk", "--db", str(canary.db), "--smoke"], temporary)
    assert started.returncode == 0, started.stderr[-2000:]
    assert "first paint" in started.stdout
    next_day = (clock() + timedelta(days=1)).isoformat()
    job = run_child(
        ["-m", "frontdesk.daily_job", str(canary.db), next_day, "--check-chain"], temporary
    )
    assert job.returncode == 0, job.stderr[-2000:]
    said = json.loads(job.stdout.strip().splitlines()[-1])
    assert said["backup"] and not said["failed"] and not said["broken"], said
    assert Path(said["backup"]).exists() and is_encrypted(Path(said["backup"]))
    saved = tmp_path / "Documents" / "handout.pdf"  # the user's own file, not searched
    saved.parent.mkdir()
    handout = run_child(
        ["-m", "frontdesk", "handout", "--db", str(canary.db), "--patient",
         str(canary.patient_id), "--kind", "consultation", "--out", str(saved)],
        temporary,
    )  # fmt: skip
    assert handout.returncode == 0, handout.stderr[-2000:]
    assert saved.read_bytes().startswith(b"%PDF")
    assert canary.traces() == []
