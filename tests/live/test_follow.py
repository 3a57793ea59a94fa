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

    def read(self) -> None:
        running = {t.xid for t in self.running()}
        snapshot = Snapshot(min(running, default=self.next_xid), self.next_xid, frozenset(running))
        visible = sorted(s for t in self.transactions if t.state == "committed" for s in t.seqs)
        before = self.tracker.floor
        floor = self.tracker.advance(max(visible, default=0), snapshot, self.now)
        self.delivered += [s for s in visible if before < s <= floor]

    def narrow(self) -> None:
        """Only transactions that inserted into the log hold a lock on it."""
        self.tracker.narrow(frozenset(t.xid for t in self.running() if t.seqs))


operations = st.lists(
    st.tuples(
        st.sampled_from(["begin", "idle", "allocate", "commit", "abort", "read", "narrow"]), st.integers(0, 7)
    ),
    max_size=80,
)


@settings(max_examples=400, deadline=None)
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
        elif op == "narrow":
            server.narrow()
        assert server.delivered == sorted(set(server.delivered))
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


def test_a_transaction_that_never_writes_the_log_holds_nothing_once_narrowed() -> None:
    server = Server()
    server.begin()  # open elsewhere, for as long as it likes
    writer = server.begin()
    server.allocate(writer)
    writer.state = "committed"
    server.read()
    assert server.delivered == []
    server.narrow()
    server.read()
    assert server.delivered == [1]


def test_a_read_that_waits_too_long_is_given_up_on() -> None:
    tracker = Tracker(max_wait=5.0)
    assert tracker.advance(3, Snapshot(10, 12, frozenset({10, 11})), now=0.0) == 0
    assert tracker.waiting and tracker.stalled(now=1.0)
    assert tracker.advance(3, Snapshot(10, 12, frozenset({10, 11})), now=5.0) == 3
    assert not tracker.waiting


def test_without_a_snapshot_every_number_read_is_final() -> None:
    assert Tracker().advance(7, None, now=0.0) == 7


def test_snapshots_parse_from_postgresql_text() -> None:
    assert Snapshot.parse("10:14:10,12") == Snapshot(10, 14, frozenset({10, 12}))
    assert Snapshot.parse("10:10:") == Snapshot(10, 10)
    assert Snapshot(10, 14, frozenset({12})).finished(11)
    assert not Snapshot(10, 14, frozenset({12})).finished(12)
    assert not Snapshot(10, 14).finished(14)
