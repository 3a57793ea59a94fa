"""Group commit: one thread owns the writes, many requests share one transaction.

Each request submits a job and waits; the writer thread takes every job that
is waiting (up to a batch size), runs them in one transaction, commits, and
only then answers each job. Webhook deliveries (`record`) waiting together are
logged and folded with a few statements for all of them. If a batch fails
because of a job, its jobs are retried one per transaction, so one bad job
cannot fail the others; if it fails because the database is unavailable, every
job of the batch is answered so at once.

Every wait has a bound. A request waits at most `wait_timeout` seconds and is
then told `StoreUnavailable` (503). What happens to its job then depends on
whether the writer had started it: a job not yet started is never run as it
was (a change is dropped; a webhook delivery is still recorded, with status 503,
the answer its client got, so nothing that reached the server is lost); a job
already running may still commit (the client was told 503, which promises
nothing either way, and TVox redelivering it is a duplicate). The thread
survives anything a job or a closed event loop does, and `health()` says
whether it is alive and draining.

The thread keeps its connection from one batch to the next while they keep coming, and gives it back
to the pool after `hold_seconds` without a job (so the pool checks it before its next use). A kept
connection that the database closed meanwhile fails at the transaction's first statement, before any
job ran: the batch then runs once more on a new connection.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import KW_ONLY, dataclass, field, replace
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError

from tvox_journey import metrics
from tvox_journey.domain.numbers import NumberPolicy
from tvox_journey.services.recording import Recorded, Staged, record_staged, stage
from tvox_journey.store.errors import StoreUnavailable, is_unavailable, unavailable
from tvox_journey.store.event_log import LogEntry, LogOutcome

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass
class _Job(Generic[T]):
    """A write waiting for the writer: where its request waits, and what became of it."""

    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[T]
    _: KW_ONLY
    result: Any = None
    error: BaseException | None = None
    started: bool = False  # the writer took it (guarded by the writer's lock)
    abandoned: bool = False  # its request stopped waiting (guarded by the writer's lock)
    late: bool = False  # abandoned before it started


@dataclass
class _Run(_Job[T]):
    """A function to run in the batch's transaction; never run once its request stopped waiting."""

    fn: Callable[[Connection], T]


@dataclass
class _Record(_Job[Recorded]):
    """A delivery to log and fold with its number policy (beside the others waiting), staged by its
    request; written even after that request stopped waiting, with the status it was answered."""

    staged: Staged
    policy: NumberPolicy


_AnyJob = _Run[Any] | _Record


@dataclass(frozen=True)
class WriterHealth:
    alive: bool
    busy_for: float  # seconds the current batch has been running (0 when idle)
    waiting: int  # jobs queued, not yet taken

    def draining(self, bound: float) -> bool:
        return self.alive and self.busy_for <= bound


