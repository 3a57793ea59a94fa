"""The reports' aggregates: one bounded read of the interactions of a period for each report.

Every query keeps to the rows whose sort time lies in the period (a range of the covering index
`ix_interactions_report`), adds them up in the database and returns at most a row per time slot, per
service or per agent: never the interactions themselves, but for the transfer legs of the period's
transferred calls (`transfer_legs`), whose targets are in their JSON only. The figures it adds
(`wait_ms`, `talk_ms`, `transfers`) are columns refolded with each row, so an event that arrives
late or twice changes them as it changes the interaction.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import ColumnElement, Connection, and_, func, select

from tvox_journey.domain.interaction import Direction, Kind, Outcome, TransferKind, TransferLeg
from tvox_journey.store import dialect
from tvox_journey.store.codec import legs_from_json
from tvox_journey.store.schema import interactions

_c = interactions.c
ANSWERED = Outcome.ANSWERED.value
MISSED = Outcome.MISSED.value
UNANSWERED = Outcome.UNANSWERED.value
CHAT = Kind.CHAT.value


@dataclass(frozen=True)
class Scope:
    """Which interactions a report adds up: sort time in [start, end) (UTC), and optionally those of a
    service and of an agent, each by every code of its directory entry (store/directory.codes_of)."""

    start: datetime
    end: datetime
    services: tuple[str, ...] | None = None
    agents: tuple[str, ...] | None = None


def _where(scope: Scope) -> ColumnElement[bool]:
    conditions = [
        _c.sort_at >= scope.start,
        _c.sort_at < scope.end,
        _c.kind != Kind.TRANSFER_ONLY.value,  # a consultation call's own transfer events: no call
    ]
    if scope.services is not None:
        conditions.append(_c.service.in_(scope.services))
    if scope.agents is not None:
        conditions.append(_c.agent.in_(scope.agents))
    return and_(*conditions)


_OPEN = _c.outcome.in_([Outcome.RINGING.value, Outcome.TALKING.value])
_ANSWERED = _c.outcome == ANSWERED
_NOT_ANSWERED = _c.outcome.in_([MISSED, UNANSWERED])
_IS_CHAT = _c.kind == CHAT
_CALL = _c.kind != CHAT
_IN = _c.direction == Direction.IN.value
_OUT = _c.direction == Direction.OUT.value

# The categories of the daily report, each interaction in exactly one: open ones apart, then chats, then
# calls answered and transferred at least once (in or out), outbound calls, inbound calls.
CATEGORIES: dict[str, ColumnElement[bool]] = {
    "answered": and_(_CALL, _IN, _ANSWERED, _c.transfers == 0),
    "transferred": and_(_CALL, _ANSWERED, _c.transfers > 0),
    "missed": and_(_CALL, _IN, _NOT_ANSWERED),
    "outbound_answered": and_(_CALL, _OUT, _ANSWERED, _c.transfers == 0),
    "outbound_unanswered": and_(_CALL, _OUT, _NOT_ANSWERED),
    "chat_answered": and_(_IS_CHAT, _ANSWERED),
    "chat_missed": and_(_IS_CHAT, _NOT_ANSWERED),
    "ongoing": _OPEN,
}


@dataclass(frozen=True)
class Slot:
    """The interactions begun in one slot of time: per category, and the inbound calls (the heatmap)."""

    bucket: int  # the slot's number: its start is bucket * slot seconds after the Unix epoch
    counts: dict[str, int]
    inbound_calls: int  # not chats


def slots(conn: Connection, scope: Scope, seconds: int) -> list[Slot]:
    """The period's interactions counted per slot of `seconds` (the daily report and the heatmap): one
    row a slot, the categories as filtered counts (grouping by them would sort every row)."""
    bucket = dialect.time_bucket(conn, _c.sort_at, seconds).label("bucket")
    counts = [func.count().filter(condition) for condition in CATEGORIES.values()]
    query = (
        select(bucket, func.count().filter(and_(_CALL, _IN)), *counts).where(_where(scope)).group_by(bucket)
    )
    return [
        Slot(int(row[0]), dict(zip(CATEGORIES, (int(n) for n in row[2:]), strict=True)), int(row[1]))
        for row in conn.execute(query)
    ]


@dataclass(frozen=True)
class ServiceFigures:
    """A service's inbound calls in the period, their waits, and its chats."""

    service: str
    answered: int
    missed: int
    ongoing: int
    waited: int  # answered calls whose wait is known
    wait_total_ms: int
    within_threshold: int  # answered within the service-level threshold
    chats: int
    wait_p90_ms: int | None = None


def _inbound_call() -> ColumnElement[bool]:
    return and_(_IN, _CALL)


