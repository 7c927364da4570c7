from __future__ import annotations

import pytest

from frontdesk.domain.staff import Role
from frontdesk.services.errors import ValidationFailed


def test_a_new_staff_member_is_listed_and_audited(clinic, doctor) -> None:
    added = clinic.staff.add(doctor, "  Lucía Ortega ", Role.FRONT_DESK)
    assert added.name == "Lucía Ortega"
    assert added in clinic.staff.list_active()
    assert clinic.staff.get(added.id) == added
    [entry] = clinic.audit.history("staff", added.id)
    assert entry.after == {"name": "Lucía Ortega", "role": "front_desk"}
    assert entry.staff_id == doctor.id


def test_a_staff_member_needs_a_name(clinic, doctor) -> None:
    with pytest.raises(ValidationFailed, match="Name is required"):
        clinic.staff.add(doctor, "   ", Role.DOCTOR)
    assert len(clinic.staff.list_active()) == 2
