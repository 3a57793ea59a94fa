"""Phone numbers: one normalized key per number, whatever format it arrived in.

`0452224600`, `+39 045 222 4600` and `00390452224600` share the key
`+390452224600` (E.164, libphonenumber). A string that is no possible phone
number (an internal extension such as `201`) keys to its digits alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers

_SEPARATORS = re.compile(r"[\s().\-/]")
_MAX_INPUT = 64


@dataclass(frozen=True, slots=True)
class NumberKey:
    """A number's normalized key, and whether it looks like an internal extension."""

    key: str
    is_phone: bool  # a possible public phone number (E.164 key)


def normalize_number(raw: str | None, region: str = "IT") -> NumberKey | None:
    """The key of a number as received; None when there are no digits at all."""
    if raw is None:
        return None
    text = _SEPARATORS.sub("", raw.strip())[:_MAX_INPUT]
    digits = re.sub(r"\D", "", text)
    if not digits:
        return None
    if not re.fullmatch(r"\+?\d+", text):
        return NumberKey(text.lower(), False)  # letters: a SIP user or an extension name
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is not None and phonenumbers.is_possible_number(parsed):
        return NumberKey(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164), True)
    return NumberKey(("+" if text.startswith("+") else "") + digits, False)


def is_internal(raw: str | None, region: str = "IT", max_digits: int = 6) -> bool:
    """True for a short extension number that no public number can be."""
    number = normalize_number(raw, region)
    return number is not None and not number.is_phone and len(number.key) <= max_digits


def format_number(key: str, region: str = "IT") -> str:
    """A key written for people: national format in the home region, else international."""
    if not key.startswith("+"):
        return key
    try:
        parsed = phonenumbers.parse(key, None)
    except phonenumbers.NumberParseException:
        return key
    if parsed.country_code == phonenumbers.country_code_for_region(region):
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
