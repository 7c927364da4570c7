"""Patient use-cases against a real SQLite file: validation, duplicates, audit, rollback."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from frontdesk.domain.staff import Role, Staff
from frontdesk.services.errors import (
    ChangedElsewhere,
    NotFound,
    PossibleDuplicate,
    StorageError,
    UnknownStaff,
    ValidationFailed,
)
from tests.conftest import draft
from tests.engines import served, tamperer
from tests.whole_database import count_rows


def test_register_stores_the_patient_and_its_audit_row_together(clinic, desk) -> None:
    patient = clinic.patients.register(desk, draft(notes="Prefers text messages."))
    assert clinic.patients.get(patient.id) == patient
    assert patient.phone_e164 == "+18185550134"
    [entry] = clinic.audit.history("patient", patient.id)
    assert entry.action == "register" and entry.staff_id == desk.id
    assert entry.before is None
    assert entry.after["first_name"] == "María" and entry.after["dob"] == "1985-03-14"
    assert entry.at == "2026-11-26T10:30:00-08:00"


def test_update_records_before_and_after(clinic, desk, doctor) -> None:
    patient = clinic.patients.register(desk, draft())
    updated = clinic.patients.update(doctor, patient.id, draft(phone="747 555 0112"))
    assert updated.phone_e164 == "+17475550112"
    entries = clinic.audit.history("patient", patient.id)
    assert [e.action for e in entries] == ["register", "update"]
    assert entries[1].staff_id == doctor.id
    assert entries[1].before["phone"] == "+18185550134"
    assert entries[1].after["phone"] == "+17475550112"


def test_saving_without_changes_writes_nothing(clinic, desk) -> None:
    patient = clinic.patients.register(desk, draft())
    assert clinic.patients.update(desk, patient.id, draft(phone="8185550134")) == patient
    assert len(clinic.audit.history("patient", patient.id)) == 1


def test_a_refused_save_changes_nothing(clinic, desk) -> None:
    with pytest.raises(ValidationFailed) as refused:
        clinic.patients.register(desk, draft(last_name="", dob="2/30/1985"))
    assert set(refused.value.errors) == {"last_name", "dob"}
    assert clinic.patients.count(include_archived=True) == 0
    assert count_rows(clinic, "audit") == 0


def test_possible_duplicate_is_warned_before_saving(clinic, desk) -> None:
    first = clinic.patients.register(desk, draft())
    with pytest.raises(PossibleDuplicate) as warned:
        clinic.patients.register(desk, draft(first_name="maria", last_name="GARCIA", phone=""))
    assert warned.value.matches == [first]
    assert "already registered" in str(warned.value)
    assert clinic.patients.count() == 1
    second = clinic.patients.register(desk, draft(first_name="Maria"), confirm_duplicate=True)
    assert second.id != first.id and clinic.patients.count() == 2


def test_editing_into_someone_elses_identity_is_warned(clinic, desk) -> None:
    clinic.patients.register(desk, draft())
    other = clinic.patients.register(desk, draft(first_name="Marisol", phone="", email=""))
    with pytest.raises(PossibleDuplicate):
        clinic.patients.update(desk, other.id, draft(first_name="María", phone="", email=""))
    assert clinic.patients.get(other.id).first_name == "Marisol"


def test_a_patient_is_not_their_own_duplicate(clinic, desk) -> None:
    patient = clinic.patients.register(desk, draft())
    assert clinic.patients.update(desk, patient.id, draft(notes="new note")).notes == "new note"


def test_archive_and_restore_are_audited(clinic, desk) -> None:
    patient = clinic.patients.register(desk, draft())
    assert clinic.patients.archive(desk, patient.id).archived
    assert clinic.patients.count() == 0 and clinic.patients.count(include_archived=True) == 1
    assert not clinic.patients.restore(desk, patient.id).archived
    actions = [e.action for e in clinic.audit.history("patient", patient.id)]
    assert actions == ["register", "archive", "restore"]


def test_unknown_patient(clinic, desk) -> None:
    with pytest.raises(NotFound):
        clinic.patients.archive(desk, 999)


def test_writes_must_be_signed_by_active_staff(clinic) -> None:
    stranger = Staff(id=77, name="Nobody", role=Role.FRONT_DESK)
    with pytest.raises(UnknownStaff):
        clinic.patients.register(stranger, draft())
    assert clinic.patients.count(include_archived=True) == 0


def test_a_failure_inside_the_transaction_rolls_back_the_patient_too(clinic, desk) -> None:
    """The audit row failing (here: a trigger) must take the patient row down with it."""
    if served(clinic):
        tamperer(clinic).execute(
            "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit"
            " FOR EACH ROW EXECUTE FUNCTION refuse('disk')"
        )
    else:
        clinic._db.execute(
            "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit"
            " BEGIN SELECT RAISE(ABORT, 'disk'); END"
        )
    with pytest.raises(StorageError, match="Nothing was changed"):
        clinic.patients.register(desk, draft())
    assert clinic.patients.count(include_archived=True) == 0
    assert not clinic._db.conn.in_transaction


def test_saved_means_on_disk_for_another_connection(clinic, desk) -> None:
    patient = clinic.patients.register(desk, draft())
    other = clinic.twin()
    try:
        assert other.patients.get(patient.id) == patient
    finally:
        other.close()


names = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Nd")), min_size=1, max_size=40
).filter(
    lambda t: (
        any(ch.isalpha() for ch in t) and t == t.strip() and not any(ch.isdigit() for ch in t)
    )  # names refuse digits, by rule
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    first=names,
    last=names,
    notes=st.text(
        st.characters(exclude_characters="\x00", exclude_categories=("Cs",)), max_size=200
    ).map(str.strip),
)  # a NUL or a lone surrogate is refused (tests/services/test_text_limits.py)
def test_any_unicode_is_stored_and_returned_verbatim(clinic, desk, first, last, notes) -> None:
    patient = clinic.patients.register(
        desk, draft(first_name=first, last_name=last, notes=notes), confirm_duplicate=True
    )
    stored = clinic.patients.get(patient.id)
    assert (stored.first_name, stored.last_name, stored.notes) == (first, last, notes)


@pytest.mark.parametrize(
    "text", ["Robert'); DROP TABLE patients;--", "' OR 1=1 --", "%_\\", "名前", "Ⓐ", "🙂"]
)
def test_sql_looking_input_is_just_text(clinic, desk, text) -> None:
    patient = clinic.patients.register(desk, draft(notes=text))
    assert clinic.patients.get(patient.id).notes == text
    assert clinic.patients.search(text).rows == []  # typed into search: matches nobody
    assert clinic.patients.count() == 1 and clinic.audit.history("patient", patient.id)


def test_an_edit_based_on_an_old_version_is_refused(clinic, desk, doctor) -> None:
    opened_here = clinic.patients.register(desk, draft())
    clinic.patients.update(doctor, opened_here.id, draft(notes="Changed in the other window."))
    with pytest.raises(ChangedElsewhere, match="changed elsewhere"):
        clinic.patients.update(
            desk, opened_here.id, draft(phone="747 555 0112"), expected_version=opened_here.version
        )
    assert clinic.patients.get(opened_here.id).notes == "Changed in the other window."


def test_editing_a_confirmed_namesake_does_not_warn_again(clinic, desk) -> None:
    clinic.patients.register(desk, draft())
    twin = clinic.patients.register(desk, draft(phone=""), confirm_duplicate=True)
    assert clinic.patients.update(desk, twin.id, draft(phone="", notes="x")).notes == "x"


def test_demo_style_bulk_registration_is_all_or_nothing(clinic, desk) -> None:
    good, bad = (draft(), False), (draft(first_name="", last_name="X"), False)
    with pytest.raises(ValidationFailed):
        clinic.patients.register_all_if_empty(desk, [good, bad])
    assert clinic.patients.count(include_archived=True) == 0


# -- registration details (issue 13 point 4) ----------------------------------------------------
DETAILS = {
    "language": "es",
    "address": "5300 Balboa Blvd, Encino, CA 91316",
    "emergency_name": "Rosa García (sister)",
    "emergency_phone": "(818) 555-0199",
    "heard_from": "friend",
    "consent_sms": True,
    "consent_email": True,
}


def test_the_details_are_stored_and_in_the_audit_snapshot(clinic, desk) -> None:
    patient = clinic.patients.register(desk, draft(**DETAILS))
    assert clinic.patients.get(patient.id) == patient
    assert (patient.language, patient.emergency_phone_e164) == ("es", "+18185550199")
    assert (patient.consent_sms, patient.consent_email) == (True, True)
    [entry] = clinic.audit.history("patient", patient.id)
    assert entry.after["address"] == DETAILS["address"]
    assert entry.after["emergency_phone"] == "+18185550199"
    assert (entry.after["consent_sms"], entry.after["consent_email"]) == (True, True)
    assert (entry.after["language"], entry.after["heard_from"]) == ("es", "friend")
    changed = clinic.patients.update(desk, patient.id, draft(**{**DETAILS, "consent_sms": False}))
    assert changed.consent_sms is False and changed.version == patient.version + 1
    last = clinic.audit.history("patient", patient.id)[-1]
    assert (last.before["consent_sms"], last.after["consent_sms"]) == (True, False)


@pytest.mark.parametrize(
    ("column", "value", "words"),
    [
        ("consent_sms", 0, "consent to text messages"),
        ("consent_email", 0, "consent to email"),
        ("language", "'en'", "preferred language"),
        ("address", "'elsewhere'", "address"),
        ("emergency_phone", "'+13105550000'", "emergency phone"),
        ("heard_from", "'search'", "how they heard of us"),
    ],
)
def test_a_detail_changed_behind_the_apps_back_is_found(clinic, desk, column, value, words):
    from frontdesk.storage.audit_rows import differences

    patient = clinic.patients.register(desk, draft(**DETAILS))
    assert list(differences(clinic._db)) == []
    clinic._db.conn.execute(f"UPDATE patients SET {column} = {value} WHERE id = ?", [patient.id])
    [found] = list(differences(clinic._db))
    assert found.row_id == patient.id and words in found.columns


def test_a_row_last_audited_before_migration_0009_is_compared_with_its_defaults(tmp_path):
    """A patient written before the details existed: their lines hold none of the new keys,
    yet a detail set behind the app's back is found (the row held the defaults 0009 gave)."""
    from datetime import datetime

    from frontdesk.storage.audit import AuditRepository
    from frontdesk.storage.audit_rows import differences
    from frontdesk.storage.db import connect, write_transaction
    from frontdesk.storage.migrations import MIGRATIONS, migrate

    path = tmp_path / "old.sqlite3"
    db = connect(path)
    MIGRATIONS.apply(db, stop_before="0009_registration_details_and_clinic_address")
    old = {"first_name": "Ani", "last_name": "Petrosyan", "dob": "1990-01-02", "phone": "",
           "email": "", "notes": "", "archived": False}  # fmt: skip
    with write_transaction(db):
        db.execute(
            "INSERT INTO patients (id, first_name, last_name, dob, created_at, updated_at,"
            " first_key, last_key) VALUES (1, 'Ani', 'Petrosyan', '1990-01-02', 'x', 'x', 'ani',"
            " 'petrosyan')"
        )
        AuditRepository(db).append(
            at="2026-01-05T10:00:00-08:00", staff_id=2, action="register", entity="patient",
            entity_id=1, before=None, after=old, patient_id=1,
        )  # fmt: skip
    migrate(db, path, datetime(2026, 11, 26, 10, 0))
    assert list(differences(db)) == []
    db.conn.execute("UPDATE patients SET consent_email = 1 WHERE id = 1")
    [found] = list(differences(db))
    assert found.row_id == 1 and "consent to email" in found.columns


