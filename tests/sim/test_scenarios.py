"""Scenario generators: wire shape, tutorial contract, and agreement with the fold."""

from __future__ import annotations

import ast
import random
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tvox_journey.sim as sim_package
from tvox_journey.domain.events import Action, CallEvent, CallType
from tvox_journey.domain.fold import fold
from tvox_journey.domain.interaction import Direction, Interaction, Kind, TransferKind
from tvox_journey.ingest.contract import TUTORIAL_ROUTES, tutorial_event
from tvox_journey.sim import (
    LEGACY_KINDS,
    TUTORIAL_NUMBER,
    TUTORIAL_START,
    Call,
    CallKind,
    Request,
    blind_transfer,
    delivery_order,
    legacy_replay,
    make_call_id,
    random_calls,
    service_call,
    tutorial_calls,
    tutorial_calls_until,
    wire_time,
    with_php_suffix,
)

NUMBERS = ("0452224600", "0987654321", "3331234567", "+390612345678")
AGENTS = ("op1", "op2", "op3")
SERVICES = ("customercare", "sales")
CALL_ID = re.compile(r"\d+\.\d+@[0-9a-f]{10}")
ALIAS = {"transferToAgent": "transfer"}
WIRE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")

seeds = st.integers(min_value=0, max_value=2**32 - 1)
starts = st.datetimes(
    min_value=datetime(2001, 1, 1),
    max_value=datetime(2037, 12, 31),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-5))]),
)


def parse(request: Request) -> CallEvent:
    return tutorial_event(request.path, request.params)


def journeys(requests: Iterable[Request]) -> dict[str, Interaction]:
    """Fold the parsed events of each call id, as the server does."""
    by_call: defaultdict[str, list[CallEvent]] = defaultdict(list)
    for request in requests:
        event = parse(request)
        by_call[event.call_id].append(event)
    folded = {call_id: fold(events) for call_id, events in by_call.items()}
    return {call_id: interaction for call_id, interaction in folded.items() if interaction is not None}


def legacy_view(interaction: Interaction) -> dict[str, str]:
    """The legacy `db.json` record an interaction stands for (tutorial contract)."""
    view = {"direction": interaction.direction.value}
    if interaction.started is not None:
        start = "newDateTime" if interaction.direction is Direction.OUT else "ringDateTime"
        view[start] = interaction.started.text
    for name, value in (("agent", interaction.agent), ("service", interaction.service)):
        if value is not None:
            view[name] = value
    if interaction.answered is not None:
        view["answerDateTime"] = interaction.answered.text
    if interaction.ended is not None:
        view["hangupDateTime"] = interaction.ended.text
    for leg in interaction.legs:
        view["transferToDateTime"] = leg.transferred.text
        view["transferToAnswerDateTime"] = leg.effective_answer.text
        if leg.agent is not None:
            view["transferToAgent"] = leg.agent
        if leg.ended is not None:
            view["transferToHangupDateTime"] = leg.ended.text
    return view


TUTORIAL = {call.kind: call for call in tutorial_calls(TUTORIAL_START)}
SAMPLES = {
    call.kind: call
    for call in reversed(random_calls(random.Random(7), 200, TUTORIAL_START, NUMBERS, AGENTS, SERVICES))
}


def call_of(kind: CallKind) -> Call:
    """The tutorial's call of this kind, else the first random one."""
    return TUTORIAL.get(kind) or SAMPLES[kind]


def paths(call: Call) -> str:
    return " ".join(request.path for request in call.requests)


def blind_at(*seconds: float) -> Call:
    """A blind transfer op1 -> op2 whose six events come these many seconds after the start."""
    ring, answer, hangup, transfer, target_answer, target_hangup = (
        TUTORIAL_START + timedelta(seconds=s) for s in seconds
    )
    return blind_transfer(
        make_call_id(TUTORIAL_START, 1, "d92061befe"), number=TUTORIAL_NUMBER, agent="op1", target="op2",
        service="customercare", ring=ring, answer=answer, hangup=hangup, transfer=transfer,
        target_answer=target_answer, target_hangup=target_hangup,
    )  # fmt: skip


def test_tutorial_calls_reproduce_the_published_ids_and_times() -> None:
    calls = tutorial_calls(TUTORIAL_START)
    ids = "1605867847.783@d92061befe 1605868170.789@d92061befe 1605869145.791@d92061befe"
    assert " ".join(call.call_id for call in calls[:3]) == ids
    inbound, outbound, blind, _ = (call.expected_legacy or {} for call in calls)
    assert inbound["ringDateTime"] == "2020-11-20T10:24:08.674Z"
    assert outbound["newDateTime"] == "2020-11-20T10:29:31.207Z"
    assert blind["hangupDateTime"] == "2020-11-20T10:45:57.013Z"
    assert blind["transferToDateTime"] == "2020-11-20T10:45:57.249Z"