@dataclass
class BatchWriter:
    """Runs write jobs in batched transactions on a thread of its own."""

    engine: Engine
    batch_max: int = 256
    wait_timeout: float = 4.0
    queue_max: int = 10000
    # The first statement of every transaction; told whether the batch only records webhook deliveries.
    on_begin: Callable[[Connection, bool], None] | None = None
    hold_seconds: float = 1.0  # idle time after which the connection goes back to the pool
    _held: Connection | None = None  # the thread's connection between batches
    _queue: queue.SimpleQueue[_AnyJob | None] = field(default_factory=queue.SimpleQueue)
    _thread: threading.Thread | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _waiting: int = 0
    _busy_since: float | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="tvox-journey-writer", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=30)
            self._thread = None

    def health(self) -> WriterHealth:
        """Is the thread alive, and for how long has its current batch been running."""
        busy_since = self._busy_since
        busy_for = time.monotonic() - busy_since if busy_since is not None else 0.0
        alive = self._thread is not None and self._thread.is_alive()
        return WriterHealth(alive, busy_for, self._waiting)

    async def run(self, fn: Callable[[Connection], T]) -> T:
        """Run `fn` in a write transaction; returns its result once committed.

        Raises:
            StoreUnavailable: the database did not commit within `wait_timeout` seconds.
        """
        loop = asyncio.get_running_loop()
        job = _Run(loop, loop.create_future(), fn)
        self._enqueue(job)
        return await self._outcome(job)

    async def record(self, entry: LogEntry, policy: NumberPolicy) -> Recorded:
        """Log (and fold) one request, batched with the others waiting; returns once committed.

        Raises:
            StoreUnavailable: the database did not commit within `wait_timeout` seconds.
        """
        loop = asyncio.get_running_loop()
        job = _Record(loop, loop.create_future(), stage(entry, policy, self.engine.dialect), policy)
        self._enqueue(job)
        return await self._outcome(job)

    def _enqueue(self, job: _AnyJob) -> None:
        """Hand a job to the writer thread.

        Raises:
            StoreUnavailable: the thread is not running, or `queue_max` jobs are already waiting.
        """
        if self._thread is None or not self._thread.is_alive():
            raise StoreUnavailable("the writer is not running")
        with self._lock:
            if self._waiting >= self.queue_max:
                raise StoreUnavailable(f"{self._waiting} writes are already waiting for the database")
            self._waiting += 1
            metrics.WRITER_QUEUE.set(self._waiting)
        job.future.add_done_callback(_retrieve)
        self._queue.put(job)

    async def _outcome(self, job: _Job[T]) -> T:
        """The job's result once committed, within `wait_timeout` seconds.

        Raises:
            StoreUnavailable: the database did not commit in time (the job is marked abandoned).
        """
        timer = job.loop.call_later(self.wait_timeout, self._expire, job)
        try:
            return await job.future
        finally:
            timer.cancel()

    def _expire(self, job: _Job[Any]) -> None:
        """Answer a job still waiting at its deadline with StoreUnavailable, and mark it abandoned."""
        if job.future.done():
            return
        with self._lock:
            job.abandoned = True
            started = job.started
        if started:
            fate = "it may still commit"
        else:
            fate = "it will be logged as answered 503" if isinstance(job, _Record) else "it will not run"
        job.future.set_exception(
            StoreUnavailable(f"the database did not commit within {self.wait_timeout:g} s; {fate}")
        )

    def _take_batch(self, first: _AnyJob) -> tuple[list[_AnyJob], bool]:
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

    def _transaction(self, jobs: Sequence[_AnyJob]) -> None:
        """Run the jobs in one transaction, on the kept connection (see the module docstring)."""
        held = self._held is not None
        conn = self._held = self._held or self.engine.connect()
        begun = False
        try:
            with conn.begin():
                if self.on_begin is not None:
                    self.on_begin(conn, all(isinstance(job, _Record) for job in jobs))
                begun = True
                _run_jobs(conn, jobs)
        except BaseException as error:
            self._release()
            gone = isinstance(error, DBAPIError) and error.connection_invalidated
            if not (held and gone and not begun):
                raise
            self._transaction(jobs)  # nothing ran; on a new connection, once (it is not held)

    def _release(self) -> None:
        if self._held is not None:
            held, self._held = self._held, None
            held.close()

    def _next(self) -> _AnyJob | None:
        """The next job, waiting for it as long as it takes; the connection goes back to the pool
        after `hold_seconds` without one."""
        if self._held is not None:
            try:
                return self._queue.get(timeout=self.hold_seconds)
            except queue.Empty:
                self._release()
        return self._queue.get()

    def _run(self) -> None:
        try:
            self._serve()
        finally:
            self._release()

    def _serve(self) -> None:
        while True:
            first = self._next()
            if first is None:
                return
            batch, stop = self._take_batch(first)
            self._busy_since = time.monotonic()
            try:
                self._execute(self._claim(batch))
            except BaseException as error:  # the writer outlives any job
                log.error("writer failed on a batch of %d", len(batch), exc_info=error)
                for job in batch:
                    if job.error is None:
                        job.error = StoreUnavailable("the write failed")
            finally:
                self._busy_since = None
            _answer(batch)
            if stop:
                return

    def _claim(self, batch: list[_AnyJob]) -> list[_AnyJob]:
        """Mark the batch started; returns the jobs to run (abandoned changes are dropped)."""
        with self._lock:
            self._waiting -= len(batch)
            metrics.WRITER_QUEUE.set(self._waiting)
            for job in batch:
                job.started = True
            abandoned = [job for job in batch if job.abandoned]
        for job in abandoned:
            job.late = True
            if isinstance(job, _Record):
                # A delivery that would have been 200 was answered 503; a refusal (401, 422, ...) kept its
                # status or became a 503, as its caller chose: the reason says the row came late.
                late = f"written after its request stopped waiting ({self.wait_timeout:g} s)"
                entry = job.staged.entry
                entry = replace(
                    entry,
                    status_code=503 if entry.status_code == 200 else entry.status_code,
                    reason="; ".join(filter(None, [entry.reason, late])),
                )
                job.staged = stage(entry, job.policy, self.engine.dialect)
            else:
                job.error = StoreUnavailable("abandoned")
        return [job for job in batch if isinstance(job, _Record) or not job.abandoned]

    def _execute(self, batch: list[_AnyJob]) -> None:
        if not batch:
            return
        try:
            self._transaction(batch)
            _committed(batch)
            metrics.WRITER_BATCH.observe(len(batch))
            return
        except BaseException as error:
            if len(batch) == 1 or is_unavailable(error):
                _fail(batch, error)
                return
            log.warning("batch of %d writes failed; retrying one by one", len(batch), exc_info=True)
        for i, job in enumerate(batch):
            try:
                self._transaction([job])
                job.error = None
                _committed([job])
            except BaseException as error:
                if is_unavailable(error):  # the rest would only wait for the database again
                    _fail(batch[i:], error)
                    return
                _fail([job], error)


