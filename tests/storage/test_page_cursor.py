"""A page cursor continues only the list it came from; a wrong one is refused in plain words
that never carry what the cursor held (a name would end up in the log)."""

from __future__ import annotations

import pytest

from frontdesk.domain.search import PatientSort
from frontdesk.services.clinic import Clinic
from frontdesk.services.signed_in import SignedIn
from tests.conftest import draft


def test_a_re_sorted_list_pages_by_position_and_refuses_a_ranked_cursor(
    clinic: Clinic, desk: SignedIn
) -> None:
    for first, dob in [("Ana", "1/2/1980"), ("Ani", "1/2/1990"), ("Anush", "1/2/1970")]:
        clinic.patients.register(desk, draft(first_name=first, last_name="Sarkisyan", dob=dob))

    first_page = clinic.patients.search("sark", sort=PatientSort.DOB, limit=2)
    assert first_page.next is not None
    rest = clinic.patients.search("sark", sort=PatientSort.DOB, limit=2, cursor=first_page.next)
    assert [p.first_name for p in first_page.rows + rest.rows] == ["Anush", "Ana", "Ani"]

    ranked = clinic.patients.search("sark", limit=1).next  # holds the last row's name keys
    assert ranked is not None
    with pytest.raises(TypeError, match="belongs to another list") as refused:
        clinic.patients.search("sark", sort=PatientSort.DOB, cursor=ranked)
    assert "sarkisyan" not in str(refused.value).casefold()
