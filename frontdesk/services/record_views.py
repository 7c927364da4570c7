"""Who looked at which patient's record: HIPAA asks who looked, not only who changed.

Showing a record is an audit line of its own ("view", "patient", id). One line per look, not
one per repaint: the same member looking at the same patient again within `QUIET_MINUTES`
adds nothing, a different patient (or the same one later) adds a line.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from frontdesk.services.clock import Clock, clinic_now
from frontdesk.services.errors import NotFound, plain_storage_errors
from frontdesk.services.signed_in import NotSignedIn, SignedIn, vouched_id
from frontdesk.services.unit_of_work import record_event
from frontdesk.storage.database import Database
from frontdesk.storage.patients import PatientRepository

QUIET_MINUTES = 5


class RecordViews:
    def __init__(self, db: Database, clock: Clock = clinic_now) -> None:
        self._db = db
        self._clock = clock
        self._last: dict[int, tuple[int, datetime]] = {}  # member id -> (patient id, when)

    def viewed(self, actor: SignedIn, patient_id: int) -> bool:
        """Records that `actor` looked at the patient's record; True when a line was written,
        False when the same look was recorded less than QUIET_MINUTES ago. A forged or
        signed-out identity is refused (and that attempt is itself recorded)."""
        if isinstance(patient_id, bool) or not isinstance(patient_id, int) or patient_id < 1:
            raise NotFound(f"Patient #{patient_id} does not exist.")
        with plain_storage_errors("read the patient"):
            exists = PatientRepository(self._db).get(patient_id) is not None
        if not exists:
            raise NotFound(f"Patient #{patient_id} does not exist.")
        now = self._clock()
        try:
            member = vouched_id(self._db, actor)
        except NotSignedIn:
            member = None  # record_event below records the attempt and refuses it
        last = self._last.get(member) if member is not None else None
        quiet = timedelta(minutes=QUIET_MINUTES)
        if last is not None and last[0] == patient_id and timedelta(0) <= now - last[1] < quiet:
            return False
        record_event(self._db, self._clock, actor, "view", "patient", patient_id,
                     patient_id=patient_id)  # fmt: skip
        self._last[vouched_id(self._db, actor)] = (patient_id, now)
        return True
