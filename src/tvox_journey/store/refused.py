"""Refused requests in the event log: capped, counted, and pruned after a retention.

A request refused before it could be read as an event (401, 403, 404, 405,
400, 413, 414, 415, a client that went away) costs its sender nothing, so its
row must not cost the server much either:

- `excerpt` keeps the first bytes of its parameters and body (the row records
  the full size);
- `flood_key` gives every refusal of one address, route and status within a
  time window the same key, and `append_or_count` stores the first as a row
  and counts the others on it (one atomic upsert on SQLite and PostgreSQL);
- `prune` deletes rejected rows older than the retention, a few at a time.

These are the only statements that change or delete event-log rows, and they
touch rejected rows only: accepted, duplicate, unrecognized and action rows
stay append-only (store/event_log.py).
"""

from __future__ import annotations

import hashlib
import json
from bisect import bisect_right
from collections.abc import Sequence
from datetime import datetime
from functools import cache
from ipaddress import IPv6Address, IPv6Network, ip_address

from sqlalchemy import Connection, Executable, case, delete, literal_column, select

from tvox_journey.store import dialect
from tvox_journey.store.event_log import LogEntry, LogOutcome, append, log_row
from tvox_journey.store.schema import event_log


def _json_cost(text: str) -> int:
    """Bytes `text` takes in the params column (a JSON string, ASCII-escaped)."""
    return len(json.dumps(text))


def _cut(text: str, budget: int) -> str:
    """The longest prefix of `text` whose JSON form fits in `budget` bytes."""
    if _json_cost(text) <= budget:
        return text
    # A prefix's cost grows with its length: bisect on it (each step costs one json.dumps).
    fits = bisect_right(range(len(text) + 1), budget, key=lambda n: _json_cost(text[:n]))
    return text[: max(fits - 1, 0)]


def excerpt(
    params: Sequence[tuple[str, str]], body: bytes | None, limit: int
) -> tuple[list[tuple[str, str]], bytes | None]:
    """The first pairs (the last one cut), then the first body bytes, that fit in `limit` bytes as stored."""
    kept: list[tuple[str, str]] = []
    used = 2  # the list's brackets
    for i, (name, value) in enumerate(params):
        overhead = 4 + (2 if i else 0)  # a pair's brackets and its ", ", and the ", " before it
        room = limit - used - overhead
        if room < 4:  # not even two empty strings
            break
        name_part = _cut(name, room - 2)
        value_part = _cut(value, room - _json_cost(name_part))
        kept.append((name_part, value_part))
        used += overhead + _json_cost(name_part) + _json_cost(value_part)
        if (name_part, value_part) != (name, value):
            break
    if len(kept) < len(params) or kept[-1:] != list(params[-1:]):
        return kept, None  # the body comes after every parameter
    room = max(0, limit - used)
    return kept, (body[:room] or None) if body else None


def address_group(remote_addr: str | None) -> str:
    """What floods are counted by: the address, or its /64 for IPv6 (one host may hold a whole /64)."""
    try:
        address = ip_address((remote_addr or "").strip("[]"))
    except ValueError:
        return remote_addr or ""
    if isinstance(address, IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(IPv6Network((int(address) >> 64 << 64, 64)))
    return str(address)


def flood_key(entry: LogEntry, window_seconds: int) -> str:
    """The same for every refusal of one address (group), route and status within a window."""
    window = int(entry.received_at.timestamp()) // window_seconds
    parts = [
        "refused",
        window_seconds,
        window,
        address_group(entry.remote_addr),
        entry.route,
        entry.status_code,
    ]
    canonical = json.dumps(parts, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


@cache
def _upsert(dialect_insert: dialect.InsertFactory) -> Executable:
    statement = dialect_insert(event_log)
    later = statement.excluded.last_seen_at > event_log.c.last_seen_at
    return statement.on_conflict_do_update(
        index_elements=[event_log.c.dedupe_key],
        set_={
            "seen_count": event_log.c.seen_count + 1,
            "last_seen_at": case((later, statement.excluded.last_seen_at), else_=event_log.c.last_seen_at),
        },
        # Never touches a row that is not a refusal (a flood key cannot equal an event's dedupe key).
        where=event_log.c.outcome == literal_column(f"'{LogOutcome.REJECTED}'"),
    ).returning(event_log.c.seq)


def append_or_count(conn: Connection, entry: LogEntry) -> int:
    """Store a refusal as a new row, or count it on the row of its flood key; returns that row's seq."""
    if entry.flood_key is None or entry.outcome != LogOutcome.REJECTED:
        return append(conn, entry)
    row = log_row(entry) | {"dedupe_key": entry.flood_key, "last_seen_at": entry.received_at}
    seq = conn.execute(_upsert(dialect.on_conflict_insert(conn)), row).scalar_one_or_none()
    if seq is None:  # the key belongs to another kind of row: this one gets a row of its own
        return append(conn, entry)
    return int(seq)


def prune(conn: Connection, older_than: datetime, limit: int) -> int:
    """Delete up to `limit` rejected rows received before `older_than`; returns how many.

    On PostgreSQL rows another process is already deleting are skipped, so
    several processes can prune at once without waiting on each other.
    """
    rejected = event_log.c.outcome == literal_column(f"'{LogOutcome.REJECTED}'")  # matches the partial index
    chosen = (
        select(event_log.c.seq)
        .where(rejected, event_log.c.received_at < older_than)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    seqs = [int(seq) for seq in conn.execute(chosen).scalars()]
    if not seqs:
        return 0
    conn.execute(delete(event_log).where(event_log.c.seq.in_(seqs), rejected))
    return len(seqs)