def test_tutorial_calls_are_the_four_documented_calls_of_mario_rossi() -> None:
    calls = tutorial_calls(TUTORIAL_START)
    kinds = "inbound_answered outbound_answered blind_transfer consultative_transfer"
    assert " ".join(call.kind for call in calls) == kinds
    assert {call.number for call in calls} == {TUTORIAL_NUMBER}
    assert [call.agents for call in calls] == [("op1",), ("op1",), ("op1", "op2"), ("op1", "op2")]
    assert [call.service for call in calls] == ["customercare", None, "customercare", "customercare"]


def test_wire_time_writes_utc_milliseconds_and_z() -> None:
    assert wire_time(datetime(2020, 11, 20, 10, 24, 8, 674999, tzinfo=UTC)) == "2020-11-20T10:24:08.674Z"
    assert wire_time(datetime(2020, 11, 20, 11, 24, 8, tzinfo=timezone(timedelta(hours=1)))) == (
        "2020-11-20T10:24:08.000Z"
    )


def test_naive_times_are_rejected() -> None:
    with pytest.raises(ValueError, match="naive"):
        wire_time(datetime(2020, 11, 20, 10, 24, 8))
    with pytest.raises(ValueError, match="naive"):
        tutorial_calls(datetime(2020, 11, 20, 10, 24, 8))


def test_call_ids_are_epoch_seconds_sequence_and_host() -> None:
    assert make_call_id(datetime(2020, 11, 20, 10, 24, 7, 999999, tzinfo=UTC), 783, "d92061befe") == (
        "1605867847.783@d92061befe"
    )


def test_builders_reject_events_out_of_order() -> None:
    at = TUTORIAL_START
    with pytest.raises(ValueError, match="increase"):
        service_call("1.1@aaaaaaaaaa", number="1", agent="op1", service="s", ring=at, answer=at, hangup=at)
    with pytest.raises(ValueError, match="increase"):
        blind_at(0, 1, 9, 8, 20, 30)


def test_params_carry_exactly_the_wire_names_of_their_route() -> None:
    for call in tutorial_calls(TUTORIAL_START):
        for request in call.requests:
            assert [name for name, _ in request.params] == list(TUTORIAL_ROUTES[request.path].mapping)


def test_missed_call_sends_ring_then_service_hangup_without_answer() -> None:
    missed = call_of(CallKind.INBOUND_MISSED)
    assert paths(missed) == "service/ring service/hangup"
    assert missed.expected_legacy is not None and "answerDateTime" not in missed.expected_legacy


def test_outbound_calls_send_new_optional_answer_and_hangup() -> None:
    assert paths(call_of(CallKind.OUTBOUND_ANSWERED)) == "outbound/new outbound/answer outbound/hangup"
    assert paths(call_of(CallKind.OUTBOUND_UNANSWERED)) == "outbound/new outbound/hangup"


def test_blind_transfer_sends_service_hangup_before_transfer() -> None:
    blind = call_of(CallKind.BLIND_TRANSFER)
    assert paths(blind) == (
        "service/ring service/answer service/hangup transfer/transfer transfer/answer transfer/hangup"
    )
    hangup, transfer = blind.requests[2], blind.requests[3]
    assert timedelta(0) < transfer.at - hangup.at < timedelta(seconds=1)


def test_blind_transfer_target_leg_is_inbound_events_with_the_original_call_id() -> None:
    events = [parse(request) for request in call_of(CallKind.BLIND_TRANSFER).requests]
    assert {event.call_id for event in events} == {call_of(CallKind.BLIND_TRANSFER).call_id}
    assert [f"{e.call_type}/{e.action}" for e in events[-2:]] == ["inbound/answer", "inbound/hangup"]


def test_blind_transfer_in_the_same_millisecond_as_the_hangup_folds_to_its_legacy_record() -> None:
    blind = blind_at(0, 5, 60, 60, 70, 200)
    assert legacy_replay(blind.requests) == {TUTORIAL_NUMBER: {blind.call_id: blind.expected_legacy}}
    assert legacy_view(journeys(blind.requests)[blind.call_id]) == blind.expected_legacy


def test_consultative_transfer_sends_other_call_ids_transfers_near_the_transfer() -> None:
    consult = call_of(CallKind.CONSULTATIVE_TRANSFER)
    events = [parse(request) for request in consult.requests]
    main = [e for e in events if e.action is Action.TRANSFER and e.call_id == consult.call_id]
    others = [e for e in events if e.call_id != consult.call_id]
    assert len(main) == 1 and others
    assert all(e.action is Action.TRANSFER for e in others)
    assert all(abs(e.occurred.at - main[0].occurred.at) < timedelta(seconds=1) for e in others)
    assert events[-1].call_type is CallType.SERVICE and events[-1].action is Action.HANGUP


