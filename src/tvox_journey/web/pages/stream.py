"""`GET /events`: Server-Sent Events telling open pages that what they show has changed.

Each frame's `id` is an event log sequence number: every change up to it has
been announced. A browser that reconnects sends it back as Last-Event-ID and
the stream catches up from the event log, so nothing is missed while offline.
Live changes come from the process's log follower (web/tasks/feed.py) through the
broadcaster: every change of every process sharing the database, in sequence
order, once; a stream itself never polls the database.

Frames: `event: change` (re-fetch the fragment; `seqs` lists the changes it
announces), `event: ready` (connected, nothing to catch up); an id-only frame
every `HEARTBEAT_SECONDS` keeps the connection alive and moves the resume point
forward.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Query
from fastapi.responses import StreamingResponse
from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool

from tvox_journey import metrics
from tvox_journey.live.broadcaster import Change
from tvox_journey.live.sse import format_frame
from tvox_journey.store import changes as log_changes
from tvox_journey.store import contacts as contact_store
from tvox_journey.web.deps import Resources, ResourcesDep
from tvox_journey.web.pages.common import MAX_ID, Viewer
from tvox_journey.web.tasks.feed import calls_to_key, change_of

router = APIRouter(include_in_schema=False)

HEARTBEAT_SECONDS = 15.0
LIFETIME_SECONDS = 60.0  # then the browser reconnects (lets a server shut down promptly)
RETRY_MS = 1000
BATCH = 500
CATCH_UP_MAX_ROWS = 5000  # further behind than this, just tell the page to refresh
MAX_SEQ = 2**62


@dataclass
class Watch:
    """What one stream follows: the numbers of one contact, or everything (`contact_id` None)."""

    contact_id: int | None
    keys: frozenset[str] = frozenset()

    def wants_change(self, change: Change) -> bool:
        if self.contact_id is None or (change.kind not in ("event", "note") and change.number_key is None):
            return True  # contacts and display names change what every page shows
        return change.number_key in self.keys

    def reload(self, conn: Connection) -> None:
        if self.contact_id is not None:
            contact = contact_store.get(conn, self.contact_id)
            self.keys = frozenset(contact.number_keys if contact else ())


def catch_up(resources: Resources, watch: Watch, after: int, upto: int) -> tuple[list[int], bool]:
    """The changes for `watch` in the log between `after` and `upto` (both final), and whether that list
    is complete (further behind than CATCH_UP_MAX_ROWS rows, the page is only told to refresh)."""
    found: list[int] = []
    with resources.db.read.connect() as conn:
        watch.reload(conn)
        scanned = 0
        while after < upto:
            if scanned >= CATCH_UP_MAX_ROWS:
                return found, False
            rows = log_changes.rows_between(conn, after, upto, BATCH)
            if not rows:
                break
            keys = log_changes.number_keys(conn, calls_to_key(rows))
            for row in rows:
                if watch.wants_change(change_of(row, keys.get(row.call_id) if row.call_id else None)):
                    found.append(row.seq)
            after = rows[-1].seq
            scanned += len(rows)
    return found, True


def _reload(resources: Resources, watch: Watch) -> None:
    with resources.db.read.connect() as conn:
        watch.reload(conn)


def change_frame(cursor: int, wanted: list[Change], *, seqs: list[int] | None = None) -> str:
    """One frame for the changes in `wanted`; none: a catch-up (of `seqs`), or changes dropped by a full
    queue (kind `log`: refresh, whatever changed)."""
    last = wanted[-1] if wanted else None
    data: dict[str, object] = {"seq": last.seq if last else cursor, "kind": last.kind if last else "log"}
    if last is not None and last.call_id:
        data["call_id"] = last.call_id
    data["seqs"] = [change.seq for change in wanted] if seqs is None else seqs
    return format_frame(id=cursor, event="change", data=json.dumps(data))


async def change_stream(
    resources: Resources,
    watch: Watch,
    last_id: int | None,
    *,
    heartbeat_seconds: float = HEARTBEAT_SECONDS,
    lifetime_seconds: float = LIFETIME_SECONDS,
) -> AsyncIterator[str]:
    """Frames for `watch`, from `last_id` (None: from now) until the lifetime ends."""
    await resources.feed.catch_up()
    frames = _frames(resources, watch, last_id, heartbeat_seconds, lifetime_seconds)
    with metrics.LIVE_STREAMS.track_inprogress():
        async with aclosing(frames):  # a client gone ends the subscription now, not at garbage collection
            async for frame in frames:
                yield frame


async def _frames(
    resources: Resources, watch: Watch, last_id: int | None, heartbeat_seconds: float, lifetime_seconds: float
) -> AsyncGenerator[str, None]:
    feed = resources.feed
    async with resources.broadcaster.subscribe() as subscription:
        # Subscribed before reading the floor (no await between): every change above it will arrive.
        cursor = feed.floor
        missed: list[int] = []
        complete = True
        if last_id is not None and last_id < cursor:
            missed, complete = await run_in_threadpool(catch_up, resources, watch, last_id, cursor)
        else:  # from now, or from a resume point ahead of this process (its changes come live)
            await run_in_threadpool(_reload, resources, watch)
        if missed or not complete:
            yield format_frame(retry_ms=RETRY_MS) + change_frame(cursor, [], seqs=missed)
        else:
            yield format_frame(retry_ms=RETRY_MS, id=cursor, event="ready", data="{}")
        began = last_beat = time.monotonic()
        while True:
            now = time.monotonic()
            if now - began >= lifetime_seconds:
                return
            wait = min(heartbeat_seconds - (now - last_beat), lifetime_seconds - (now - began))
            received: list[Change] = []
            try:
                received.append(await asyncio.wait_for(subscription.queue.get(), timeout=max(wait, 0.01)))
                while not subscription.queue.empty():
                    received.append(subscription.queue.get_nowait())
            except TimeoutError:
                pass
            wanted = [change for change in received if change.seq > cursor and watch.wants_change(change)]
            lagged, subscription.lagging = subscription.lagging, False
            cursor = max(cursor, feed.floor)  # every change up to the floor was in the queue just drained
            if any(change.kind == "contact" for change in wanted):
                await run_in_threadpool(_reload, resources, watch)
            if wanted or lagged:
                last_beat = time.monotonic()
                yield change_frame(cursor, [] if lagged else wanted)
            elif time.monotonic() - last_beat >= heartbeat_seconds:
                last_beat = time.monotonic()
                yield format_frame(id=cursor)


def _parse_seq(value: str | None) -> int | None:
    if value is None or not value.strip().isdigit() or len(value.strip()) > 19:
        return None
    seq = int(value.strip())
    return seq if seq <= MAX_SEQ else None


@router.get("/events")
async def events(
    resources: ResourcesDep,
    user: Viewer,
    contact: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    scope: Annotated[str | None, Query(pattern="^all$")] = None,
    since: Annotated[str | None, Query(max_length=20)] = None,
    last_event_id: Annotated[str | None, Header(max_length=20)] = None,
) -> StreamingResponse:
    """Changes for the card of `contact`, or for every page (`scope=all`)."""
    if contact is None and scope is None:
        raise HTTPException(404, "give contact=<id> or scope=all")
    if contact is not None:
        found = await run_in_threadpool(_contact_exists, resources, contact)
        if not found:
            raise HTTPException(404, "contact not found")
    start = _parse_seq(last_event_id)
    if start is None:
        start = _parse_seq(since)
    return StreamingResponse(
        change_stream(resources, Watch(contact), start),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


def _contact_exists(resources: Resources, contact_id: int) -> bool:
    with resources.db.read.connect() as conn:
        return contact_store.get(conn, contact_id) is not None
