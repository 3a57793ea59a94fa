"""The demo's history: three weeks of a working contact center, ending at the demo's "now".

So the card, /callbacks and the reports look like a real installation on first start. Traffic
follows office hours in Italy (8-13 and 14-18, Saturday mornings a little, never at night or on
Sunday, Monday mornings busiest); callers are the cast's contacts and a few strangers; missed
calls are mostly called back within a couple of hours, and a handful of numbers are left waiting
in the last days, so /callbacks has work to show. Every event lies at or before `now`: no call
starts later than `QUIET` before it, and none lasts longer. Pure: seeded, `now` passed in.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from tvox_journey.sim.history_calls import (
    LONGEST_CALL,
    NATIVE_ONLY,
    REACHING,
    UNANSWERED,
    HistoryCall,
    HistoryKind,
    Plan,
    make_call,
)
from tvox_journey.sim.history_cast import (
    AGENTS,
    CONTACTS,
    HOST,
    NOTE_TEXTS,
    SERVICES,
    STRANGER_WEIGHT,
    STRANGERS,
    CastAgent,
    CastContact,
    CastService,
)
from tvox_journey.sim.scenarios import Method, Request

DEMO_SEED = 20201120  # the tutorial's day
HISTORY_DAYS = 21
ROME = ZoneInfo("Europe/Rome")
QUIET = LONGEST_CALL + timedelta(minutes=10)  # no call of the history starts later than this before now
OPEN_SINCE = timedelta(days=6)  # missed calls left waiting lie within this (inside /callbacks' 7 days)
OPEN_RANGE = (5, 8)  # numbers left waiting for a call back

WEIGHTS: dict[HistoryKind, float] = {
    HistoryKind.ANSWERED: 34, HistoryKind.REROUTED: 5, HistoryKind.MISSED: 8,
    HistoryKind.ABANDONED: 5, HistoryKind.OUTBOUND: 13, HistoryKind.UNREACHED: 5,
    HistoryKind.BLIND: 5, HistoryKind.CONSULTATIVE: 4, HistoryKind.DIRECT: 5, HistoryKind.CHAT: 8,
}  # fmt: skip
CALLS_A_DAY = (16, 11, 10, 10, 9, 3, 0)  # Monday to Sunday, on average
HOURS = {8: 0.4, 9: 1.4, 10: 1.8, 11: 1.7, 12: 1.0, 14: 1.0, 15: 1.4, 16: 1.2, 17: 0.7}
SATURDAY_HOURS = (9, 10, 11, 12)
MONDAY_MORNING = 1.8  # how much busier Monday's morning hours are
CALLBACK_AFTER = (10.0, 150.0)  # minutes after a missed call an agent calls back
CALLED_BACK = 0.65  # share of missed calls an agent calls back


@dataclass(frozen=True, slots=True)
class History:
    """What the demo records before it serves: who is who, and the calls TVox sent for them."""

    now: datetime
    contacts: tuple[CastContact, ...]
    agents: tuple[CastAgent, ...]
    services: tuple[CastService, ...]
    calls: tuple[HistoryCall, ...]  # by start time

    @property
    def requests(self) -> list[Request]:
        """Every request of every call, in the order TVox sent them (event time)."""
        return sorted((r for call in self.calls for r in call.requests), key=lambda r: r.at)


@dataclass(frozen=True, slots=True)
class DemoNote:
    """A call note an agent wrote after a call (outcome: resolved, call_back, information or complaint,
    the outcomes migration 0011 seeds)."""

    call_id: str
    author: str  # the agent's username
    outcome: str
    text: str  # Italian


@dataclass(frozen=True, slots=True)
class _Party:
    number: str
    contact: CastContact | None
    weight: float


def _parties() -> list[_Party]:
    """Every number that calls, weighted: a contact's first number most, the shared one twice."""
    parties: dict[str, _Party] = {}
    for contact in CONTACTS:
        for i, number in enumerate(contact.numbers):
            weight = contact.weight * (1.0 if i == 0 else 0.4)
            known = parties.get(number)
            parties[number] = _Party(number, contact, weight + (known.weight if known else 0.0))
    for number in STRANGERS:
        parties[number] = _Party(number, None, STRANGER_WEIGHT)
    return list(parties.values())


