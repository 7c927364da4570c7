"""Days as the desk types them, for the property tests that type a day key by key into a
date field (the field itself, the booking, audit and session dialogs)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

FORMS: dict[str, Callable[[date], str]] = {
    "us": lambda d: f"{d.month}/{d.day}/{d.year}",
    "us padded": lambda d: f"{d.month:02d}/{d.day:02d}/{d.year}",
    "us two-digit year": lambda d: f"{d.month:02d}/{d.day:02d}/{d.year % 100:02d}",
    "us short two-digit year": lambda d: f"{d.month}/{d.day}/{d.year % 100:02d}",
    "us dashes": lambda d: f"{d.month}-{d.day}-{d.year}",
    "iso": lambda d: d.isoformat(),
}

# One widget serves every example of a test (built by a function-scoped fixture).
ON_ONE_WIDGET = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def forms(*names: str) -> st.SearchStrategy[str]:
    """Some of the forms by name, or all of them."""
    return st.sampled_from(sorted(names or FORMS))


def typed(day: date, form: str) -> str:
    return FORMS[form](day)
