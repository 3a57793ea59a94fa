"""The writer thread: survives any job, bounds every wait, and /healthz tells when it is not draining."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, select, text

from tvox_journey.domain.numbers import NumberPolicy
from tvox_journey.settings import Settings
from tvox_journey.store.engine import Database
from tvox_journey.store.errors import StoreUnavailable
from tvox_journey.store.event_log import LogEntry, LogOutcome
from tvox_journey.store.schema import event_log
from tvox_journey.web.app import create_app
from tvox_journey.writer import BatchWriter

POLICY = NumberPolicy()


def ring(call: str) -> dict[str, str]:
    return {
        "dateTime": "2024-05-06T10:00:00.000Z",
        "callId": call,
        "agent": "op1",
        "service": "cc",
        "callerNumber": "0452224600",
    }


def note(path: str) -> LogEntry:
    """A rejected request to log (any write the writer records)."""
    from datetime import UTC, datetime

    return LogEntry(
        received_at=datetime.now(UTC), method="GET", path=path, route="unknown", params=(),
        outcome=LogOutcome.REJECTED, status_code=404, reason="unknown path",
    )  # fmt: skip


@pytest.fixture
def writer(db: Database) -> Iterator[BatchWriter]:
    batch_writer = BatchWriter(db.write, wait_timeout=5)
    batch_writer.start()
    yield batch_writer
    batch_writer.stop()


def on_new_loop(coroutine: Callable[[], Any]) -> Any:
    """Run a coroutine function on an event loop of its own (closed afterwards), from another thread."""
    result: Future[Any] = Future()

    def main() -> None:
        try:
            result.set_result(asyncio.run(coroutine()))
        except BaseException as error:
            result.set_exception(error)

    threading.Thread(target=main).start()
    return result.result(timeout=30)


class Gate:
    """A job that holds the writer until opened (to queue others behind it, or to stall it)."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.opened = threading.Event()

    def __call__(self, conn: Connection) -> str:
        self.entered.set()
        assert self.opened.wait(30)
        return "gate"


def logged_paths(db: Database) -> list[str]:
    with db.read.connect() as conn:
        return list(conn.execute(select(event_log.c.path).order_by(event_log.c.seq)).scalars())


