"""The interactions read model: upsert a folded call, list journeys, find calls."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import ClauseElement, ColumnElement, Connection, and_, func, or_, select, update

from tvox_journey.domain.events import Instant
from tvox_journey.domain.interaction import Interaction, Kind, Outcome
from tvox_journey.store import dialect
from tvox_journey.store.codec import interaction_from_json, interaction_to_json
from tvox_journey.store.schema import contact_numbers, interactions


@dataclass(frozen=True)
class StoredInteraction:
    """An interaction with what the store knows about it besides its events."""

    interaction: Interaction
    number_key: str | None
    is_internal: bool
    last_seq: int
    cleared: bool
    sort_at: datetime | None = None  # the row's place in journeys, as stored (None before it is)


# Every row has a sort time (the column is NOT NULL, the same on both databases): an
# interaction with no time at all (never from a fold: every event has one) sorts oldest.
UNKNOWN_SORT_AT = datetime(1970, 1, 1, tzinfo=UTC)


def _utc(at: datetime) -> datetime:
    """A stored time as aware UTC (SQLite hands back naive UTC)."""
    if at.tzinfo is None:
        return at.replace(tzinfo=UTC)
    try:
        return at.astimezone(UTC)
    except OverflowError:
        return at


def sort_at_of(interaction: Interaction) -> datetime:
    """Where an interaction sits in journeys: see `Interaction.sort_instant`."""
    instant = interaction.sort_instant
    return _utc(instant.at) if instant is not None else UNKNOWN_SORT_AT


def _search_text(interaction: Interaction) -> str:
    return " ".join(value for _key, value in interaction.popups).lower()


# The columns a refold replaces (a cleared row stays cleared).
_REFOLDED = (
    "kind", "direction", "outcome", "number_key", "is_internal", "agent", "service",
    "sort_at", "ended_at", "data", "search_text", "last_seq", "wait_ms", "talk_ms", "transfers",
)  # fmt: skip


def _event_count(data: Any) -> ColumnElement[int]:
    """The number of events an interaction's JSON says it was folded from (0 when it does not say)."""
    return func.coalesce(data["event_count"].as_integer(), 0)


@cache
def _upsert_statement(dialect_insert: dialect.InsertFactory) -> ClauseElement:
    """Insert-or-update by call id, built once per dialect; the values come at execution.

    A row is never replaced by a fold of fewer events than it was made of: the log only grows, but for
    the calls whose events the retention pruned (store/prune.py), and their interactions are kept as
    they were, whatever arrives or is rebuilt later.
    """
    statement = dialect_insert(interactions)
    changed = {name: statement.excluded[name] for name in _REFOLDED}
    not_fewer = _event_count(statement.excluded.data) >= _event_count(interactions.c.data)
    return statement.on_conflict_do_update(
        index_elements=[interactions.c.call_id], set_=changed, where=not_fewer
    )


def _milliseconds(begin: Instant | None, end: Instant | None) -> int | None:
    """Whole milliseconds from one instant to another (never negative); None when either is unknown."""
    if begin is None or end is None:
        return None
    return max(0, round((end.at - begin.at).total_seconds() * 1000))


def report_figures(interaction: Interaction) -> dict[str, int | None]:
    """The columns the reports add up: the wait (ring or dial to the first answer), the answering agent's
    own talk (that answer to their leg's end: their hangup, or the transfer that ended it) and how many
    times the call was transferred."""
    return {
        "wait_ms": _milliseconds(interaction.started, interaction.answered),
        "talk_ms": _milliseconds(interaction.answered, interaction.ended),
        "transfers": len(interaction.legs),
    }


def interaction_row(stored: StoredInteraction) -> dict[str, object]:
    """The column values of an interaction's row (`cleared` is written False; bulk loads use it too)."""
    interaction = stored.interaction
    final_end = interaction.final_end
    row: dict[str, object] = {
        "call_id": interaction.call_id,
        "kind": interaction.kind.value,
        "direction": interaction.direction.value,
        "outcome": interaction.outcome.value,
        "number_key": stored.number_key,
        "is_internal": stored.is_internal,
        # Copies for queries (the JSON keeps the whole value): an event of an older release may be longer.
        "agent": interaction.agent[:255] if interaction.agent else None,
        "service": interaction.service[:255] if interaction.service else None,
        "sort_at": sort_at_of(interaction),
        "ended_at": final_end.at if final_end else None,
        "data": interaction_to_json(interaction),
        "search_text": _search_text(interaction),
        "last_seq": stored.last_seq,
        "cleared": False,
    }
    row.update(report_figures(interaction))
    return row


