"""Group commit: one thread owns the writes, many requests share one transaction.

Each request submits a job and waits; the writer thread takes every job that
is waiting (up to a batch size), runs them in one transaction, commits, and
only then answers each job. Webhook deliveries (`record`) waiting together are
logged and folded with a few statements for all of them. If a batch fails,
its jobs are retried one per transaction, so one bad job cannot fail the others.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from tvox_journey.services import NumberPolicy, Recorded, record_many
from tvox_journey.store.event_log import LogEntry

log = logging.getLogger(__name__)
T = TypeVar("T")


class StoreUnavailable(Exception):
    """The database could not be reached or could not commit."""


@dataclass
class _Job(Generic[T]):
    """A write to run: `fn`, or (when `fn` is None) a delivery to record with its number policy."""

    fn: Callable[[Connection], T] | None
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[T]
    result: Any = None
    error: BaseException | None = None
    entry: LogEntry | None = None
    policy: NumberPolicy | None = None


@dataclass
class BatchWriter:
    """Runs write jobs in batched transactions on a thread of its own."""

    engine: Engine
    batch_max: int = 256
    on_begin: Callable[[Connection], None] | None = None  # first statement of every transaction
    _queue: queue.SimpleQueue[_Job[Any] | None] = field(default_factory=queue.SimpleQueue)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="tvox-journey-writer", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=30)
            self._thread = None

    async def run(self, fn: Callable[[Connection], T]) -> T:
        """Run `fn` in a write transaction; returns its result once committed.

        Raises:
            StoreUnavailable: the database did not commit.
        """
        loop = asyncio.get_running_loop()
        job: _Job[T] = _Job(fn, loop, loop.create_future())
        self._queue.put(job)
        return await job.future

    async def record(self, entry: LogEntry, policy: NumberPolicy) -> Recorded:
        """Log (and fold) one request, batched with the others waiting; returns once committed.

        Raises:
            StoreUnavailable: the database did not commit.
        """
        loop = asyncio.get_running_loop()
        job: _Job[Recorded] = _Job(None, loop, loop.create_future(), entry=entry, policy=policy)
        self._queue.put(job)
        return await job.future

    def _take_batch(self, first: _Job[Any]) -> tuple[list[_Job[Any]], bool]:
        batch = [first]
        stop = False
        while len(batch) < self.batch_max:
            try:
                job = self._queue.get_nowait()
            except queue.Empty:
                break
            if job is None:
                stop = True
                break
            batch.append(job)
        return batch, stop

    def _begin(self, conn: Connection) -> None:
        if self.on_begin is not None:
            self.on_begin(conn)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch, stop = self._take_batch(first)
            self._execute(batch)
            for job in batch:
                job.loop.call_soon_threadsafe(_settle, job)
            if stop:
                return

    def _execute(self, batch: list[_Job[Any]]) -> None:
        try:
            with self.engine.begin() as conn:
                self._begin(conn)
                _run_jobs(conn, batch)
            return
        except Exception as error:
            if len(batch) == 1:
                _fail(batch[0], error)
                return
            log.warning("batch of %d writes failed; retrying one by one", len(batch), exc_info=True)
        for job in batch:
            try:
                with self.engine.begin() as conn:
                    self._begin(conn)
                    _run_jobs(conn, [job])
                job.error = None
            except Exception as error:
                _fail(job, error)


def _run_jobs(conn: Connection, jobs: list[_Job[Any]]) -> None:
    """Run jobs in order; runs of record jobs with the same policy go through record_many together
    (which takes the calls' locks)."""
    start = 0
    while start < len(jobs):
        job = jobs[start]
        if job.fn is not None:
            job.result = job.fn(conn)
            start += 1
            continue
        end = start + 1
        while end < len(jobs) and jobs[end].fn is None and jobs[end].policy == job.policy:
            end += 1
        run = jobs[start:end]
        assert job.policy is not None
        recorded = record_many(conn, [j.entry for j in run if j.entry is not None], job.policy)
        for done, result in zip(run, recorded, strict=True):
            done.result = result
        start = end


def _fail(job: _Job[Any], error: Exception) -> None:
    if isinstance(error, OperationalError) or (
        isinstance(error, DBAPIError) and error.connection_invalidated
    ):
        log.error("database unavailable: %s", error)
        job.error = StoreUnavailable(str(error.orig if isinstance(error, DBAPIError) else error))
    else:
        log.error("write failed", exc_info=error)
        job.error = error


def _settle(job: _Job[Any]) -> None:
    if job.future.done():
        return
    if job.error is not None:
        job.future.set_exception(job.error)
    else:
        job.future.set_result(job.result)