def test_a_failed_batch_is_retried_one_by_one_so_the_others_commit(
    writer: BatchWriter, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    gate = Gate()

    def bad(conn: Connection) -> None:
        conn.execute(text("SELECT * FROM no_such_table"))

    async def main() -> list[Any]:
        held = asyncio.ensure_future(writer.run(gate))
        await asyncio.to_thread(gate.entered.wait, 10)
        queued = [
            asyncio.ensure_future(writer.record(note("/one"), POLICY)),
            asyncio.ensure_future(writer.run(bad)),
            asyncio.ensure_future(writer.record(note("/two"), POLICY)),
        ]
        await asyncio.sleep(0.05)
        gate.opened.set()
        return await asyncio.gather(held, *queued, return_exceptions=True)

    with caplog.at_level(logging.WARNING, logger="tvox_journey.writer"):
        held, one, failed, two = on_new_loop(main)
    assert held == "gate"
    assert one.outcome == LogOutcome.REJECTED and two.outcome == LogOutcome.REJECTED
    assert not isinstance(failed, StoreUnavailable) and "no_such_table" in str(failed)
    assert "retrying one by one" in caplog.text
    assert logged_paths(db) == ["/one", "/two"]


def test_the_writer_survives_a_job_raising_anything(writer: BatchWriter, db: Database) -> None:
    def exits(conn: Connection) -> None:
        raise SystemExit(3)

    async def main() -> tuple[BaseException | None, Any]:
        try:
            await writer.run(exits)
            error = None
        except BaseException as raised:
            error = raised
        return error, await writer.record(note("/after"), POLICY)

    error, recorded = on_new_loop(main)
    assert isinstance(error, StoreUnavailable)
    assert recorded.outcome == LogOutcome.REJECTED
    assert writer.health().alive


def test_the_writer_survives_the_waiting_loop_closing(db: Database) -> None:
    """The old writer died settling a future on a closed loop; every later write then waited forever."""
    writer = BatchWriter(db.write, wait_timeout=0.2)
    writer.start()
    try:
        gate = Gate()

        async def gives_up() -> None:
            with pytest.raises(StoreUnavailable):
                await writer.run(gate)

        on_new_loop(gives_up)  # its loop is closed now; the job is still running
        writer.wait_timeout = 30  # the next write may wait (a loaded machine)
        gate.opened.set()

        async def later() -> Any:
            return await asyncio.wait_for(writer.record(note("/later"), POLICY), 5)

        assert on_new_loop(later).outcome == LogOutcome.REJECTED
        assert writer.health().alive
    finally:
        writer.stop()


def test_a_wait_is_bounded_and_a_delivery_not_started_in_time_is_logged_as_answered_503(
    db: Database,
) -> None:
    writer = BatchWriter(db.write, wait_timeout=0.3)
    writer.start()
    try:
        gate = Gate()
        changed: list[str] = []

        async def main() -> list[Any]:
            held = asyncio.ensure_future(writer.run(gate))
            await asyncio.to_thread(gate.entered.wait, 10)
            started = time.monotonic()
            waits = await asyncio.gather(
                writer.record(note("/late"), POLICY),
                writer.run(lambda conn: changed.append("ran")),
                return_exceptions=True,
            )
            elapsed = time.monotonic() - started
            gate.opened.set()
            await asyncio.gather(held, return_exceptions=True)
            # The writer goes on: what was queued is handled before this (waited for without the short
            # bound, which a loaded machine can pass while the late row and this one commit).
            writer.wait_timeout = 30
            await writer.record(note("/next"), POLICY)
            return [*waits, elapsed]

        late, change, elapsed = on_new_loop(main)
    finally:
        writer.stop()
    assert isinstance(late, StoreUnavailable) and isinstance(change, StoreUnavailable)
    assert elapsed < 1.5
    assert changed == []  # a change its user was told failed is not made later
    with db.read.connect() as conn:
        rows = conn.execute(select(event_log.c.path, event_log.c.status_code, event_log.c.reason)).all()
    logged = {row.path: row for row in rows}
    assert logged["/late"].status_code == 404  # a refusal keeps the status its caller chose
    assert "written after its request stopped waiting" in logged["/late"].reason
    assert logged["/next"].status_code == 404


def test_a_stuck_writer_makes_healthz_503_until_it_drains(db_url: str) -> None:
    settings = Settings(
        database_url=db_url, admin_password="admin-password-for-tests", password_hash_memory_kib=64,
        write_timeout=0.5,
    )  # fmt: skip
    app = create_app(settings)
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
        gate = Gate()
        assert client.portal is not None
        held = client.portal.start_task_soon(app.state.resources.writer.run, gate)
        assert gate.entered.wait(10)
        time.sleep(0.7)
        started = time.monotonic()
        response = client.get("/healthz")
        assert time.monotonic() - started < 2
        assert response.status_code == 503
        assert response.json()["writer"] == "stalled"
        webhook = client.get("/service/ring", params=ring("stuck"))
        assert webhook.status_code == 503
        gate.opened.set()
        with pytest.raises(StoreUnavailable):
            held.result(10)
        deadline = time.monotonic() + 10
        while client.get("/healthz").status_code != 200:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert client.get("/service/ring", params=ring("after")).status_code == 200
        with app.state.resources.db.read.connect() as conn:
            rows = conn.execute(select(event_log).where(event_log.c.call_id == "stuck")).all()
        # Written once the writer drained, with the status its client got; folded as usual.
        assert [(row.outcome, row.status_code) for row in rows] == [("accepted", 503)]
        found = client.get("/api/v1/interactions/stuck", auth=("admin", "admin-password-for-tests"))
        assert found.status_code == 200, found.text


def test_healthz_says_503_when_the_writer_is_stopped(client: TestClient) -> None:
    client.app.state.resources.writer.stop()  # type: ignore[attr-defined]
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["writer"] == "stopped"
    assert client.get("/service/ring", params=ring("x")).status_code == 503
