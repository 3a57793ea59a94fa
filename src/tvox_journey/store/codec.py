"""Domain objects to and from the JSON kept in the database."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tvox_journey.domain.events import Action, CallEvent, CallType, Instant
from tvox_journey.domain.interaction import (
    Direction,
    Interaction,
    Kind,
    TransferKind,
    TransferLeg,
)

JSONDict = dict[str, Any]


def _instant(value: Instant | None) -> list[str] | None:
    return None if value is None else [value.at.isoformat(), value.text]


def _from_instant(value: list[str] | None) -> Instant | None:
    return None if value is None else Instant(datetime.fromisoformat(value[0]), value[1])


def event_to_json(event: CallEvent) -> JSONDict:
    return {
        "call_id": event.call_id,
        "call_type": event.call_type.value,
        "action": event.action.value,
        "occurred": _instant(event.occurred),
        "number": event.number,
        "agent": event.agent,
        "service": event.service,
        "target_agent": event.target_agent,
        "called_number": event.called_number,
        "channel": event.channel,
        "campaign_id": event.campaign_id,
        "list_id": event.list_id,
        "abandoned_call_id": event.abandoned_call_id,
        "caller_name": event.caller_name,
        "caller_surname": event.caller_surname,
        "caller_company": event.caller_company,
        "popups": [list(p) for p in event.popups],
        "raw_event": event.raw_event,
    }


def event_from_json(data: JSONDict) -> CallEvent:
    occurred = _from_instant(data["occurred"])
    assert occurred is not None
    return CallEvent(
        call_id=data["call_id"],
        call_type=CallType(data["call_type"]),
        action=Action(data["action"]),
        occurred=occurred,
        number=data.get("number"),
        agent=data.get("agent"),
        service=data.get("service"),
        target_agent=data.get("target_agent"),
        called_number=data.get("called_number"),
        channel=data.get("channel"),
        campaign_id=data.get("campaign_id"),
        list_id=data.get("list_id"),
        abandoned_call_id=data.get("abandoned_call_id"),
        caller_name=data.get("caller_name"),
        caller_surname=data.get("caller_surname"),
        caller_company=data.get("caller_company"),
        popups=tuple((k, v) for k, v in data.get("popups", [])),
        raw_event=data.get("raw_event"),
    )


def _leg_to_json(leg: TransferLeg) -> JSONDict:
    return {
        "agent": leg.agent,
        "transferred": _instant(leg.transferred),
        "answered": _instant(leg.answered),
        "ended": _instant(leg.ended),
        "kind": leg.kind.value,
    }


def _leg_from_json(data: JSONDict) -> TransferLeg:
    transferred = _from_instant(data["transferred"])
    assert transferred is not None
    return TransferLeg(
        agent=data.get("agent"),
        transferred=transferred,
        answered=_from_instant(data.get("answered")),
        ended=_from_instant(data.get("ended")),
        kind=TransferKind(data["kind"]),
    )


_PLAIN = (
    "call_id", "number", "agent", "service", "called_number", "channel", "campaign_id",
    "list_id", "abandoned_call_id", "caller_name", "caller_surname", "caller_company",
    "abandoned", "event_count", "unknown_event_count",
)  # fmt: skip


def interaction_to_json(interaction: Interaction) -> JSONDict:
    data: JSONDict = {name: getattr(interaction, name) for name in _PLAIN}
    data.update(
        kind=interaction.kind.value,
        direction=interaction.direction.value,
        started=_instant(interaction.started),
        answered=_instant(interaction.answered),
        ended=_instant(interaction.ended),
        legs=[_leg_to_json(leg) for leg in interaction.legs],
        popups=[list(p) for p in interaction.popups],
        agents_not_answering=list(interaction.agents_not_answering),
    )
    return data


def interaction_from_json(data: JSONDict) -> Interaction:
    plain: dict[str, Any] = {name: data.get(name) for name in _PLAIN}
    return Interaction(
        **plain,
        kind=Kind(data["kind"]),
        direction=Direction(data["direction"]),
        started=_from_instant(data.get("started")),
        answered=_from_instant(data.get("answered")),
        ended=_from_instant(data.get("ended")),
        legs=tuple(_leg_from_json(leg) for leg in data.get("legs", [])),
        popups=tuple((k, v) for k, v in data.get("popups", [])),
        agents_not_answering=tuple(data.get("agents_not_answering", [])),
    )
