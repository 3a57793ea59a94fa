"""The retention of the raw requests of calls: old rows of the event log, a call at a time.

The requests of a call (accepted, duplicate and unrecognized rows: those with a
call id) go together, once the newest of them is older than the retention: a
call is never half pruned by age, so what stays of the log still folds to whole
calls. Rows the erasure emptied (no call id left) go by their own age. Rejected
rows have their own retention (store/refused.py); action rows (the audit trail)
are never pruned. The interactions are kept: they are the read model, and once
their events are gone a refold leaves them as they are (store/interactions.py).

Finding old rows reads the log in sequence order, which is the order of
arrival: the walk stops at the first row younger than the retention.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, func, literal_column, select

from tvox_journey.store.event_log import LogOutcome
from tvox_journey.store.schema import event_log

PRUNED = (LogOutcome.ACCEPTED, LogOutcome.DUPLICATE, LogOutcome.UNRECOGNIZED)
_PRUNED = event_log.c.outcome.in_(PRUNED)
_REJECTED = event_log.c.outcome == literal_column(f"'{LogOutcome.REJECTED}'")  # matches the partial index


@dataclass(frozen=True)
class OldRows:
    """What one read of the walk found: calls with an old row, old rows without a call, where it ended."""

    calls: tuple[str, ...]
    loose: tuple[int, ...]
    last_seq: int  # the next read starts after it
    done: bool  # a row younger than the cutoff, or the end of the log, was reached


def first_seq(conn: Connection) -> int:
    """Just before the oldest row a prune may delete (0 when there is none)."""
    query = select(func.min(event_log.c.seq)).where(_PRUNED)
    found = conn.execute(query).scalar_one_or_none()
    return int(found) - 1 if found is not None else 0


def old_rows(conn: Connection, cutoff: datetime, after: int, limit: int) -> OldRows:
    """The next `limit` prunable rows after `after`, up to the first one received since `cutoff`."""
    query = (
        select(event_log.c.seq, event_log.c.call_id, (event_log.c.received_at < cutoff).label("old"))
        .where(event_log.c.seq > after, _PRUNED)
        .order_by(event_log.c.seq)
        .limit(limit)
    )
    calls: dict[str, None] = {}
    loose: list[int] = []
    last = after
    rows = conn.execute(query).all()
    for row in rows:
        if not row.old:
            return OldRows(tuple(calls), tuple(loose), last, True)
        last = int(row.seq)
        if row.call_id is None:
            loose.append(last)
        else:
            calls[row.call_id] = None
    return OldRows(tuple(calls), tuple(loose), last, len(rows) < limit)


def stale_calls(conn: Connection, call_ids: Sequence[str], cutoff: datetime) -> list[str]:
    """Those of these calls whose every row was received before `cutoff`."""
    if not call_ids:
        return []
    query = (
        select(event_log.c.call_id)
        .where(event_log.c.call_id.in_(list(call_ids)))
        .group_by(event_log.c.call_id)
        .having(func.max(event_log.c.received_at) < cutoff)
    )
    return [row.call_id for row in conn.execute(query)]


def count_calls(conn: Connection, call_ids: Sequence[str]) -> Counter[str]:
    """The rows of these calls, by outcome."""
    if not call_ids:
        return Counter()
    query = (
        select(event_log.c.outcome, func.count())
        .where(event_log.c.call_id.in_(list(call_ids)), _PRUNED)
        .group_by(event_log.c.outcome)
    )
    return Counter({outcome: int(n) for outcome, n in conn.execute(query)})


def delete_calls(conn: Connection, call_ids: Sequence[str], limit: int) -> Counter[str]:
    """Delete up to `limit` rows of these calls, oldest first; how many, by outcome."""
    if not call_ids:
        return Counter()
    chosen = (
        select(event_log.c.seq)
        .where(event_log.c.call_id.in_(list(call_ids)), _PRUNED)
        .order_by(event_log.c.seq)
        .limit(limit)
    )
    seqs = [int(seq) for seq in conn.execute(chosen).scalars()]
    return _delete(conn, seqs)


def loose_rows(conn: Connection, seqs: Sequence[int]) -> list[int]:
    """Those of these rows that are still prunable rows without a call (skipping rows another process
    is deleting, on PostgreSQL)."""
    if not seqs:
        return []
    query = (
        select(event_log.c.seq)
        .where(event_log.c.seq.in_(list(seqs)), event_log.c.call_id.is_(None), _PRUNED)
        .with_for_update(skip_locked=True)
    )
    return [int(seq) for seq in conn.execute(query).scalars()]


def count_rows(conn: Connection, seqs: Sequence[int]) -> Counter[str]:
    if not seqs:
        return Counter()
    query = (
        select(event_log.c.outcome, func.count())
        .where(event_log.c.seq.in_(list(seqs)))
        .group_by(event_log.c.outcome)
    )
    return Counter({outcome: int(n) for outcome, n in conn.execute(query)})


def _delete(conn: Connection, seqs: Sequence[int]) -> Counter[str]:
    if not seqs:
        return Counter()
    statement = delete(event_log).where(event_log.c.seq.in_(list(seqs)), _PRUNED)
    return Counter(conn.execute(statement.returning(event_log.c.outcome)).scalars())


def delete_rows(conn: Connection, seqs: Sequence[int]) -> Counter[str]:
    """Delete these prunable rows; how many, by outcome."""
    return _delete(conn, seqs)


def count_old_rejected(conn: Connection, cutoff: datetime) -> int:
    """Rejected rows received before `cutoff` (what the refused-request retention would delete)."""
    query = select(func.count()).where(_REJECTED, event_log.c.received_at < cutoff)
    return int(conn.execute(query).scalar_one())
