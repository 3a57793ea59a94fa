"""Call events: what one TVox notification says happened, in typed form."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from itertools import groupby

# The event times accepted from TVox: from 2000-01-01T00:00:00Z (inclusive) to
# 2100-01-01T00:00:00Z (exclusive). Anything else is a clock or a client gone
# wrong (year 9999, the Unix epoch), refused at the door: every accepted time can
# be shown in any time zone and sorts like a real call.
EARLIEST_EVENT_TIME = datetime(2000, 1, 1, tzinfo=UTC)
LATEST_EVENT_TIME = datetime(2100, 1, 1, tzinfo=UTC)


class CallType(StrEnum):
    """The TVox notification type an event belongs to."""

    SERVICE = "service"  # Contact Center service call
    ANSWER_SERVICE = "answer_service"
    INBOUND = "inbound"  # direct call, not through a service
    OUTBOUND = "outbound"
    TRANSFER = "transfer"
    POWER_DIALER = "power_dialer"
    CHAT = "chat"


class Action(StrEnum):
    """What happened to the call."""

    NEW = "new"
    RING = "ring"
    ANSWER = "answer"
    HANGUP = "hangup"
    ABANDON = "abandon"  # hung up before any answer (TVox "Chiamata abbattuta")
    NO_ANSWER = "no_answer"  # the agent rung did not answer
    TRANSFER = "transfer"
    UNKNOWN = "unknown"  # an event value we do not recognise: kept, never folded


# Rank of each action among events with the same timestamp: a call opens, is
# answered, then a hangup in the same millisecond as a transfer is the first
# agent leaving before it (a blind transfer; tutorial contract, "How a call is followed").
ACTION_RANK: dict[Action, int] = {
    Action.NEW: 0,
    Action.RING: 0,
    Action.NO_ANSWER: 1,
    Action.ANSWER: 2,
    Action.HANGUP: 3,
    Action.ABANDON: 3,
    Action.TRANSFER: 4,
    Action.UNKNOWN: 5,
}


@dataclass(frozen=True, slots=True, order=True)
class Instant:
    """A point in time as TVox sent it: the parsed UTC time and the text received."""

    at: datetime
    text: str


@dataclass(frozen=True, slots=True)
class CallEvent:
    """One notification, parsed: which call, what happened, when, and who."""

    call_id: str
    call_type: CallType
    action: Action
    occurred: Instant
    number: str | None = None  # the contact's number as received
    agent: str | None = None
    service: str | None = None
    target_agent: str | None = None  # transfer target
    called_number: str | None = None  # dnis of an inbound/service call
    channel: str | None = None  # chat channel: web, whatsapp
    campaign_id: str | None = None
    list_id: str | None = None
    abandoned_call_id: str | None = None
    caller_name: str | None = None
    caller_surname: str | None = None
    caller_company: str | None = None
    popups: tuple[tuple[str, str], ...] = ()
    raw_event: str | None = None  # the unrecognised `event` value, for Action.UNKNOWN

    def sort_key(self) -> tuple[datetime, int, str, str]:
        """Content-only order: event time, then action rank, then a stable tie-breaker."""
        return (*self._sort_head(), repr(self))

    def _sort_head(self) -> tuple[datetime, int, str]:
        return (self.occurred.at, ACTION_RANK[self.action], self.call_type.value)


def in_order(events: Iterable[CallEvent]) -> list[CallEvent]:
    """The distinct events, sorted by `CallEvent.sort_key`; its tie-breaker (the event's whole text,
    the costliest part) is computed only for events equal in the rest."""
    ordered: list[CallEvent] = []
    for _head, group in groupby(sorted(set(events), key=CallEvent._sort_head), key=CallEvent._sort_head):
        tied = list(group)
        ordered.extend(sorted(tied, key=repr) if len(tied) > 1 else tied)
    return ordered
