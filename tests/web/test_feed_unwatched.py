"""With no live page open, the log follower reads only the users' actions (web/tasks/feed.py); a page
that begins listening in the middle of such a read still gets every change after its floor."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event
from tests.test_writer import on_new_loop

from tvox_journey.domain.numbers import NumberPolicy
from tvox_journey.live.broadcaster import Broadcaster, Change, Subscription
from tvox_journey.services import recording
from tvox_journey.store.engine import make_database
from tvox_journey.store.migrate import upgrade
from tvox_journey.traffic.entries import tutorial_entry
from tvox_journey.web.tasks.feed import LogFeed


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
