"""The retentions of the event log: the server itself prunes old rows, a few at a time.

Rejected rows go every hour (`refused_log_retention_days`), the requests of
calls every day (`event_log_retention_days`, pruning.py); action rows never.
Each batch is a small write job on the writer (webhooks queue behind one batch
at most, never behind the whole prune), and old rows are found by reads beside
it; on PostgreSQL processes sharing the database skip the rows and calls
another one is pruning (store/refused.py, pruning.py).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from functools import partial

from sqlalchemy import Connection

from tvox_journey import pruning
from tvox_journey.store import refused
from tvox_journey.store.engine import Database
from tvox_journey.store.errors import StoreUnavailable
from tvox_journey.writer import BatchWriter

log = logging.getLogger(__name__)

PRUNE_EVERY_SECONDS = 3600.0
PRUNE_EVENTS_EVERY_SECONDS = 86400.0
PRUNE_BATCH = 500
PAUSE_BETWEEN_BATCHES = 0.05


async def prune_refused(writer: BatchWriter, days: int, *, batch: int = PRUNE_BATCH) -> int:
    """Delete every rejected row older than `days` (0: keep all), `batch` rows per transaction; how many."""
    if days == 0:
        return 0
    cutoff = datetime.now(UTC) - timedelta(days=days)

    def prune(conn: Connection) -> int:
        return refused.prune(conn, cutoff, batch)

    total = 0
    while True:
        deleted = await writer.run(prune)
        total += deleted
        if deleted < batch:
            return total
        await asyncio.sleep(PAUSE_BETWEEN_BATCHES)


async def prune_events(
    writer: BatchWriter, db: Database, days: int, stop: asyncio.Event | None = None
) -> Counter[str]:
    """Delete the requests of every call whose newest one is older than `days` (0: keep all), a small
    batch per transaction on the writer, until done or `stop` is set; how many, by outcome."""
    total: Counter[str] = Counter()
    if days == 0:
        return total
    cutoff = datetime.now(UTC) - timedelta(days=days)
    old = pruning.walk(db, cutoff)
    while not (stop and stop.is_set()) and (found := await asyncio.to_thread(next, old, None)) is not None:
        while True:
            deleted = await writer.run(partial(pruning.prune_calls, found=found, cutoff=cutoff))
            total += deleted
            await asyncio.sleep(PAUSE_BETWEEN_BATCHES)
            if sum(deleted.values()) < pruning.ROWS_PER_WRITE:
                break
    return total


async def _attempt(what: str, prune: Callable[[], Awaitable[object]]) -> bool:
    """One round of a prune; a failure is logged and waits for the next round. True when it ran."""
    try:
        deleted = await prune()
    except StoreUnavailable as error:
        log.warning("pruning %s: database unavailable (%s); next try later", what, error)
        return False
    except Exception:
        log.exception("pruning %s failed; next try later", what)
        return False
    if deleted:
        log.info("pruned %s: %s", what, dict(deleted) if isinstance(deleted, Counter) else deleted)
    return True


async def keep_pruning(
    writer: BatchWriter,
    days: int,
    stop: asyncio.Event,
    every: float = PRUNE_EVERY_SECONDS,
    *,
    db: Database | None = None,
    event_days: int = 0,
    events_every: float = PRUNE_EVENTS_EVERY_SECONDS,
) -> None:
    """Prune at start and then every `every` seconds until `stop` is set: rejected rows older than
    `days` each round, the requests of calls older than `event_days` (with `db`) once every
    `events_every` seconds (a failed round is tried again at the next). (A stop event, not only a
    cancellation: on Python 3.11 asyncio.wait_for, used by the writer, can swallow a cancellation that
    arrives as its write commits.)"""
    events_due = time.monotonic()
    while not stop.is_set():
        await _attempt(
            f"rejected event-log rows older than {days} days", partial(prune_refused, writer, days)
        )
        if db is not None and event_days and time.monotonic() >= events_due and not stop.is_set():
            what = f"requests of calls older than {event_days} days"
            if await _attempt(what, partial(prune_events, writer, db, event_days, stop)):
                events_due = time.monotonic() + events_every
        with suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every)
