"""Looking at a patient's record is in the audit trail: who looked at whom, once per look."""

from __future__ import annotations

import pytest

from frontdesk.domain.staff import Role, Staff
from frontdesk.services.clinic import open_clinic
from frontdesk.services.errors import NotFound
from frontdesk.services.record_views import QUIET_MINUTES, RecordViews
from frontdesk.services.signed_in import NotSignedIn
from tests.conftest import NOW, draft, member_with_role
from tests.services.test_accounts import MovableClock


def lines(clinic, action: str = "view") -> list[dict]:
    return [
        dict(r)
        for r in clinic._db.query("select * from audit where action = ? order by id", [action])
    ]


@pytest.fixture
def moving(db_path):
    clock = MovableClock(NOW)
    opened = open_clinic(db_path, clock)
    yield opened, clock
    opened.close()


def test_a_look_is_one_line_naming_who_and_which_patient(clinic, desk) -> None:
    maria = clinic.patients.register(desk, draft())
    assert clinic.record_views.viewed(desk, maria.id) is True
    [line] = lines(clinic)
    assert (line["staff_id"], line["entity"], line["entity_id"], line["patient_id"]) == (
        desk.id,
        "patient",
        maria.id,
        maria.id,
    )
    assert clinic.audit.verify() is None


def test_the_same_look_again_is_not_a_new_line_until_minutes_later(moving) -> None:
    clinic, clock = moving
    desk = member_with_role(clinic, Role.FRONT_DESK)
    maria = clinic.patients.register(desk, draft())
    ana = clinic.patients.register(desk, draft(first_name="Ana", email="ana@example.com"))
    views = clinic.record_views
    assert views.viewed(desk, maria.id)
    clock.advance(minutes=1)
    assert not views.viewed(desk, maria.id)  # a refresh, a repaint: the same look
    assert views.viewed(desk, ana.id)  # someone else put in front
    assert views.viewed(desk, maria.id)  # and back: a new look
    clock.advance(minutes=QUIET_MINUTES)
    assert views.viewed(desk, maria.id)  # the same one, minutes later
    assert [r["entity_id"] for r in lines(clinic)] == [maria.id, ana.id, maria.id, maria.id]


def test_each_member_looking_is_recorded(clinic, desk) -> None:
    doctor = member_with_role(clinic, Role.DOCTOR)
    maria = clinic.patients.register(desk, draft())
    assert clinic.record_views.viewed(desk, maria.id)
    assert clinic.record_views.viewed(doctor, maria.id)
    assert [r["staff_id"] for r in lines(clinic)] == [desk.id, doctor.id]


def test_a_forged_identity_is_refused_and_the_attempt_recorded(clinic, desk) -> None:
    maria = clinic.patients.register(desk, draft())
    assert clinic.record_views.viewed(desk, maria.id)
    forged = Staff(id=desk.id, name=desk.name, role=desk.role)
    with pytest.raises(NotSignedIn):
        clinic.record_views.viewed(forged, maria.id)  # even right after the real one looked
    assert len(lines(clinic)) == 1
    [denied] = lines(clinic, "denied")
    assert denied["staff_id"] is None and f'"claimed_staff_id": {desk.id}' in denied["after"]
    assert clinic.audit.verify() is None


def test_a_signed_out_member_is_refused(clinic, desk) -> None:
    maria = clinic.patients.register(desk, draft())
    clinic.login.signed_out(desk)
    with pytest.raises(NotSignedIn):
        clinic.record_views.viewed(desk, maria.id)
    assert lines(clinic) == []


@pytest.mark.parametrize("patient_id", [0, -1, 10**6])
def test_no_such_patient_is_said_in_words(clinic, desk, patient_id) -> None:
    with pytest.raises(NotFound, match="does not exist"):
        clinic.record_views.viewed(desk, patient_id)
    assert lines(clinic) == []


def test_the_service_is_one_per_clinic(clinic) -> None:
    assert isinstance(clinic.record_views, RecordViews)
    assert clinic.record_views is clinic.record_views
