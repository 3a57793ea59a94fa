"""The statements of an erasure (erasure.py): a person's calls, their log rows, the values to redact.

An erased row stays in the event log (the request happened, with its time,
route, outcome and status) but keeps nothing of the person: its parameters'
values, body, reason and parsed event are replaced or removed, its call id and
dedupe key cleared. With the rejected-row retention (store/refused.py) and the
retention prune (store/prune.py) these are the only statements that change
event-log rows that are not refusals. Of the audit trail (action rows) only the
details of the actions tied to the person's calls change (a callback marked
handled names its number and may carry a note): who did what, and when, stay.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Boolean, Connection, Text, bindparam, case, cast, delete, func, null, select, update

from tvox_journey.domain.redaction import ERASED
from tvox_journey.store.event_log import LogOutcome
from tvox_journey.store.schema import contact_numbers, contacts, event_log, interactions


@dataclass(frozen=True)
class LogRow:
    """The parts of an event-log row that may carry a person's data."""

    seq: int
    outcome: str
    call_id: str | None
    path: str
    params: Any
    body: bytes | None
    reason: str | None
    event: Any


_LOG_COLUMNS = (
    event_log.c.seq,
    event_log.c.outcome,
    event_log.c.call_id,
    event_log.c.path,
    event_log.c.params,
    event_log.c.body,
    event_log.c.reason,
    event_log.c.event,
)
_NOT_ACTION = event_log.c.outcome != LogOutcome.ACTION


def _log_rows(conn: Connection, query: Any) -> list[LogRow]:
    return [
        LogRow(int(r.seq), r.outcome, r.call_id, r.path, r.params, r.body, r.reason, r.event)
        for r in conn.execute(query)
    ]


def calls_of_numbers(conn: Connection, keys: Collection[str], limit: int | None = None) -> list[str]:
    """Call ids of interactions of these numbers (cleared ones too), the first `limit` (None: all)."""
    query = (
        select(interactions.c.call_id)
        .where(interactions.c.number_key.in_(list(keys)))
        .order_by(interactions.c.call_id)
        .limit(limit)
    )
    return list(conn.execute(query).scalars())


def count_interactions(conn: Connection, keys: Collection[str]) -> int:
    query = select(func.count()).where(interactions.c.number_key.in_(list(keys)))
    return int(conn.execute(query).scalar_one())


def count_rows_of_numbers(conn: Connection, keys: Collection[str]) -> Counter[str]:
    """The log rows of the calls of these numbers, by outcome."""
    calls = select(interactions.c.call_id).where(interactions.c.number_key.in_(list(keys)))
    query = (
        select(event_log.c.outcome, func.count())
        .where(event_log.c.call_id.in_(calls), _NOT_ACTION)
        .group_by(event_log.c.outcome)
    )
    return Counter({outcome: int(n) for outcome, n in conn.execute(query)})


def rows_of_calls(conn: Connection, call_ids: Sequence[str], limit: int) -> list[LogRow]:
    """Up to `limit` log rows of these calls, oldest first."""
    if not call_ids:
        return []
    query = (
        select(*_LOG_COLUMNS)
        .where(event_log.c.call_id.in_(list(call_ids)), _NOT_ACTION)
        .order_by(event_log.c.seq)
        .limit(limit)
    )
    return _log_rows(conn, query)


def calls_with_rows(conn: Connection, call_ids: Sequence[str]) -> set[str]:
    """The calls that still have log rows to empty; action rows tied to a call (a note, a "handled"
    mark) are the audit trail, never emptied, so they do not count (else the erasure never ends)."""
    if not call_ids:
        return set()
    query = select(event_log.c.call_id).where(event_log.c.call_id.in_(list(call_ids)), _NOT_ACTION).distinct()
    return set(conn.execute(query).scalars())


@dataclass(frozen=True)
class RawRow:
    """A row, or an interaction, as its stored text: what a whole-table search looks through first."""

    key: str  # the row's sequence number as text, or the interaction's call id
    number_key: str | None  # the interaction's number (None for a row)
    text: str  # path, parameters, reason, event and body; or the interaction's JSON


def _body_text(body: bytes | None) -> str:
    return body.decode("utf-8", "replace") if body else ""


def raw_rows_after(conn: Connection, after: int, limit: int) -> list[RawRow]:
    """The next `limit` rows after sequence number `after` that are not actions, as text (JSON undecoded)."""
    query = (
        select(
            event_log.c.seq,
            event_log.c.path,
            cast(event_log.c.params, Text).label("params"),
            event_log.c.reason,
            cast(event_log.c.event, Text).label("event"),
            event_log.c.body,
        )
        .where(event_log.c.seq > after, _NOT_ACTION)
        .order_by(event_log.c.seq)
        .limit(limit)
    )
    return [
        RawRow(
            str(r.seq),
            None,
            "\n".join((r.path, r.params or "", r.reason or "", r.event or "", _body_text(r.body))),
        )
        for r in conn.execute(query)
    ]


