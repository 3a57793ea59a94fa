"""Retention of the event log: which old rows go, a few per transaction (`db prune` and the server).

Two retentions, each 0 to keep forever:

- rejected rows, `refused_log_retention_days` after they arrived (store/refused.py);
- the requests of calls (accepted, duplicate, unrecognized), `event_log_retention_days` after the
  newest request of their call (store/prune.py). Interactions stay.

Action rows (the audit trail) are never pruned. Old rows are found by reads
outside any write transaction; each write deletes at most `ROWS_PER_WRITE`
rows, so a server's webhooks wait at most for one small batch. On PostgreSQL
several processes may prune at once: each skips the calls another is pruning
(or recording: the call's advisory lock is taken without waiting) and the rows
another is deleting. Rerunning after an interruption simply goes on.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import Connection, text

from tvox_journey.services import recording
from tvox_journey.store import prune as prune_store
from tvox_journey.store import refused
from tvox_journey.store.engine import Database
from tvox_journey.store.event_log import LogOutcome

ROWS_PER_READ = 500
ROWS_PER_WRITE = 500

_TRY_LOCK = text("SELECT k FROM unnest(CAST(:keys AS bigint[])) AS k WHERE pg_try_advisory_xact_lock(k)")


@dataclass(frozen=True)
class Cutoffs:
    """Rows received before these times go; None keeps them."""

    calls: datetime | None
    rejected: datetime | None

    @classmethod
    def of(cls, now: datetime, *, event_days: int, refused_days: int) -> Cutoffs:
        return cls(
            now - timedelta(days=event_days) if event_days else None,
            now - timedelta(days=refused_days) if refused_days else None,
        )


@dataclass
class Pruned:
    """Rows pruned (or, on a dry run, that would be), by outcome."""

    rows: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.rows.values())

    def lines(self) -> list[str]:
        order = [*prune_store.PRUNED, LogOutcome.REJECTED]
        return [f"{outcome}: {self.rows.get(outcome, 0)}" for outcome in order]


def try_lock_calls(conn: Connection, call_ids: tuple[str, ...]) -> list[str]:
    """The calls whose advisory lock this transaction got without waiting (all of them on SQLite,
    whose writers hold the whole file)."""
    if conn.dialect.name != "postgresql" or not call_ids:
        return list(call_ids)
    by_key: dict[int, list[str]] = {}
    for call_id in call_ids:
        by_key.setdefault(recording.lock_key(call_id), []).append(call_id)
    got = conn.execute(_TRY_LOCK, {"keys": sorted(by_key)}).scalars()
    return [call_id for key in got for call_id in by_key[int(key)]]


def prune_calls(conn: Connection, found: prune_store.OldRows, cutoff: datetime) -> Counter[str]:
    """One write: up to ROWS_PER_WRITE rows of the calls `found` whose newest row is still older than
    `cutoff` (checked again under the calls' locks), then its rows without a call."""
    stale = prune_store.stale_calls(conn, try_lock_calls(conn, found.calls), cutoff)
    deleted = prune_store.delete_calls(conn, stale, ROWS_PER_WRITE)
    if sum(deleted.values()) < ROWS_PER_WRITE:
        deleted += prune_store.delete_rows(conn, prune_store.loose_rows(conn, found.loose))
    return deleted


def prune_rejected(conn: Connection, cutoff: datetime) -> Counter[str]:
    """One write: up to ROWS_PER_WRITE rejected rows received before `cutoff`."""
    return Counter({LogOutcome.REJECTED: refused.prune(conn, cutoff, ROWS_PER_WRITE)})


def count_calls(conn: Connection, found: prune_store.OldRows, cutoff: datetime) -> Counter[str]:
    """What `prune_calls` would delete (a dry run)."""
    stale = prune_store.stale_calls(conn, found.calls, cutoff)
    return prune_store.count_calls(conn, stale) + prune_store.count_rows(conn, found.loose)


def walk(db: Database, cutoff: datetime) -> Iterator[prune_store.OldRows]:
    """The old rows of calls, a read at a time, oldest first."""
    with db.read.connect() as conn:
        after = prune_store.first_seq(conn)
    while True:
        with db.read.connect() as conn:
            found = prune_store.old_rows(conn, cutoff, after, ROWS_PER_READ)
        if found.calls or found.loose:
            yield found
        if found.done:
            return
        after = found.last_seq


def prune(
    db: Database,
    cutoffs: Cutoffs,
    *,
    dry_run: bool = False,
    write: Callable[[Callable[[Connection], Counter[str]]], Counter[str]] | None = None,
) -> Pruned:
    """Prune (or count, `dry_run`) every row past its retention; `write` runs one write transaction
    (default: a transaction of `db`'s write engine)."""

    def in_transaction(job: Callable[[Connection], Counter[str]]) -> Counter[str]:
        with db.write.begin() as conn:
            return job(conn)

    run = write or in_transaction
    result = Pruned()
    if cutoffs.calls is not None:
        calls_cutoff = cutoffs.calls
        for found in walk(db, calls_cutoff):
            if dry_run:
                with db.read.connect() as conn:
                    result.rows += count_calls(conn, found, calls_cutoff)
                continue
            while True:
                deleted = run(partial(prune_calls, found=found, cutoff=calls_cutoff))
                result.rows += deleted
                if sum(deleted.values()) < ROWS_PER_WRITE:
                    break
    if cutoffs.rejected is not None:
        rejected_cutoff = cutoffs.rejected
        if dry_run:
            with db.read.connect() as conn:
                result.rows[LogOutcome.REJECTED] += prune_store.count_old_rejected(conn, rejected_cutoff)
        else:
            while True:
                deleted = run(partial(prune_rejected, cutoff=rejected_cutoff))
                result.rows += deleted
                if deleted[LogOutcome.REJECTED] < ROWS_PER_WRITE:
                    break
    return result
