"""Missed calls to call back: the queries behind `/callbacks` and the "handled" marks.

A callback attempt is an inbound call (service, answer service, direct inbound; not a
chat) that ended unanswered (`missed`, abandoned ones included), of a public number
(a key, not internal), visible (not cleared), in a window of recent days, with no
answered or ongoing call of the same number (either direction) after it.

Marking a number handled is a user action: a row of the event log (the audit trail),
outcome `action`, route `HANDLED`, whose `call_id` is the newest attempt it covers.
The call id puts the mark on the log's call id index, so finding the marks of the
open attempts reads a few index entries per attempt, never the log at large; a mark
covers its attempt and every earlier one of the number, and a later missed call
reopens the number. No table of its own (no migration), and every process sees it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, func, select

from tvox_journey.domain.interaction import Interaction, Kind, Outcome
from tvox_journey.store.codec import interaction_from_json
from tvox_journey.store.event_log import LogOutcome as LogOutcome
from tvox_journey.store.schema import event_log, interactions

HANDLED = "callback/handled"  # the route of a mark in the event log (and its audit label)

# Calls someone may have to call back, and calls that reached the number.
CALL_KINDS = (Kind.SERVICE.value, Kind.ANSWER_SERVICE.value, Kind.INBOUND.value)
REACHED_KINDS = CALL_KINDS + (Kind.OUTBOUND.value, Kind.POWER_DIALER.value)
REACHED = (Outcome.ANSWERED.value, Outcome.TALKING.value)
CHUNK = 500  # ids per IN (...) list: far below any database's limit on parameters


@dataclass(frozen=True)
class Attempt:
    """One missed inbound call no answered call of its number has followed (yet)."""

    number_key: str
    call_id: str
    sort_at: datetime
    service: str | None
    handled: bool = False  # a "handled" mark names this call: it and the earlier ones are closed

    @property
    def order(self) -> tuple[datetime, str]:
        """Its place among the attempts of its number: the journeys' total order."""
        return self.sort_at, self.call_id


def _outcome(conn: Connection, table: Any) -> ColumnElement[str]:
    """The outcome column; on SQLite kept from its own index, which its planner (no statistics) would
    pick to read every missed or answered call ever, filtering by time row by row, rather than the
    window or one number's calls. PostgreSQL weighs the indexes by its statistics."""
    column: ColumnElement[str] = table.c.outcome
    return column if conn.dialect.name == "postgresql" else column.concat("")


def _utc(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at  # SQLite hands back naive UTC


def unanswered_attempts(conn: Connection, *, since: datetime, number_key: str | None = None) -> list[Attempt]:
    """Missed inbound calls since `since` with no later answered call of their number, any order, each
    with whether a "handled" mark names it (one statement: `attempts_query`)."""
    return [
        Attempt(row.number_key, row.call_id, _utc(row.sort_at), row.service, bool(row.handled))
        for row in conn.execute(attempts_query(conn, since=since, number_key=number_key))
    ]


def attempts_query(conn: Connection, *, since: datetime, number_key: str | None = None) -> Select[Any]:
    """The statement of `unanswered_attempts`.

    The missed calls of the window, through the sort time index (work grows with the window, never
    with the history); for each of their numbers once, the newest answered or ongoing call since
    `since`, from the `(number_key, sort_at, ...)` covering index (a number that missed a thousand
    calls costs one read, not one per call); for the attempts that remain, the marks through the
    log's call id index.
    """
    missed_where = [
        interactions.c.sort_at >= since,
        _outcome(conn, interactions) == Outcome.MISSED.value,
        interactions.c.kind.in_(CALL_KINDS),
        interactions.c.cleared.is_(False),
        interactions.c.is_internal.is_(False),
        interactions.c.number_key.is_not(None),
    ]
    if number_key is not None:
        missed_where.append(interactions.c.number_key == number_key)
    missed = (
        select(
            interactions.c.number_key,
            interactions.c.call_id,
            interactions.c.sort_at,
            interactions.c.service,
        )
        .where(*missed_where)
        .cte("missed")
    )
    later = interactions.alias("later")
    numbers = select(missed.c.number_key).distinct().subquery("numbers")
    newest_reached = (
        select(func.max(later.c.sort_at))
        .where(
            later.c.number_key == numbers.c.number_key,
            later.c.sort_at >= since,
            _outcome(conn, later).in_(REACHED),
            later.c.kind.in_(REACHED_KINDS),
            later.c.cleared.is_(False),
        )
        .scalar_subquery()
    )
    reached = select(numbers.c.number_key, newest_reached.label("reached_at")).cte("reached")
    before_window = since - timedelta(microseconds=1)
    mark = (
        select(event_log.c.seq)
        .where(
            event_log.c.call_id == missed.c.call_id,
            event_log.c.outcome == LogOutcome.ACTION,
            # `|| ''`: no index on the route (the log's route filter has one since 0008): a call's few
            # rows through the call-id index, not every mark ever made once per missed call
            (event_log.c.route + "") == HANDLED,
        )
        .exists()
    )
    return (
        select(missed, mark.label("handled"))
        .join(reached, reached.c.number_key == missed.c.number_key)
        # Every missed call of the window is after `before_window`: a number never reached keeps them all.
        .where(missed.c.sort_at > func.coalesce(reached.c.reached_at, before_window))
    )


def latest_interactions(conn: Connection, call_ids: Sequence[str]) -> dict[str, Interaction]:
    """The folded interactions of these calls (for the details of the attempts shown)."""
    found: dict[str, Interaction] = {}
    for start in range(0, len(call_ids), CHUNK):
        query = select(interactions.c.call_id, interactions.c.data).where(
            interactions.c.call_id.in_(call_ids[start : start + CHUNK])
        )
        for row in conn.execute(query):
            found[row.call_id] = interaction_from_json(row.data)
    return found
