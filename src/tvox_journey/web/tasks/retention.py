"""The retention of refused requests: the server itself prunes old rejected rows, a few at a time.

Each batch is a small write job on the writer (webhooks queue behind one
batch at most, never behind the whole prune); on PostgreSQL processes sharing
the database skip the rows another one is deleting (store/refused.py).
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection

from tvox_journey.store import refused
from tvox_journey.store.errors import StoreUnavailable
from tvox_journey.writer import BatchWriter

log = logging.getLogger(__name__)

PRUNE_EVERY_SECONDS = 3600.0
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


async def keep_pruning(
    writer: BatchWriter, days: int, stop: asyncio.Event, every: float = PRUNE_EVERY_SECONDS
) -> None:
    """Prune at start and then every `every` seconds until `stop` is set; a failure waits for the next
    round. (A stop event, not only a cancellation: on Python 3.11 asyncio.wait_for, used by the writer,
    can swallow a cancellation that arrives as its write commits.)"""
    while not stop.is_set():
        try:
            deleted = await prune_refused(writer, days)
            if deleted:
                log.info("pruned %d rejected event-log rows older than %d days", deleted, days)
        except StoreUnavailable as error:
            log.warning("pruning rejected event-log rows: database unavailable (%s); next try later", error)
        except Exception:
            log.exception("pruning rejected event-log rows failed; next try later")
        with suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every)
