"""The fold: any set of a call's events, in any order, into one Interaction.

Events are deduplicated by content and applied in a content-only order (event
time, then a fixed rank per action), never by arrival, so every permutation
and duplication of the same events folds to the same interaction. `fold_steps`
applies them one at a time and says what each changed (the interaction page).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from tvox_journey.domain.events import Action, CallEvent, CallType, Instant, in_order
from tvox_journey.domain.interaction import (
    Direction,
    Interaction,
    Kind,
    TransferKind,
    TransferLeg,
)

# Which type names the interaction when several are present (a transferred
# service call also carries Inbound events for the target's leg).
_KIND_PRIORITY: tuple[tuple[CallType, Kind], ...] = (
    (CallType.CHAT, Kind.CHAT),
    (CallType.POWER_DIALER, Kind.POWER_DIALER),
    (CallType.SERVICE, Kind.SERVICE),
    (CallType.ANSWER_SERVICE, Kind.ANSWER_SERVICE),
    (CallType.OUTBOUND, Kind.OUTBOUND),
    (CallType.INBOUND, Kind.INBOUND),
)
_OUTGOING = {Kind.OUTBOUND, Kind.POWER_DIALER}


@dataclass
class _State:
    agent: str | None = None
    started: Instant | None = None
    answered: Instant | None = None
    ended: Instant | None = None
    abandoned: bool = False
    legs: list[TransferLeg] = field(default_factory=list)
    not_answering: list[str] = field(default_factory=list)
    unknown: int = 0


def _open(state: _State, event: CallEvent) -> None:
    if state.started is None:
        state.started = event.occurred
    elif state.ended is not None and not state.legs and event.call_type is not CallType.INBOUND:
        # Rung again after an end: the call went on to another agent. An Inbound
        # NEW here is the transfer target's leg ringing, which reopens nothing.
        state.ended = None
        state.abandoned = False
    if event.agent and state.answered is None:
        state.agent = event.agent


def _answer(state: _State, event: CallEvent) -> None:
    if state.legs and event.call_type is CallType.INBOUND:
        # The transfer target answering: a separate answer means a blind transfer.
        leg = state.legs[-1]
        if leg.answered is None:
            state.legs[-1] = replace(leg, answered=event.occurred, kind=TransferKind.BLIND)
        return
    if state.answered is None:
        state.answered = event.occurred
        state.ended = None if not state.legs else state.ended
        state.abandoned = False
    if event.agent and state.agent is None:
        state.agent = event.agent


def _close_legs(state: _State, end: Instant) -> None:
    """End the open legs at the next transfer; the last leg ends at its latest hangup, `end`."""
    last = len(state.legs) - 1
    for i, leg in enumerate(state.legs[:last]):
        if leg.ended is None:
            state.legs[i] = replace(leg, ended=state.legs[i + 1].transferred)
    state.legs[last] = replace(state.legs[last], ended=end)


def _hangup(state: _State, event: CallEvent) -> None:
    if not state.legs:
        state.ended = event.occurred
        state.abandoned = event.action is Action.ABANDON and state.answered is None
        return
    if state.ended is None:
        # The first agent's leg ended at the transfer (tutorial contract).
        state.ended = state.legs[0].transferred
    _close_legs(state, event.occurred)


def _transfer(state: _State, event: CallEvent) -> None:
    previous_end = state.legs[-1].ended if state.legs else state.ended
    if state.legs and state.legs[-1].ended is None:
        state.legs[-1] = replace(state.legs[-1], ended=event.occurred)
    kind = TransferKind.BLIND if previous_end is not None else TransferKind.CONSULTATIVE
    state.legs.append(
        TransferLeg(
            agent=event.target_agent,
            transferred=event.occurred,
            answered=None,
            ended=None,
            kind=kind,
        )
    )


def _apply(state: _State, event: CallEvent) -> None:
    if event.action is Action.UNKNOWN:
        state.unknown += 1
    elif event.action in (Action.NEW, Action.RING):
        if event.call_type is not CallType.TRANSFER:
            _open(state, event)
    elif event.action is Action.ANSWER:
        _answer(state, event)
    elif event.action in (Action.HANGUP, Action.ABANDON):
        _hangup(state, event)
    elif event.action is Action.TRANSFER:
        _transfer(state, event)
    elif event.action is Action.NO_ANSWER and event.agent:
        if event.agent not in state.not_answering:
            state.not_answering.append(event.agent)


def _first(events: list[CallEvent], attribute: str) -> str | None:
    for event in events:
        value = getattr(event, attribute)
        if value:
            return str(value)
    return None


def _kind(events: list[CallEvent]) -> Kind:
    present = {e.call_type for e in events if e.action is not Action.UNKNOWN}
    for call_type, kind in _KIND_PRIORITY:
        if call_type in present:
            return kind
    return Kind.TRANSFER_ONLY


def _popups(events: list[CallEvent]) -> tuple[tuple[str, str], ...]:
    merged: dict[str, str] = {}
    for event in events:
        for key, value in event.popups:
            merged.setdefault(key, value)
    return tuple(sorted(merged.items()))


def _interaction(state: _State, ordered: list[CallEvent]) -> Interaction:
    """The interaction `state` stands for, once the events `ordered` (sorted, distinct) were applied."""
    kind = _kind(ordered)
    # Transfer events carry the caller as clid, so they count for the number too,
    # but after the opening events of the call itself.
    main = [e for e in ordered if e.call_type is not CallType.TRANSFER] + [
        e for e in ordered if e.call_type is CallType.TRANSFER
    ]
    return Interaction(
        call_id=ordered[0].call_id,
        kind=kind,
        direction=Direction.OUT if kind in _OUTGOING else Direction.IN,
        number=_first(main, "number"),
        agent=state.agent,
        service=_first(main, "service"),
        started=state.started,
        answered=state.answered,
        ended=state.ended,
        legs=tuple(state.legs),
        called_number=_first(main, "called_number"),
        channel=_first(main, "channel"),
        campaign_id=_first(main, "campaign_id"),
        list_id=_first(main, "list_id"),
        abandoned_call_id=_first(main, "abandoned_call_id"),
        caller_name=_first(main, "caller_name"),
        caller_surname=_first(main, "caller_surname"),
        caller_company=_first(main, "caller_company"),
        popups=_popups(ordered),
        agents_not_answering=tuple(state.not_answering),
        abandoned=state.abandoned,
        event_count=len(ordered),
        unknown_event_count=state.unknown,
        earliest=ordered[0].occurred,
    )


def fold(events: Iterable[CallEvent]) -> Interaction | None:
    """Fold the events of one call id into its interaction; None when there are none."""
    ordered = in_order(events)
    if not ordered:
        return None
    state = _State()
    for event in ordered:
        _apply(state, event)
    return _interaction(state, ordered)


# What a step of the fold may change, as a person reads an interaction (the count of events and the
# earliest time any event carries change with every step, and say nothing of the call).
STEP_FIELDS: tuple[str, ...] = (
    "kind", "direction", "outcome", "number", "agent", "service", "started", "answered", "ended",
    "legs", "called_number", "channel", "campaign_id", "list_id", "abandoned_call_id", "caller_name",
    "caller_surname", "caller_company", "popups", "agents_not_answering", "abandoned",
    "unknown_event_count",
)  # fmt: skip
_UNSET: tuple[object, ...] = (None, (), False, 0)


@dataclass(frozen=True, slots=True)
class FoldStep:
    """One event applied in the fold's order: the interaction after it, and the fields it changed."""

    event: CallEvent
    after: Interaction
    changed: tuple[str, ...]


def step_values(interaction: Interaction) -> dict[str, object]:
    """The values of `STEP_FIELDS` (`outcome` is derived from the others)."""
    return {name: getattr(interaction, name) for name in STEP_FIELDS}


def fold_steps(events: Iterable[CallEvent]) -> list[FoldStep]:
    """The fold one event at a time, in its own order (an event repeated by content counts once).

    Each step applies one more event to the same state the fold builds, so the last step's
    interaction is `fold(events)`. The first step's changes are the fields it set.
    """
    ordered = in_order(events)
    state = _State()
    steps: list[FoldStep] = []
    before: dict[str, object] | None = None
    for end, event in enumerate(ordered, start=1):
        _apply(state, event)
        after = _interaction(state, ordered[:end])
        values = step_values(after)
        if before is None:
            changed = tuple(name for name, value in values.items() if value not in _UNSET)
        else:
            changed = tuple(name for name, value in values.items() if before[name] != value)
        steps.append(FoldStep(event, after, changed))
        before = values
    return steps