def services(conn: Connection, scope: Scope, *, threshold_ms: int, limit: int) -> list[ServiceFigures]:
    """Per service: inbound calls by outcome, their wait (sum, count, within the threshold, 90th
    percentile) and the chats; the `limit` busiest services, none without calls or chats."""
    call = _inbound_call()
    waited = and_(call, _c.wait_ms.is_not(None))
    query = (
        select(
            _c.service,
            func.count().filter(and_(call, _c.outcome == ANSWERED)),
            func.count().filter(and_(call, _c.outcome == MISSED)),
            func.count().filter(and_(call, _c.outcome.not_in([ANSWERED, MISSED]))),
            func.count().filter(waited),
            func.coalesce(func.sum(_c.wait_ms).filter(waited), 0),
            func.count().filter(and_(waited, _c.wait_ms <= threshold_ms)),
            func.count().filter(_c.kind == CHAT),
        )
        .where(
            _where(scope), _c.service.is_not(None), (_c.kind == CHAT) | (_c.direction == Direction.IN.value)
        )
        .group_by(_c.service)
        .order_by(func.count().desc(), _c.service)
        .limit(limit)
    )
    p90 = wait_p90(conn, scope)
    found = [
        ServiceFigures(str(s), int(a), int(m), int(o), int(w), int(total), int(within), int(chats))
        for s, a, m, o, w, total, within, chats in conn.execute(query)
    ]
    return [
        replace(f, wait_p90_ms=p90.get(f.service))
        for f in found
        if f.answered + f.missed + f.ongoing + f.chats
    ]


def wait_p90(conn: Connection, scope: Scope) -> dict[str, int]:
    """Per service, the 90th percentile of the known waits of inbound calls, by nearest rank: the
    smallest wait that at least 90 % of them do not exceed (the ceil(0.9 n)-th smallest)."""
    ranked = (
        select(
            _c.service.label("service"),
            _c.wait_ms.label("wait_ms"),
            func.row_number().over(partition_by=_c.service, order_by=_c.wait_ms).label("rank"),
            func.count().over(partition_by=_c.service).label("n"),
        )
        .where(_where(scope), _c.service.is_not(None), _inbound_call(), _c.wait_ms.is_not(None))
        .subquery()
    )
    # ceil(0.9 n) in integers: (9 n + 9) // 10.
    query = select(ranked.c.service, ranked.c.wait_ms).where(ranked.c.rank == (ranked.c.n * 9 + 9) // 10)
    return {str(service): int(wait) for service, wait in conn.execute(query)}


@dataclass(frozen=True)
class AgentFigures:
    """What an agent answered in the period: calls, their own talk, those they transferred, chats."""

    agent: str
    handled: int
    talk_total_ms: int
    transfers: int
    chats: int


def agents(conn: Connection, scope: Scope, *, limit: int) -> list[AgentFigures]:
    """Per answering agent: calls handled (answered, their part ended), their talk time, how many of
    those calls they transferred, and chats handled; the `limit` busiest, none who handled nothing."""
    handled = _c.talk_ms.is_not(None)
    call = and_(handled, _c.kind != CHAT)
    query = (
        select(
            _c.agent,
            func.count().filter(call),
            func.coalesce(func.sum(_c.talk_ms).filter(call), 0),
            func.count().filter(and_(call, _c.transfers > 0)),
            func.count().filter(and_(handled, _c.kind == CHAT)),
        )
        .where(_where(scope), _c.agent.is_not(None), handled)
        .group_by(_c.agent)
        .order_by(func.count().desc(), _c.agent)
        .limit(limit)
    )
    return [AgentFigures(str(a), int(h), int(t), int(x), int(c)) for a, h, t, x, c in conn.execute(query)]


@dataclass
class LegTotals:
    """What agents did as the targets of transfers: calls handled, talk, and transfers made onwards."""

    handled: int = 0
    talk_total_ms: int = 0
    transfers: int = 0


def _leg_talk_ms(leg: TransferLeg) -> int | None:
    """A target's own part: from their answer (a blind transfer's) or the transfer itself (a consultative
    one, joined when made) to the leg's end; None when they never took the call or it goes on."""
    begin = leg.answered if leg.kind is TransferKind.BLIND else leg.transferred
    if begin is None or leg.ended is None:
        return None
    return max(0, round((leg.ended.at - begin.at).total_seconds() * 1000))


def transfer_legs(conn: Connection, scope: Scope) -> dict[str, LegTotals]:
    """Per target agent, their legs of the period's transferred calls (not chats), read from the rows'
    JSON: only the transferred calls, only their `legs` (the database extracts them), streamed. The
    agent filter keeps the legs of that agent (any of its codes), whoever answered the call first."""
    where = [_where(Scope(scope.start, scope.end, scope.services)), _c.transfers > 0, _CALL]
    totals: dict[str, LegTotals] = {}
    rows = conn.execution_options(yield_per=500).execute(select(_c.data["legs"]).where(*where))
    for (stored,) in rows:
        legs = legs_from_json(stored)
        for position, leg in enumerate(legs):
            talk = _leg_talk_ms(leg)
            if (
                leg.agent is None
                or talk is None
                or (scope.agents is not None and leg.agent not in scope.agents)
            ):
                continue
            found = totals.setdefault(leg.agent, LegTotals())
            found.handled += 1
            found.talk_total_ms += talk
            found.transfers += position < len(legs) - 1
    return totals
