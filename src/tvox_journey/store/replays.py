"""What a replay of refused requests reads from the log: the rows to read again, and their replays.

A replay appends rows that name the row they replay (`replay_of`); the original
row is never changed. A row is settled once one of its replays was not refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, and_, func, or_, select

from tvox_journey.store.log_query import NOT_ACCEPTED, LogCursor, utc
from tvox_journey.store.schema import event_log

REJECTED, UNRECOGNIZED = "rejected", "unrecognized"
_replays = event_log.alias("replays")
_SETTLED = (
    select(_replays.c.seq)
    .where(_replays.c.replay_of == event_log.c.seq, _replays.c.outcome != REJECTED)
    .exists()
)


@dataclass(frozen=True)
class Selection:
    """The rows a replay reads again: refused (or unrecognized) ones, of a route, received in a time range.

    `until` is required: a replay never reads rows received after it started.
    """

    outcome: str  # rejected | unrecognized
    until: datetime
    route: str | None = None
    since: datetime | None = None


def _where(selection: Selection) -> list[Any]:
    found = [
        event_log.c.outcome == selection.outcome,
        NOT_ACCEPTED,  # the outcome index's own condition (store/log_query.py)
        event_log.c.received_at < utc(selection.until),
        ~_SETTLED,
    ]
    if selection.outcome == REJECTED:
        found.append(event_log.c.replay_of.is_(None))  # a refused replay is read again through its original
    if selection.route is not None:
        found.append(event_log.c.route == selection.route)
    if selection.since is not None:
        found.append(event_log.c.received_at >= utc(selection.since))
    return found


def candidate_statement(selection: Selection, *, limit: int, after: LogCursor | None = None) -> Select[Any]:
    """The next `limit` rows to read again, oldest first, after `after` (through the outcome index)."""
    query = (
        select(event_log)
        .where(*_where(selection))
        .order_by(event_log.c.received_at, event_log.c.seq)
        .limit(limit)
    )
    if after is not None:
        query = query.where(
            event_log.c.received_at >= after.received_at,
            or_(
                event_log.c.received_at > after.received_at,
                and_(event_log.c.received_at == after.received_at, event_log.c.seq > after.seq),
            ),
        )
    return query


def candidates(
    conn: Connection, selection: Selection, *, limit: int, after: LogCursor | None = None
) -> list[dict[str, Any]]:
    """The next `limit` rows to read again, oldest first, after `after`."""
    query = candidate_statement(selection, limit=limit, after=after)
    return [dict(row._mapping) for row in conn.execute(query)]


def count(conn: Connection, selection: Selection, *, at_most: int) -> int:
    """How many rows the selection holds, counting no further than `at_most`."""
    first = select(event_log.c.seq).where(*_where(selection)).limit(at_most).subquery()
    return int(conn.execute(select(func.count()).select_from(first)).scalar_one())


def is_settled(conn: Connection, seq: int) -> bool:
    """Whether a replay of row `seq` was already recorded as anything but refused."""
    query = select(event_log.c.seq).where(event_log.c.replay_of == seq, event_log.c.outcome != REJECTED)
    return conn.execute(query.limit(1)).first() is not None


def last_refusal(conn: Connection, seq: int) -> str | None:
    """The reason of the newest refused replay of row `seq` (None when it has none)."""
    query = (
        select(event_log.c.reason)
        .where(event_log.c.replay_of == seq, event_log.c.outcome == REJECTED)
        .order_by(event_log.c.seq.desc())
        .limit(1)
    )
    reason = conn.execute(query).scalar_one_or_none()
    return str(reason) if reason is not None else None


def has_dedupe_key(conn: Connection, key: str) -> bool:
    """Whether a row holds this dedupe key (the same route and parameters, already stored)."""
    return (
        conn.execute(select(event_log.c.seq).where(event_log.c.dedupe_key == key).limit(1)).first()
        is not None
    )
