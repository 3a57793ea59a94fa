"""Concurrent deliveries for the same calls, through real server processes, lose nothing."""

from __future__ import annotations

import asyncio
import random
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from tests.server_process import running_server

from tvox_journey.domain.fold import fold
from tvox_journey.domain.interaction import Interaction
from tvox_journey.ingest.contract import tutorial_event
from tvox_journey.store import interactions
from tvox_journey.store.engine import make_database
from tvox_journey.store.migrate import upgrade

T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
Request = tuple[str, dict[str, str]]


def stamp(ms: int) -> str:
    return (T0 + timedelta(milliseconds=ms)).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def transferred_call(i: int) -> list[Request]:
    """A blind transfer: six events of one call, milliseconds apart."""
    call, number, base = f"{1700000000 + i}.{i}@d92061befe", f"04522{i:05d}", i * 1000
    service = {"callId": call, "callerNumber": number}
    direct = {"callId": call, "callerNumber": number}
    return [
        ("service/ring", {**service, "dateTime": stamp(base), "agent": "op1", "service": "customercare"}),
        ("service/answer", {**service, "dateTime": stamp(base + 3)}),
        ("service/hangup", {**service, "dateTime": stamp(base + 7)}),
        ("transfer/transfer", {**direct, "dateTime": stamp(base + 9), "transferToAgent": "op2"}),
        ("transfer/answer", {**direct, "dateTime": stamp(base + 12)}),
        ("transfer/hangup", {**direct, "dateTime": stamp(base + 15)}),
    ]


def expected(requests: list[Request]) -> Interaction | None:
    return fold([tutorial_event(path, params.items()) for path, params in requests])


def deliver(bases: list[str], requests: list[Request], concurrency: int) -> list[int]:
    """Send concurrently, on an event loop of its own (another test may have left one running)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, _deliver(bases, requests, concurrency)).result()


async def _deliver(bases: list[str], requests: list[Request], concurrency: int) -> list[int]:
    limits = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(timeout=30) as client:

        async def send(n: int, path: str, params: dict[str, str]) -> int:
            async with limits:
                url = f"{bases[n % len(bases)]}/{path}.php"
                response = await (client.post(url, data=params) if n % 2 else client.get(url, params=params))
                return response.status_code

        return await asyncio.gather(*(send(n, p, q) for n, (p, q) in enumerate(requests)))


@pytest.mark.slow
def test_concurrent_events_of_the_same_calls_lose_no_update(db_url: str, tmp_path: Path) -> None:
    calls = [transferred_call(i) for i in range(40)]
    requests = [r for call in calls for r in call]
    random.Random(7).shuffle(requests)
    requests += requests[:30]  # some resent
    upgrade(db_url)
    # PostgreSQL installations may run several server processes: use two, sharing the database.
    processes = 2 if db_url.startswith("postgresql") else 1
    with running_server(db_url, log_path=tmp_path / "a.log") as first:
        bases = [first]
        if processes == 2:
            with running_server(db_url, log_path=tmp_path / "b.log") as second:
                statuses = deliver([first, second], requests, concurrency=32)
        else:
            statuses = deliver(bases, requests, concurrency=32)
    assert set(statuses) == {200}
    db = make_database(db_url)
    try:
        with db.read.connect() as conn:
            for call in calls:
                want = expected(call)
                assert want is not None
                stored = interactions.get(conn, want.call_id)
                assert stored is not None and stored.interaction == want
    finally:
        db.dispose()
