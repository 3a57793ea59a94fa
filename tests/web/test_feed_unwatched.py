"""With no live page open, the log follower reads only the users' actions (web/tasks/feed.py), and a
commit of webhook deliveries does not wake it; a page that begins listening in the middle of such a
read still gets every change after its floor."""

from __future__ import annotations

import asyncio
import time
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event
from tests.test_writer import on_new_loop
from tests.web.pages_helpers import ring as ring_call
from tests.web.test_mappings import app_settings

from tvox_journey.domain.numbers import NumberPolicy
from tvox_journey.live.broadcaster import Broadcaster, Change, Subscription
from tvox_journey.services import recording
from tvox_journey.store import event_log
from tvox_journey.store.engine import make_database
from tvox_journey.store.migrate import upgrade
from tvox_journey.traffic.entries import tutorial_entry
from tvox_journey.web.app import create_app
from tvox_journey.web.tasks.feed import IDLE_SECONDS, LogFeed


def ring(call_id: str) -> Any:
    params = [("dateTime", "2024-05-06T10:00:00Z"), ("callId", call_id), ("callerNumber", "0452224600")]
    return tutorial_entry(
        "service/ring", params, method="GET", received_at=datetime.now(UTC), tvox_timezone=UTC
    )


async def _joined_during_an_unwatched_read(db_url: str) -> tuple[int, int, list[Change]]:
    upgrade(db_url)
    db = make_database(db_url)
    broadcaster = Broadcaster()
    feed = LogFeed(db, broadcaster, idle_seconds=0.05)
    await feed.start()
    loop = asyncio.get_running_loop()
    pages = AsyncExitStack()
    joined: list[tuple[Subscription, int]] = []

    def join_during_read(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        """A page subscribes (on the event loop, as a stream does) while the follower reads the log."""
        if not joined and "FROM event_log" in statement and "outcome IN" in statement:
            subscribing = asyncio.run_coroutine_threadsafe(_subscribe(), loop)
            joined.append(subscribing.result(5))

    async def _subscribe() -> tuple[Subscription, int]:
        subscription = await pages.enter_async_context(broadcaster.subscribe())
        return subscription, feed.floor  # what a stream does: subscribe, then read the floor

    try:
        with db.write.begin() as conn:
            seq = recording.record(conn, ring("unwatched-1"), NumberPolicy()).seq
        event.listen(db.read, "before_cursor_execute", join_during_read)
        broadcaster.publish(Change(seq))
        for _ in range(200):
            if feed.floor >= seq:
                break
            await asyncio.sleep(0.01)
        subscription, floor = joined[0]
        received = []
        while not subscription.queue.empty():
            received.append(subscription.queue.get_nowait())
        return seq, floor, received
    finally:
        await pages.aclose()
        await feed.stop()
        db.dispose()


def test_a_page_that_begins_listening_during_an_unwatched_read_gets_the_changes_above_its_floor(
    db_url: str,
) -> None:
    seq, floor, received = on_new_loop(lambda: _joined_during_an_unwatched_read(db_url))
    assert floor < seq  # the page joined before the follower delivered the call's event
    assert [change.seq for change in received] == [seq]
    assert received[0].call_id == "unwatched-1"


def test_webhook_commits_make_no_log_reads_while_no_page_listens(db_url: str) -> None:
    """Only an open page needs a call's changes at once: with none, the follower reads at its idle pace
    (it read after every commit, about a tenth of the server's time per event)."""
    with TestClient(create_app(app_settings(db_url))) as client:
        resources = client.app.state.resources  # type: ignore[attr-defined]
        db = resources.db
        with db.read.connect() as conn:
            settled = event_log.max_seq(conn)  # the start's own actions (the first admin, a prune)
        deadline = time.monotonic() + 5
        while resources.feed.floor < settled and time.monotonic() < deadline:
            time.sleep(0.02)
        reads: list[str] = []

        def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            if "max(event_log.seq)" in statement:  # where each of the follower's reads begins
                reads.append(statement)

        event.listen(db.read, "before_cursor_execute", count)
        began = time.monotonic()
        for n in range(60):
            ring_call(client, f"quiet.{n}@x", f"2024-01-10T09:{n // 60:02}:{n % 60:02}.000Z")
        elapsed = time.monotonic() - began
        event.remove(db.read, "before_cursor_execute", count)
    # The idle reads, and a few more (the start's prune may still announce itself and be waited for);
    # a read after each commit made about one per 20 ms.
    assert len(reads) <= 4 + elapsed / IDLE_SECONDS, f"{len(reads)} reads in {elapsed:.2f} s"
