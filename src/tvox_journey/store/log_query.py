"""The event log found and paged: by call id, number, outcome, route, time and text, newest first.

The log's order is the receipt time, then the sequence number, newest first. Each
filter but the text has an index in that order (store/schema.py), so a page of
one filter is a short index range. A page reads one index only, the most selective
filter's; the other filters and the text are checked on at most `SCAN_ROWS` rows
of that index. When those rows do not fill the page, the page says so (`bounded`)
and its cursor goes on from where the reading stopped: no page ever reads more.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, and_, literal_column, or_, select

from tvox_journey.domain.contact import Contact
from tvox_journey.store.schema import contact_numbers, contacts, event_log, interactions

SCAN_ROWS = 5000  # rows of one index a page reads at most when more filters than one narrow it
TEXT_CHUNK = 100  # rows whose parameters are read at once for the text filter
OUTCOMES = ("accepted", "duplicate", "unrecognized", "rejected", "action")
ACCEPTED = "accepted"
# The outcome index holds every row but the accepted ones (store/schema.py); a literal, as SQLite uses a
# partial index only for a query that states its condition.
NOT_ACCEPTED = event_log.c.outcome != literal_column("'accepted'")
_ORDER = (event_log.c.received_at.desc(), event_log.c.seq.desc())
_LIGHT = (
    event_log.c.seq,
    event_log.c.received_at,
    event_log.c.route,
    event_log.c.outcome,
    event_log.c.number_key,
    event_log.c.call_id,
)


def utc(at: datetime) -> datetime:
    """A time as aware UTC (SQLite hands back naive UTC; a naive time given here is UTC too)."""
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


@dataclass(frozen=True)
class LogFilter:
    """What to find; every field left None matches every row. Times are instants (aware)."""

    route: str | None = None
    outcome: str | None = None
    number_key: str | None = None
    call_id: str | None = None
    since: datetime | None = None  # received at or after
    until: datetime | None = None  # received before
    text: str | None = None  # in a parameter's name or value (`name=value`), any case

    def equalities(self) -> dict[str, str]:
        """The filters that name a column's value, by column."""
        found = {"call_id": self.call_id, "number_key": self.number_key, "route": self.route}
        found["outcome"] = self.outcome
        return {name: value for name, value in found.items() if value is not None}


@dataclass(frozen=True)
class LogCursor:
    """Where a page of the log ends: its last row's receipt time and sequence number."""

    received_at: datetime
    seq: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "received_at", utc(self.received_at))

    @classmethod
    def after(cls, row: dict[str, Any]) -> LogCursor:
        return cls(row["received_at"], int(row["seq"]))

    def token(self) -> str:
        """The cursor as opaque text, for `cursor=`."""
        raw = json.dumps([self.received_at.isoformat(), self.seq])
        return base64.urlsafe_b64encode(raw.encode()).decode()

    @classmethod
    def from_token(cls, token: str) -> LogCursor:
        """The cursor `token()` made; ValueError for any other text."""
        try:
            at, seq = json.loads(base64.urlsafe_b64decode(token.encode()))
            if not isinstance(at, str) or type(seq) is not int or not 0 < seq < 2**62:
                raise TypeError("a cursor is [receipt time, sequence number]")
            return cls(datetime.fromisoformat(at), seq)
        except (ValueError, TypeError, OverflowError, UnicodeEncodeError):
            raise ValueError("not a cursor of the event log") from None


@dataclass(frozen=True)
class LogPage:
    """A page of rows, newest first, and the cursor of the next one (None at the end)."""

    rows: list[dict[str, Any]]
    next: LogCursor | None
    bounded: bool = False  # the page stopped at the reading bound, not at the end: `next` goes on
    read: int = 0  # rows of the index the page read


def _primary(log_filter: LogFilter) -> str | None:
    """The filter whose index a page reads: the most selective one given (None: the receipt time's).

    Accepted rows are most of the log and are not in the outcome index: that filter is checked on
    the rows of another index.
    """
    given = log_filter.equalities()
    for column in ("call_id", "number_key"):
        if column in given:
            return column
    if given.get("outcome") not in (None, ACCEPTED):  # refusals, duplicates, actions: few rows
        return "outcome"
    return "route" if "route" in given else None


def _conditions(log_filter: LogFilter, primary: str | None, after: LogCursor | None) -> list[Any]:
    found: list[ColumnElement[bool]] = []
    if primary is not None:
        found.append(event_log.c[primary] == log_filter.equalities()[primary])
    if primary == "outcome":
        found.append(NOT_ACCEPTED)  # the outcome index's own condition, so that SQLite may use it
    if log_filter.since is not None:
        found.append(event_log.c.received_at >= utc(log_filter.since))
    if log_filter.until is not None:
        found.append(event_log.c.received_at < utc(log_filter.until))
    if after is not None:
        # The first condition alone bounds the index range; the second breaks ties.
        found.append(event_log.c.received_at <= after.received_at)
        found.append(
            or_(
                event_log.c.received_at < after.received_at,
                and_(event_log.c.received_at == after.received_at, event_log.c.seq < after.seq),
            )
        )
    return found