def upsert_many(conn: Connection, rows: Sequence[StoredInteraction]) -> None:
    """Insert or replace the rows of these call ids (each at most once); a cleared row stays cleared,
    and a row is not replaced by a fold of fewer events (see `_upsert_statement`).

    The `cleared` flag of `rows` is not written: new rows start visible.
    """
    if not rows:
        return
    values = [interaction_row(row) for row in rows]
    columns = tuple(values[0])
    dialect.execute_many(
        conn,
        _upsert_statement(dialect.on_conflict_insert(conn)),
        columns,
        (dialect.driver_values(conn.dialect, interactions, row) for row in values),
    )


def _stored(row: object) -> StoredInteraction:
    mapping = row._mapping  # type: ignore[attr-defined]
    interaction = interaction_from_json(mapping["data"])
    if interaction.call_id != mapping["call_id"]:
        interaction = replace(interaction, call_id=mapping["call_id"])  # the key wins over the JSON
    return StoredInteraction(
        interaction=interaction,
        number_key=mapping["number_key"],
        is_internal=bool(mapping["is_internal"]),
        last_seq=int(mapping["last_seq"]),
        cleared=bool(mapping["cleared"]),
        sort_at=_utc(mapping["sort_at"]) if mapping["sort_at"] is not None else None,
    )


_COLUMNS = (
    interactions.c.call_id,
    interactions.c.data,
    interactions.c.number_key,
    interactions.c.is_internal,
    interactions.c.last_seq,
    interactions.c.cleared,
    interactions.c.sort_at,
)


def _call_id(conn: Connection) -> ColumnElement[str]:
    """The call id compared by code point on both databases (PostgreSQL's own collation may not)."""
    return dialect.by_code_point(conn, interactions.c.call_id)


def _newest_first(conn: Connection) -> tuple[ColumnElement[Any], ...]:
    """Newest first, in one total order on both databases: sort time, then the unique call id."""
    return interactions.c.sort_at.desc(), _call_id(conn).desc()


_VISIBLE = and_(interactions.c.kind != Kind.TRANSFER_ONLY.value, interactions.c.cleared.is_(False))


def get(conn: Connection, call_id: str) -> StoredInteraction | None:
    row = conn.execute(select(*_COLUMNS).where(interactions.c.call_id == call_id)).first()
    return _stored(row) if row else None


@dataclass(frozen=True)
class Cursor:
    """Where a page of a journey ends: the last row's stored sort time and call id.

    The order (sort time, call id) is total, so the page after a cursor always
    starts past it: paging lists each interaction once and always ends.
    """

    sort_at: datetime
    call_id: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "sort_at", _utc(self.sort_at))

    @classmethod
    def after(cls, stored: StoredInteraction) -> Cursor:
        """The cursor of the page that ends with `stored`."""
        sort_at = stored.sort_at if stored.sort_at is not None else sort_at_of(stored.interaction)
        return cls(sort_at, stored.interaction.call_id)

    def token(self) -> str:
        """The cursor as opaque text: what the API's `cursor` and the card's `after` carry."""
        raw = json.dumps([self.sort_at.isoformat(), self.call_id])
        return base64.urlsafe_b64encode(raw.encode()).decode()

    @classmethod
    def from_token(cls, token: str) -> Cursor:
        """The cursor `token()` made; ValueError for any other text."""
        try:
            sort_at, call_id = json.loads(base64.urlsafe_b64decode(token.encode()))
            if not isinstance(sort_at, str) or not isinstance(call_id, str):
                raise TypeError("a cursor is [sort time, call id]")
            if _CONTROL.search(call_id) or len(call_id) > 255:
                raise ValueError("no call id of ours")
            call_id.encode("utf-8")  # a lone surrogate is no call id either (UnicodeEncodeError)
            return cls(datetime.fromisoformat(sort_at), call_id)
        except (ValueError, TypeError, OverflowError):
            raise ValueError("not a cursor from this API") from None


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def journey(
    conn: Connection, number_keys: Sequence[str], *, limit: int = 50, after: Cursor | None = None
) -> list[StoredInteraction]:
    """A journey page, newest first: visible interactions of these numbers."""
    if not number_keys:
        return []
    query = (
        select(*_COLUMNS)
        .where(interactions.c.number_key.in_(number_keys), _VISIBLE, interactions.c.is_internal.is_(False))
        .order_by(*_newest_first(conn))
        .limit(limit)
    )
    if after is not None:
        query = query.where(
            or_(
                interactions.c.sort_at < after.sort_at,
                and_(interactions.c.sort_at == after.sort_at, _call_id(conn) < after.call_id),
            )
        )
    return [_stored(row) for row in conn.execute(query)]


