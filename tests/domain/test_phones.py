from __future__ import annotations

import pytest

from frontdesk.domain.phones import PhoneError, display_phone, parse_phone


@pytest.mark.parametrize(
    "text",
    [
        "(818) 555-0134",
        "818-555-0134",
        "818.555.0134",
        "8185550134",
        "+1 818 555 0134",
        "1-818-555-0134",
    ],
)
def test_us_forms_normalise_alike(text: str) -> None:
    phone = parse_phone(text)
    assert phone is not None
    assert (phone.e164, phone.display, phone.search_digits) == (
        "+18185550134",
        "(818) 555-0134",
        "8185550134",
    )


def test_international_number_is_kept_with_its_country() -> None:
    phone = parse_phone("+374 10 123456")
    assert phone is not None and phone.display.startswith("+374")
    assert display_phone(phone.e164) == phone.display


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("555-0134", "area code"),
        ("12", "10 digits"),
        ("hello", "such as"),
        ("(818) 555-01345", "too many"),
        ("(123) 555-0134", "not a valid"),
        ("818-555-0134 ext. 12", "extension in Notes"),
    ],
)
def test_bad_numbers_say_why(text: str, message: str) -> None:
    with pytest.raises(PhoneError, match=message):
        parse_phone(text)


def test_empty_means_no_phone() -> None:
    assert parse_phone("   ") is None
    assert display_phone("") == ""
