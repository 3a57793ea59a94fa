"""The demo's history: never an event after now, the same for a seed, office hours, a realistic mix."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from tvox_journey.ingest.native import NATIVE_ROUTE
from tvox_journey.sim import native_calls
from tvox_journey.sim.history import (
    HISTORY_DAYS,
    HOURS,
    OPEN_RANGE,
    OPEN_SINCE,
    ROME,
    SATURDAY_HOURS,
    DemoNote,
    History,
    demo_history,
    demo_notes,
)
from tvox_journey.sim.history_calls import REACHING, UNANSWERED, HistoryKind
from tvox_journey.sim.history_cast import CONTACTS, SHARED_NUMBER, STRANGERS

NOW = datetime(2026, 12, 1, 11, 30, tzinfo=UTC)  # a Tuesday
seeds = st.integers(min_value=0, max_value=2**32 - 1)
nows = st.datetimes(
    min_value=datetime(2001, 1, 1), max_value=datetime(2098, 12, 31), timezones=st.sampled_from(
        [UTC, ROME, timezone(timedelta(hours=-8)), timezone(timedelta(hours=13))]
    ),
)  # fmt: skip


def kinds(history: History) -> Counter[HistoryKind]:
    return Counter(call.kind for call in history.calls)


def waiting_numbers(history: History) -> set[str]:
    """Numbers whose last missed call no later call reached: what /callbacks lists."""
    waiting: set[str] = set()
    for call in history.calls:
        if call.kind in REACHING:
            waiting.discard(call.number)
        elif call.kind in UNANSWERED and call.started >= history.now - OPEN_SINCE:
            waiting.add(call.number)
    return waiting


@settings(max_examples=40, deadline=None)
@given(now=nows, seed=seeds)
def test_every_event_lies_at_or_before_now_and_within_the_weeks_shown(now: datetime, seed: int) -> None:
    history = demo_history(now, seed=seed)
    times = [request.at for request in history.requests]
    assert times and max(times) <= now
    assert min(times) >= now - timedelta(days=HISTORY_DAYS, hours=1)
    assert all(request.at.tzinfo is not None for request in history.requests)


@settings(max_examples=15, deadline=None)
@given(now=nows, seed=seeds)
def test_the_same_seed_and_now_give_the_same_history_and_another_seed_another(
    now: datetime, seed: int
) -> None:
    assert demo_history(now, seed=seed) == demo_history(now, seed=seed)
    assert demo_notes(demo_history(now, seed=seed)) == demo_notes(demo_history(now, seed=seed))
    assert demo_history(now, seed=seed).requests != demo_history(now, seed=seed + 1).requests


@settings(max_examples=25, deadline=None)
@given(now=nows, seed=seeds)
def test_calls_start_in_office_hours_never_at_night_or_on_sunday(now: datetime, seed: int) -> None:
    for call in demo_history(now, seed=seed).calls:
        local = call.started.astimezone(ROME)
        hours = SATURDAY_HOURS if local.weekday() == 5 else tuple(HOURS)
        created = local - timedelta(seconds=8)  # the call was created a few seconds before it rang
        assert local.weekday() != 6, call
        assert {local.hour, created.hour} & set(hours), call  # 8-13 and 14-18; Saturday 9-13


@settings(max_examples=25, deadline=None)
@given(now=nows, seed=seeds)
def test_the_mix_looks_like_a_contact_center(now: datetime, seed: int) -> None:
    history = demo_history(now, seed=seed)
    count = kinds(history)
    assert 110 <= len(history.calls) <= 300
    assert 8 <= count[HistoryKind.MISSED] + count[HistoryKind.ABANDONED] <= 50
    assert 4 <= count[HistoryKind.BLIND] + count[HistoryKind.CONSULTATIVE] <= 35
    assert 3 <= count[HistoryKind.CHAT] <= 35
    assert count[HistoryKind.ANSWERED] > count[HistoryKind.MISSED] + count[HistoryKind.ABANDONED]
    assert count[HistoryKind.OUTBOUND] >= 10  # calls placed, missed calls called back among them
    assert OPEN_RANGE[0] <= len(waiting_numbers(history)) <= OPEN_RANGE[1]
    callers = {call.number for call in history.calls}
    assert SHARED_NUMBER in callers and callers & set(STRANGERS)
    assert {call.native for call in history.calls} == {True, False}  # both variable sets


def test_monday_mornings_are_busier_than_other_mornings() -> None:
    mornings: Counter[int] = Counter()
    for seed in range(5):
        for call in demo_history(NOW, seed=seed).calls:
            local = call.started.astimezone(ROME)
            if local.hour < 13 and call.kind is not HistoryKind.OUTBOUND:
                mornings[local.weekday()] += 1
    assert mornings[0] > max(mornings[day] for day in range(1, 6))
    assert mornings[6] == 0


def test_missed_calls_are_mostly_called_back_and_a_handful_wait() -> None:
    history = demo_history(NOW)
    missed = [c for c in history.calls if c.kind in UNANSWERED]
    reached_after = [
        c for c in missed
        if any(o.number == c.number and o.kind in REACHING and o.started > c.started for o in history.calls)
    ]  # fmt: skip
    assert len(reached_after) >= len(missed) // 2
    assert OPEN_RANGE[0] <= len(waiting_numbers(history)) <= OPEN_RANGE[1]


def test_the_same_agent_is_known_by_username_and_by_pin_in_native_service_events() -> None:
    history = demo_history(NOW)
    service_pins = {v for r in history.requests if "/service/" in r.path for k, v in r.params if k == "pin"}
    usernames = {v for r in history.requests for k, v in r.params if k in ("userclid", "userdnis", "agent")}
    agents = history.agents
    assert {a.pin for a in agents} <= service_pins and {a.username for a in agents} <= usernames
    assert native_calls.NATIVE_ROUTE == NATIVE_ROUTE


def test_notes_are_plain_data_on_answered_calls_of_contacts_one_on_each_contacts_last() -> None:
    history = demo_history(NOW)
    notes = demo_notes(history)
    calls = {c.call_id: c for c in history.calls}
    numbers = {n for contact in CONTACTS for n in contact.numbers}
    assert 10 <= len(notes) <= 80 and len({n.call_id for n in notes}) == len(notes)
    for note in notes:
        assert isinstance(note, DemoNote)
        call = calls[note.call_id]
        assert call.kind in REACHING and call.number in numbers
        assert note.author == call.agent.username
        assert note.outcome in {"resolved", "call_back", "information", "complaint"}
        assert note.text.strip() and len(note.text) <= 200
    noted = {calls[n.call_id].number for n in notes}
    assert {c.number for c in history.calls if c.kind in REACHING and c.number in numbers} == noted
    assert {n.outcome for n in notes} == {"resolved", "call_back", "information", "complaint"}
