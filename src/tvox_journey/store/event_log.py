"""The append-only event log: every request, its outcome, and the parsed event.

This module has no UPDATE and no DELETE. The exceptions to append-only are
elsewhere: store/refused.py (rejected rows: counting a flood, their retention),
store/prune.py (the retention of the requests of calls) and store/erasure.py
(the erasure of a person). None of them touches an action row.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import cache, lru_cache
from typing import Any

from sqlalchemy import Connection, Select, Text, and_, cast, func, insert, or_, select
from sqlalchemy.engine import Dialect

from tvox_journey.domain.events import CallEvent
from tvox_journey.store import dialect, json_text
from tvox_journey.store.codec import event_from_json, event_to_json
from tvox_journey.store.schema import event_log

MAX_REQUEST_BYTES = 2**62  # what the column holds; a declared Content-Length can claim more


class LogOutcome(StrEnum):
    """What became of a request (or a user's action): the `outcome` column, stored as its value."""

    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"
    UNRECOGNIZED = "unrecognized"  # stored, but its event kind is not known
    ACTION = "action"  # something a user did (audit trail)


@dataclass(frozen=True)
class LogEntry:
    """One request (or user action) to record."""

    received_at: datetime
    method: str
    path: str
    route: str
    params: Sequence[tuple[str, str]]
    outcome: LogOutcome
    status_code: int
    remote_addr: str | None = None
    reason: str | None = None
    event: CallEvent | None = None
    body: bytes | None = None
    actor: str | None = None
    request_bytes: int | None = None  # size of the query string and body, when only an excerpt is kept
    flood_key: str | None = None  # refusals with the same key are one counted row (store/refused.py)
    query_pairs: int | None = None  # how many of `params` came from the URI's query string (webhooks)
    number_key: str | None = None  # the event's number, normalized (set by services.recording.record_many)
    replay_of: int | None = None  # the row this entry replays (replay.py)
    request_id: str | None = None  # the id the request was answered with (X-Request-ID, server log)


def dedupe_key(route: str, params: Sequence[tuple[str, str]]) -> str:
    """Same route and same parameters (in any order) give the same key."""
    canonical = _CANONICAL([route, sorted(params)])
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


_CANONICAL = json_text.encoder(separators=(",", ":"), ensure_ascii=False)
_CHECK = json_text.encoder(ensure_ascii=False)


def storable(value: Any) -> Any:
    """Text any database takes: NUL (from bad input) becomes U+FFFD and an unpaired surrogate "?"."""
    if isinstance(value, str):
        if value.isascii() and "\x00" not in value:
            return value
        return value.encode("utf-8", "replace").decode("utf-8").replace("\x00", "\ufffd")
    if isinstance(value, list | tuple | dict):
        try:
            text: str | None = _CHECK(value)  # one pass in C: ASCII without an escaped NUL needs no repair
        except (TypeError, ValueError):
            text = None
        if text is not None and text.isascii() and "\\u0000" not in text:
            return value
    if isinstance(value, list | tuple):
        return [storable(v) for v in value]
    if isinstance(value, dict):
        return {storable(k): storable(v) for k, v in value.items()}
    return value


def stored_json(value: Any) -> str:
    """The JSON column text of `storable(value)`, from one encoding when nothing needs repair.

    The text escapes every character outside ASCII, so a NUL or a surrogate (paired or not) shows as a
    `\\u0000` or `\\ud...` escape; only then is the value repaired and encoded again (a backslash in
    the data may also send it there, which costs time, not correctness).
    """
    text = dialect.json_column_text(value)
    if "\\u0000" in text or "\\ud" in text:
        return dialect.json_column_text(storable(value))
    return text


JSON_COLUMNS = ("params", "event")


def log_row(entry: LogEntry, json_value: Callable[[Any], Any] = storable) -> dict[str, Any]:
    """The column values of an entry's row, but its sequence number and dedupe key (bulk loads use it too).

    `json_value` makes the values of the JSON columns (`JSON_COLUMNS`): storable values by default, or
    `stored_json`'s text.
    """
    return {
        "received_at": entry.received_at,
        "method": storable(entry.method),
        "path": storable(entry.path),
        "route": storable(entry.route),
        "params": json_value(entry.params),
        "remote_addr": storable(entry.remote_addr),
        "outcome": entry.outcome,
        "status_code": entry.status_code,
        "reason": storable(entry.reason),
        "call_id": storable(entry.event.call_id) if entry.event else None,
        "event": json_value(event_to_json(entry.event)) if entry.event else None,
        "body": entry.body,
        "actor": storable(entry.actor),
        "request_bytes": None if entry.request_bytes is None else min(entry.request_bytes, MAX_REQUEST_BYTES),
        "query_pairs": entry.query_pairs,
        "number_key": entry.number_key,
        "replay_of": entry.replay_of,
        "request_id": entry.request_id,
    }


# Statements are built once and given their values at execution, so SQLAlchemy
# compiles each only once (building one per event cost more than running it).
_APPEND = insert(event_log).returning(event_log.c.seq)
_replays = event_log.alias("replays")
# An unrecognized event that a replay has since read as a known one (replay.py) is folded no more:
# the replay's row stands for the same request.
_REPLAYED = (
    select(_replays.c.seq)
    .where(_replays.c.replay_of == event_log.c.seq, _replays.c.outcome != LogOutcome.REJECTED)
    .exists()
)
_FOLDED = or_(
    event_log.c.outcome == LogOutcome.ACCEPTED,
    and_(event_log.c.outcome == LogOutcome.UNRECOGNIZED, ~_REPLAYED),
)


@cache
def _events_for_calls(postgresql: bool) -> Select[tuple[str, Any]]:
    """One statement for any number of calls, run through the driver (`dialect.select_in`); the events
    come back as their stored text on both databases (`_decoded`)."""
    event = cast(event_log.c.event, Text) if postgresql else event_log.c.event
    return select(event_log.c.call_id, event).where(
        dialect.in_list(event_log.c.call_id, "call_ids", postgresql), _FOLDED
    )


# A call's events are read back and decoded at each of its new events (the refold); the same stored
# text always decodes to the same immutable event, so the last texts' events are kept. Long texts are
# not: at most DECODED_EVENTS x DECODED_MAX_CHARS characters (and their events) are held.
DECODED_EVENTS = 1024
DECODED_MAX_CHARS = 2048


@lru_cache(maxsize=DECODED_EVENTS)
def _decoded_short(text: str) -> CallEvent:
    return event_from_json(json.loads(text))


def _decoded(text: str) -> CallEvent:
    """The event a stored text holds."""
    if len(text) > DECODED_MAX_CHARS:
        return event_from_json(json.loads(text))
    return _decoded_short(text)


def append(conn: Connection, entry: LogEntry, *, call_id: str | None = None) -> int:
    """Append a row as it is (rejected requests, actions; `call_id` ties an action to a call);
    returns its sequence number."""
    row = log_row(entry) | {"dedupe_key": None}
    if call_id is not None:
        row["call_id"] = storable(call_id)
    return int(conn.execute(_APPEND, row).scalar_one())


@dataclass(frozen=True, slots=True)
class NewRow:
    """An accepted event's log row, as the driver takes it (`new_row`), with its call and dedupe key."""

    call_id: str
    dedupe_key: str
    values: tuple[Any, ...]  # of NEW_ROW_COLUMNS


NEW_ROW_COLUMNS = (*log_row(LogEntry(datetime.min, "", "", "", (), LogOutcome.ACCEPTED, 200)), "dedupe_key")


def new_row(sql_dialect: Dialect, entry: LogEntry, number_key: str | None) -> NewRow:
    """The row `append_rows` inserts for an accepted event whose number has `number_key`.

    Pure: the writer's callers make it before their requests wait for the writer, so that its work
    (the dedupe key, the repair and encoding of the values) is not done while the database is held.
    """
    if entry.event is None:
        raise ValueError("only an event has a new row")
    key = dedupe_key(entry.route, entry.params)
    row = log_row(entry, stored_json) | {"number_key": number_key, "dedupe_key": key}
    return NewRow(
        entry.event.call_id, key, dialect.driver_values(sql_dialect, event_log, row, encoded=JSON_COLUMNS)
    )


def append_rows(conn: Connection, rows: Sequence[NewRow]) -> list[int | None]:
    """Append accepted events in one statement, each unless the same route and params were already accepted.

    Returns each row's sequence number, or None when it was not appended: an
    earlier row, or an earlier one of `rows`, has its route and params.
    """
    # Rows are inserted in order, so of equal entries the first is the one stored.
    found = dialect.insert_new_rows(
        conn,
        event_log,
        NEW_ROW_COLUMNS,
        [row.values for row in rows],
        key="dedupe_key",
        returning=("dedupe_key", "seq"),
    )
    inserted = {key: int(seq) for key, seq in found}
    return [inserted.pop(row.dedupe_key, None) for row in rows]


def append_new(conn: Connection, entries: Sequence[LogEntry]) -> list[int | None]:
    """`append_rows` of these entries, with their own number keys."""
    return append_rows(conn, [new_row(conn.dialect, entry, entry.number_key) for entry in entries])


def events_for_calls(conn: Connection, call_ids: Collection[str]) -> dict[str, list[CallEvent]]:
    """Every folded event of each call id (accepted, and unrecognized unless replayed), in no order."""
    found: dict[str, list[CallEvent]] = {call_id: [] for call_id in call_ids}
    if found:
        for call_id, event in dialect.select_in(conn, _events_for_calls, "call_ids", list(found)):
            if event is not None:
                found.setdefault(call_id, []).append(_decoded(event))
    return found


def events_for_call(conn: Connection, call_id: str) -> list[CallEvent]:
    """Every accepted event of a call id, in no particular order."""
    return events_for_calls(conn, [call_id])[call_id]


def read_since(conn: Connection, seq: int, limit: int = 500) -> list[dict[str, Any]]:
    """Rows after `seq`, oldest first."""
    rows = conn.execute(select(event_log).where(event_log.c.seq > seq).order_by(event_log.c.seq).limit(limit))
    return [dict(row._mapping) for row in rows]


def recent(
    conn: Connection, *, limit: int = 100, before: int | None = None, outcome: str | None = None
) -> list[dict[str, Any]]:
    """Newest rows first, optionally before a sequence number and of one outcome."""
    query = select(event_log).order_by(event_log.c.seq.desc()).limit(limit)
    if before is not None:
        query = query.where(event_log.c.seq < before)
    if outcome is not None:
        query = query.where(event_log.c.outcome == outcome)
    return [dict(row._mapping) for row in conn.execute(query)]


def outcomes_after(conn: Connection, seq: int) -> dict[str, int]:
    """How many requests the rows after `seq` stand for, by outcome (a counted refusal is several)."""
    query = (
        select(event_log.c.outcome, func.sum(event_log.c.seen_count))
        .where(event_log.c.seq > seq)
        .group_by(event_log.c.outcome)
    )
    return {outcome: int(count) for outcome, count in conn.execute(query)}


def max_seq(conn: Connection) -> int:
    return int(conn.execute(select(func.coalesce(func.max(event_log.c.seq), 0))).scalar_one())


def all_call_ids(conn: Connection) -> list[str]:
    """Every call id with at least one accepted event."""
    query = select(event_log.c.call_id).where(event_log.c.call_id.is_not(None)).distinct()
    return [row.call_id for row in conn.execute(query)]
