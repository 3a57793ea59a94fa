"""The fold on the tutorial's documented calls, one example per kind."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tvox_journey.domain.events import Action, CallEvent, CallType, Instant
from tvox_journey.domain.fold import fold, fold_steps
from tvox_journey.domain.interaction import Direction, Kind, Outcome, TransferKind

NUMBER = "0452224600"


def at(text: str) -> Instant:
    return Instant(datetime.fromisoformat(text), text)


def event(call_type: CallType, action: Action, time: str, **fields: Any) -> CallEvent:
    return CallEvent(
        call_id=fields.pop("call_id", "c1"), call_type=call_type, action=action, occurred=at(time), **fields
    )


def service(action: Action, time: str, **fields: str) -> CallEvent:
    return event(CallType.SERVICE, action, time, number=NUMBER, **fields)


def test_answered_service_call_has_agent_service_and_times() -> None:
    interaction = fold(
        [
            service(Action.RING, "2020-11-20T10:24:08.674Z", agent="op1", service="customercare"),
            service(Action.ANSWER, "2020-11-20T10:24:12.100Z"),
            service(Action.HANGUP, "2020-11-20T10:26:00.000Z"),
        ]
    )
    assert interaction is not None
    assert (interaction.kind, interaction.direction, interaction.outcome) == (
        Kind.SERVICE,
        Direction.IN,
        Outcome.ANSWERED,
    )
    assert (interaction.agent, interaction.service, interaction.number) == ("op1", "customercare", NUMBER)
    assert interaction.started and interaction.started.text == "2020-11-20T10:24:08.674Z"
    assert interaction.wait_seconds == 3.426
    assert interaction.talk_seconds == 107.9


def test_hangup_before_answer_is_missed() -> None:
    interaction = fold(
        [
            service(Action.RING, "2020-11-20T10:24:08.674Z", agent="op1"),
            service(Action.HANGUP, "2020-11-20T10:24:20.000Z"),
        ]
    )
    assert interaction is not None and interaction.outcome is Outcome.MISSED


def test_outbound_call_without_answer_is_unanswered() -> None:
    interaction = fold(
        [
            event(CallType.OUTBOUND, Action.NEW, "2020-11-20T10:29:31.207Z", number=NUMBER, agent="op1"),
            event(CallType.OUTBOUND, Action.HANGUP, "2020-11-20T10:29:50.000Z", number=NUMBER),
        ]
    )
    assert interaction is not None
    assert (interaction.direction, interaction.outcome, interaction.agent) == (
        Direction.OUT,
        Outcome.UNANSWERED,
        "op1",
    )


def test_blind_transfer_keeps_first_agents_own_hangup_and_targets_answer() -> None:
    events = [
        service(Action.RING, "2020-11-20T10:45:45.100Z", agent="op1", service="customercare"),
        service(Action.ANSWER, "2020-11-20T10:45:48.000Z"),
        service(Action.HANGUP, "2020-11-20T10:45:57.013Z"),
        event(
            CallType.TRANSFER, Action.TRANSFER, "2020-11-20T10:45:57.249Z", number=NUMBER, target_agent="op2"
        ),
        event(CallType.INBOUND, Action.ANSWER, "2020-11-20T10:46:01.500Z", number=NUMBER),
        event(CallType.INBOUND, Action.HANGUP, "2020-11-20T10:47:30.000Z", number=NUMBER),
    ]
    interaction = fold(events)
    assert interaction is not None
    assert interaction.kind is Kind.SERVICE
    assert interaction.ended and interaction.ended.text == "2020-11-20T10:45:57.013Z"
    (leg,) = interaction.legs
    assert (leg.kind, leg.agent) == (TransferKind.BLIND, "op2")
    assert leg.effective_answer.text == "2020-11-20T10:46:01.500Z"
    assert leg.ended and leg.ended.text == "2020-11-20T10:47:30.000Z"
    assert interaction.outcome is Outcome.ANSWERED


def test_consultative_transfer_ends_first_leg_at_the_transfer() -> None:
    events = [
        service(Action.RING, "2020-11-20T10:50:00.000Z", agent="op1", service="customercare"),
        service(Action.ANSWER, "2020-11-20T10:50:03.000Z"),
        event(
            CallType.TRANSFER, Action.TRANSFER, "2020-11-20T10:51:10.400Z", number=NUMBER, target_agent="op2"
        ),
        service(Action.HANGUP, "2020-11-20T10:53:00.000Z"),
    ]
    interaction = fold(events)
    assert interaction is not None
    assert interaction.ended and interaction.ended.text == "2020-11-20T10:51:10.400Z"
    (leg,) = interaction.legs
    assert leg.kind is TransferKind.CONSULTATIVE
    assert leg.effective_answer == leg.transferred
    assert leg.ended and leg.ended.text == "2020-11-20T10:53:00.000Z"


def test_consultation_calls_own_transfer_events_make_a_hidden_interaction() -> None:
    interaction = fold(
        [
            event(
                CallType.TRANSFER,
                Action.TRANSFER,
                "2020-11-20T10:51:10.300Z",
                call_id="other",
                target_agent="op1",
            )
        ]
    )
    assert interaction is not None and interaction.kind is Kind.TRANSFER_ONLY


def test_answer_arriving_alone_is_kept_as_talking() -> None:
    interaction = fold([service(Action.ANSWER, "2020-11-20T10:24:12.100Z")])
    assert interaction is not None
    assert (interaction.outcome, interaction.started) == (Outcome.TALKING, None)


def test_two_transfers_make_two_legs_each_ended_by_the_next() -> None:
    events = [
        service(Action.RING, "2020-11-20T11:00:00.000Z", agent="op1"),
        service(Action.ANSWER, "2020-11-20T11:00:02.000Z"),
        event(
            CallType.TRANSFER, Action.TRANSFER, "2020-11-20T11:01:00.000Z", number=NUMBER, target_agent="op2"
        ),
        event(
            CallType.TRANSFER, Action.TRANSFER, "2020-11-20T11:02:00.000Z", number=NUMBER, target_agent="op3"
        ),
        service(Action.HANGUP, "2020-11-20T11:03:00.000Z"),
    ]
    interaction = fold(events)
    assert interaction is not None
    assert [leg.agent for leg in interaction.legs] == ["op2", "op3"]
    first, second = interaction.legs
    assert first.ended == second.transferred
    assert second.ended and second.ended.text == "2020-11-20T11:03:00.000Z"


def test_unknown_event_is_counted_and_changes_nothing_else() -> None:
    ring = service(Action.RING, "2020-11-20T10:24:08.674Z", agent="op1")
    odd = service(Action.UNKNOWN, "2020-11-20T10:24:09.000Z", raw_event="PARK")
    alone, with_odd = fold([ring]), fold([ring, odd])
    assert alone is not None and with_odd is not None
    assert with_odd.unknown_event_count == 1
    assert with_odd.outcome == alone.outcome and with_odd.started == alone.started


def test_no_events_fold_to_nothing() -> None:
    assert fold([]) is None


def test_inbound_new_of_the_transfer_target_between_hangup_and_transfer_keeps_it_blind() -> None:
    # Native configurations also send Inbound NEW when the target's phone rings (issue 4).
    events = [
        service(Action.RING, "2020-11-20T10:45:45.100Z", agent="op1", service="customercare"),
        service(Action.ANSWER, "2020-11-20T10:45:48.000Z"),
        service(Action.HANGUP, "2020-11-20T10:45:57.013Z"),
        event(CallType.INBOUND, Action.NEW, "2020-11-20T10:45:57.100Z", number=NUMBER, agent="op2"),
        event(
            CallType.TRANSFER, Action.TRANSFER, "2020-11-20T10:45:57.249Z", number=NUMBER, target_agent="op2"
        ),
        event(CallType.INBOUND, Action.ANSWER, "2020-11-20T10:46:01.500Z", number=NUMBER),
        event(CallType.INBOUND, Action.HANGUP, "2020-11-20T10:47:30.000Z", number=NUMBER),
    ]
    interaction = fold(events)
    assert interaction is not None
    assert interaction.ended and interaction.ended.text == "2020-11-20T10:45:57.013Z"
    assert interaction.agent == "op1"
    (leg,) = interaction.legs
    assert (leg.kind, leg.agent) == (TransferKind.BLIND, "op2")
    assert leg.ended and leg.ended.text == "2020-11-20T10:47:30.000Z"


def test_each_step_of_the_fold_names_the_fields_its_event_changed() -> None:
    hangup = service(Action.HANGUP, "2020-11-20T10:26:00.000Z")
    ring = service(Action.RING, "2020-11-20T10:24:08.674Z", agent="op1", service="customercare")
    answer = service(Action.ANSWER, "2020-11-20T10:24:12.100Z")
    steps = fold_steps([hangup, answer, ring, answer])  # arrival order and a repeat do not matter
    assert [s.event for s in steps] == [ring, answer, hangup]
    assert steps[0].changed == ("kind", "direction", "outcome", "number", "agent", "service", "started")
    assert steps[0].after.outcome is Outcome.RINGING
    assert steps[1].changed == ("outcome", "answered")
    assert steps[2].changed == ("outcome", "ended")
    assert steps[2].after == fold([ring, answer, hangup])
    assert fold_steps([]) == []