def _slots(rng: random.Random, day: date, zone: tzinfo) -> list[datetime]:
    """The start times of one day's calls, in office hours (aware, in `zone`)."""
    weekday = day.weekday()
    mean = CALLS_A_DAY[weekday]
    if mean == 0:
        return []
    count = max(0, mean + rng.randint(-2, 2))
    hours = list(SATURDAY_HOURS) if weekday == 5 else list(HOURS)
    weights = [HOURS[h] * (MONDAY_MORNING if weekday == 0 and h < 13 else 1.0) for h in hours]
    starts = []
    for hour in rng.choices(hours, weights=weights, k=count):
        at = time(hour, rng.randrange(60), rng.randrange(60), rng.randrange(1000) * 1000)
        starts.append(datetime.combine(day, at, tzinfo=zone))
    return sorted(starts)


def _plan(rng: random.Random, created: datetime, parties: Sequence[_Party], kind: HistoryKind) -> Plan:
    if kind is HistoryKind.CHAT:
        parties = [p for p in parties if p.number.startswith("3")]  # mobiles: WhatsApp or the web form
    party = rng.choices(parties, weights=[p.weight for p in parties])[0]
    agent, other = rng.sample(AGENTS, 2)
    service = None if kind in (HistoryKind.OUTBOUND, HistoryKind.UNREACHED, HistoryKind.DIRECT) else (
        rng.choices(SERVICES, weights=[s.weight for s in SERVICES])[0]
    )  # fmt: skip
    native = kind in NATIVE_ONLY or rng.random() < 0.55
    method: Method = rng.choice(("GET", "POST"))
    channel, number = None, party.number
    if kind is HistoryKind.CHAT:
        channel = rng.choice(("whatsapp", "whatsapp", "web"))
        number = "+39" + party.number if channel == "whatsapp" else party.number
    return Plan(created, kind, number, party.contact, agent, other, service, native, method, channel)


def _open_at(at: datetime, zone: tzinfo) -> bool:
    local = at.astimezone(zone)
    hours = SATURDAY_HOURS if local.weekday() == 5 else tuple(HOURS)
    return CALLS_A_DAY[local.weekday()] > 0 and local.hour in hours


def _working(rng: random.Random, at: datetime, zone: tzinfo) -> datetime:
    """`at`, or when the office is next open after it (a call back at 20:00 is made the next morning)."""
    if _open_at(at, zone):
        return at
    day = at.astimezone(zone).date()
    while True:
        day += timedelta(days=1)
        opening = datetime.combine(day, time(9, rng.randrange(60), rng.randrange(60)), tzinfo=zone)
        if _open_at(opening, zone):
            return opening


def _callback(rng: random.Random, missed: Plan, at: datetime) -> Plan:
    """An agent calling a missed number back and reaching it."""
    return replace(
        missed, created=at, kind=HistoryKind.OUTBOUND, service=None, agent=rng.choice(AGENTS),
        native=rng.random() < 0.55, channel=None,
    )  # fmt: skip


def _after(rng: random.Random) -> timedelta:
    return timedelta(minutes=rng.uniform(*CALLBACK_AFTER))


def _waiting(plans: Sequence[Plan]) -> dict[str, list[Plan]]:
    """Per number, its missed calls no later call reached it after: what /callbacks would list."""
    waiting: dict[str, list[Plan]] = {}
    for plan in sorted(plans, key=lambda p: p.created):
        if plan.kind in REACHING:
            waiting.pop(plan.number, None)
        elif plan.kind in UNANSWERED:
            waiting.setdefault(plan.number, []).append(plan)
    return waiting


