"""The JSON kept in the database gives back exactly the events and interactions written (Hypothesis)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from tvox_journey.domain.events import Action, CallEvent, CallType, Instant
from tvox_journey.domain.interaction import Direction, Interaction, Kind, TransferKind, TransferLeg
from tvox_journey.store.codec import (
    event_from_json,
    event_to_json,
    interaction_from_json,
    interaction_to_json,
)

texts = st.text(max_size=40)
maybe_texts = st.none() | texts
zones = st.sampled_from([UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-5, minutes=-30))])
instants = st.builds(
    Instant,
    st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(9998, 12, 30), timezones=zones),
    texts,
)
maybe_instants = st.none() | instants
popups = st.lists(st.tuples(texts, texts), max_size=3).map(tuple)

events = st.builds(
    CallEvent,
    call_id=texts,
    call_type=st.sampled_from(list(CallType)),
    action=st.sampled_from(list(Action)),
    occurred=instants,
    number=maybe_texts,
    agent=maybe_texts,
    service=maybe_texts,
    target_agent=maybe_texts,
    called_number=maybe_texts,
    channel=maybe_texts,
    campaign_id=maybe_texts,
    list_id=maybe_texts,
    abandoned_call_id=maybe_texts,
    caller_name=maybe_texts,
    caller_surname=maybe_texts,
    caller_company=maybe_texts,
    popups=popups,
    raw_event=maybe_texts,
)
legs = st.builds(
    TransferLeg,
    agent=maybe_texts,
    transferred=instants,
    answered=maybe_instants,
    ended=maybe_instants,
    kind=st.sampled_from(list(TransferKind)),
)
interactions = st.builds(
    Interaction,
    call_id=texts,
    kind=st.sampled_from(list(Kind)),
    direction=st.sampled_from(list(Direction)),
    number=maybe_texts,
    agent=maybe_texts,
    service=maybe_texts,
    started=maybe_instants,
    answered=maybe_instants,
    ended=maybe_instants,
    legs=st.lists(legs, max_size=3).map(tuple),
    called_number=maybe_texts,
    channel=maybe_texts,
    campaign_id=maybe_texts,
    list_id=maybe_texts,
    abandoned_call_id=maybe_texts,
    caller_name=maybe_texts,
    caller_surname=maybe_texts,
    caller_company=maybe_texts,
    popups=popups,
    agents_not_answering=st.lists(texts, max_size=3).map(tuple),
    abandoned=st.booleans(),
    event_count=st.integers(min_value=0, max_value=2**31),
    unknown_event_count=st.integers(min_value=0, max_value=2**31),
)


def through_text(data: dict[str, object]) -> dict[str, object]:
    """What a JSON column gives back: the dict written as text and read again."""
    loaded: dict[str, object] = json.loads(json.dumps(data))
    return loaded


def same_offsets(a: object, b: object) -> bool:
    """Equal datetimes may still differ in offset: compare the JSON, which writes each offset."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


@settings(max_examples=300, deadline=None)  # a loaded CI machine must not fail a pure test
@given(event=events)
def test_an_event_comes_back_from_its_json_unchanged(event: CallEvent) -> None:
    decoded = event_from_json(through_text(event_to_json(event)))
    assert decoded == event
    assert same_offsets(event_to_json(decoded), event_to_json(event))


@settings(max_examples=300, deadline=None)  # a loaded CI machine must not fail a pure test
@given(interaction=interactions)
def test_an_interaction_comes_back_from_its_json_unchanged(interaction: Interaction) -> None:
    decoded = interaction_from_json(through_text(interaction_to_json(interaction)))
    assert decoded == interaction
    assert same_offsets(interaction_to_json(decoded), interaction_to_json(interaction))
