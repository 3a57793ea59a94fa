"""Missed calls to call back: the one list behind `/callbacks`, its count and the JSON API, and
marking a number handled. Use cases: the caller passes a Connection (a transaction to write).

May import `domain` and `store` (no web, no live).

An entry is a number, not a call: the missed or abandoned inbound calls of a public number
since its last answered call (either direction) and since the last time someone marked it
handled, within the last `window_days` days. Withheld or absent numbers have no key and are
left out (nobody can call them back, and no answered call could ever close them); so are
internal extensions. See store/callbacks.py for what counts as an attempt and how a mark is
stored.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import quote

from sqlalchemy import Connection

from tvox_journey.domain.contact import Contact
from tvox_journey.domain.interaction import Interaction
from tvox_journey.services import recording
from tvox_journey.store import callbacks as store
from tvox_journey.store import contacts as contact_store
from tvox_journey.store import event_log
from tvox_journey.store.callbacks import Attempt
from tvox_journey.store.engine import Database

NOTE_MAX = 500  # characters of the optional note of a "handled" mark
_DIALABLE = re.compile(r"\+?\d{1,32}")


@dataclass(frozen=True)
class Callback:
    """A number to call back: its open attempts, newest last."""

    number_key: str
    attempts: int  # missed calls since its last answered call and its last "handled" mark
    first_at: datetime  # sort time of the oldest open attempt
    last_at: datetime  # sort time of the newest
    last_call_id: str
    service: str | None  # of the newest attempt
    latest: Interaction | None = None  # the newest attempt, for the entries listed
    contacts: tuple[Contact, ...] = ()  # who has the number, for the entries listed


@dataclass(frozen=True)
class Callbacks:
    """The list: its first `limit` entries, newest attempt first, and how many there are."""

    items: list[Callback]
    total: int
    since: datetime  # the window's start
    open_attempts: dict[str, list[Attempt]] = field(default_factory=dict)  # per number, oldest first


CACHE_LIMIT = 500  # entries with details the shared list keeps (the most the page or the API shows)


class SharedList:
    """The list as of one state of the database, computed once for every page, count and API request.

    Every open page asks again after each change, and the navigation's count with it: without this,
    thirty open pages would run the query sixty times a change. The state is the key a caller reads
    (see `current`); requests that arrive together wait for the one computing it, at most
    `wait_seconds` (a database that stops answering must not queue them one timeout after another):
    then each computes its own.
    """

    def __init__(self, wait_seconds: float = 2.0) -> None:
        self._lock = threading.Lock()
        self._key: Hashable = None
        self._value: Callbacks | None = None
        self.wait_seconds = wait_seconds

    def get(self, key: Hashable, compute: Callable[[], Callbacks]) -> Callbacks:
        if not self._lock.acquire(timeout=self.wait_seconds):
            return compute()
        try:
            if self._value is None or self._key != key:
                self._value = compute()
                self._key = key
            return self._value
        finally:
            self._lock.release()


def current(shared: SharedList, db: Database, *, floor: int, now: datetime, window_days: int) -> Callbacks:
    """The list now (the first CACHE_LIMIT entries with details), from `shared` when nothing changed.

    Nothing changed when the log's newest sequence number and `floor` (every change up to it delivered
    to the live pages: web/tasks/feed.py) are what they were, in the same minute. The newest number
    alone is not enough on PostgreSQL, where a lower one may commit later; it is then below the new
    floor. A write of this process (a "handled" mark) raises the newest number at once.
    """
    with db.read.connect() as conn:
        key = (event_log.max_seq(conn), floor, now.replace(second=0, microsecond=0), window_days)

    def compute() -> Callbacks:
        with db.read.connect() as conn:
            return open_callbacks(conn, now=now, window_days=window_days, limit=CACHE_LIMIT)

    return shared.get(key, compute)  # waiting holds no connection: the pool is not for waiting


def window_start(now: datetime, window_days: int) -> datetime:
    return now - timedelta(days=window_days)


def open_callbacks(
    conn: Connection, *, now: datetime, window_days: int, limit: int, number_key: str | None = None
) -> Callbacks:
    """The numbers to call back, newest attempt first (`limit` of them with details; 0: the count only).

    The one function the page, its count, the home page and the API read; `number_key` narrows it to
    one number (marking it handled reads the same list).
    """
    since = window_start(now, window_days)
    attempts = store.unanswered_attempts(conn, since=since, number_key=number_key)
    by_number: dict[str, list[Attempt]] = {}
    for attempt in attempts:
        by_number.setdefault(attempt.number_key, []).append(attempt)
    entries: list[Callback] = []
    still_open: dict[str, list[Attempt]] = {}
    for key, group in by_number.items():
        group.sort(key=lambda a: a.order)
        cut = max((i for i, a in enumerate(group) if a.handled), default=-1)
        remaining = group[cut + 1 :]
        if remaining:
            still_open[key] = remaining
            last = remaining[-1]
            entries.append(
                Callback(key, len(remaining), remaining[0].sort_at, last.sort_at, last.call_id, last.service)
            )
    entries.sort(key=lambda c: (c.last_at, c.last_call_id), reverse=True)
    return Callbacks(_with_details(conn, entries[: max(limit, 0)]), len(entries), since, still_open)


def _with_details(conn: Connection, entries: list[Callback]) -> list[Callback]:
    if not entries:
        return []
    latest = store.latest_interactions(conn, [c.last_call_id for c in entries])
    owners = contact_store.owners(conn, [c.number_key for c in entries])
    people = contact_store.get_many(conn, sorted({i for ids in owners.values() for i in ids}))
    return [
        Callback(
            c.number_key,
            c.attempts,
            c.first_at,
            c.last_at,
            c.last_call_id,
            c.service,
            latest=latest.get(c.last_call_id),
            contacts=tuple(people[i] for i in sorted(owners.get(c.number_key, ())) if i in people),
        )  # fmt: skip
        for c in entries
    ]


@dataclass(frozen=True)
class Handled:
    """A "handled" mark recorded: its log row and the attempts it closed."""

    seq: int
    number_key: str
    attempts: int
    through: str  # the newest attempt it covers


@dataclass(frozen=True)
class NotOpen:
    """Nothing was marked: the number has no open attempt, or (`stale`) `through` is not one of them."""

    stale: bool = False


def mark_handled(
    conn: Connection,
    number_key: str,
    *,
    through: str | None,
    note: str | None,
    actor: str | None,
    now: datetime,
    window_days: int,
) -> Handled | NotOpen:
    """Close a number's open attempts up to `through` (a call id; None: up to the newest now).

    Recorded in the audit trail. A missed call after `through` keeps (or puts) the number on the list.
    A result rather than an exception when nothing is open: the writer takes a raising job for a failure.
    """
    found = open_callbacks(conn, now=now, window_days=window_days, limit=0, number_key=number_key)
    remaining = found.open_attempts.get(number_key, [])
    ids = [a.call_id for a in remaining]
    if not ids:
        return NotOpen()
    if through is not None and through not in ids:
        return NotOpen(stale=True)
    last = through if through is not None else ids[-1]
    covered = ids.index(last) + 1
    details = [("number", number_key), ("attempts", str(covered)), ("through", last)]
    if note:
        details.append(("note", note))
    seq = recording.record_action(
        conn, actor=actor, action=store.HANDLED, details=details, now=now, call_id=last
    )
    return Handled(seq, number_key, covered, last)


def clean_note(text: str | None) -> str | None:
    """The note as stored: trimmed, None when blank.

    Raises:
        ValueError: longer than NOTE_MAX characters.
    """
    note = (text or "").strip()
    if len(note) > NOTE_MAX:
        raise ValueError(f"note: longer than {NOTE_MAX} characters")
    return note or None


def tel_uri(number_key: str) -> str | None:
    """`tel:` for a number a phone can dial (digits, optionally after +); None for a SIP name."""
    return f"tel:{number_key}" if _DIALABLE.fullmatch(number_key) else None


def click_to_call_url(template: str | None, number_key: str) -> str | None:
    """The installation's click-to-call URL with the number (percent-encoded); None without a template."""
    if not template:
        return None
    return template.replace("{number}", quote(number_key, safe=""))