def raw_interactions_after(conn: Connection, after: str | None, limit: int) -> list[RawRow]:
    """The next `limit` interactions by call id (after `after`), their JSON as text."""
    query = select(
        interactions.c.call_id, interactions.c.number_key, cast(interactions.c.data, Text).label("data")
    )
    if after is not None:
        query = query.where(interactions.c.call_id > after)
    query = query.order_by(interactions.c.call_id).limit(limit)
    return [RawRow(r.call_id, r.number_key, r.data or "") for r in conn.execute(query)]


def rows_by_seq(conn: Connection, seqs: Sequence[int]) -> list[LogRow]:
    if not seqs:
        return []
    query = (
        select(*_LOG_COLUMNS).where(event_log.c.seq.in_(list(seqs)), _NOT_ACTION).order_by(event_log.c.seq)
    )
    return _log_rows(conn, query)


_REDACT = (
    update(event_log)
    .where(event_log.c.seq == bindparam("row_seq"), _NOT_ACTION)
    .values(
        path=bindparam("new_path"),
        params=bindparam("new_params", type_=event_log.c.params.type),
        body=bindparam("new_body", type_=event_log.c.body.type),
        reason=bindparam("new_reason"),
        event=bindparam("new_event", type_=event_log.c.event.type),
        call_id=bindparam("new_call_id"),
        dedupe_key=None,
        # the log's number filter (migration 0008): gone with the event it was taken from
        number_key=case((bindparam("clear_number", type_=Boolean), null()), else_=event_log.c.number_key),
    )
)


def redact(conn: Connection, rows: Sequence[LogRow]) -> None:
    """Write these rows' new values (by sequence number); their dedupe keys are cleared (a key is a hash
    of the values)."""
    if rows:
        conn.execute(
            _REDACT,
            [
                {
                    "row_seq": row.seq,
                    "new_path": row.path,
                    "new_params": row.params,
                    "new_body": row.body,
                    "new_reason": row.reason,
                    "new_event": row.event,
                    "new_call_id": row.call_id,
                    "clear_number": row.event is None,
                }
                for row in rows
            ],
        )


_ACTION_DETAILS = (
    update(event_log)
    .where(event_log.c.seq == bindparam("row_seq"), event_log.c.outcome == LogOutcome.ACTION)
    .values(params=bindparam("new_params", type_=event_log.c.params.type))
)


def erase_action_details(conn: Connection, call_ids: Sequence[str]) -> None:
    """Every detail value of the audit rows tied to these calls becomes ERASED; who did what, and when,
    stay (the details' names too)."""
    if not call_ids:
        return
    query = select(event_log.c.seq, event_log.c.params).where(
        event_log.c.call_id.in_(list(call_ids)), event_log.c.outcome == LogOutcome.ACTION
    )
    erased = [
        {"row_seq": seq, "new_params": [[str(p[0]), ERASED] for p in params if isinstance(p, list) and p]}
        for seq, params in conn.execute(query)
        if isinstance(params, list)
    ]
    if erased:
        conn.execute(_ACTION_DETAILS, erased)


@dataclass(frozen=True)
class StoredCall:
    call_id: str
    number_key: str | None
    last_seq: int
    cleared: bool
    data: Any


def interactions_of(conn: Connection, call_ids: Collection[str]) -> dict[str, StoredCall]:
    if not call_ids:
        return {}
    query = select(
        interactions.c.call_id,
        interactions.c.number_key,
        interactions.c.last_seq,
        interactions.c.cleared,
        interactions.c.data,
    ).where(interactions.c.call_id.in_(list(call_ids)))
    return {
        r.call_id: StoredCall(r.call_id, r.number_key, int(r.last_seq), bool(r.cleared), r.data)
        for r in conn.execute(query)
    }


def delete_interactions(conn: Connection, call_ids: Collection[str]) -> int:
    if not call_ids:
        return 0
    return int(conn.execute(delete(interactions).where(interactions.c.call_id.in_(list(call_ids)))).rowcount)


def set_data(conn: Connection, call_id: str, data: Any, search_text: str) -> None:
    """Replace an interaction's JSON (and its search text) as it is (no refold)."""
    conn.execute(
        update(interactions)
        .where(interactions.c.call_id == call_id)
        .values(data=data, search_text=search_text)
    )


def contacts_with_numbers(conn: Connection, keys: Collection[str]) -> list[int]:
    query = (
        select(contact_numbers.c.contact_id).where(contact_numbers.c.number_key.in_(list(keys))).distinct()
    )
    return sorted(int(i) for i in conn.execute(query).scalars())


def remove_numbers(conn: Connection, keys: Collection[str]) -> None:
    """Take these numbers off every contact that has them."""
    if keys:
        conn.execute(delete(contact_numbers).where(contact_numbers.c.number_key.in_(list(keys))))


def delete_contacts(conn: Connection, contact_ids: Collection[int]) -> int:
    if not contact_ids:
        return 0
    ids = list(contact_ids)
    conn.execute(delete(contact_numbers).where(contact_numbers.c.contact_id.in_(ids)))
    return int(conn.execute(delete(contacts).where(contacts.c.id.in_(ids))).rowcount)
