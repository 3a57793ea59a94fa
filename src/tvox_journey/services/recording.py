"""Recording what TVox sends and what users do, and folding calls from the event log.

`record_staged` is what the writer runs for the webhook deliveries waiting
together: it logs them, folds every call they touch once, and takes the calls'
locks first; each request was `stage`d before it waited (its number key and new
log row: the work that needs no transaction). `record_many` does both.
`record_action` is the audit trail of the other use cases; `rebuild` refolds
every call beside a running server.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect

from tvox_journey.domain.fold import fold
from tvox_journey.domain.numbers import NumberPolicy
from tvox_journey.store import dialect, event_log, interactions, refused
from tvox_journey.store.engine import Database
from tvox_journey.store.event_log import LogEntry, LogOutcome


@dataclass(frozen=True)
class Recorded:
    """What recording one request did: its log row, outcome, and the call it touched."""

    seq: int
    outcome: LogOutcome
    call_id: str | None = None
    number_key: str | None = None


def lock_key(call_id: str) -> int:
    """A stable signed 64-bit key for a call id's advisory lock."""
    return int.from_bytes(hashlib.blake2b(call_id.encode(), digest_size=8).digest(), "big", signed=True)


def lock_calls(conn: Connection, call_ids: Sequence[str]) -> None:
    """Serialize folds of the same calls across processes, to the end of the transaction."""
    dialect.lock_keys(conn, (lock_key(c) for c in call_ids))


def refold_many(
    conn: Connection, last_seqs: Mapping[str, int], policy: NumberPolicy
) -> dict[str, str | None]:
    """Fold every stored event of these calls (id -> the last log row to record) into their rows.

    Returns each call's number key.
    """
    events = event_log.events_for_calls(conn, list(last_seqs))
    keys: dict[str, str | None] = {}
    rows: list[interactions.StoredInteraction] = []
    for call_id, last_seq in last_seqs.items():
        interaction = fold(events.get(call_id, ()))
        if interaction is None:
            keys[call_id] = None
            continue
        keys[call_id] = key = policy.key(interaction.number)
        internal = policy.is_internal(interaction.number)
        rows.append(interactions.StoredInteraction(interaction, key, internal, last_seq, cleared=False))
    interactions.upsert_many(conn, rows)
    return keys


def _folded_call(entry: LogEntry) -> str | None:
    """The call an entry's event is folded into; None for entries only logged."""
    if entry.event is None or entry.outcome not in (LogOutcome.ACCEPTED, LogOutcome.UNRECOGNIZED):
        return None
    return entry.event.call_id


@dataclass(frozen=True, slots=True)
class Staged:
    """A request ready to record: its number key, and for an event to fold its new log row."""

    entry: LogEntry
    number_key: str | None
    row: event_log.NewRow | None = None  # None: the request is only logged


def stage(entry: LogEntry, policy: NumberPolicy, sql_dialect: Dialect) -> Staged:
    """What `record_staged` needs of a request that no transaction has to wait for (pure, thread-safe):
    the writer's callers stage their requests before these wait for the writer."""
    number_key = policy.key(entry.event.number) if entry.event else entry.number_key
    if _folded_call(entry) is None:
        return Staged(entry, number_key)
    return Staged(entry, number_key, event_log.new_row(sql_dialect, entry, number_key))


def record_staged(conn: Connection, staged: Sequence[Staged], policy: NumberPolicy) -> list[Recorded]:
    """Log requests as `record` does each, with a few statements for all of them (group commit).

    Each call touched is folded once, after all its new events are in the log.
    """
    rows = {i: s.row for i, s in enumerate(staged) if s.row is not None}
    lock_calls(conn, [row.call_id for row in rows.values()])
    seqs = dict(zip(rows, event_log.append_rows(conn, list(rows.values())), strict=True))
    last_seqs: dict[str, int] = {}
    for i, row in rows.items():
        if (seq := seqs[i]) is not None:
            last_seqs[row.call_id] = max(seq, last_seqs.get(row.call_id, seq))
    number_keys = refold_many(conn, last_seqs, policy)
    results: list[Recorded] = []
    for i, s in enumerate(staged):
        entry = s.entry
        if s.row is None:
            logged = replace(entry, number_key=s.number_key) if s.number_key != entry.number_key else entry
            results.append(Recorded(refused.append_or_count(conn, logged), entry.outcome))
        elif (seq := seqs[i]) is not None:
            results.append(Recorded(seq, entry.outcome, s.row.call_id, number_keys[s.row.call_id]))
        else:
            duplicate = replace(
                entry, outcome=LogOutcome.DUPLICATE, reason="duplicate delivery", number_key=s.number_key
            )
            results.append(Recorded(event_log.append(conn, duplicate), LogOutcome.DUPLICATE, s.row.call_id))
    return results


def record_many(conn: Connection, entries: Sequence[LogEntry], policy: NumberPolicy) -> list[Recorded]:
    """`record_staged` of these requests."""
    return record_staged(conn, [stage(entry, policy, conn.dialect) for entry in entries], policy)


def record(conn: Connection, entry: LogEntry, policy: NumberPolicy) -> Recorded:
    """Log a request; an accepted, new event is folded into its call's interaction."""
    return record_many(conn, [entry], policy)[0]


def record_action(
    conn: Connection,
    *,
    actor: str | None,
    action: str,
    details: Sequence[tuple[str, str]],
    now: datetime,
    call_id: str | None = None,
) -> int:
    """Record something a user did (the audit trail lives in the event log); `call_id` ties it to a
    call (a callback marked handled up to that call)."""
    entry = LogEntry(
        received_at=now,
        method="ACTION",
        path=action,
        route=action,
        params=details,
        outcome=LogOutcome.ACTION,
        status_code=200,
        actor=actor,
    )
    return event_log.append(conn, entry, call_id=call_id)


REBUILD_CALLS_PER_TRANSACTION = 200


def rebuild_calls(conn: Connection, call_ids: Sequence[str], policy: NumberPolicy) -> None:
    """Refold these calls from the event log, under their locks (as ingestion takes them)."""
    lock_calls(conn, call_ids)
    last = event_log.max_seq(conn)
    refold_many(conn, dict.fromkeys(call_ids, last), policy)


def rebuild(
    db: Database,
    policy: NumberPolicy,
    *,
    calls_per_transaction: int = REBUILD_CALLS_PER_TRANSACTION,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Refold every call from the event log; returns how many.

    A few calls per transaction, each under the calls' locks, so that a running server goes on
    recording beside it (its writes wait at most one short transaction) and a call folded by the
    server meanwhile is never overwritten with an older fold. `progress` hears the calls done so far.
    """
    with db.read.connect() as conn:
        call_ids = event_log.all_call_ids(conn)
    for start in range(0, len(call_ids), calls_per_transaction):
        chunk = call_ids[start : start + calls_per_transaction]
        with db.write.begin() as conn:
            rebuild_calls(conn, chunk, policy)
        if progress is not None:
            progress(start + len(chunk))
    return len(call_ids)