def test_consultative_legacy_record_uses_the_transfer_time_three_times() -> None:
    legacy = call_of(CallKind.CONSULTATIVE_TRANSFER).expected_legacy
    assert legacy is not None
    transfer = legacy["transferToDateTime"]
    assert legacy["transferToAnswerDateTime"] == transfer == legacy["hangupDateTime"]
    assert legacy["transferToHangupDateTime"] > transfer


def test_consultation_transfer_events_stay_out_of_the_journey() -> None:
    consult = call_of(CallKind.CONSULTATIVE_TRANSFER)
    folded = journeys(consult.requests)
    assert len(folded[consult.call_id].legs) == 1
    assert {i.kind for call_id, i in folded.items() if call_id != consult.call_id} == {Kind.TRANSFER_ONLY}


def test_direct_inbound_calls_have_no_legacy_record_and_fold_as_inbound() -> None:
    direct = call_of(CallKind.DIRECT_INBOUND)
    assert direct.expected_legacy is None
    assert paths(direct) == "transfer/answer transfer/hangup"
    interaction = journeys(direct.requests)[direct.call_id]
    assert interaction.kind is Kind.INBOUND and interaction.number == direct.number
    assert interaction.answered is not None and interaction.ended is not None
    assert legacy_replay(direct.requests) == {}


def test_tutorial_calls_fold_to_their_legacy_records() -> None:
    for call in tutorial_calls(TUTORIAL_START):
        interaction = journeys(call.requests)[call.call_id]
        assert legacy_view(interaction) == call.expected_legacy
        assert interaction.number == TUTORIAL_NUMBER


def test_transfer_kind_follows_the_tutorial_rule() -> None:
    for call in tutorial_calls(TUTORIAL_START):
        legacy = call.expected_legacy
        if legacy is None or "transferToDateTime" not in legacy:
            continue
        (leg,) = journeys(call.requests)[call.call_id].legs
        consultative = legacy["transferToDateTime"] == legacy["transferToAnswerDateTime"]
        assert leg.kind is (TransferKind.CONSULTATIVE if consultative else TransferKind.BLIND)


@settings(max_examples=50, deadline=None)
@given(seed=seeds, n=st.integers(min_value=1, max_value=30), start=starts)
def test_random_calls_parse_and_fold_to_their_legacy_records(seed: int, n: int, start: datetime) -> None:
    calls = random_calls(random.Random(seed), n, start, NUMBERS, AGENTS, SERVICES)
    folded = journeys(request for call in calls for request in call.requests)
    for call in calls:
        assert all(call.call_id == request.call_id for request in call.requests)
        assert CALL_ID.fullmatch(call.call_id)
        assert all(WIRE_TIME.fullmatch(dict(request.params)["dateTime"]) for request in call.requests)
        if call.expected_legacy is not None:
            assert legacy_view(folded[call.call_id]) == call.expected_legacy


@settings(max_examples=50, deadline=None)
@given(seed=seeds, n=st.integers(1, 20), shuffle=st.booleans(), dups=st.floats(0, 1))
def test_shuffled_duplicated_delivery_folds_the_same(seed: int, n: int, shuffle: bool, dups: float) -> None:
    calls = random_calls(random.Random(seed), n, TUTORIAL_START, NUMBERS, AGENTS, SERVICES)
    natural = delivery_order(calls, random.Random(seed))
    delivered = delivery_order(calls, random.Random(seed + 1), shuffle, dups)
    assert journeys(delivered) == journeys(natural)


def test_natural_delivery_interleaves_calls_by_event_time() -> None:
    calls = random_calls(random.Random(3), 40, TUTORIAL_START, NUMBERS, AGENTS, SERVICES)
    delivered = delivery_order(calls, random.Random(3))
    assert [request.at for request in delivered] == sorted(request.at for request in delivered)
    assert Counter(delivered) == Counter(request for call in calls for request in call.requests)
    assert any(later.started < earlier.requests[-1].at for earlier, later in pairwise(calls)), (
        "some calls overlap in time"
    )


@pytest.mark.parametrize("shuffle", [False, True])
def test_duplicates_resend_the_given_fraction_after_their_originals(shuffle: bool) -> None:
    calls = tutorial_calls(TUTORIAL_START)
    total = sum(len(call.requests) for call in calls)
    delivered = delivery_order(calls, random.Random(5), shuffle, 0.25)
    assert len(delivered) == total + round(0.25 * total)
    firsts = list(dict.fromkeys(delivered))
    assert len(firsts) == total
    if not shuffle:
        assert firsts == delivery_order(calls, random.Random(5))


def test_duplicates_outside_zero_to_one_are_rejected() -> None:
    with pytest.raises(ValueError, match="fraction"):
        delivery_order(tutorial_calls(TUTORIAL_START), random.Random(0), duplicates=1.5)


