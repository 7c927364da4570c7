"""Staff accounts on a real SQLite file: the first admin, Argon2id hashes, signing in, lockout,
unlock, the admin rules, the audit of every attempt, the demo's public logins, the lock delay.

Each Argon2 hash or check costs ~50 ms: the tests make as few as they can.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from argon2 import PasswordHasher

from frontdesk.domain.staff import Role, Staff
from frontdesk.services.clinic import Clinic, open_clinic
from frontdesk.services.demo import demo_drafts, fill_demo_clinic
from frontdesk.services.demo_accounts import DEMO_LOGINS, make_demo
from frontdesk.services.errors import NotAllowed, NotFound, ValidationFailed
from frontdesk.services.login import WRONG, LoginRefused
from frontdesk.services.signed_in import NotSignedIn, SignedIn
from frontdesk.storage.engine import sqlite3
from frontdesk.storage.staff import StaffRepository
from tests.conftest import ADMIN_PASSWORD, NOW, draft, member_with_role

LUCIA_PASSWORD = "ventura-blvd-2026"
NEW_PASSWORD = "balboa-park-lake-7"
ARGON2ID = re.compile(
    r"\$argon2id\$v=(?P<v>\d+)\$m=(?P<m>\d+),t=(?P<t>\d+),p=(?P<p>\d+)\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+"
)


@dataclass
class MovableClock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **by: float) -> None:
        self.now += timedelta(**by)


@pytest.fixture
def clock_at() -> MovableClock:
    return MovableClock(NOW)


@pytest.fixture
def moving(clinic: Clinic, clock_at: MovableClock) -> Clinic:
    """The same database, seen through a clock the test moves."""
    return Clinic(clinic.path, clinic._db, clock_at, None)


@pytest.fixture
def lucia(clinic: Clinic, admin: Staff) -> Staff:
    return clinic.staff.add(admin, "Lucía Ortega", Role.FRONT_DESK, "Lucia", LUCIA_PASSWORD)


def stored_hash(clinic: Clinic, staff_id: int) -> str | None:
    login = StaffRepository(clinic._db).login(staff_id=staff_id)
    assert login is not None
    return login.password_hash


def login_row(clinic: Clinic, staff_id: int):
    login = StaffRepository(clinic._db).login(staff_id=staff_id)
    assert login is not None
    return login


def audit_lines(clinic: Clinic, after_id: int = 0) -> list[dict[str, Any]]:
    return [
        dict(r)
        for r in clinic._db.query("SELECT * FROM audit WHERE id > ? ORDER BY id", [after_id])
    ]


def last_audit_id(clinic: Clinic) -> int:
    return clinic._db.execute("SELECT coalesce(max(id), 0) FROM audit").fetchone()[0]


def fail(clinic: Clinic, username: str, times: int) -> list[str]:
    said = []
    for _ in range(times):
        with pytest.raises(LoginRefused) as refused:
            clinic.login.sign_in(username, "not-the-password")
        said.append(str(refused.value))
    return said


# -- the first admin -------------------------------------------------------------------------
def test_a_new_database_needs_exactly_one_first_admin(clinic: Clinic) -> None:
    assert clinic.staff.needs_first_admin()
    assert all(s.username is None for s in clinic.staff.list_active())  # nobody can sign in
    with pytest.raises(ValidationFailed) as refused:
        clinic.staff.create_first_admin("Office admin", "office", "short")
    assert set(refused.value.errors) == {"password"}
    assert clinic.staff.needs_first_admin()  # a refused form leaves the door as it was

    first = clinic.staff.create_first_admin("Office admin", "Office", ADMIN_PASSWORD)

    assert (first.role, first.username) == (Role.ADMIN, "office")
    assert not clinic.staff.needs_first_admin()
    with pytest.raises(ValidationFailed, match="already has an admin account"):
        clinic.staff.create_first_admin("Intruder", "intruder", "another-long-password")
    assert [s.name for s in clinic.staff.list_active() if s.role is Role.ADMIN] == ["Office admin"]
    [entry] = clinic.audit.history("staff", first.id)
    assert (entry.action, entry.staff_id) == ("create", first.id)
    assert entry.after is not None and entry.after["first_admin"] is True


# -- passwords at rest -----------------------------------------------------------------------
def test_passwords_are_stored_only_as_salted_argon2id_hashes(
    clinic: Clinic, admin: Staff, lucia: Staff
) -> None:
    hashes = [stored_hash(clinic, admin.id), stored_hash(clinic, lucia.id)]
    for stored in hashes:
        assert stored is not None
        parsed = ARGON2ID.fullmatch(stored)
        assert parsed, stored
        assert int(parsed["v"]) == 19
        assert int(parsed["m"]) >= 19456  # OWASP's minimum: 19 MiB
        assert int(parsed["t"]) >= 2
        assert int(parsed["p"]) >= 1
    assert ADMIN_PASSWORD not in hashes[0] and LUCIA_PASSWORD not in hashes[1]
    same = clinic.staff.add(admin, "Twin", Role.DOCTOR, "twin", LUCIA_PASSWORD)
    assert stored_hash(clinic, same.id) != hashes[1]  # salted: same password, other hash


def test_a_password_never_reaches_the_audit_trail(
    clinic: Clinic, admin: Staff, lucia: Staff
) -> None:
    typo = "ventura-blvd-2025"
    clinic.login.sign_in("lucia", LUCIA_PASSWORD)
    with pytest.raises(LoginRefused):
        clinic.login.sign_in("lucia", typo)
    clinic.staff.set_login(admin, lucia.id, "lucia", NEW_PASSWORD)
    secrets = [ADMIN_PASSWORD, LUCIA_PASSWORD, NEW_PASSWORD, typo]
    secrets += [stored_hash(clinic, admin.id), stored_hash(clinic, lucia.id)]
    lines = audit_lines(clinic)
    assert {"create", "login", "login_failed", "set_login"} <= {line["action"] for line in lines}
    for line in lines:
        text = " ".join(str(value) for value in line.values())
        for secret in secrets:
            assert secret not in text, (line["id"], line["action"])
    [changed] = [line for line in lines if line["action"] == "set_login"]
    assert '"password": "changed"' in changed["after"]


def test_a_hash_made_with_weaker_settings_is_strengthened_at_the_next_login(
    clinic: Clinic, lucia: Staff
) -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(LUCIA_PASSWORD)
    StaffRepository(clinic._db).update(lucia.id, password_hash=weak)
    assert clinic.login.sign_in("lucia", LUCIA_PASSWORD).id == lucia.id
    stronger = stored_hash(clinic, lucia.id)
    assert stronger is not None and stronger != weak
    parsed = ARGON2ID.fullmatch(stronger)
    assert parsed and int(parsed["m"]) >= 19456 and int(parsed["t"]) >= 2


# -- signing in ------------------------------------------------------------------------------
def test_signing_in_with_the_right_password_returns_the_member(
    clinic: Clinic, lucia: Staff
) -> None:
    member = clinic.login.sign_in("  LUCIA ", LUCIA_PASSWORD)  # usernames ignore case
    assert member.staff == lucia
    assert login_row(clinic, lucia.id).failed_logins == 0


@pytest.mark.parametrize(
    ("username", "password"),
    [
        ("lucia", "ventura-blvd-2025"),  # wrong password
        ("lucy", LUCIA_PASSWORD),  # unknown user
        ("", LUCIA_PASSWORD),  # no username at all
        ("lucia", ""),
    ],
)
def test_a_wrong_name_or_password_gets_the_same_sentence(
    clinic: Clinic, lucia: Staff, username: str, password: str
) -> None:
    with pytest.raises(LoginRefused) as refused:
        clinic.login.sign_in(username, password)
    assert str(refused.value) == WRONG == "Wrong username or password."


def test_a_switched_off_account_cannot_sign_in(clinic: Clinic, admin: Staff, lucia: Staff) -> None:
    clinic.staff.set_active(admin, lucia.id, False)
    with pytest.raises(LoginRefused) as refused:
        clinic.login.sign_in("lucia", LUCIA_PASSWORD)
    assert str(refused.value) == WRONG  # says no more than for a wrong password


def test_a_failed_login_on_a_switched_off_account_names_the_account(
    clinic: Clinic, admin: Staff, lucia: Staff
) -> None:
    clinic.staff.set_active(admin, lucia.id, False)
    start = last_audit_id(clinic)
    with pytest.raises(LoginRefused):
        clinic.login.sign_in("lucia", LUCIA_PASSWORD)
    [line] = audit_lines(clinic, start)
    assert (line["action"], line["staff_id"]) == ("login_failed", lucia.id)


def test_a_member_without_a_login_cannot_sign_in(clinic: Clinic, admin: Staff) -> None:
    clinic.staff.add(admin, "Temp", Role.FRONT_DESK)
    with pytest.raises(LoginRefused):
        clinic.login.sign_in("temp", "temp-password-1")


# -- lockout ---------------------------------------------------------------------------------
def test_five_wrong_passwords_lock_the_account_for_fifteen_minutes(
    moving: Clinic, clock_at: MovableClock, lucia: Staff
) -> None:
    said = fail(moving, "lucia", 5)
    assert said[:4] == [WRONG] * 4
    assert said[4] == (
        "Wrong username or password. That was too many tries: lucia is locked until 10:45 am."
    )
    assert login_row(moving, lucia.id).locked_until == "2026-11-26T10:45:00-08:00"
    clock_at.advance(minutes=14, seconds=59)
    with pytest.raises(LoginRefused, match="lucia is locked until 10:45 am"):
        moving.login.sign_in("lucia", LUCIA_PASSWORD)  # even the right password waits
    clock_at.advance(seconds=1)
    assert moving.login.sign_in("lucia", LUCIA_PASSWORD).staff == lucia
    assert login_row(moving, lucia.id).failed_logins == 0


def test_a_successful_sign_in_starts_the_count_again(moving: Clinic, lucia: Staff) -> None:
    fail(moving, "lucia", 4)
    assert login_row(moving, lucia.id).failed_logins == 4
    moving.login.sign_in("lucia", LUCIA_PASSWORD)
    assert fail(moving, "lucia", 1) == [WRONG]  # the fifth wrong one overall: not locked
    row = login_row(moving, lucia.id)
    assert (row.failed_logins, row.locked_until) == (1, None)


def test_an_admin_unlocks_a_locked_account_at_once(
    moving: Clinic, admin: Staff, lucia: Staff
) -> None:
    fail(moving, "lucia", 5)
    [account] = [a for a in moving.staff.accounts() if a.staff.id == lucia.id]
    assert account.locked_until == "2026-11-26T10:45:00-08:00" and account.has_password
    moving.staff.unlock(admin, lucia.id)
    assert login_row(moving, lucia.id).locked_until is None
    assert moving.login.sign_in("lucia", LUCIA_PASSWORD).staff == lucia  # same minute
    entry = moving.audit.history("staff", lucia.id)[-2]  # before the login just made
    assert (entry.action, entry.staff_id) == ("update", admin.id)


def test_the_unlock_audit_line_shows_the_lock_lifted(
    moving: Clinic, admin: Staff, lucia: Staff
) -> None:
    fail(moving, "lucia", 5)
    moving.staff.unlock(admin, lucia.id)
    entry = moving.audit.history("staff", lucia.id)[-1]
    assert entry.action == "update" and entry.before is not None and entry.after is not None
    assert entry.before["locked_until"] == "2026-11-26T10:45:00-08:00"
    assert entry.after["locked_until"] is None
    assert "password_hash" not in entry.after  # whether it is locked, never the hash


def test_a_new_password_ends_the_lockout_and_the_old_one_stops_working(
    moving: Clinic, admin: Staff, lucia: Staff
) -> None:
    fail(moving, "lucia", 5)
    moving.staff.set_login(admin, lucia.id, "lucia", NEW_PASSWORD)
    row = login_row(moving, lucia.id)
    assert (row.failed_logins, row.locked_until) == (0, None)
    assert moving.login.sign_in("lucia", NEW_PASSWORD).staff == lucia
    with pytest.raises(LoginRefused, match=WRONG):
        moving.login.sign_in("lucia", LUCIA_PASSWORD)


# -- usernames -------------------------------------------------------------------------------
def test_usernames_are_stored_folded_and_unique_whatever_the_case(
    clinic: Clinic, admin: Staff, lucia: Staff
) -> None:
    assert lucia.username == "lucia"
    with pytest.raises(ValidationFailed, match="The username lucia is already taken"):
        clinic.staff.add(admin, "Another Lucía", Role.DOCTOR, "LUCIA", "another-long-password")
    other = clinic.staff.add(admin, "Temp", Role.FRONT_DESK)
    with pytest.raises(ValidationFailed, match="already taken"):
        clinic.staff.set_login(admin, other.id, "Lucia", "another-long-password")
    assert [s.name for s in clinic.staff.list_active() if s.username == "lucia"] == [lucia.name]
    with pytest.raises(sqlite3.IntegrityError):  # the database holds the rule too
        clinic._db.execute("UPDATE staff SET username = 'LUCIA' WHERE id = ?", [other.id])


def test_set_login_validates_the_username_and_password(
    clinic: Clinic, admin: Staff, desk: Staff
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        clinic.staff.set_login(admin, desk.id, "x", "front-desk-password")
    assert set(refused.value.errors) == {"username"}
    with pytest.raises(ValidationFailed) as refused:
        clinic.staff.set_login(admin, desk.id, "reception", "reception-2026")
    assert refused.value.errors == {
        "password": "That password is too easy to guess; choose another."
    }
    assert clinic.staff.get(desk.id) == desk.staff  # nothing saved


# -- the clinic keeps an admin ---------------------------------------------------------------
def test_the_last_admin_cannot_be_demoted_or_switch_themselves_off(
    clinic: Clinic, admin: Staff
) -> None:
    clinic.staff.add(admin, "Admin without login", Role.ADMIN)  # cannot sign in: does not count
    with pytest.raises(ValidationFailed, match="at least one active admin who can sign in"):
        clinic.staff.set_role(admin, admin.id, Role.FRONT_DESK)
    with pytest.raises(ValidationFailed, match="You cannot switch off your own account"):
        clinic.staff.set_active(admin, admin.id, False)
    assert clinic.staff.get(admin.id) == admin.staff
    assert not clinic.staff.needs_first_admin()


def test_with_two_admins_one_may_go_but_never_the_last(clinic: Clinic, admin: Staff) -> None:
    second = clinic.staff.add(admin, "Second admin", Role.ADMIN, "second", "mulholland-drive-9")
    assert clinic.staff.set_active(admin, second.id, False).active is False
    with pytest.raises(ValidationFailed, match="at least one active admin"):
        clinic.staff.set_role(admin, admin.id, Role.DOCTOR)
    clinic.staff.set_active(admin, second.id, True)
    demoted = clinic.staff.set_role(admin, admin.id, Role.DOCTOR)  # the second one remains
    assert demoted.role is Role.DOCTOR
    with pytest.raises(NotAllowed, match="Only the admin can manage staff accounts"):
        clinic.staff.set_role(admin, admin.id, Role.ADMIN)  # and cannot take it back alone


# -- every attempt is audited ----------------------------------------------------------------
def test_every_login_failure_lock_and_logout_is_audited_with_who(
    moving: Clinic, clock_at: MovableClock, lucia: Staff
) -> None:
    start = last_audit_id(moving)
    first = moving.login.sign_in("lucia", LUCIA_PASSWORD)
    with pytest.raises(LoginRefused):
        moving.login.sign_in("nobody.here", LUCIA_PASSWORD)
    fail(moving, "lucia", 5)
    with pytest.raises(LoginRefused):
        moving.login.sign_in("lucia", LUCIA_PASSWORD)
    moving.login.locked(first)
    clock_at.advance(minutes=20)
    again = moving.login.sign_in("lucia", LUCIA_PASSWORD, unlocking=True)
    moving.login.signed_out(again)
    lines = audit_lines(moving, start)
    assert [(line["action"], line["staff_id"]) for line in lines] == [
        ("login", lucia.id),
        ("login_failed", None),  # an unknown name belongs to nobody
        *[("login_failed", lucia.id)] * 5,
        ("login_refused_locked", lucia.id),
        ("lock", lucia.id),
        ("unlock", lucia.id),
        ("logout", lucia.id),
    ]
    assert {line["entity"] for line in lines} == {"staff"}
    assert '"username": "nobody.here"' in lines[1]["after"]
    assert ['"locked": true' in line["after"] for line in lines[2:7]] == [False] * 4 + [True]
    assert lines[-2]["at"] == "2026-11-26T10:50:00-08:00"
    assert moving.audit.verify() is None


# -- the demo's public logins ----------------------------------------------------------------
def test_the_demo_is_made_only_by_filling_an_empty_clinic(clinic: Clinic, desk: Staff) -> None:
    clinic.patients.register(desk, draft())
    assert fill_demo_clinic(clinic) == 0
    assert not clinic.login.is_demo()
    assert all(s.username is None for s in clinic.staff.list_active())
    assert clinic.staff.needs_first_admin()
    with pytest.raises(NotAllowed, match="this database is a real one"):
        clinic.login.sign_in_demo(Role.ADMIN)


def test_a_real_clinic_that_happens_to_look_like_the_demo_is_never_made_one(
    clinic: Clinic, desk: Staff
) -> None:
    surnames = ["Smith", "Jones", "Brown", "Taylor", "Wilson", "Davies", "Evans", "Thomas"]
    others = [
        draft(first_name=f"Ann{chr(97 + i // 8)}", last_name=surnames[i % 8], phone="", email="")
        for i in range(len(demo_drafts()) - 1)
    ]
    people = [(draft(), False)] + [(d, False) for d in others]  # María García is common here
    assert clinic.patients.register_all_if_empty(desk, people) == len(demo_drafts())
    fill_demo_clinic(clinic)
    assert not clinic.login.is_demo()
    assert all(s.username is None for s in clinic.staff.list_active())
    assert clinic.calendar.is_empty()


def test_the_demo_is_marked_once(demo: Clinic) -> None:
    assert demo.login.is_demo()
    before = [(s.id, stored_hash(demo, s.id)) for s in demo.staff.list_active()]
    assert make_demo(demo._db, demo._clock) is False
    assert fill_demo_clinic(demo) == 0
    assert [(s.id, stored_hash(demo, s.id)) for s in demo.staff.list_active()] == before


@pytest.mark.parametrize("login", DEMO_LOGINS, ids=lambda d: d.role.value)
def test_each_demo_login_signs_in_on_the_demo(demo: Clinic, login) -> None:
    member = demo.login.sign_in(login.username, login.password)
    assert (member.name, member.role, member.username) == (login.name, login.role, login.username)


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_sign_in_demo_opens_the_demo_as_any_role_and_is_audited(demo: Clinic, role: Role) -> None:
    start = last_audit_id(demo)
    member = demo.login.sign_in_demo(role)
    assert member.role is role and member.username
    [line] = audit_lines(demo, start)
    assert (line["action"], line["staff_id"], line["after"]) == (
        "login",
        member.id,
        '{"demo": true}',
    )


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_sign_in_demo_is_refused_on_a_real_clinic(clinic: Clinic, admin: Staff, role: Role) -> None:
    start = last_audit_id(clinic)
    with pytest.raises(NotAllowed, match="--as only opens the demo clinic"):
        clinic.login.sign_in_demo(role)
    assert audit_lines(clinic, start) == []


# -- the inactivity lock delay ---------------------------------------------------------------
def test_the_lock_delay_is_ten_minutes_until_the_admin_changes_it(
    clinic: Clinic, admin: Staff
) -> None:
    assert clinic.login.lock_minutes() == 10
    start = last_audit_id(clinic)
    clinic.login.set_lock_minutes(admin, 15)
    assert clinic.login.lock_minutes() == 15
    [line] = audit_lines(clinic, start)
    assert (line["action"], line["entity"], line["staff_id"]) == ("update", "settings", admin.id)
    assert (line["before"], line["after"]) == ('{"lock_minutes": 10}', '{"lock_minutes": 15}')


@pytest.mark.parametrize(
    ("minutes", "accepted"), [(0, False), (1, True), (120, True), (121, False)]
)
def test_the_lock_delay_is_one_to_120_minutes(
    clinic: Clinic, admin: Staff, minutes: int, accepted: bool
) -> None:
    if accepted:
        clinic.login.set_lock_minutes(admin, minutes)
        assert clinic.login.lock_minutes() == minutes
    else:
        with pytest.raises(ValidationFailed, match="Lock after 1 to 120 minutes"):
            clinic.login.set_lock_minutes(admin, minutes)
        assert clinic.login.lock_minutes() == 10


@pytest.mark.parametrize("role", [Role.FRONT_DESK, Role.DOCTOR])
def test_only_the_admin_changes_the_lock_delay(clinic: Clinic, admin: Staff, role: Role) -> None:
    member = member_with_role(clinic, role)
    with pytest.raises(NotAllowed, match="Only the admin can change the clinic's settings"):
        clinic.login.set_lock_minutes(member, 30)
    assert clinic.login.lock_minutes() == 10


# -- an unknown username is not told apart from a real one ------------------------------------
def test_the_lockout_says_the_same_for_an_unknown_username_as_for_a_real_one(
    moving: Clinic, clock_at: MovableClock, lucia: Staff
) -> None:
    """Before, six wrong passwords said "locked" only for a real account: a way to find
    which usernames exist."""
    real = fail(moving, "lucia", 6)
    made_up = fail(moving, "nobody.here", 6)
    assert [line.replace("lucia", "NAME") for line in real] == [
        line.replace("nobody.here", "NAME") for line in made_up
    ]
    assert "is locked until" in made_up[-1]
    with pytest.raises(LoginRefused) as refused:  # the right password changes nothing either
        moving.login.sign_in("lucia", LUCIA_PASSWORD)
    assert "is locked until" in str(refused.value)
    clock_at.advance(minutes=16)
    assert fail(moving, "nobody.here", 1) == [WRONG]


# -- only the login service vouches for who acts ---------------------------------------------
def test_a_sign_in_cannot_be_made_by_hand(clinic: Clinic, desk) -> None:
    with pytest.raises(TypeError, match="Only the login service"):
        SignedIn(desk.staff)
    assert "token" not in repr(desk) and desk.name == "Front desk"


def test_signing_out_ends_what_the_sign_in_may_do(clinic: Clinic, lucia: Staff) -> None:
    signed = clinic.login.sign_in("lucia", LUCIA_PASSWORD)
    clinic.patients.register(signed, draft())
    clinic.login.signed_out(signed)
    with pytest.raises(NotSignedIn, match="sign in again"):
        clinic.patients.register(signed, draft(first_name="Ana"))
    assert clinic.patients.count() == 1


def test_someone_else_taking_over_the_window_ends_the_earlier_sign_in(
    clinic: Clinic, lucia: Staff, admin
) -> None:
    signed = clinic.login.sign_in("lucia", LUCIA_PASSWORD)
    clinic.login.taken_over(signed)
    with pytest.raises(NotSignedIn):
        clinic.patients.register(signed, draft())


def test_a_sign_in_made_for_another_database_is_refused(
    clinic: Clinic, tmp_path, clock, lucia: Staff
) -> None:
    other = open_clinic(tmp_path / "other.sqlite3", clock)
    try:
        signed = clinic.login.sign_in("lucia", LUCIA_PASSWORD)
        with pytest.raises(NotSignedIn):
            other.patients.register(signed, draft())
        assert other.patients.count() == 0
    finally:
        other.close()


def test_the_command_line_sign_in_is_recorded_and_only_prints(demo: Clinic) -> None:
    start = last_audit_id(demo)
    printing = demo.login.for_command_line(None)
    assert printing.role is Role.FRONT_DESK
    [line] = audit_lines(demo, start)
    assert (line["action"], line["staff_id"]) == ("login", printing.id)
    assert '"via": "command line"' in line["after"]
    with pytest.raises(NotSignedIn, match="may only print handouts"):
        demo.patients.register(printing, draft(first_name="Cli"))
    with pytest.raises(NotFound, match="no active staff member called 'Nobody'"):
        demo.login.for_command_line("Nobody")


@pytest.mark.parametrize(
    ("username", "password"),
    [("lu\udc80cia", LUCIA_PASSWORD), ("lucia", "ventura\ud800-blvd-2026"), ("\udfff", "\udfff")],
)
def test_a_broken_character_in_a_sign_in_is_a_wrong_password_not_a_crash(
    clinic: Clinic, lucia: Staff, username: str, password: str
) -> None:
    start = last_audit_id(clinic)
    with pytest.raises(LoginRefused, match=re.escape(WRONG)):
        clinic.login.sign_in(username, password)
    [line] = audit_lines(clinic, start)
    assert line["action"] == "login_failed"
    assert "\\udc80" not in line["after"] and "\\ud800" not in line["after"]
