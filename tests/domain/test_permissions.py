"""The permission table, spelled out cell by cell, and the sentence a refusal shows."""

from __future__ import annotations

import pytest

from frontdesk.domain.permissions import ALLOWED, Permission, allows, refusal
from frontdesk.domain.staff import Role

Y, N = True, False

# The spec, one row per permission: (front desk, doctor, admin). The desk's daily work is
# everyone's; clinical records are the doctor's; settings, accounts, audit, backups the admin's.
EXPECTED: dict[Permission, tuple[bool, bool, bool]] = {
    Permission.EDIT_PATIENTS: (Y, Y, Y),
    Permission.BOOK: (Y, Y, Y),
    Permission.PRINT_HANDOUTS: (Y, Y, Y),
    Permission.RECORD_INTAKE: (N, Y, N),
    Permission.OVERRIDE_ELIGIBILITY: (N, Y, N),
    Permission.CO2_SERIES: (N, Y, N),
    Permission.SIGN_SESSION: (N, Y, N),
    Permission.SETTINGS: (N, N, Y),
    Permission.MANAGE_ACCOUNTS: (N, N, Y),
    Permission.VIEW_AUDIT: (N, N, Y),
    Permission.BACKUP: (N, N, Y),
}
COLUMNS = (Role.FRONT_DESK, Role.DOCTOR, Role.ADMIN)
CELLS = [
    (permission, role, row[i])
    for permission, row in EXPECTED.items()
    for i, role in enumerate(COLUMNS)
]


def test_the_expected_table_covers_every_permission_and_every_role() -> None:
    assert set(EXPECTED) == set(Permission)
    assert set(ALLOWED) == set(Permission)
    assert set(COLUMNS) == set(Role)
    assert len(CELLS) == len(Permission) * len(Role)


@pytest.mark.parametrize(
    ("permission", "role", "allowed"), CELLS, ids=[f"{p.name}-{r.value}" for p, r, _ in CELLS]
)
def test_who_may_do_what(permission: Permission, role: Role, allowed: bool) -> None:
    assert allows(role, permission) is allowed
    assert (role in permission.roles) is allowed


@pytest.mark.parametrize("permission", list(Permission), ids=lambda p: p.name)
def test_every_permission_belongs_to_someone(permission: Permission) -> None:
    assert permission.roles, "a permission nobody holds would lock the clinic out"


@pytest.mark.parametrize(
    ("role", "permission", "sentence"),
    [
        (
            Role.FRONT_DESK,
            Permission.RECORD_INTAKE,
            "Only the doctor can record or correct an intake; you are signed in as front desk."
            " Nothing was changed.",
        ),
        (
            Role.ADMIN,
            Permission.OVERRIDE_ELIGIBILITY,
            "Only the doctor can override the laser eligibility check; you are signed in as"
            " admin. Nothing was changed.",
        ),
        (
            Role.FRONT_DESK,
            Permission.CO2_SERIES,
            "Only the doctor can open or change a CO2 series; you are signed in as front desk."
            " Nothing was changed.",
        ),
        (
            Role.ADMIN,
            Permission.SIGN_SESSION,
            "Only the doctor can log and sign a CO2 session; you are signed in as admin."
            " Nothing was changed.",
        ),
        (
            Role.DOCTOR,
            Permission.SETTINGS,
            "Only the admin can change the clinic's settings; you are signed in as doctor."
            " Nothing was changed.",
        ),
        (
            Role.FRONT_DESK,
            Permission.MANAGE_ACCOUNTS,
            "Only the admin can manage staff accounts; you are signed in as front desk."
            " Nothing was changed.",
        ),
        (
            Role.DOCTOR,
            Permission.VIEW_AUDIT,
            "Only the admin can read the audit trail; you are signed in as doctor."
            " Nothing was changed.",
        ),
        (
            Role.FRONT_DESK,
            Permission.BACKUP,
            "Only the admin can back up or restore the database; you are signed in as front"
            " desk. Nothing was changed.",
        ),
    ],
)
def test_a_refusal_says_who_can_and_that_nothing_changed(
    role: Role, permission: Permission, sentence: str
) -> None:
    assert refusal(role, permission) == sentence


REFUSED = [(p, r) for p, r, allowed in CELLS if not allowed]


@pytest.mark.parametrize(
    ("permission", "role"), REFUSED, ids=[f"{p.name}-{r.value}" for p, r in REFUSED]
)
def test_every_refusal_names_the_holder_the_action_and_the_caller(
    permission: Permission, role: Role
) -> None:
    said = refusal(role, permission)
    [holder] = permission.roles  # every refused permission belongs to exactly one role
    assert said.startswith(f"Only the {holder.label.lower()} can {permission.value};")
    assert f"you are signed in as {role.label.lower()}." in said
    assert said.endswith("Nothing was changed.")
    assert "_" not in said  # plain words, never an enum value


def test_a_permission_held_by_several_roles_names_them_all() -> None:
    said = refusal(Role.DOCTOR, Permission.BOOK)  # never shown, but still a sentence
    for role in Role:
        assert role.label.lower() in said
    assert "the " not in said.split(" can ")[0]  # "Only admin or doctor or front desk can ..."
