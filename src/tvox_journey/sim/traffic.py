"""Traffic: many realistic random calls, and the order their requests reach the server in.

Durations follow the tutorial and common contact-center figures: an agent rings
2-30 s, a conversation lasts 10 s-10 min (most about a minute), and events of
one moment (a hangup and the transfer that follows it) are milliseconds apart.
Pure: the start time and a `random.Random` are passed in.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from operator import itemgetter

from tvox_journey.sim.scenarios import (
    Call,
    CallKind,
    Method,
    Request,
    blind_transfer,
    consultative_transfer,
    direct_inbound_call,
    make_call_id,
    outbound_call,
    service_call,
)

# How often each kind of call happens, relative to the others.
DEFAULT_WEIGHTS: Mapping[CallKind, float] = {
    CallKind.INBOUND_ANSWERED: 35,
    CallKind.INBOUND_MISSED: 12,
    CallKind.OUTBOUND_ANSWERED: 20,
    CallKind.OUTBOUND_UNANSWERED: 10,
    CallKind.BLIND_TRANSFER: 8,
    CallKind.CONSULTATIVE_TRANSFER: 7,
    CallKind.DIRECT_INBOUND: 8,
}
_METHODS: tuple[Method, ...] = ("GET", "POST")
_TRANSFERS = {CallKind.BLIND_TRANSFER, CallKind.CONSULTATIVE_TRANSFER}


@dataclass
class _Ids:
    """Call ids from one TVox system: one host id, a growing sequence."""

    host: str
    sequence: int

    def next(self, created: datetime) -> str:
        self.sequence += 1
        return make_call_id(created, self.sequence, self.host)


def _seconds(rng: random.Random, low: float, high: float) -> timedelta:
    return timedelta(seconds=rng.uniform(low, high))


def _ringing(rng: random.Random) -> timedelta:
    return _seconds(rng, 2, 30)


def _talk(rng: random.Random) -> timedelta:
    return timedelta(seconds=rng.triangular(10, 600, 45))


def _random_call(
    rng: random.Random,
    kind: CallKind,
    created: datetime,
    ids: _Ids,
    number: str,
    agents: Sequence[str],
    service: str,
) -> Call:
    """One call of `kind`, its TVox call created at `created`."""
    call_id = ids.next(created)
    method = rng.choice(_METHODS)
    agent = rng.choice(agents)
    ring = created + _seconds(rng, 0.3, 4)  # IVR and queue before the agent rings
    answer = ring + _ringing(rng)
    if kind is CallKind.INBOUND_ANSWERED:
        return service_call(
            call_id,
            number=number,
            agent=agent,
            service=service,
            ring=ring,
            answer=answer,
            hangup=answer + _talk(rng),
            method=method,
        )
    if kind is CallKind.INBOUND_MISSED:
        return service_call(
            call_id,
            number=number,
            agent=agent,
            service=service,
            ring=ring,
            answer=None,
            hangup=answer,
            method=method,
        )
    if kind is CallKind.OUTBOUND_ANSWERED:
        return outbound_call(
            call_id,
            number=number,
            agent=agent,
            new=ring,
            answer=answer,
            hangup=answer + _talk(rng),
            method=method,
        )
    if kind is CallKind.OUTBOUND_UNANSWERED:
        return outbound_call(
            call_id,
            number=number,
            agent=agent,
            new=ring,
            answer=None,
            hangup=ring + _seconds(rng, 5, 45),
            method=method,
        )
    if kind is CallKind.DIRECT_INBOUND:
        return direct_inbound_call(
            call_id, number=number, answer=answer, hangup=answer + _talk(rng), method=method
        )
    target = rng.choice([a for a in agents if a != agent])
    first_leg_end = answer + _seconds(rng, 10, 120)
    if kind is CallKind.BLIND_TRANSFER:
        transfer = first_leg_end + _seconds(rng, 0.1, 0.5)  # tutorial: 236 ms after op1's hangup
        target_answer = transfer + _ringing(rng)
        return blind_transfer(
            call_id,
            number=number,
            agent=agent,
            target=target,
            service=service,
            ring=ring,
            answer=answer,
            hangup=first_leg_end,
            transfer=transfer,
            target_answer=target_answer,
            target_hangup=target_answer + _talk(rng),
            method=method,
        )
    # Consultative: the caller on hold while agent 1 calls the target, then the calls are joined.
    consultation_id = ids.next(first_leg_end + _seconds(rng, 0.5, 3))
    transfer = first_leg_end + _seconds(rng, 5, 60)
    others = [(consultation_id, transfer + _seconds(rng, -0.3, 0.3)) for _ in range(rng.randint(1, 2))]
    return consultative_transfer(
        call_id,
        number=number,
        agent=agent,
        target=target,
        service=service,
        ring=ring,
        answer=answer,
        transfer=transfer,
        hangup=transfer + _talk(rng),
        consultation=others,
        method=method,
    )


def random_calls(
    rng: random.Random,
    n: int,
    start: datetime,
    numbers: Sequence[str],
    agents: Sequence[str],
    services: Sequence[str],
    *,
    mean_gap: timedelta = timedelta(minutes=2),
    weights: Mapping[CallKind, float] | None = None,
    host: str | None = None,
) -> tuple[Call, ...]:
    """`n` random calls of mixed kinds, created from `start` on, `mean_gap` apart on average.

    Transfers need two distinct agents and are left out when there are fewer.
    """
    if n < 0:
        raise ValueError("n must not be negative")
    if not numbers or not agents or not services:
        raise ValueError("numbers, agents and services must not be empty")
    chances = dict(DEFAULT_WEIGHTS if weights is None else weights)
    if len(set(agents)) < 2:
        chances = {kind: weight for kind, weight in chances.items() if kind not in _TRANSFERS}
    if n and not any(weight > 0 for weight in chances.values()):
        raise ValueError("no kind of call has a positive weight")
    ids = _Ids(host or "".join(rng.choices("0123456789abcdef", k=10)), rng.randint(1, 9000))
    kinds = list(chances)
    calls: list[Call] = []
    created = start
    for _ in range(n):
        kind = rng.choices(kinds, weights=[chances[k] for k in kinds])[0]
        number, service = rng.choice(numbers), rng.choice(services)
        calls.append(_random_call(rng, kind, created, ids, number, agents, service))
        created += timedelta(seconds=rng.expovariate(1 / mean_gap.total_seconds()))
    return tuple(calls)


def with_php_suffix(calls: Iterable[Call], rng: random.Random, share: float = 0.5) -> tuple[Call, ...]:
    """The same calls, about `share` of them with `.php` ending their paths (the tutorial's URIs)."""
    suffixed: list[Call] = []
    for call in calls:
        if rng.random() < share:
            requests = tuple(replace(r, path=r.path.removesuffix(".php") + ".php") for r in call.requests)
            call = replace(call, requests=requests)
        suffixed.append(call)
    return tuple(suffixed)


def delivery_order(
    calls: Iterable[Call], rng: random.Random, shuffle: bool = False, duplicates: float = 0.0
) -> list[Request]:
    """All requests of `calls` as sent: by event time across calls, or shuffled, with a fraction resent later.

    `duplicates` is the fraction of requests sent twice (0 to 1); each resend
    arrives after its original, anywhere later in the stream.
    """
    if not 0.0 <= duplicates <= 1.0:
        raise ValueError("duplicates is a fraction between 0 and 1")
    keyed = [
        ((request.at, c, i), request)
        for c, call in enumerate(calls)
        for i, request in enumerate(call.requests)
    ]
    order = [request for _, request in sorted(keyed, key=itemgetter(0))]
    if shuffle:
        rng.shuffle(order)
    resent = rng.sample(range(len(order)), round(duplicates * len(order)))
    slots = [(float(i), request) for i, request in enumerate(order)]
    slots += [(rng.randint(i + 1, len(order)) - 0.5, order[i]) for i in resent]
    return [request for _, request in sorted(slots, key=itemgetter(0))]
