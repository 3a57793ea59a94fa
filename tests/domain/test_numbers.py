"""Number keys: every format of a number gives one key; what is too long has none."""

from __future__ import annotations

import pytest

from tvox_journey.domain.numbers import MAX_NUMBER_LENGTH, normalize_number, number_problem

ROME = "+390452224600"


@pytest.mark.parametrize(
    "raw",
    [
        "0452224600",
        "+39 045 222 4600",
        "00390452224600",
        "tel:+390452224600",
        "TEL:+39-045-222-4600",
        "tel:+39.045.222.4600",
        "tel:+39(045)2224600",
        "tel:+390452224600;ext=12",
        "tel:+390452224600;isub=1234",
        "tel:0452224600;phone-context=+39",
        " tel:045-222-4600 ",
    ],
)
def test_every_form_of_one_number_has_one_key(raw: str) -> None:
    assert normalize_number(raw) == normalize_number("0452224600")
    number = normalize_number(raw)
    assert number is not None and number.key == ROME and number.is_phone


def test_a_tel_uri_with_a_foreign_phone_context_is_read_in_that_country() -> None:
    number = normalize_number("tel:01-45-67-89-01;phone-context=+33")
    assert number is not None and number.key == "+33145678901"


def test_a_tel_uri_with_a_domain_context_is_a_private_extension() -> None:
    number = normalize_number("tel:201;phone-context=pbx.example.com")
    assert number is not None and (number.key, number.is_phone) == ("201", False)


def test_a_tel_uri_without_digits_has_no_key() -> None:
    assert normalize_number("tel:") is None
    assert normalize_number("tel:;ext=1") is None


def test_a_number_too_long_has_no_key_instead_of_a_cut_one() -> None:
    shared_prefix = "1" * MAX_NUMBER_LENGTH
    assert normalize_number(shared_prefix) is not None
    assert normalize_number(shared_prefix + "2") is None
    assert normalize_number(shared_prefix + "3") is None
    assert number_problem(shared_prefix + "2") == f"longer than {MAX_NUMBER_LENGTH} characters"
    assert number_problem(shared_prefix) is None


def test_a_key_is_never_longer_than_the_number_as_received() -> None:
    raw = "İ" * (MAX_NUMBER_LENGTH - 1) + "1"  # "İ".lower() is two characters
    number = normalize_number(raw)
    assert number is not None and len(number.key) <= MAX_NUMBER_LENGTH