def test_the_same_seed_gives_the_same_calls_and_order() -> None:
    def make(seed: int) -> list[Request]:
        calls = random_calls(random.Random(seed), 30, TUTORIAL_START, NUMBERS, AGENTS, SERVICES)
        return delivery_order(calls, random.Random(seed), shuffle=True, duplicates=0.1)

    assert make(11) == make(11)
    assert make(11) != make(12)


def test_random_calls_mix_every_kind_method_number_and_agent() -> None:
    calls = random_calls(random.Random(1), 300, TUTORIAL_START, NUMBERS, AGENTS, SERVICES)
    assert {call.kind for call in calls} == set(CallKind)
    assert {request.method for call in calls for request in call.requests} == {"GET", "POST"}
    assert {call.number for call in calls} == set(NUMBERS)
    assert {agent for call in calls for agent in call.agents} == set(AGENTS)
    assert len({call.call_id for call in calls}) == len(calls)


def test_random_calls_spread_over_time_from_start() -> None:
    calls = random_calls(random.Random(2), 100, TUTORIAL_START, NUMBERS, AGENTS, SERVICES)
    created = [int(call.call_id.split(".")[0]) for call in calls]
    assert created == sorted(created)
    starts = [call.started for call in calls]
    assert created[0] == int(TUTORIAL_START.timestamp())
    assert TUTORIAL_START <= starts[0] < TUTORIAL_START + timedelta(minutes=1)
    assert timedelta(hours=1) < starts[-1] - starts[0] < timedelta(hours=8)


def test_random_durations_are_realistic() -> None:
    calls = random_calls(random.Random(4), 300, TUTORIAL_START, NUMBERS, AGENTS, SERVICES)
    ms = timedelta(milliseconds=1)
    for call in calls:
        if call.kind is CallKind.INBOUND_ANSWERED:
            ring, answer, hangup = (request.at for request in call.requests)
            assert timedelta(seconds=2) - ms <= answer - ring <= timedelta(seconds=30) + ms
            assert timedelta(seconds=10) - ms <= hangup - answer <= timedelta(minutes=10) + ms


def test_random_calls_without_two_agents_make_no_transfers() -> None:
    calls = random_calls(random.Random(6), 200, TUTORIAL_START, NUMBERS, ("op1",), SERVICES)
    assert not {call.kind for call in calls} & {CallKind.BLIND_TRANSFER, CallKind.CONSULTATIVE_TRANSFER}


def test_php_suffixed_paths_still_parse_and_fold() -> None:
    calls = with_php_suffix(tutorial_calls(TUTORIAL_START), random.Random(0), share=1.0)
    assert all(request.path.endswith(".php") for call in calls for request in call.requests)
    for call in calls:
        assert legacy_view(journeys(call.requests)[call.call_id]) == call.expected_legacy


def test_legacy_replay_in_natural_order_gives_the_expected_records() -> None:
    calls = random_calls(random.Random(8), 150, TUTORIAL_START, NUMBERS, AGENTS, SERVICES)
    expected: dict[str, dict[str, dict[str, str]]] = defaultdict(dict)
    for call in calls:
        if call.expected_legacy is not None:
            assert call.kind in LEGACY_KINDS
            expected[call.number][call.call_id] = call.expected_legacy
    assert legacy_replay(delivery_order(calls, random.Random(8))) == expected


def test_legacy_replay_drops_numbers_that_are_no_contact_and_reads_the_transfer_alias() -> None:
    calls = tutorial_calls(TUTORIAL_START)
    requests = delivery_order(calls, random.Random(0))
    assert legacy_replay(requests, contacts={"0987654321"}) == {}
    aliased = [replace(r, params=tuple((ALIAS.get(k, k), v) for k, v in r.params)) for r in requests]
    assert legacy_replay(aliased) == {TUTORIAL_NUMBER: {call.call_id: call.expected_legacy for call in calls}}


def test_sim_imports_only_stdlib_domain_and_the_contract() -> None:
    allowed = ("tvox_journey.domain", "tvox_journey.ingest.contract", "tvox_journey.sim")
    for path in Path(sim_package.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                assert top in sys.stdlib_module_names or name.startswith(allowed), f"{path.name}: {name}"


@given(st.datetimes(min_value=datetime(2001, 1, 1), max_value=datetime(2099, 1, 1), timezones=st.just(UTC)))
def test_the_tutorial_placed_until_a_time_ends_there_and_keeps_its_shape(end: datetime) -> None:
    calls = tutorial_calls_until(end)
    times = [r.at for call in calls for r in call.requests]
    assert max(times) <= end and end - max(times) < timedelta(milliseconds=1)
    published = tutorial_calls(TUTORIAL_START)
    shape = [r.at - published[0].started for call in published for r in call.requests]
    assert [t - calls[0].started for t in times] == shape
