"""Which stored values carry a number being erased, and what they become."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tvox_journey.domain.redaction import ERASED, NumberMatch, redact_json, redact_pairs

ITALIAN = NumberMatch.of(["+390498765432"])


@pytest.mark.parametrize(
    "text",
    [
        "0498765432",
        "+390498765432",
        "+39 049 876 5432",
        "00390498765432",
        "390498765432",
        "049/8765432",
        "(049) 876-5432",
        "049.876.5432",
        "tel:+39-049-876-5432",
        "tel:0498765432;phone-context=+39",
        "richiamare al 049 8765432 domani",
        "049 8765432 2 volte",
        "ticket 12, numero 0498765432",
    ],
)
def test_a_number_is_found_in_any_format_it_is_written_in(text: str) -> None:
    assert ITALIAN(text)
    assert ITALIAN.may_carry(text)


@pytest.mark.parametrize(
    "text",
    ["04987654321", "0498765433", "1498765432", "2024-05-06T10:00:00.000Z", "CRM-0498", "", "049876543"],
)
def test_another_number_or_a_value_merely_containing_its_digits_is_not_it(text: str) -> None:
    assert not ITALIAN(text)


def test_a_number_of_another_country_is_found_in_its_national_and_international_forms() -> None:
    french = NumberMatch.of(["+33123456789"])
    assert french("01 23 45 67 89") and french("+33 1 23 45 67 89") and french("0033123456789")
    assert not french("0123456780")


def test_a_number_that_is_no_phone_number_matches_only_itself() -> None:
    extension = NumberMatch.of(["201"])
    assert extension("201") and extension(" 201 ")
    assert not extension("2010") and not extension("room 201") and not extension("2024-01-01")


@given(
    st.lists(
        st.sampled_from(["049", "8765432", "0498765432", " ", "\n", "\u00a0", "-", "(", "/", "x", "1"])
    ).map("".join)
)
def test_the_quick_look_at_stored_text_never_misses_a_value_the_full_check_finds(text: str) -> None:
    if ITALIAN(text):
        assert ITALIAN.may_carry(text)
        assert ITALIAN.may_carry(json.dumps([["note", text]]))  # as the database keeps it


def test_a_row_of_the_person_loses_every_value_another_only_the_number() -> None:
    pairs = [["callId", "c-1"], ["cli", "0498765432"], ["clidname", "Mario"]]
    assert redact_pairs(pairs, ITALIAN, whole=True) == [
        ["callId", ERASED],
        ["cli", ERASED],
        ["clidname", ERASED],
    ]
    assert redact_pairs(pairs, ITALIAN, whole=False) == [
        ["callId", "c-1"],
        ["cli", ERASED],
        ["clidname", "Mario"],
    ]
    assert redact_pairs([["0498765432", "x"], ["odd"]], ITALIAN, whole=False) == [
        [ERASED, "x"],
        [ERASED, ERASED],
    ]


def test_stored_json_loses_the_personal_fields_and_popups_that_carry_the_number() -> None:
    event = {
        "call_id": "0498765432",  # a call id is the contact center's own: kept
        "number": "0612345678",
        "called_number": "+39 049 876 5432",
        "popups": [["crmId", "CRM-7"], ["note", "richiamare 0498765432"]],
    }
    redacted, changed = redact_json(event, ITALIAN)
    assert changed
    assert redacted == {
        "call_id": "0498765432",
        "number": "0612345678",
        "called_number": ERASED,
        "popups": [["crmId", "CRM-7"], ["note", ERASED]],
    }
    assert redact_json({"number": "0612345678"}, ITALIAN) == ({"number": "0612345678"}, False)
    assert redact_json(None, ITALIAN) == (None, False)
