"""One planned call of the demo's history made into the requests TVox sends for it.

A plan says what happened (kind, who, when it started); this module picks plausible durations
(an agent rings 2-30 s, most conversations last about a minute, none more than ten) and writes
the requests through the tutorial's URIs (`scenarios.py`) or the native endpoint
(`native_calls.py`). Every call is over within `LONGEST_CALL` of its start. Pure.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from tvox_journey.sim.history_cast import CastAgent, CastContact, CastService
from tvox_journey.sim.native_calls import (
    Caller,
    Transfer,
    native_chat,
    native_direct_call,
    native_outbound_call,
    native_service_call,
    native_transferred_call,
)
from tvox_journey.sim.scenarios import (
    Method,
    Request,
    blind_transfer,
    consultative_transfer,
    make_call_id,
    outbound_call,
    service_call,
)

LONGEST_CALL = timedelta(minutes=20)  # first event to last, whatever the kind (chats included)


class HistoryKind(StrEnum):
    """What happened in one interaction of the history."""

    ANSWERED = "answered"  # service call answered by the first agent rung
    REROUTED = "rerouted"  # the first agent did not answer, the next one did (native only)
    MISSED = "missed"  # service call nobody answered: the queue closed it
    ABANDONED = "abandoned"  # the caller gave up while waiting (native only)
    OUTBOUND = "outbound"  # an agent called and was answered
    UNREACHED = "unreached"  # an agent called, nobody answered
    BLIND = "blind"  # service call transferred blind
    CONSULTATIVE = "consultative"  # service call transferred after a consultation
    DIRECT = "direct"  # a direct call to an agent's extension (native Inbound)
    CHAT = "chat"  # a chat session (native only)


NATIVE_ONLY = frozenset({HistoryKind.REROUTED, HistoryKind.ABANDONED, HistoryKind.DIRECT, HistoryKind.CHAT})
# Calls that reach the number (they close its missed calls on /callbacks), and those to call back.
REACHING = frozenset(
    {HistoryKind.ANSWERED, HistoryKind.REROUTED, HistoryKind.OUTBOUND, HistoryKind.BLIND,
     HistoryKind.CONSULTATIVE, HistoryKind.DIRECT}
)  # fmt: skip
UNANSWERED = frozenset({HistoryKind.MISSED, HistoryKind.ABANDONED})


@dataclass(frozen=True, slots=True)
class Plan:
    """A call to make: what happened, when its TVox call was created, and who took part."""

    created: datetime
    kind: HistoryKind
    number: str  # as TVox sends it
    contact: CastContact | None
    agent: CastAgent
    other: CastAgent  # the transfer target, or the agent who answered after `agent` did not
    service: CastService | None
    native: bool
    method: Method
    channel: str | None = None  # chats: web or whatsapp


@dataclass(frozen=True, slots=True)
class HistoryCall:
    """One interaction of the history and the requests TVox sent for it, in time order."""

    call_id: str
    kind: HistoryKind
    number: str
    agent: CastAgent  # who took it (or placed it, or first had it when it was transferred or missed)
    service: CastService | None
    native: bool
    requests: tuple[Request, ...]

    @property
    def started(self) -> datetime:
        return self.requests[0].at

    @property
    def ended(self) -> datetime:
        return self.requests[-1].at


def _s(rng: random.Random, low: float, high: float) -> timedelta:
    return timedelta(seconds=rng.uniform(low, high))


def _talk(rng: random.Random) -> timedelta:
    return timedelta(seconds=rng.triangular(15, 600, 70))


def _caller(plan: Plan) -> Caller:
    """TVox's own address book knows the company contacts (it sends their names); nobody else."""
    contact = plan.contact
    if contact is None or contact.company is None:
        return Caller(plan.number)
    return Caller(plan.number, contact.name, contact.surname, contact.company)


def make_call(plan: Plan, rng: random.Random, sequence: int, host: str) -> HistoryCall:
    """The call `plan` describes, its id made from its creation time and `sequence` (and +1 for a
    consultation call, so the caller advances the sequence by 2)."""
    call_id = make_call_id(plan.created, sequence, host)
    ring = plan.created + _s(rng, 0.5, 6)  # IVR and queue before an agent rings
    answer = ring + _s(rng, 2, 30)
    requests = (
        _native(plan, rng, call_id, ring, answer, make_call_id(answer, sequence + 1, host))
        if plan.native
        else _tutorial(plan, rng, call_id, ring, answer, make_call_id(answer, sequence + 1, host))
    )
    own_id = requests[0].call_id  # a chat's is its session id
    took = plan.other if plan.kind is HistoryKind.REROUTED else plan.agent
    return HistoryCall(own_id, plan.kind, plan.number, took, plan.service, plan.native, requests)


