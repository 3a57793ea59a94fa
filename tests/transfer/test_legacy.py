"""The tutorial's db.json: export matches the demo's records, import then export is lossless."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tvox_journey.domain.contact import Contact, ContactNumber
from tvox_journey.domain.events import CallEvent
from tvox_journey.domain.fold import fold
from tvox_journey.domain.interaction import Interaction
from tvox_journey.ingest.contract import tutorial_event
from tvox_journey.sim import LEGACY_KINDS, random_calls
from tvox_journey.transfer.legacy import LegacyFormatError, LegacyRequest, export_document, import_document

START = datetime(2024, 5, 6, 8, 0, tzinfo=UTC)
NUMBERS = ("0452224600", "3331234567", "0212345678")


def parse(path: str, params: tuple[tuple[str, str], ...]) -> CallEvent:
    return tutorial_event(path, params)


def folded(requests: list[LegacyRequest]) -> dict[str, Interaction]:
    by_call: dict[str, list[CallEvent]] = defaultdict(list)
    for request in requests:
        event = parse(request.path, request.params)
        by_call[event.call_id].append(event)
    return {call_id: i for call_id, events in by_call.items() if (i := fold(events)) is not None}


def export(document: dict[str, object], interactions: dict[str, Interaction]) -> dict[str, object]:
    contacts = []
    for n, (number, entry) in enumerate(document.items()):
        assert isinstance(entry, dict)
        contact = Contact(n, entry["name"], entry["surname"], None, (ContactNumber(number, number),))
        mine = [(number, interactions[c]) for c in entry["calls"]]
        contacts.append((contact, mine))
    return export_document(contacts)


def document_of_random_calls(seed: int, count: int) -> dict[str, object]:
    calls = random_calls(
        random.Random(seed), count, START, NUMBERS, ("op1", "op2", "op3"), ("customercare", "sales")
    )
    document: dict[str, dict[str, object]] = {
        number: {"name": f"N{i}", "surname": f"S{i}", "calls": {}} for i, number in enumerate(NUMBERS)
    }
    for call in calls:
        if call.kind in LEGACY_KINDS and call.expected_legacy is not None:
            calls_of = document[call.number]["calls"]
            assert isinstance(calls_of, dict)
            calls_of[call.call_id] = call.expected_legacy
    return dict(document)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), count=st.integers(1, 25))
def test_import_then_export_gives_back_the_same_document(seed: int, count: int) -> None:
    document = document_of_random_calls(seed, count)
    contacts, requests = import_document(document)
    assert [c.number for c in contacts] == list(NUMBERS)
    assert export(document, folded(requests)) == document


def test_consultative_record_keeps_equal_transfer_and_answer_times() -> None:
    record = {
        "direction": "IN",
        "ringDateTime": "2020-11-20T10:50:00.000Z",
        "agent": "op1",
        "service": "customercare",
        "answerDateTime": "2020-11-20T10:50:03.000Z",
        "hangupDateTime": "2020-11-20T10:51:10.400Z",
        "transferToDateTime": "2020-11-20T10:51:10.400Z",
        "transferToAnswerDateTime": "2020-11-20T10:51:10.400Z",
        "transferToAgent": "op2",
        "transferToHangupDateTime": "2020-11-20T10:53:00.000Z",
    }
    document: dict[str, object] = {
        "0452224600": {"name": "Mario", "surname": "Rossi", "calls": {"c1": record}}
    }
    _, requests = import_document(document)
    assert [r.path for r in requests] == [
        "service/ring",
        "service/answer",
        "transfer/transfer",
        "service/hangup",
    ]
    assert export(document, folded(requests)) == document


@pytest.mark.parametrize(
    ("document", "where"),
    [
        ([], "top level"),
        ({"0452224600": "Mario"}, "0452224600"),
        (
            {"0452224600": {"name": "M", "surname": "R", "calls": {"c": {"direction": "SIDEWAYS"}}}},
            "direction",
        ),
        ({"0452224600": {"name": "M", "surname": "R", "calls": {"c": {"direction": "IN", "agent": 7}}}}, "c"),
    ],
)
def test_a_document_of_another_shape_is_refused_saying_where(document: object, where: str) -> None:
    with pytest.raises(LegacyFormatError, match=where):
        import_document(document)
