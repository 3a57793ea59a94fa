"""The log follower's floor: with writers committing in any order, every committed number is
delivered, in order, once, and nothing waits for a transaction that cannot write the log."""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import given, settings
from hypothesis import strategies as st

from tvox_journey.live.follow import Snapshot, Tracker


@dataclass
class Transaction:
    xid: int
    seqs: list[int] = field(default_factory=list)
    state: str = "running"  # running | committed | aborted


@dataclass
class Server:
    """A model of PostgreSQL: transaction ids, a sequence, snapshots, and a reader following the log."""

    tracker: Tracker = field(default_factory=lambda: Tracker(max_wait=1e9))
    transactions: list[Transaction] = field(default_factory=list)
    next_xid: int = 100
    next_seq: int = 1
    now: float = 0.0
    delivered: list[int] = field(default_factory=list)
    taken: tuple[Snapshot, list[int]] | None = None

    def begin(self, writes_log: bool = True) -> Transaction:
        txn = Transaction(self.next_xid)  # writers take their id before their first number
        self.next_xid += 1
        self.transactions.append(txn)
        return txn

    def running(self) -> list[Transaction]:
        return [t for t in self.transactions if t.state == "running"]

    def allocate(self, txn: Transaction) -> None:
        txn.seqs.append(self.next_seq)
        self.next_seq += 1

    def snap(self) -> None:
        """The first statement of a read: the snapshot, and the rows it sees.

        As PostgreSQL does, xmax is one past the latest completed transaction id, so a running
        transaction with a higher id is in no snapshot's xip."""
        running = {t.xid for t in self.running()}
        completed = [t.xid for t in self.transactions if t.state != "running"]
        xmax = max(completed, default=99) + 1
        xip = frozenset(x for x in running if x < xmax)
        visible = sorted(s for t in self.transactions if t.state == "committed" for s in t.seqs)
        self.taken = (Snapshot(min(xip, default=xmax), xmax, xip), visible)

    def finish(self) -> None:
        """The next statement, a moment later: which transactions write the log now (they hold a lock
        on it); then the rows up to the new floor, as the snapshot sees them."""
        if self.taken is None:
            return
        snapshot, visible = self.taken
        self.taken = None
        writers = frozenset(t.xid for t in self.running() if t.seqs)
        before = self.tracker.floor
        floor = self.tracker.advance(max(visible, default=0), snapshot, writers, self.now)
        self.delivered += [s for s in visible if before < s <= floor]

    def read(self) -> None:
        self.snap()
        self.finish()


operations = st.lists(
    st.tuples(
        st.sampled_from(["begin", "idle", "allocate", "commit", "abort", "read", "snap", "finish"]),
        st.integers(0, 7),
    ),
    max_size=80,
)


@settings(max_examples=1000, deadline=None)
@given(operations)
def test_every_committed_number_is_delivered_once_and_in_order(ops: list[tuple[str, int]]) -> None:
    server = Server()
    for op, pick in ops:
        server.now += 0.01
        running = server.running()
        chosen = running[pick % len(running)] if running else None
        if op == "begin":
            server.begin()
        elif op == "idle":
            server.begin()  # another application's transaction: never writes the log
        elif op == "allocate" and chosen is not None:
            server.allocate(chosen)
        elif op in ("commit", "abort") and chosen is not None:
            chosen.state = "committed" if op == "commit" else "aborted"
        elif op == "read":
            server.read()
        elif op == "snap":
            server.snap()
        elif op == "finish":
            server.finish()
        assert server.delivered == sorted(set(server.delivered))
    server.finish()
    for txn in server.running():
        txn.state = "committed"
    server.read()
    server.read()
    committed = sorted(s for t in server.transactions if t.state == "committed" for s in t.seqs)
    assert server.delivered == committed


def test_a_number_committed_after_a_higher_one_is_delivered_before_it() -> None:
    server = Server()
    first, second = server.begin(), server.begin()
    server.allocate(first)  # 1
    server.allocate(second)  # 2
    second.state = "committed"
    server.read()
    assert server.delivered == []  # 1 may still commit
    first.state = "committed"
    server.read()
    assert server.delivered == [1, 2]


def test_a_writer_that_commits_between_the_snapshot_and_the_lock_check_is_not_skipped() -> None:
    server = Server()
    slow, fast = server.begin(), server.begin()
    server.allocate(slow)  # 1
    server.allocate(fast)  # 2
    fast.state = "committed"
    server.snap()  # sees 2, not 1
    slow.state = "committed"
    server.finish()  # no writer left: 1 committed after the snapshot, which cannot show it
    server.read()
    assert server.delivered == [1, 2]


def test_a_transaction_that_does_not_write_the_log_holds_nothing() -> None:
    server = Server()
    server.begin()  # open elsewhere, for as long as it likes
    writer = server.begin()
    server.allocate(writer)
    writer.state = "committed"
    server.read()
    server.read()
    assert server.delivered == [1]


def test_a_read_that_waits_too_long_is_given_up_on() -> None:
    tracker = Tracker(max_wait=5.0)
    still = Snapshot(10, 12, frozenset({10, 11}))
    assert tracker.advance(3, still, frozenset({10}), now=0.0) == 0
    assert tracker.advance(3, still, frozenset({10}), now=1.0) == 0 and tracker.waiting
    assert tracker.advance(3, still, frozenset({10}), now=5.0) == 3
    assert not tracker.waiting


def test_without_a_snapshot_every_number_read_is_final() -> None:
    assert Tracker().advance(7, None, now=0.0) == 7


def test_snapshots_parse_from_postgresql_text() -> None:
    assert Snapshot.parse("10:14:10,12") == Snapshot(10, 14, frozenset({10, 12}))
    assert Snapshot.parse("10:10:") == Snapshot(10, 10)
    assert Snapshot(10, 14, frozenset({12})).finished(11)
    assert not Snapshot(10, 14, frozenset({12})).finished(12)
    assert not Snapshot(10, 14).finished(14)
    assert Snapshot(2**32 + 5, 2**32 + 9).widen(7) == 2**32 + 7
    assert Snapshot(2**32 + 5, 2**32 + 9).widen(2**32 - 3) == 2**32 - 3  # just before the wraparound


def test_a_writer_whose_id_is_above_the_snapshots_xmax_is_waited_for() -> None:
    """xmax is one past the latest *completed* id: a writer that got a higher id is in no xip."""
    server = Server()
    older, newer = server.begin(), server.begin()
    server.allocate(newer)  # 1
    server.allocate(older)  # 2
    older.state = "committed"
    server.read()
    newer.state = "committed"
    server.read()
    assert server.delivered == [1, 2]