@dataclass(frozen=True)
class JourneyPage:
    items: list[StoredInteraction]
    next: Cursor | None  # None on the last page


def journey_page(
    conn: Connection, number_keys: Sequence[str], *, limit: int, after: Cursor | None = None
) -> JourneyPage:
    """A journey page and the cursor of the next: the one query behind the card and the API."""
    rows = journey(conn, number_keys, limit=limit + 1, after=after)
    items = rows[:limit]
    return JourneyPage(items, Cursor.after(items[-1]) if len(rows) > limit and items else None)


@dataclass(frozen=True)
class JourneyStats:
    total: int
    last_30_days: int
    missed: int


def journey_stats(conn: Connection, number_keys: Sequence[str], *, since: datetime) -> JourneyStats:
    """Counts for a contact's header: all, since a time, and missed calls."""
    if not number_keys:
        return JourneyStats(0, 0, 0)
    where = and_(interactions.c.number_key.in_(number_keys), _VISIBLE, interactions.c.is_internal.is_(False))
    query = select(
        func.count(),
        func.count().filter(interactions.c.sort_at >= since),
        func.count().filter(interactions.c.outcome == Outcome.MISSED.value),
    ).where(where)
    total, recent, missed = conn.execute(query).one()
    return JourneyStats(int(total), int(recent), int(missed))


def in_progress(conn: Connection, *, since: datetime, limit: int = 200) -> list[StoredInteraction]:
    """Calls ringing or talking now (started after `since`, to ignore calls whose end never came)."""
    query = (
        select(*_COLUMNS)
        .where(
            _VISIBLE,
            interactions.c.outcome.in_([Outcome.RINGING.value, Outcome.TALKING.value]),
            interactions.c.sort_at >= since,
        )
        .order_by(*_newest_first(conn))
        .limit(limit)
    )
    return [_stored(row) for row in conn.execute(query)]


def unknown_numbers(conn: Connection, *, limit: int = 100) -> list[StoredInteraction]:
    """Recent interactions of public numbers no contact has."""
    known = select(contact_numbers.c.number_key).where(
        contact_numbers.c.number_key == interactions.c.number_key
    )
    query = (
        select(*_COLUMNS)
        .where(
            _VISIBLE,
            interactions.c.is_internal.is_(False),
            interactions.c.number_key.is_not(None),
            ~known.exists(),
        )
        .order_by(*_newest_first(conn))
        .limit(limit)
    )
    return [_stored(row) for row in conn.execute(query)]


def search_popups(conn: Connection, text: str, *, limit: int = 50) -> list[StoredInteraction]:
    """Interactions whose popup variables contain `text`."""
    pattern = "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    query = (
        select(*_COLUMNS)
        .where(_VISIBLE, interactions.c.search_text.like(pattern, escape="\\"))
        .order_by(*_newest_first(conn))
        .limit(limit)
    )
    return [_stored(row) for row in conn.execute(query)]


def clear(conn: Connection, number_keys: Sequence[str]) -> int:
    """Hide every interaction of these numbers from journeys; returns how many."""
    if not number_keys:
        return 0
    result = conn.execute(
        update(interactions)
        .where(interactions.c.number_key.in_(number_keys), interactions.c.cleared.is_(False))
        .values(cleared=True)
    )
    return int(result.rowcount)


def for_numbers(conn: Connection, number_keys: Sequence[str]) -> list[StoredInteraction]:
    """Every visible interaction of these numbers, oldest first (for exports)."""
    if not number_keys:
        return []
    query = (
        select(*_COLUMNS)
        .where(interactions.c.number_key.in_(number_keys), _VISIBLE)
        .order_by(interactions.c.sort_at, _call_id(conn))
    )
    return [_stored(row) for row in conn.execute(query)]
