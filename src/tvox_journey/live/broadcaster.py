"""In-process publish/subscribe of committed changes, with bounded queues.

Publishing never waits: a subscriber whose queue is full is marked lagging
and catches up from the event log by sequence number.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Change:
    """A committed change: its event log sequence number and what it touched."""

    seq: int
    call_id: str | None = None
    number_key: str | None = None
    kind: str = "event"  # event | contact | journey_cleared | names


@dataclass(eq=False)
class Subscription:
    queue: asyncio.Queue[Change] = field(default_factory=lambda: asyncio.Queue(maxsize=1000))
    lagging: bool = False


@dataclass
class Broadcaster:
    """Fans committed changes out to every live subscriber."""

    _subscribers: set[Subscription] = field(default_factory=set)

    def publish(self, change: Change) -> None:
        for subscription in list(self._subscribers):
            try:
                subscription.queue.put_nowait(change)
            except asyncio.QueueFull:
                subscription.lagging = True

    @asynccontextmanager
    async def subscribe(self) -> AsyncIterator[Subscription]:
        subscription = Subscription()
        self._subscribers.add(subscription)
        try:
            yield subscription
        finally:
            self._subscribers.discard(subscription)
