"""Which event-log sequence numbers are final, with several writers (pure).

Sequence numbers are handed out in order but committed in any order: with
several writers, 2 may commit before 1, and a rolled-back or deduplicated
insert leaves a number that never commits. A reader that moved past a gap
would miss a late commit for good; one that waited for every gap would wait
forever. `Tracker` keeps the `floor`: every number up to it is final (its row
is visible, or it will never be).

On PostgreSQL each read comes with the reader's snapshot: the transactions in
progress (`xip`). A writer takes its transaction id before its first sequence
number (store.changes.announce), so a number at or below the highest one a
read saw, and not visible to it, belongs to a transaction in that read's `xip`
(or to one that rolled back). Once a later snapshot shows all of them
finished, every number up to that read's top is final. A read without a
snapshot (SQLite: one writer, commits in sequence order) makes its top final
at once. A read whose transactions stay open longer than `max_wait` seconds
is given up on (a safety bound: the writers' transactions are much shorter).

The snapshot lists every transaction of the server, not only this log's
writers: one that stays open elsewhere would hold the floor. When a read has
waited `stall_seconds`, the caller asks the server which transactions hold a
lock on the log table (every insert takes one before its sequence number and
keeps it to the end) and `narrow`s the wait to those.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Snapshot:
    """PostgreSQL's `pg_current_snapshot()`: xmin, xmax and the transaction ids in progress."""

    xmin: int
    xmax: int
    xip: frozenset[int] = frozenset()

    @classmethod
    def parse(cls, value: str) -> Snapshot:
        xmin, xmax, xip = value.split(":")
        return cls(int(xmin), int(xmax), frozenset(int(x) for x in xip.split(",") if x))

    def finished(self, xid: int) -> bool:
        """Whether transaction `xid` had ended (committed or rolled back) when this snapshot was taken."""
        return xid < self.xmax and xid not in self.xip


@dataclass(frozen=True)
class _Read:
    top: int
    waiting_for: frozenset[int]
    at: float


@dataclass
class Tracker:
    """The final prefix of the log, from reads (top seen, snapshot) in the order they were made."""

    floor: int = 0
    max_wait: float = 30.0
    stall_seconds: float = 0.25
    _pending: list[_Read] = field(default_factory=list)

    @property
    def waiting(self) -> bool:
        """Whether some numbers above the floor wait for transactions still in progress."""
        return bool(self._pending)

    def stalled(self, now: float) -> bool:
        """Whether a read has waited long enough to ask which transactions really write the log."""
        return any(now - read.at >= self.stall_seconds for read in self._pending)

    def narrow(self, writers: frozenset[int]) -> None:
        """Only `writers` (the transactions holding a lock on the log now) can still commit a number
        a past read saw below its top; the others are no longer waited for."""
        self._pending = [_Read(r.top, r.waiting_for & writers, r.at) for r in self._pending]

    def advance(self, top: int, snapshot: Snapshot | None, now: float) -> int:
        """A read saw the log up to `top` (under `snapshot`, at time `now`); returns the new floor.

        Rows up to the returned floor must then be read under that same snapshot.
        """
        if snapshot is None:
            self.floor = max(self.floor, top)
            self._pending.clear()
            return self.floor
        if top > self.floor:
            self._pending.append(_Read(top, snapshot.xip, now))
        for read in self._pending:
            if now - read.at >= self.max_wait or all(snapshot.finished(x) for x in read.waiting_for):
                self.floor = max(self.floor, read.top)
        self._pending = [read for read in self._pending if read.top > self.floor]
        return self.floor
