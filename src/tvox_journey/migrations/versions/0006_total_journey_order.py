"""every interaction has a sort time: a total journey order on both databases

Rows folded from events that open, answer or end nothing (an agent not
answering, an unknown event) had no sort time (NULL), which the journey cursor
could not pass and the two databases sort differently. They get the earliest
time their events carry (what the fold now stores), else their first receipt
time; then the column becomes NOT NULL.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_NO_TIME = datetime(1970, 1, 1, tzinfo=UTC)  # store/interactions.UNKNOWN_SORT_AT
_CHUNK = 500

_interactions = sa.table(
    "interactions", sa.column("call_id", sa.String), sa.column("sort_at", sa.DateTime(timezone=True))
)
_event_log = sa.table(
    "event_log",
    sa.column("call_id", sa.String),
    sa.column("outcome", sa.String),
    sa.column("event", sa.JSON),
    sa.column("received_at", sa.DateTime(timezone=True)),
)


def _utc(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def _occurred(event: object) -> datetime | None:
    """The event time a stored event carries (codec: "occurred": [iso time, text])."""
    try:
        return _utc(datetime.fromisoformat(event["occurred"][0]))  # type: ignore[index]
    except (KeyError, IndexError, TypeError, ValueError, OverflowError):
        return None


def _sort_times(conn: sa.Connection, call_ids: Sequence[str]) -> dict[str, datetime]:
    events: dict[str, list[datetime]] = {}
    received: dict[str, list[datetime]] = {}
    query = sa.select(
        _event_log.c.call_id, _event_log.c.outcome, _event_log.c.event, _event_log.c.received_at
    )
    for row in conn.execute(query.where(_event_log.c.call_id.in_(call_ids))):
        received.setdefault(row.call_id, []).append(_utc(row.received_at))
        at = _occurred(row.event) if row.outcome in ("accepted", "unrecognized") else None
        if at is not None:
            events.setdefault(row.call_id, []).append(at)
    return {c: min(events.get(c) or received.get(c) or [_NO_TIME]) for c in call_ids}


def upgrade() -> None:
    conn = op.get_bind()
    missing = [
        r.call_id
        for r in conn.execute(sa.select(_interactions.c.call_id).where(_interactions.c.sort_at.is_(None)))
    ]
    update = (
        sa.update(_interactions)
        .where(_interactions.c.call_id == sa.bindparam("key"))
        .values(sort_at=sa.bindparam("value"))
    )
    for start in range(0, len(missing), _CHUNK):
        times = _sort_times(conn, missing[start : start + _CHUNK])
        conn.execute(update, [{"key": call_id, "value": at} for call_id, at in times.items()])
    with op.batch_alter_table("interactions") as batch:
        batch.alter_column("sort_at", existing_type=sa.DateTime(timezone=True), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("interactions") as batch:
        batch.alter_column("sort_at", existing_type=sa.DateTime(timezone=True), nullable=True)
