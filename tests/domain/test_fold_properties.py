"""Order independence of the fold: every permutation and duplication folds the same."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from tvox_journey.domain.events import Action, CallEvent, CallType, Instant, in_order
from tvox_journey.domain.fold import STEP_FIELDS, fold, fold_steps, step_values
from tvox_journey.domain.interaction import Outcome

BASE = datetime(2020, 11, 20, 10, 0, tzinfo=UTC)
NAMES = st.sampled_from([None, "op1", "op2", "op3"])

# Few distinct instants, so that ties between events are common.
instants = st.integers(min_value=0, max_value=6).map(
    lambda s: Instant(BASE + timedelta(seconds=s), (BASE + timedelta(seconds=s)).isoformat())
)


@st.composite
def call_events(draw: st.DrawFn) -> CallEvent:
    return CallEvent(
        call_id="call",
        call_type=draw(st.sampled_from(list(CallType))),
        action=draw(st.sampled_from(list(Action))),
        occurred=draw(instants),
        number=draw(st.sampled_from([None, "0452224600", "+39 045 2224600"])),
        agent=draw(NAMES),
        service=draw(st.sampled_from([None, "customercare", "sales"])),
        target_agent=draw(NAMES),
        popups=draw(st.sampled_from([(), (("crmId", "42"),), (("crmId", "43"),)])),
    )


event_lists = st.lists(call_events(), min_size=1, max_size=12)


@settings(max_examples=400)
@given(events=event_lists, data=st.data())
def test_any_permutation_folds_the_same(events: list[CallEvent], data: st.DataObject) -> None:
    shuffled = data.draw(st.permutations(events))
    assert fold(shuffled) == fold(events)


@settings(max_examples=300)
@given(events=event_lists, data=st.data())
def test_duplicated_events_fold_the_same(events: list[CallEvent], data: st.DataObject) -> None:
    repeats = data.draw(st.lists(st.sampled_from(events), max_size=8))
    mixed = data.draw(st.permutations(events + repeats))
    assert fold(mixed) == fold(events)


@settings(max_examples=300)
@given(events=event_lists, data=st.data())
def test_the_fold_order_is_the_events_sort_key_whatever_the_order_given(
    events: list[CallEvent], data: st.DataObject
) -> None:
    """`in_order` breaks ties by the events' text only among ties: the same order as the whole key."""
    mixed = data.draw(st.permutations(events + events[:3]))
    assert in_order(mixed) == sorted(set(events), key=CallEvent.sort_key)


@given(events=event_lists)
def test_fold_is_total_and_counts_distinct_events(events: list[CallEvent]) -> None:
    interaction = fold(events)
    assert interaction is not None
    assert interaction.event_count == len(set(events))


@given(
    ring=instants,
    hangup=instants,
    agent=NAMES,
)
def test_service_call_without_any_answer_is_missed_once_ended(
    ring: Instant, hangup: Instant, agent: str | None
) -> None:
    events = [
        CallEvent("c", CallType.SERVICE, Action.RING, ring, number="1", agent=agent),
        CallEvent("c", CallType.SERVICE, Action.HANGUP, hangup, number="1"),
    ]
    interaction = fold(events)
    assert interaction is not None and interaction.outcome is Outcome.MISSED


@settings(max_examples=200)
@given(events=event_lists, data=st.data())
def test_folding_one_step_at_a_time_ends_where_the_fold_ends(
    events: list[CallEvent], data: st.DataObject
) -> None:
    arrival = data.draw(st.permutations(events + events[:2]))
    steps = fold_steps(arrival)
    assert [s.event for s in steps] == sorted(set(events), key=CallEvent.sort_key)
    assert steps[-1].after == fold(events)
    for earlier, later in zip(steps, steps[1:], strict=False):
        before, after = step_values(earlier.after), step_values(later.after)
        assert set(later.changed) == {name for name in STEP_FIELDS if before[name] != after[name]}