def test_a_possible_duplicate_is_found_by_phone_and_by_email(clinic, desk) -> None:
    maria = clinic.patients.register(desk, draft())
    other = {"first_name": "Ana", "last_name": "Cruz", "dob": "7/2/1990"}
    by = {"by_contact": True}  # as the registration form asks
    with pytest.raises(PossibleDuplicate) as by_phone:
        clinic.patients.register(desk, draft(**other, email="", phone="818.555.0134"), **by)
    assert by_phone.value.matches == [maria]
    with pytest.raises(PossibleDuplicate) as by_email:
        clinic.patients.register(
            desk, draft(**other, phone="", email="MARIA.Garcia@example.com"), **by
        )
    assert by_email.value.matches == [maria]
    assert clinic.patients.count() == 1 and count_rows(clinic, "audit") == 1
    ana = clinic.patients.register(desk, draft(**other, phone="", email=""), **by)
    with pytest.raises(PossibleDuplicate):  # a correction giving Ana María's phone
        clinic.patients.update(desk, ana.id, draft(**other, phone="(818) 555-0134", email=""), **by)
    kept = clinic.patients.update(
        desk, ana.id, draft(**other, phone="(818) 555-0134", email=""), confirm_duplicate=True
    )
    assert kept.phone_e164 == maria.phone_e164  # a family may share a phone
    # what stays the same is not asked about again
    again = clinic.patients.update(
        desk, ana.id, draft(**other, phone="8185550134", email="", notes="x"), **by
    )
    assert again.notes == "x"


