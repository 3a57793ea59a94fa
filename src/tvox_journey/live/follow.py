"""Which event-log sequence numbers are final, with several writers (pure).

Sequence numbers are handed out in order but committed in any order: with
several writers, 2 may commit before 1, and a rolled-back or deduplicated
insert leaves a number that never commits. A reader that moved past a gap
would miss a late commit for good; one that waited for every gap would wait
forever. `Tracker` keeps the `floor`: every number up to it is final (its row
is visible, or it will never be).

On PostgreSQL each read gives its snapshot, the highest number it sees (`top`)
and, asked just after the snapshot, the transactions writing the log (holding
a lock on it; a writer takes its transaction id before its first number, see
store.changes.announce). A number below `top` that the read did not see was
handed out before the snapshot to a transaction still running then: one of
those writers, or one that ended in between. Once a later snapshot (taken
after the writers were asked for) shows all of them finished, every number up
to `top` is final: a quiet log takes two reads. (The snapshot's own list
of running transactions is not enough: PostgreSQL leaves out those whose id is
above the latest completed one.) A read without a snapshot (SQLite: one writer,
commits in sequence order) makes its top final at once. A read whose writers
stay open longer than `max_wait` seconds is given up on (a safety bound: the
writers' transactions are much shorter).
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

    def widen(self, xid: int) -> int:
        """A 32-bit transaction id (pg_locks) as the 64-bit one near this snapshot's xmax."""
        full = (self.xmax & ~0xFFFFFFFF) | (xid & 0xFFFFFFFF)
        if full > self.xmax + 2**31:
            full -= 2**32
        elif full < self.xmax - 2**31:
            full += 2**32
        return full


@dataclass(frozen=True)
class _Read:
    top: int
    waiting_for: frozenset[int]
    at: float


@dataclass
class Tracker:
    """The final prefix of the log, from reads (top seen, snapshot, writers) in the order they were made."""

    floor: int = 0
    max_wait: float = 30.0
    _pending: list[_Read] = field(default_factory=list)

    @property
    def waiting(self) -> bool:
        """Whether some numbers above the floor wait for transactions still in progress."""
        return bool(self._pending)

    def advance(
        self, top: int, snapshot: Snapshot | None, writers: frozenset[int] = frozenset(), now: float = 0.0
    ) -> int:
        """A read saw the log up to `top` under `snapshot`, with `writers` (64-bit ids) writing the log just
        after it was taken; returns the new floor. Rows up to it must then be read under that snapshot."""
        if snapshot is None:
            self.floor = max(self.floor, top)
            self._pending.clear()
            return self.floor
        # Only earlier reads can be settled: their writers were asked for before this snapshot was
        # taken, this read's after (one that ended in between is finished, yet its rows are not here).
        for read in self._pending:
            if now - read.at >= self.max_wait or all(snapshot.finished(x) for x in read.waiting_for):
                self.floor = max(self.floor, read.top)
        self._pending = [read for read in self._pending if read.top > self.floor]
        if top > self.floor:
            self._pending.append(_Read(top, writers, now))
        return self.floor
