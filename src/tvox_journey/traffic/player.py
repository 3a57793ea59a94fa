"""The traffic player: sends scenario requests to a server over HTTP, paced and concurrent, and times them.

Used by `simulate`, `demo`, the benchmarks and the tests.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import Counter
from collections.abc import Callable, Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx

from tvox_journey.sim import Request
from tvox_journey.traffic.clients import Target, make_sender
from tvox_journey.traffic.wire import Endpoint, MethodChoice, to_wire

T = TypeVar("T")
TRANSPORT_ERROR = 0  # the status recorded when no response came back


def _run_here(coroutine: Coroutine[Any, Any, T]) -> T:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop comes with uvicorn[standard]
        return asyncio.run(coroutine)
    return uvloop.run(coroutine)


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine on a new event loop: uvloop's when installed (a lighter client).

    Called where an event loop is already running in this thread (a notebook, a
    test session driving a browser), it runs on a thread of its own.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return _run_here(coroutine)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="tvox-journey-player") as pool:
        return pool.submit(_run_here, coroutine).result()


@dataclass
class PlayReport:
    """What a run did: statuses, transport errors, latencies (seconds) and wall time."""

    sent: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    elapsed: float = 0.0

    @property
    def ok(self) -> int:
        return sum(n for status, n in self.statuses.items() if 200 <= status < 300)

    @property
    def failed(self) -> int:
        return self.sent - self.ok

    @property
    def per_second(self) -> float:
        return self.sent / self.elapsed if self.elapsed > 0 else 0.0

    def percentile(self, p: float) -> float:
        """The latency below which `p` percent of requests fall (nearest rank), in seconds."""
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        rank = max(1, math.ceil(p / 100 * len(ordered)))
        return ordered[rank - 1]


OnSent = Callable[[int, Request, int], None]  # (index, request, status)


async def play(
    requests: Sequence[Request],
    target: Target,
    *,
    endpoint: Endpoint = Endpoint.TUTORIAL,
    method: MethodChoice = MethodChoice.MIXED,
    concurrency: int = 16,
    rate: float = 0.0,
    schedule: Sequence[float] | None = None,
    on_sent: OnSent | None = None,
) -> PlayReport:
    """Send `requests` in order with up to `concurrency` in flight.

    `rate` (requests per second, 0 for as fast as possible) paces the starts;
    `schedule` instead gives each request's start as seconds from the beginning.
    """
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    if schedule is not None and len(schedule) != len(requests):
        raise ValueError("schedule needs one start time per request")
    wires = [to_wire(r, endpoint=endpoint, method=method, index=i) for i, r in enumerate(requests)]
    report = PlayReport()
    sender = make_sender(target, concurrency)
    next_index = 0
    started = time.perf_counter()

    def start_of(index: int) -> float | None:
        if schedule is not None:
            return started + schedule[index]
        return started + index / rate if rate > 0 else None

    async def worker() -> None:
        nonlocal next_index
        while next_index < len(wires):
            index = next_index
            next_index += 1
            due = start_of(index)
            if due is not None and (wait := due - time.perf_counter()) > 0:
                await asyncio.sleep(wait)
            began = time.perf_counter()
            try:
                status = await sender.send(wires[index])
            except (OSError, TimeoutError, asyncio.IncompleteReadError, httpx.HTTPError, ValueError) as error:
                status = TRANSPORT_ERROR
                report.errors[type(error).__name__] += 1
            report.latencies.append(time.perf_counter() - began)
            report.statuses[status] += 1
            report.sent += 1
            if on_sent is not None:
                on_sent(index, requests[index], status)

    try:
        await asyncio.gather(*(worker() for _ in range(min(concurrency, len(wires)) or 1)))
    finally:
        report.elapsed = time.perf_counter() - started
        await sender.close()
    return report
