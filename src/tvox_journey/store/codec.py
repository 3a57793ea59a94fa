"""Domain objects to and from the JSON kept in the database.

Reading an interaction is total: whatever JSON a row holds (written by an older
release, or by hand), it decodes to an Interaction that pages and the API can
show. A value that cannot be read becomes "not known" (None, no leg, a default
kind) instead of an error; a naive time is taken as UTC, as every stored time is.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TypeVar

from tvox_journey.domain.events import Action, CallEvent, CallType, Instant
from tvox_journey.domain.interaction import (
    Direction,
    Interaction,
    Kind,
    TransferKind,
    TransferLeg,
)

JSONDict = dict[str, Any]
E = TypeVar("E", bound=StrEnum)


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
        earliest=_instant(interaction.earliest),
        legs=[_leg_to_json(leg) for leg in interaction.legs],
        popups=[list(p) for p in interaction.popups],
        agents_not_answering=list(interaction.agents_not_answering),
    )
    return data


def _read_instant(value: object) -> Instant | None:
    """A stored [iso time, text] pair; None for anything else."""
    if not isinstance(value, list | tuple) or not value or not isinstance(value[0], str):
        return None
    try:
        at = datetime.fromisoformat(value[0])
    except ValueError:
        return None
    at = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    text = value[1] if len(value) > 1 and isinstance(value[1], str) else value[0]
    return Instant(at, text)


def _read_text(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return str(value)


def _read_enum(kind: type[E], value: object, default: E) -> E:
    if not isinstance(value, str):
        return default
    try:
        return kind(value)
    except ValueError:
        return default


def _read_list(value: object, item: Callable[[Any], Any]) -> tuple[Any, ...]:
    """The readable items of a stored list (`item` returns None for one that is not)."""
    if not isinstance(value, list | tuple):
        return ()
    return tuple(read for read in (item(v) for v in value) if read is not None)


def _read_leg(data: object) -> TransferLeg | None:
    if not isinstance(data, dict):
        return None
    transferred = _read_instant(data.get("transferred"))
    if transferred is None:
        return None
    return TransferLeg(
        agent=_read_text(data.get("agent")),
        transferred=transferred,
        answered=_read_instant(data.get("answered")),
        ended=_read_instant(data.get("ended")),
        kind=_read_enum(TransferKind, data.get("kind"), TransferKind.CONSULTATIVE),
    )


def _read_pair(value: object) -> tuple[str, str] | None:
    if not isinstance(value, list | tuple) or len(value) != 2:
        return None
    return str(value[0]), str(value[1])


def _read_count(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def interaction_from_json(data: object) -> Interaction:
    """The Interaction a row's JSON holds; total (see the module's doc)."""
    found: JSONDict = data if isinstance(data, dict) else {}
    return Interaction(
        call_id=_read_text(found.get("call_id")) or "",
        kind=_read_enum(Kind, found.get("kind"), Kind.INBOUND),
        direction=_read_enum(Direction, found.get("direction"), Direction.IN),
        number=_read_text(found.get("number")),
        agent=_read_text(found.get("agent")),
        service=_read_text(found.get("service")),
        started=_read_instant(found.get("started")),
        answered=_read_instant(found.get("answered")),
        ended=_read_instant(found.get("ended")),
        legs=_read_list(found.get("legs"), _read_leg),
        called_number=_read_text(found.get("called_number")),
        channel=_read_text(found.get("channel")),
        campaign_id=_read_text(found.get("campaign_id")),
        list_id=_read_text(found.get("list_id")),
        abandoned_call_id=_read_text(found.get("abandoned_call_id")),
        caller_name=_read_text(found.get("caller_name")),
        caller_surname=_read_text(found.get("caller_surname")),
        caller_company=_read_text(found.get("caller_company")),
        popups=_read_list(found.get("popups"), _read_pair),
        agents_not_answering=_read_list(found.get("agents_not_answering"), _read_text),
        abandoned=found.get("abandoned") is True,
        event_count=_read_count(found.get("event_count")),
        unknown_event_count=_read_count(found.get("unknown_event_count")),
        earliest=_read_instant(found.get("earliest")),
    )


def legs_from_json(value: object) -> tuple[TransferLeg, ...]:
    """The transfer legs a row's JSON `legs` holds (the readable ones): the reports read only those."""
    return _read_list(value, _read_leg)