def page_statement(log_filter: LogFilter, *, limit: int, after: LogCursor | None = None) -> Select[Any]:
    """The statement of a page one index answers exactly (at most one filter, no text)."""
    where = _conditions(log_filter, _primary(log_filter), after)
    return select(event_log).where(*where).order_by(*_ORDER).limit(limit)


def params_contain(params: object, text: str) -> bool:
    """Whether a stored parameter list has `text` in a `name=value` (any case); total on any JSON."""
    needle = text.casefold()
    if not isinstance(params, list):
        return False
    for pair in params:
        if isinstance(pair, list | tuple) and len(pair) == 2 and needle in f"{pair[0]}={pair[1]}".casefold():
            return True
    return False


def _full_rows(conn: Connection, seqs: Sequence[int]) -> list[dict[str, Any]]:
    if not seqs:
        return []
    query = select(event_log).where(event_log.c.seq.in_(seqs)).order_by(*_ORDER)
    return [dict(row._mapping) for row in conn.execute(query)]


def _with_text(conn: Connection, candidates: Sequence[Any], text: str, wanted: int) -> list[Any]:
    """The first `wanted` candidates whose parameters contain `text`, reading a few at a time."""
    found: list[Any] = []
    for start in range(0, len(candidates), TEXT_CHUNK):
        chunk = candidates[start : start + TEXT_CHUNK]
        query = select(event_log.c.seq, event_log.c.params).where(event_log.c.seq.in_([c.seq for c in chunk]))
        matching = {int(row.seq) for row in conn.execute(query) if params_contain(row.params, text)}
        found += [c for c in chunk if int(c.seq) in matching]
        if len(found) >= wanted:
            return found[:wanted]
    return found


def find(
    conn: Connection,
    log_filter: LogFilter,
    *,
    limit: int,
    after: LogCursor | None = None,
    scan_rows: int = SCAN_ROWS,
) -> LogPage:
    """A page of at most `limit` rows matching `log_filter`, newest first, after `after`."""
    primary = _primary(log_filter)
    where = _conditions(log_filter, primary, after)
    others = {k: v for k, v in log_filter.equalities().items() if k != primary}
    if not others and not log_filter.text:  # one index answers exactly
        query = page_statement(log_filter, limit=limit + 1, after=after)
        rows = [dict(row._mapping) for row in conn.execute(query)]
        more = len(rows) > limit
        return LogPage(rows[:limit], LogCursor.after(rows[limit - 1]) if more else None, read=len(rows))
    window = list(conn.execute(select(*_LIGHT).where(*where).order_by(*_ORDER).limit(scan_rows)))
    candidates = [r for r in window if all(getattr(r, k) == v for k, v in others.items())]
    if log_filter.text:
        candidates = _with_text(conn, candidates, log_filter.text, limit + 1)
    rows = _full_rows(conn, [int(c.seq) for c in candidates[:limit]])
    if len(candidates) > limit:
        return LogPage(rows, LogCursor.after(rows[-1]), read=len(window))
    if len(window) == scan_rows:
        last = window[-1]
        return LogPage(rows, LogCursor(last.received_at, int(last.seq)), bounded=True, read=len(window))
    return LogPage(rows, None, read=len(window))


def for_call(conn: Connection, call_id: str, *, limit: int) -> list[dict[str, Any]]:
    """The rows of one call id in arrival order (receipt time, then sequence number), the first `limit`."""
    query = (
        select(event_log)
        .where(event_log.c.call_id == call_id)
        .order_by(event_log.c.received_at, event_log.c.seq)
        .limit(limit)
    )
    return [dict(row._mapping) for row in conn.execute(query)]


def call_number_keys(conn: Connection, call_ids: Iterable[str]) -> dict[str, str]:
    """The number key of each call's interaction (calls with none are left out)."""
    wanted = sorted(set(call_ids))
    if not wanted:
        return {}
    query = select(interactions.c.call_id, interactions.c.number_key).where(
        interactions.c.call_id.in_(wanted), interactions.c.number_key.is_not(None)
    )
    return {row.call_id: row.number_key for row in conn.execute(query)}


def contacts_of_numbers(conn: Connection, number_keys: Iterable[str]) -> dict[str, list[tuple[int, str]]]:
    """The contacts that have each number key: (id, "Surname Name" or the company), by id."""
    wanted = sorted(set(number_keys))
    if not wanted:
        return {}
    query = (
        select(
            contact_numbers.c.number_key,
            contacts.c.id,
            contacts.c.name,
            contacts.c.surname,
            contacts.c.company,
        )
        .join(contacts, contacts.c.id == contact_numbers.c.contact_id)
        .where(contact_numbers.c.number_key.in_(wanted))
        .order_by(contacts.c.id)
    )
    found: dict[str, list[tuple[int, str]]] = {}
    for row in conn.execute(query):
        person = Contact(int(row.id), row.name, row.surname, row.company, ())
        found.setdefault(row.number_key, []).append((person.id, person.display_name))
    return found