def test_without_by_contact_only_the_name_and_birthday_count(clinic, desk) -> None:
    clinic.patients.register(desk, draft())  # scripts and bulk loads: a family's shared phone
    sister = clinic.patients.register(desk, draft(first_name="Rosa", dob="1/2/1990"))
    assert sister.phone_e164 == "+18185550134"


def test_one_patient_found_twice_is_listed_once(clinic, desk) -> None:
    maria = clinic.patients.register(desk, draft())
    with pytest.raises(PossibleDuplicate) as warned:  # name, phone and email
        clinic.patients.register(desk, draft(first_name="Maria"), by_contact=True)
    assert warned.value.matches == [maria]


def test_a_new_language_preference_is_where_handouts_start_again(clinic, desk) -> None:
    from frontdesk.domain.handouts import Kind, Language

    patient = clinic.patients.register(desk, draft(language="en"))
    clinic.handouts.record(desk, patient.id, Kind.DARK_MARKS, Language.SPANISH, "printed")
    assert clinic.handouts.language_of(patient.id) is Language.SPANISH  # the later choice
    clinic.patients.update(desk, patient.id, draft(language="en", notes="same language"))
    assert clinic.handouts.language_of(patient.id) is Language.SPANISH  # still the later one
    clinic.patients.update(desk, patient.id, draft(language="es"))
    clinic.patients.update(desk, patient.id, draft(language="en"))  # the newest word
    assert clinic.handouts.language_of(patient.id) is Language.ENGLISH
