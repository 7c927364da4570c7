"""Reading the audit trail: the admin's view, and the check of its hash chain."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from frontdesk.domain.audit import AuditEntry, ChainBreak, Tampering
from frontdesk.domain.permissions import Permission
from frontdesk.services.clock import Clock, clinic_now
from frontdesk.services.errors import can_be_an_id, plain_storage_errors
from frontdesk.services.signed_in import SignedIn
from frontdesk.services.unit_of_work import check_allowed, record_event
from frontdesk.storage.audit import AuditCheck, AuditCursor, AuditFilter, AuditRepository
from frontdesk.storage.database import Database
from frontdesk.storage.db import connect

__all__ = ["AuditCheck", "AuditCursor", "AuditFilter", "AuditPage", "AuditService"]


@dataclass(frozen=True)
class AuditPage:
    """One page of lines, newest first, with what the dialog needs to show them."""

    total: int | None  # lines matching the filter; None when not asked (a later page)
    entries: list[AuditEntry]
    # The full names of the patients these lines are about, read at once for the page.
    patients: dict[int, str] = field(default_factory=dict)
    # Counting stopped at `total`: more lines than that match (see `search`'s count_cap).
    more_than_total: bool = False

    @property
    def next(self) -> AuditCursor | None:
        """Where the following page begins; None when this one was the last (not full)."""
        return AuditCursor.after(self.entries[-1]) if self.entries else None


def verify_file(path: Path) -> ChainBreak | Tampering | None:
    """verify() on a connection of its own, so that it can run off the GUI thread."""
    with connect(path) as db:
        return AuditService(db).verify()


class AuditService:
    def __init__(self, db: Database, clock: Clock = clinic_now) -> None:
        self._db = db
        self._clock = clock
        self._repo = AuditRepository(db)

    def history(self, entity: str, entity_id: int) -> list[AuditEntry]:
        if not can_be_an_id(entity_id):
            return []  # no record has it, so no line names it
        return self._repo.for_entity(entity, entity_id)

    def search(
        self,
        actor: SignedIn,
        where: AuditFilter,
        limit: int = 200,
        *,
        below: AuditCursor | None = None,
        count: bool = True,
        count_cap: int | None = None,
    ) -> AuditPage:
        """Newest first, a page at a time from `below` (the previous page's `next`); admin
        only (and a refused look is audited). `count`: ask how many lines match (once per
        filter is enough); `count_cap`: stop counting past that many."""
        check_allowed(self._db, self._clock, actor, Permission.VIEW_AUDIT, "read the audit trail")
        with plain_storage_errors("read the audit trail"):
            entries = self._repo.page(where, limit, below)
            named = (e.patient_id for e in entries if e.patient_id is not None)
            names = self._repo.patient_names(named)
            if not count:
                return AuditPage(None, entries, names)
            total = self._repo.count(where, count_cap)
        if count_cap is not None and total > count_cap:
            return AuditPage(count_cap, entries, names, more_than_total=True)
        return AuditPage(total, entries, names)

    def record_export(
        self, actor: SignedIn, where: AuditFilter, lines: int, path: Path | str
    ) -> None:
        """A copy of the trail left the app (a CSV file): who made it, which lines (the
        filter), how many and where to are recorded; admin only, like reading it."""
        check_allowed(self._db, self._clock, actor, Permission.VIEW_AUDIT, "export the audit trail")
        details = {
            "file": str(path),
            "lines": lines,
            "patient_id": where.patient_id,
            "staff_id": where.staff_id,
            "first_day": where.first_day,
            "last_day": where.last_day,
        }
        record_event(
            self._db, self._clock, actor, "export", "audit_trail", None, details,
            patient_id=where.patient_id,
        )  # fmt: skip

    def count(self) -> int:
        return self._repo.count(AuditFilter())

    def verify(self) -> ChainBreak | Tampering | None:
        """None when all is well; else the first line that does not follow from the one
        before, or (the chain holding) what its anchor and the audited records show."""
        return self.check().problem

    def check(self) -> AuditCheck:
        """verify(), with the notes said either way (an anchor made for the first time)."""
        with plain_storage_errors("check the audit trail"):
            return self._repo.check()
