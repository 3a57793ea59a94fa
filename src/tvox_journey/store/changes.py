"""Following the event log across processes: positions, snapshots, notifications (both backends).

On PostgreSQL every write transaction of a server process announces itself on
a channel (`announce`, at its start: NOTIFY is delivered at commit) and takes
its transaction id before the log hands it a sequence number, so a reader can
tell from a snapshot which sequence numbers may still commit (see
`live.follow`). SQLite has one writer at a time: its log commits in sequence
order, and there is nothing to listen to.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, func, select, text

from tvox_journey.store import dialect
from tvox_journey.store.event_log import LogOutcome
from tvox_journey.store.schema import event_log, interactions

ANNOUNCED = (
    LogOutcome.ACCEPTED,
    LogOutcome.UNRECOGNIZED,
    LogOutcome.ACTION,
)  # what open pages are told about


@dataclass(frozen=True)
class LogRow:
    """What a live page needs to know of one log row."""

    seq: int
    outcome: LogOutcome
    route: str
    call_id: str | None


def channel_name(conn: Connection) -> str | None:
    """The NOTIFY channel of this database and schema (PostgreSQL), None on SQLite."""
    scope = dialect.notification_scope(conn)
    if scope is None:
        return None
    return "tvox_journey_" + hashlib.sha256(scope.encode()).hexdigest()[:16]


EVENTS_ONLY = "events"  # the payload of a transaction that only records webhook deliveries


def announce(conn: Connection, events_only: bool = False, *, channel: str) -> None:
    """At the start of a write transaction: take its transaction id, and notify listeners at commit
    (`events_only`: it records webhook deliveries and nothing else, which only live pages need)."""
    payload = EVENTS_ONLY if events_only else ""
    conn.execute(text("SELECT pg_current_xact_id(), pg_notify(:channel, :payload)"),
                 {"channel": channel, "payload": payload})  # fmt: skip


def position(conn: Connection) -> tuple[int, str | None]:
    """The highest sequence number this transaction sees, and its snapshot (PostgreSQL) as text."""
    snapshot = dialect.snapshot(conn)
    top = int(conn.execute(select(func.coalesce(func.max(event_log.c.seq), 0))).scalar_one())
    return top, snapshot


def log_writers(conn: Connection) -> frozenset[int]:
    """The (32-bit) ids of the transactions writing the event log now (PostgreSQL): an insert locks the
    table before it takes a sequence number and keeps the lock to the end, so these are the only ones
    that may still commit a number handed out before. pg_locks is not MVCC: it tells the present."""
    query = text(
        "SELECT x.transactionid::text FROM pg_locks x JOIN pg_locks r "
        "ON r.virtualtransaction = x.virtualtransaction "
        "WHERE x.locktype = 'transactionid' AND x.mode = 'ExclusiveLock' AND x.granted "
        "AND r.locktype = 'relation' AND r.relation = 'event_log'::regclass "
        "AND r.mode = 'RowExclusiveLock'"
    )
    return frozenset(int(xid) for xid in conn.execute(query).scalars())


def rows_between(
    conn: Connection, after: int, upto: int, limit: int, outcomes: Sequence[LogOutcome] = ANNOUNCED
) -> list[LogRow]:
    """Announced rows (or those of `outcomes`) with `after` < seq <= `upto`, oldest first."""
    query = (
        select(event_log.c.seq, event_log.c.outcome, event_log.c.route, event_log.c.call_id)
        .where(event_log.c.seq > after, event_log.c.seq <= upto, event_log.c.outcome.in_(outcomes))
        .order_by(event_log.c.seq)
        .limit(limit)
    )
    return [LogRow(int(r.seq), LogOutcome(r.outcome), r.route, r.call_id) for r in conn.execute(query)]


def number_keys(conn: Connection, call_ids: Collection[str]) -> dict[str, str | None]:
    """The number key of each call's interaction (calls with none are left out)."""
    if not call_ids:
        return {}
    query = select(interactions.c.call_id, interactions.c.number_key).where(
        interactions.c.call_id.in_(list(call_ids))
    )
    return {r.call_id: r.number_key for r in conn.execute(query)}
