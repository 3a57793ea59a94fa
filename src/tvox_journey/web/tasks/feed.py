"""One follower of the event log per server process: it feeds the in-process broadcaster.

Every open live page of a process listens to the broadcaster; the follower
reads the log for all of them and delivers each change once, in sequence
order, only when every number below it is final (live.follow.Tracker), so a
change committed out of order by another writer is never skipped.

It reads when woken: by a commit of this process (Broadcaster.publish), by a
PostgreSQL notification (one LISTEN connection per process, on a thread of its
own, reconnecting with backoff; every write transaction notifies at commit),
a moment later while numbers wait for open transactions, and at least every
`IDLE_SECONDS` (writers that do not notify, a lost listening connection).
A commit of webhook deliveries alone wakes it only while a page listens: with
none, nobody waits for those changes, and reading them at every commit cost
about a tenth of the server's time per event (the next read takes the floor
past them; a page that begins listening catches up first).
Whatever arrived while it could not read is caught up from the log by sequence
number. Variable mappings saved by another process are reloaded here too.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import psycopg
from psycopg import sql
from sqlalchemy import Connection
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from tvox_journey.ingest.mapping import Table
from tvox_journey.live.broadcaster import Broadcaster, Change, ChangeKind
from tvox_journey.live.follow import Snapshot, Tracker
from tvox_journey.store import changes, dialect
from tvox_journey.store import mappings as mapping_store
from tvox_journey.store.engine import Database
from tvox_journey.store.event_log import LogOutcome

log = logging.getLogger(__name__)

IDLE_SECONDS = 1.0
WAITING_SECONDS = 0.02  # re-read this soon while numbers wait for open transactions
MIN_STEP_SECONDS = 0.02  # at most 50 reads a second, however many commits wake the follower
BATCH = 2000
BACKOFF_MAX = 10.0

_ACTION_KINDS: dict[str, ChangeKind] = {
    "contact": "contact",
    "journey": "journey_cleared",
    "names": "names",
    "mappings": "mappings",
    "user": "user",
    "note": "note",  # a note on a call (services/notes.py): only the cards with the call's number
}


def _keyed(row: changes.LogRow) -> bool:
    """Whether the change of this row is for the pages of its call's number: an event of the call, or
    a note on it."""
    return row.call_id is not None and (row.outcome != LogOutcome.ACTION or row.route.startswith("note/"))


def calls_to_key(rows: list[changes.LogRow]) -> set[str]:
    """The calls whose number keys the changes of these rows need."""
    return {r.call_id for r in rows if r.call_id is not None and _keyed(r)}


def change_of(row: changes.LogRow, number_key: str | None) -> Change:
    if row.outcome != LogOutcome.ACTION:
        return Change(row.seq, row.call_id, number_key)
    kind = _ACTION_KINDS.get(row.route.partition("/")[0], "action")
    if kind == "note" and _keyed(row):
        return Change(row.seq, row.call_id, number_key, kind="note")
    return Change(row.seq, kind=kind)


def _position(conn: Connection) -> tuple[int, Snapshot | None, frozenset[int]]:
    """The log's top as this transaction sees it, its snapshot, and the log's writers just after."""
    top, text = changes.position(conn)
    snapshot = Snapshot.parse(text) if text else None
    writers: frozenset[int] = frozenset()
    if snapshot is not None:
        writers = frozenset(snapshot.widen(x) for x in changes.log_writers(conn))
    return top, snapshot, writers


@dataclass
class Step:
    floor: int
    changes: list[Change]
    mappings: Table | None = None  # the mapping rows, when an edit of them was read
    after: int = 0  # the floor the step started from
    top: int = 0  # the log's top as the step read it


@dataclass
class LogFeed:
    """Reads committed changes from the log and delivers them to `broadcaster`."""

    db: Database
    broadcaster: Broadcaster
    channel: str | None = None
    idle_seconds: float = IDLE_SECONDS
    on_mappings: Callable[[Table, int], None] | None = None  # on the event loop: rows, and the floor
    tracker: Tracker = field(default_factory=Tracker)
    _delivered: int = 0
    _owed: int = 0  # a wake-up asked for the changes up to here: re-read soon while they wait
    _wake: asyncio.Event = field(default_factory=asyncio.Event)
    _task: asyncio.Task[None] | None = None
    _loop: asyncio.AbstractEventLoop | None = None
    _listener: threading.Thread | None = None
    _stopping: threading.Event = field(default_factory=threading.Event)
    _poked: threading.Event = field(default_factory=threading.Event)
    listening: bool = False  # the LISTEN connection is up (PostgreSQL)

    @property
    def floor(self) -> int:
        """Every change up to this sequence number has been delivered."""
        return self._delivered

    async def start(self) -> None:
        """Start from the end of the log (pages catch up from it by their own sequence numbers)."""
        self._loop = asyncio.get_running_loop()
        first = await asyncio.to_thread(self._read_floor)
        self.tracker.floor = first
        self._delivered = first
        self.broadcaster.wake = self.wake
        self._task = asyncio.create_task(self._run(), name="tvox-journey-log-feed")
        if self.channel is not None:
            self._listener = threading.Thread(target=self._listen, name="tvox-journey-listen", daemon=True)
            self._listener.start()

    async def stop(self) -> None:
        """Stop reading and listening. Not by cancelling the task alone: on Python 3.11 a cancel that
        meets a wake-up inside asyncio.wait_for can be swallowed, and the task would run on."""
        self.broadcaster.wake = None
        self._stopping.set()
        self._wake.set()
        if self._task is not None:
            done, _pending = await asyncio.wait({self._task}, timeout=5)
            if not done:
                self._task.cancel()
                await asyncio.wait({self._task}, timeout=5)
        if self._listener is not None:
            await asyncio.to_thread(self._listener.join, 3)

    async def catch_up(self, timeout: float = 1.0) -> None:
        """Wait (up to `timeout`) until everything committed before this call has been delivered, so a
        stream opened just after a change starts past it."""
        top = await asyncio.to_thread(self._read_top)
        deadline = time.monotonic() + timeout
        while self._delivered < top and time.monotonic() < deadline:
            self.wake()
            await asyncio.sleep(WAITING_SECONDS)

    def _read_top(self) -> int:
        with self.db.read.connect() as conn:
            return changes.position(conn)[0]

    def wake(self) -> None:
        """Read the log now (event loop only)."""
        self._wake.set()

    def _wake_from_thread(self) -> None:
        if self._loop is not None and not self._poked.is_set():
            self._poked.set()
            self._loop.call_soon_threadsafe(self._woken_by_thread)

    def _woken_by_thread(self) -> None:
        self._poked.clear()
        self._wake.set()

    async def _run(self) -> None:
        delay = self.idle_seconds
        while not self._stopping.is_set():
            woken = True
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=delay)
            except TimeoutError:
                woken = False
            if self._stopping.is_set():
                return
            self._wake.clear()
            began = time.monotonic()
            try:
                every = self.broadcaster.listened
                step = await asyncio.to_thread(self._step, every)
                if not every and self.broadcaster.listened:  # a page began listening during the read
                    step = await asyncio.to_thread(self._reread, step)
            except SQLAlchemyError as error:
                log.warning("live feed could not read the event log: %s", error)
                delay = self.idle_seconds
                continue
            for change in step.changes:
                self.broadcaster.deliver(change)
            self._delivered = step.floor
            if step.mappings is not None and self.on_mappings is not None:
                self.on_mappings(step.mappings, step.floor)  # rows as of a snapshot final up to floor
            # Numbers waiting for open transactions are re-read soon for a listening page, or for what
            # a wake-up announced (an action: mappings, names); the rest waits for the next idle read.
            if woken:
                self._owed = max(self._owed, step.top)
            waiting = self.tracker.waiting and (self.broadcaster.listened or step.floor < self._owed)
            delay = WAITING_SECONDS if waiting else self.idle_seconds
            if (pause := MIN_STEP_SECONDS - (time.monotonic() - began)) > 0:
                await asyncio.sleep(pause)

    def _read_floor(self) -> int:
        """The end of the log, once the writers that may still commit below it have finished (nobody
        listens yet: later pages catch up from the log by their own sequence numbers)."""
        top, snapshot, writers = self._read_position()
        began = time.monotonic()
        while writers and time.monotonic() - began < self.tracker.max_wait:
            time.sleep(WAITING_SECONDS)
            _top, later, _writers = self._read_position()
            if later is not None and all(later.finished(x) for x in writers):
                break
        return top

    def _read_position(self) -> tuple[int, Snapshot | None, frozenset[int]]:
        with self._reading() as conn:
            return _position(conn)

    def _reading(self) -> Connection:
        """A read transaction; on PostgreSQL REPEATABLE READ, so all its statements share one snapshot."""
        return dialect.one_snapshot(self.db.read.connect())

    def _step(self, every: bool) -> Step:
        """One read: advance the floor, and the changes of the rows that became final (with no page
        listening, only the users' actions: mappings and names are this process's business too)."""
        with self._reading() as conn:
            top, snapshot, writers = _position(conn)
            before = self.tracker.floor
            floor = self.tracker.advance(top, snapshot, writers, time.monotonic())
            return replace(self._changes(conn, before, floor, every), top=top)

    def _reread(self, step: Step) -> Step:
        """The step's rows again, every one of them (a page that began listening is owed them)."""
        with self._reading() as conn:
            return replace(self._changes(conn, step.after, step.floor, every=True), top=step.top)

    @staticmethod
    def _changes(conn: Connection, before: int, floor: int, every: bool) -> Step:
        found: list[Change] = []
        mappings_changed = False
        after = before
        outcomes = changes.ANNOUNCED if every else (LogOutcome.ACTION,)
        while after < floor:
            rows = changes.rows_between(conn, after, floor, BATCH, outcomes)
            if not rows:
                break
            keys = changes.number_keys(conn, calls_to_key(rows))
            for row in rows:
                change = change_of(row, keys.get(row.call_id) if row.call_id else None)
                mappings_changed |= change.kind == "mappings"
                found.append(change)
            after = rows[-1].seq
        rows_now = mapping_store.all_rows(conn) if mappings_changed else None
        return Step(floor, found, rows_now, after=before)

    def _listen(self) -> None:
        """LISTEN on the database's channel until stopped, reconnecting with backoff."""
        assert self.channel is not None
        parsed = make_url(self.db.url).set(drivername="postgresql")
        conninfo = parsed.render_as_string(hide_password=False)
        backoff = 0.5
        while not self._stopping.is_set():
            try:
                with psycopg.connect(
                    conninfo,
                    autocommit=True,
                    connect_timeout=5,
                    keepalives=1,
                    keepalives_idle=5,
                    keepalives_interval=2,
                    keepalives_count=3,
                ) as conn:
                    conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self.channel)))
                    self.listening = True
                    backoff = 0.5
                    self._wake_from_thread()  # catch up whatever committed while not listening
                    while not self._stopping.is_set():
                        for notification in conn.notifies(timeout=0.25):
                            if notification.payload != changes.EVENTS_ONLY or self.broadcaster.listened:
                                self._wake_from_thread()
            except psycopg.Error as error:
                self.listening = False
                log.warning("live feed lost its LISTEN connection (%s); retrying in %.1f s", error, backoff)
                self._stopping.wait(backoff)
                backoff = min(backoff * 2, BACKOFF_MAX)
        self.listening = False
