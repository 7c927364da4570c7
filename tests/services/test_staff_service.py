from __future__ import annotations

import pytest

from frontdesk.domain.staff import Role
from frontdesk.services.errors import ValidationFailed


def test_a_new_staff_member_is_listed_and_audited(clinic, admin) -> None:
    added = clinic.staff.add(admin, "  Lucía Ortega ", Role.FRONT_DESK)
    assert added.name == "Lucía Ortega"
    assert added in clinic.staff.list_active()
    assert clinic.staff.get(added.id) == added
    [entry] = clinic.audit.history("staff", added.id)
    assert entry.after == {
        "name": "Lucía Ortega",
        "role": "front_desk",
        "active": True,
        "username": None,
    }
    assert entry.staff_id == admin.id


def test_a_staff_member_needs_a_name(clinic, admin) -> None:
    with pytest.raises(ValidationFailed, match="Name is required"):
        clinic.staff.add(admin, "   ", Role.DOCTOR)
    assert len(clinic.staff.list_active()) == 3  # Dr. Alex, the front desk, the admin
