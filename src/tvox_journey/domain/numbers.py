"""Phone numbers: one normalized key per number, whatever format it arrived in.

`0452224600`, `+39 045 222 4600`, `00390452224600` and `tel:+39-045-222-4600`
share the key `+390452224600` (E.164, libphonenumber). A string that is no
possible phone number (an internal extension such as `201`) keys to its digits
alone. A number longer than `MAX_NUMBER_LENGTH` has no key: it is refused where
it comes in (webhooks, forms, API), never cut, so two long numbers can never
share a key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers

MAX_NUMBER_LENGTH = 64  # characters of a number as received (contact_numbers.raw and number_key hold 64)
# Spaces and RFC 3966 visual separators ("-", ".", "(", ")"), and the "/" people write.
_SEPARATORS = re.compile(r"[\s().\-/]")
_TEL = re.compile(r"tel:", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class NumberKey:
    """A number's normalized key, and whether it looks like an internal extension."""

    key: str
    is_phone: bool  # a possible public phone number (E.164 key)


def _context_region(context: str) -> str | None:
    """The region of an RFC 3966 global `phone-context` (`+39`, `+39-045`); None for a domain name."""
    digits = _SEPARATORS.sub("", context)
    if not re.fullmatch(r"\+\d+", digits):
        return None
    for length in (1, 2, 3):
        region = phonenumbers.region_code_for_country_code(int(digits[1 : 1 + length]))
        if region != phonenumbers.UNKNOWN_REGION:
            return str(region)
    return None


def _tel_uri(text: str, region: str) -> tuple[str, str]:
    """A `tel:` URI (RFC 3966) as (number, region): parameters dropped but a global `phone-context`.

    `;ext=` and `;isub=` name a line or sub-address behind the same number: the contact is the same.
    """
    number, *parameters = text[len("tel:") :].split(";")
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "phone-context" and not number.strip().startswith("+"):
            region = _context_region(value.strip()) or region
    return number, region


def _lower(text: str) -> str:
    """Lower case that never lengthens the text (`İ` lowers to two characters: kept)."""
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def normalize_number(raw: str | None, region: str = "IT") -> NumberKey | None:
    """The key of a number as received; None when there are no digits at all, or it is too long."""
    if raw is None:
        return None
    text = raw.strip()
    if len(text) > MAX_NUMBER_LENGTH:
        return None
    if _TEL.match(text):
        text, region = _tel_uri(text, region)
    text = _SEPARATORS.sub("", text)
    digits = re.sub(r"\D", "", text)
    if not digits:
        return None
    if not re.fullmatch(r"\+?\d+", text):
        return NumberKey(_lower(text), False)  # letters: a SIP user or an extension name
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is not None and phonenumbers.is_possible_number(parsed):
        return NumberKey(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164), True)
    return NumberKey(("+" if text.startswith("+") else "") + digits, False)


def number_problem(raw: str) -> str | None:
    """Why `raw` cannot be a number anyone is found by; None when it can."""
    if len(raw.strip()) > MAX_NUMBER_LENGTH:
        return f"longer than {MAX_NUMBER_LENGTH} characters"
    return None


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


@dataclass(frozen=True)
class NumberPolicy:
    """How numbers are normalized: the home region and the length of internal extensions."""

    region: str = "IT"
    internal_max_digits: int = 6

    def key(self, raw: str | None) -> str | None:
        number = _normalized(raw, self.region)
        return number.key if number else None

    def is_internal(self, raw: str | None) -> bool:
        """As `is_internal`, from the same memoized key as `key` (one parse per number, not two)."""
        number = _normalized(raw, self.region)
        return number is not None and not number.is_phone and len(number.key) <= self.internal_max_digits


# libphonenumber takes about 0.2 ms a number; a contact center hears the same numbers all day.
_normalized = lru_cache(maxsize=65536)(normalize_number)
