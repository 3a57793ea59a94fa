"""In-process publish/subscribe of committed changes, with bounded queues.

Delivering never waits: a subscriber whose queue is full is marked lagging
and catches up from the event log by sequence number.

A server process follows the event log (web/tasks/feed.py): that follower delivers
every change, of this process and of any other sharing the database, in
sequence order and once. `publish`, called after a local commit, then only
wakes the follower so the change is read back at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Literal

# What a change touched: a call's event or a note on it, or what a user's action changed ("action":
# anything else).
ChangeKind = Literal["event", "note", "contact", "journey_cleared", "names", "mappings", "user", "action"]


@dataclass(frozen=True)
class Change:
    """A committed change: its event log sequence number and what it touched."""

    seq: int
    call_id: str | None = None
    number_key: str | None = None
    kind: ChangeKind = "event"


@dataclass(eq=False)
class Subscription:
    queue: asyncio.Queue[Change] = field(default_factory=lambda: asyncio.Queue(maxsize=1000))
    lagging: bool = False


@dataclass
class Broadcaster:
    """Fans committed changes out to every live subscriber."""

    _subscribers: set[Subscription] = field(default_factory=set)
    wake: Callable[[], None] | None = None  # set by the log follower

    @property
    def listened(self) -> bool:
        """Someone (a live page) is subscribed."""
        return bool(self._subscribers)

    def publish(self, change: Change) -> None:
        """A change committed here: wake the log follower, or (with none) deliver it at once. A call's
        event that no page listens for wakes nobody: the follower's next read takes its floor past it."""
        if self.wake is not None:
            if change.kind != "event" or self._subscribers:
                self.wake()
        else:
            self.deliver(change)

    def deliver(self, change: Change) -> None:
        """Hand a change to every subscriber."""
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