def _run_jobs(conn: Connection, jobs: Sequence[_AnyJob]) -> None:
    """Run jobs in order; consecutive record jobs with the same policy go through record_staged
    together (which takes the calls' locks)."""
    start = 0
    while start < len(jobs):
        match jobs[start]:
            case _Run() as job:
                job.result = job.fn(conn)
                start += 1
            case _Record() as job:
                run = _same_policy(jobs[start:])
                recorded = record_staged(conn, [r.staged for r in run], job.policy)
                for done, result in zip(run, recorded, strict=True):
                    done.result = result
                start += len(run)


def _same_policy(jobs: Sequence[_AnyJob]) -> list[_Record]:
    """The record jobs at the start of `jobs` that have the first one's number policy."""
    run: list[_Record] = []
    for job in jobs:
        if not isinstance(job, _Record) or (run and job.policy != run[0].policy):
            break
        run.append(job)
    return run


def _committed(jobs: Sequence[_Job[Any]]) -> None:
    folded: set[str] = set()
    for job in jobs:
        if isinstance(job, _Record) and job.result is not None:
            metrics.EVENTS.labels(job.result.outcome).inc()
            if job.result.outcome is LogOutcome.ACCEPTED and job.result.call_id:
                folded.add(job.result.call_id)
    metrics.FOLDED.inc(len(folded))
    for job in jobs:
        if job.abandoned and not job.late:
            log.warning("a write committed after its request was answered 503 (%s)", job.result)


def _fail(jobs: Sequence[_Job[Any]], error: BaseException) -> None:
    """Give each job the error to raise where it waits (logged once)."""
    if is_unavailable(error):
        log.error("database unavailable (%d writes): %s", len(jobs), error)
        translated = unavailable(error)
        for job in jobs:
            job.error = translated
        return
    log.error("write failed", exc_info=error)
    for job in jobs:
        # SystemExit and the like must not travel into an event loop.
        job.error = error if isinstance(error, Exception) else StoreUnavailable(f"the write raised {error!r}")


def _answer(jobs: Sequence[_Job[Any]]) -> None:
    """Hand the outcomes to the jobs' event loops, once per loop (one wake-up for the whole batch);
    a closed loop has nobody waiting."""
    by_loop: dict[asyncio.AbstractEventLoop, list[_Job[Any]]] = {}
    for job in jobs:
        by_loop.setdefault(job.loop, []).append(job)
    for loop, waiting in by_loop.items():
        try:
            loop.call_soon_threadsafe(_settle, waiting)
        except RuntimeError:
            log.warning("the waiting event loop is closed; %d outcomes dropped", len(waiting))
        except BaseException:
            log.exception("could not answer %d write jobs", len(waiting))


def _settle(jobs: Sequence[_Job[Any]]) -> None:
    for job in jobs:
        if job.future.done():
            continue
        if job.error is not None:
            job.future.set_exception(job.error)
        else:
            job.future.set_result(job.result)


def _retrieve(future: asyncio.Future[Any]) -> None:
    """Mark an abandoned job's exception as seen (its request already answered 503)."""
    if not future.cancelled():
        future.exception()
