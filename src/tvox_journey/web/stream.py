"""`GET /events`: Server-Sent Events telling open pages that what they show has changed.

Each frame's `id` is an event log sequence number: every change up to it has
been announced. A browser that reconnects sends it back as Last-Event-ID and
the stream catches up from the event log, so nothing is missed while offline.
Changes published in this process arrive at once through the broadcaster;
once a second the stream also compares the log's highest sequence number with
what it has seen, so changes committed by another server process (or missed
by a lagging subscription) are announced too.

Frames: `event: change` (re-fetch the fragment), `event: ready` (connected,
nothing to catch up); an id-only frame every `HEARTBEAT_SECONDS` keeps the
connection alive and moves the resume point forward.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Query
from fastapi.responses import StreamingResponse
from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool

from tvox_journey.live.broadcaster import Change
from tvox_journey.live.sse import format_frame
from tvox_journey.services import NumberPolicy
from tvox_journey.store import contacts as contact_store
from tvox_journey.store import event_log
from tvox_journey.store import interactions as interaction_store
from tvox_journey.store.event_log import Outcome
from tvox_journey.web.deps import Resources, ResourcesDep
from tvox_journey.web.pages.common import MAX_ID, Viewer

router = APIRouter(include_in_schema=False)

POLL_SECONDS = 1.0
HEARTBEAT_SECONDS = 15.0
LIFETIME_SECONDS = 60.0  # then the browser reconnects (lets a server shut down promptly)
RETRY_MS = 1000
BATCH = 500
CATCH_UP_MAX_ROWS = 5000  # further behind than this, just tell the page to refresh
MAX_SEQ = 2**62
_EVENTS = (Outcome.ACCEPTED, Outcome.UNRECOGNIZED)


@dataclass
class Watch:
    """What one stream follows: the numbers of one contact, or everything (`contact_id` None)."""

    contact_id: int | None
    keys: frozenset[str] = frozenset()

    def wants_change(self, change: Change) -> bool:
        if self.contact_id is None or (change.kind != "event" and change.number_key is None):
            return True  # contacts and display names change what every page shows
        return change.number_key in self.keys

    def wants_row(self, conn: Connection, row: dict[str, Any], policy: NumberPolicy) -> bool:
        if row["outcome"] == Outcome.ACTION:
            return True
        if row["outcome"] not in _EVENTS:
            return False
        if self.contact_id is None:
            return True
        event = row.get("event") or {}
        key = policy.key(event.get("number")) if isinstance(event, dict) else None
        if key is None and row.get("call_id"):
            stored = interaction_store.get(conn, row["call_id"])
            key = stored.number_key if stored else None
        return key in self.keys

    def reload(self, conn: Connection) -> None:
        if self.contact_id is not None:
            contact = contact_store.get(conn, self.contact_id)
            self.keys = frozenset(contact.number_keys if contact else ())


@dataclass
class Position:
    """How far the stream has announced the log, and the sequence numbers seen ahead of that."""

    cursor: int
    seen: set[int] = field(default_factory=set)

    def see(self, seq: int) -> None:
        if seq > self.cursor:
            self.seen.add(seq)
        while self.cursor + 1 in self.seen:
            self.cursor += 1
            self.seen.discard(self.cursor)

    def move_to(self, seq: int) -> None:
        self.cursor = max(self.cursor, seq)
        self.seen = {s for s in self.seen if s > self.cursor}


def scan(resources: Resources, watch: Watch, position: Position) -> bool:
    """Read the log after the cursor (skipping what was seen); True if any row concerns `watch`."""
    relevant = False
    scanned = 0
    with resources.db.read.connect() as conn:
        while True:
            rows = event_log.read_since(conn, position.cursor, limit=BATCH)
            for row in rows:
                seq = int(row["seq"])
                if seq not in position.seen and watch.wants_row(conn, row, resources.policy):
                    relevant = True
                position.move_to(seq)
                if relevant:
                    break
            scanned += len(rows)
            if relevant or scanned >= CATCH_UP_MAX_ROWS:
                position.move_to(event_log.max_seq(conn))
                relevant = True
                break
            if len(rows) < BATCH:
                break
        if relevant:
            watch.reload(conn)
    return relevant


def _max_seq(resources: Resources) -> int:
    with resources.db.read.connect() as conn:
        return event_log.max_seq(conn)


def _reload(resources: Resources, watch: Watch) -> None:
    with resources.db.read.connect() as conn:
        watch.reload(conn)


def change_frame(position: Position, change: Change | None = None) -> str:
    data: dict[str, int | str] = {"seq": change.seq if change and change.seq > 0 else position.cursor}
    data["kind"] = change.kind if change else "log"
    if change is not None and change.call_id:
        data["call_id"] = change.call_id
    return format_frame(id=position.cursor, event="change", data=json.dumps(data))


async def change_stream(
    resources: Resources,
    watch: Watch,
    last_id: int | None,
    *,
    poll_seconds: float = POLL_SECONDS,
    heartbeat_seconds: float = HEARTBEAT_SECONDS,
    lifetime_seconds: float = LIFETIME_SECONDS,
) -> AsyncIterator[str]:
    """Frames for `watch`, from `last_id` (None: from now) until the lifetime ends."""
    async with resources.broadcaster.subscribe() as subscription:
        start = last_id if last_id is not None else await run_in_threadpool(_max_seq, resources)
        position = Position(start)
        await run_in_threadpool(_reload, resources, watch)
        caught_up = await run_in_threadpool(scan, resources, watch, position)
        if caught_up:
            yield format_frame(retry_ms=RETRY_MS) + change_frame(position)
        else:
            yield format_frame(retry_ms=RETRY_MS, id=position.cursor, event="ready", data="{}")
        began = last_poll = last_beat = time.monotonic()
        while True:
            now = time.monotonic()
            if now - began >= lifetime_seconds:
                return
            wait = min(poll_seconds - (now - last_poll), heartbeat_seconds - (now - last_beat))
            changes: list[Change] = []
            try:
                changes.append(await asyncio.wait_for(subscription.queue.get(), timeout=max(wait, 0.01)))
                while not subscription.queue.empty():
                    changes.append(subscription.queue.get_nowait())
            except TimeoutError:
                pass
            wanted = None
            for change in changes:
                if change.seq > 0:
                    position.see(change.seq)
                if watch.wants_change(change):
                    wanted = change
            if wanted is not None:
                if wanted.kind == "contact":
                    await run_in_threadpool(_reload, resources, watch)
                last_beat = time.monotonic()
                yield change_frame(position, wanted)
            if time.monotonic() - last_poll >= poll_seconds:
                last_poll = time.monotonic()
                subscription.lagging = False
                if await run_in_threadpool(_poll, resources, watch, position):
                    last_beat = time.monotonic()
                    yield change_frame(position)
            if time.monotonic() - last_beat >= heartbeat_seconds:
                last_beat = time.monotonic()
                yield format_frame(id=position.cursor)


def _poll(resources: Resources, watch: Watch, position: Position) -> bool:
    """The cheap check first (highest sequence number), the log itself only when something is new."""
    latest = _max_seq(resources)
    if latest <= position.cursor:
        return False
    return scan(resources, watch, position)


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
