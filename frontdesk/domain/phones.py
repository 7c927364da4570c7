"""Phone numbers: US by default, stored in E.164, shown the way the desk writes them."""

from __future__ import annotations

import re
from dataclasses import dataclass

DEFAULT_REGION = "US"
_US_E164 = re.compile(r"^\+1(\d{3})(\d{3})(\d{4})$")


@dataclass(frozen=True)
class Phone:
    e164: str
    display: str
    search_digits: str  # national digits for US numbers, country code + national otherwise


class PhoneError(ValueError):
    pass


def parse_phone(text: str) -> Phone | None:
    """Empty means "no phone"; anything else must be a number that can be dialled."""
    text = text.strip()
    if not text:
        return None
    import phonenumbers  # heavy: loaded when a number is first typed, not at start-up

    try:
        number = phonenumbers.parse(text, DEFAULT_REGION)
    except phonenumbers.NumberParseException as exc:
        raise PhoneError("Enter a phone number such as (818) 555-0134.") from exc
    if number.extension:
        raise PhoneError("Put the extension in Notes: the phone field keeps the number only.")
    if not phonenumbers.is_valid_number(number):
        national = len(str(number.national_number))
        if number.country_code == 1 and national < 10:
            raise PhoneError("A US phone number needs its area code: 10 digits.")
        if number.country_code == 1 and national > 10:
            raise PhoneError("A US phone number has 10 digits; this one has too many.")
        raise PhoneError("This is not a valid phone number.")
    return phone_from_e164(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def phone_from_e164(e164: str) -> Phone:
    if m := _US_E164.match(e164):
        area, exchange, line = m.groups()
        return Phone(e164, f"({area}) {exchange}-{line}", area + exchange + line)
    import phonenumbers

    number = phonenumbers.parse(e164, None)
    if number.country_code == 1:
        display = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
        search = str(number.national_number)
    else:
        display = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
        search = f"{number.country_code}{number.national_number}"
    return Phone(e164=e164, display=display, search_digits=search)


def display_phone(e164: str) -> str:
    return phone_from_e164(e164).display if e164 else ""
