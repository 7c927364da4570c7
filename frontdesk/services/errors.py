"""Refusals the person at the desk can act on: plain words, never a traceback."""

from __future__ import annotations

from frontdesk.domain.patients import Patient


class ServiceError(Exception):
    """Base for refusals; `str()` is the sentence shown to the user."""


class ValidationFailed(ServiceError):
    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__(" ".join(self.errors.values()))


class PossibleDuplicate(ServiceError):
    """Not saved: someone with the same name and birthday is registered. Save again to confirm."""

    def __init__(self, matches: list[Patient]) -> None:
        self.matches = matches
        first = matches[0]
        super().__init__(
            f"{first.full_name}, born {first.dob:%m/%d/%Y}, is already registered (#{first.id})."
        )


class NotFound(ServiceError):
    pass


class UnknownStaff(ServiceError):
    pass