def _settle_callbacks(rng: random.Random, plans: list[Plan], now: datetime, zone: tzinfo) -> list[Plan]:
    """Call back most missed calls, older ones all, and leave `OPEN_RANGE` numbers waiting lately."""
    latest = now - QUIET
    for missed in [p for p in plans if p.kind in UNANSWERED]:
        at = _working(rng, missed.created + _after(rng), zone)
        if rng.random() < CALLED_BACK and at <= latest:
            plans.append(_callback(rng, missed, at))
    recent = now - OPEN_SINCE
    for attempts in _waiting(plans).values():  # left waiting too long: called back by now
        if attempts[-1].created < recent:
            plans.append(
                _callback(rng, attempts[-1], _working(rng, attempts[-1].created + _after(rng), zone))
            )
    low, high = OPEN_RANGE
    newest_first = sorted(_waiting(plans).values(), key=lambda attempts: attempts[-1].created, reverse=True)
    soon = timedelta(minutes=CALLBACK_AFTER[0])
    for attempts in newest_first[high:]:  # the older ones called back, when there is time to
        if attempts[-1].created + soon <= latest:
            plans.append(_callback(rng, attempts[-1], attempts[-1].created + soon))
    lately = [p.created for p in plans if now - timedelta(days=3) <= p.created <= latest]
    voices = sorted({p.number for p in plans if p.kind is not HistoryKind.CHAT} - set(_waiting(plans)))
    rng.shuffle(voices)
    for number in voices:
        if len(_waiting(plans)) >= low:
            break
        last = max((p.created for p in plans if p.number == number), default=None)
        later = [t for t in lately if last is None or t > last + timedelta(minutes=5)]
        if later:
            template = next(p for p in plans if p.number == number)
            kind = rng.choice((HistoryKind.MISSED, HistoryKind.ABANDONED))
            plans.append(replace(template, created=rng.choice(later), kind=kind, native=True, channel=None,
                                 service=template.service or SERVICES[0]))  # fmt: skip
    return plans


def demo_history(
    now: datetime, *, seed: int = DEMO_SEED, days: int = HISTORY_DAYS, zone: tzinfo = ROME
) -> History:
    """The history ending at `now` (aware): the same for the same seed, `now` and zone."""
    if now.tzinfo is None:
        raise ValueError("naive datetime: pass a timezone-aware now")
    rng = random.Random(seed)
    parties = _parties()
    kinds = list(WEIGHTS)
    today = now.astimezone(zone).date()
    plans: list[Plan] = []
    for offset in range(days, -1, -1):
        for start in _slots(rng, today - timedelta(days=offset), zone):
            if start <= now - QUIET and start >= now - timedelta(days=days):
                kind = rng.choices(kinds, weights=[WEIGHTS[k] for k in kinds])[0]
                plans.append(_plan(rng, start, parties, kind))
    plans = sorted(_settle_callbacks(rng, plans, now, zone), key=lambda p: (p.created, p.number, p.kind))
    calls: list[HistoryCall] = []
    sequence = rng.randint(1000, 5000)
    for plan in plans:
        call = make_call(plan, rng, sequence, HOST)
        sequence += 2 + rng.randint(0, 6)  # other calls of the system take numbers too
        if call.ended <= now:  # always, by QUIET: a guard, never a cut in practice
            calls.append(call)
    return History(now, CONTACTS, AGENTS, SERVICES, tuple(calls))


def demo_notes(history: History, *, seed: int = DEMO_SEED) -> tuple[DemoNote, ...]:
    """Notes agents wrote on some answered calls of contacts, for the demo to add once notes exist.

    About one answered call of a contact in four, and always the last one of each of their numbers,
    so every card with calls shows a note. The author is the agent who took the call (its username).
    """
    rng = random.Random(seed)
    outcomes = sorted(NOTE_TEXTS)
    contacts = {n for contact in history.contacts for n in contact.numbers}
    taken = [c for c in history.calls if c.kind in REACHING and c.number in contacts]
    last = {c.number: c.call_id for c in taken}
    notes = []
    for call in taken:
        if call.call_id == last[call.number] or rng.random() < 0.25:
            outcome = rng.choice(outcomes)
            notes.append(
                DemoNote(call.call_id, call.agent.username, outcome, rng.choice(NOTE_TEXTS[outcome]))
            )
    return tuple(notes)