def _tutorial(
    plan: Plan, rng: random.Random, call_id: str, ring: datetime, answer: datetime, other_id: str
) -> tuple[Request, ...]:
    """Through the tutorial's URIs: the agent is known by username there, as in the tutorial."""
    agent, number, method = plan.agent.username, plan.number, plan.method
    service = plan.service.code if plan.service else ""
    kind = plan.kind
    if kind in (HistoryKind.ANSWERED, HistoryKind.MISSED):
        answered = answer if kind is HistoryKind.ANSWERED else None
        hangup = answer + _talk(rng) if answered else answer + _s(rng, 20, 90)
        return service_call(
            call_id, number=number, agent=agent, service=service, ring=ring, answer=answered,
            hangup=hangup, method=method,
        ).requests  # fmt: skip
    if kind in (HistoryKind.OUTBOUND, HistoryKind.UNREACHED):
        answered = answer if kind is HistoryKind.OUTBOUND else None
        hangup = answer + _talk(rng) if answered else answer + _s(rng, 5, 25)
        return outbound_call(
            call_id, number=number, agent=agent, new=ring, answer=answered, hangup=hangup, method=method
        ).requests
    first_end = answer + _s(rng, 20, 120)
    target = plan.other.username
    if kind is HistoryKind.BLIND:
        transfer = first_end + _s(rng, 0.1, 0.5)
        target_answer = transfer + _s(rng, 2, 25)
        return blind_transfer(
            call_id, number=number, agent=agent, target=target, service=service, ring=ring, answer=answer,
            hangup=first_end, transfer=transfer, target_answer=target_answer,
            target_hangup=target_answer + _talk(rng), method=method,
        ).requests  # fmt: skip
    if kind is HistoryKind.CONSULTATIVE:
        transfer = first_end + _s(rng, 10, 60)
        return consultative_transfer(
            call_id, number=number, agent=agent, target=target, service=service, ring=ring, answer=answer,
            transfer=transfer, hangup=transfer + _talk(rng),
            consultation=[(other_id, transfer + timedelta(milliseconds=6))], method=method,
        ).requests  # fmt: skip
    raise ValueError(f"{kind} calls go through the native endpoint only")


def _native(
    plan: Plan, rng: random.Random, call_id: str, ring: datetime, answer: datetime, other_id: str
) -> tuple[Request, ...]:
    """Through /tvox/events: service events carry the agent's PIN, the others its username."""
    caller, method, kind = _caller(plan), plan.method, plan.kind
    service = plan.service.code if plan.service else ""
    dialled = plan.service.number if plan.service else ""
    pin = plan.agent.pin
    if kind in (HistoryKind.ANSWERED, HistoryKind.MISSED, HistoryKind.ABANDONED, HistoryKind.REROUTED):
        rings: tuple[datetime, ...] = (ring,)
        pins: tuple[str, ...] = (pin,)
        if kind is HistoryKind.REROUTED:
            rings, pins = (ring, answer), (pin, plan.other.pin)
            answer = answer + _s(rng, 2, 20)
        answered = answer if kind in (HistoryKind.ANSWERED, HistoryKind.REROUTED) else None
        hangup = answer + (_talk(rng) if answered else _s(rng, 10, 90))
        return native_service_call(
            call_id, caller=caller, service=service, dialled=dialled, pins=pins, rings=rings,
            answer=answered, hangup=hangup, abandoned=kind is HistoryKind.ABANDONED, method=method,
        )  # fmt: skip
    if kind in (HistoryKind.OUTBOUND, HistoryKind.UNREACHED):
        answered = answer if kind is HistoryKind.OUTBOUND else None
        hangup = answer + _talk(rng) if answered else answer + _s(rng, 5, 25)
        return native_outbound_call(
            call_id, number=plan.number, username=plan.agent.username, new=ring, answer=answered,
            hangup=hangup, method=method,
        )  # fmt: skip
    if kind is HistoryKind.DIRECT:
        return native_direct_call(
            call_id, caller=caller, extension=plan.agent.extension, username=plan.agent.username,
            new=ring, answer=answer, hangup=answer + _talk(rng), method=method,
        )  # fmt: skip
    if kind is HistoryKind.CHAT:
        start = plan.created
        taken = start + _s(rng, 5, 90)
        return native_chat(
            f"chat-{rng.getrandbits(48):012x}", caller=caller, channel=plan.channel or "web", service=service,
            pin=pin, start=start, answer=taken, end=taken + _s(rng, 120, 900),
        )  # fmt: skip
    first_end = answer + _s(rng, 20, 120)
    if kind is HistoryKind.BLIND:
        moved = first_end + _s(rng, 0.1, 0.5)
        target_answer = moved + _s(rng, 2, 25)
        transfer = Transfer(
            plan.other.username,
            moved,
            target_answer + _talk(rng),
            first_hangup=first_end,
            answer=target_answer,
        )
    else:
        moved = first_end + _s(rng, 10, 60)
        transfer = Transfer(plan.other.username, moved, moved + _talk(rng), consultation_id=other_id)
    return native_transferred_call(
        call_id, caller=caller, service=service, dialled=dialled, pin=pin, ring=ring, answer=answer,
        transfer=transfer, method=method,
    )  # fmt: skip
