"""the event log's filters and replay: a number key, the query's share of the parameters, the row replayed

Each filter of the log (call id, number, route, outcome, time) gets an index in
the log's order (receipt time, then sequence number; the outcome's holds every
row but the accepted ones, most of the log); the call id index gains those two
columns. Rows written before get the number key of their call's
interaction (the key the installation's number policy gave it); `query_pairs`
and `replay_of` stay empty for them.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_CHUNK = 10000  # log rows per backfill statement, by sequence number
_HAS_NUMBER = sa.text("number_key IS NOT NULL")
_IS_REPLAY = sa.text("replay_of IS NOT NULL")
_NOT_ACCEPTED = sa.text("outcome <> 'accepted'")

_event_log = sa.table(
    "event_log",
    sa.column("seq", sa.BigInteger),
    sa.column("call_id", sa.String),
    sa.column("number_key", sa.String),
)
_interactions = sa.table("interactions", sa.column("call_id", sa.String), sa.column("number_key", sa.String))


def _backfill_number_keys(conn: sa.Connection) -> None:
    top = conn.execute(sa.select(sa.func.coalesce(sa.func.max(_event_log.c.seq), 0))).scalar_one()
    key_of_call = (
        sa.select(_interactions.c.number_key)
        .where(_interactions.c.call_id == _event_log.c.call_id)
        .scalar_subquery()
    )
    for start in range(0, int(top), _CHUNK):
        conn.execute(
            sa.update(_event_log)
            .where(
                _event_log.c.seq > start,
                _event_log.c.seq <= start + _CHUNK,
                _event_log.c.call_id.is_not(None),
            )
            .values(number_key=key_of_call)
        )


def upgrade() -> None:
    # Plain ADD COLUMNs (nullable, no default): no table rewrite on either database.
    op.add_column("event_log", sa.Column("query_pairs", sa.Integer(), nullable=True))
    op.add_column("event_log", sa.Column("number_key", sa.String(length=64), nullable=True))
    op.add_column("event_log", sa.Column("replay_of", sa.BigInteger(), nullable=True))
    _backfill_number_keys(op.get_bind())
    op.drop_index("ix_event_log_call_id", table_name="event_log")
    op.create_index("ix_event_log_call_id", "event_log", ["call_id", "received_at", "seq"])
    op.create_index("ix_event_log_received_at", "event_log", ["received_at", "seq"])
    op.create_index("ix_event_log_route", "event_log", ["route", "received_at", "seq"])
    op.create_index(
        "ix_event_log_outcome",
        "event_log",
        ["outcome", "received_at", "seq"],
        sqlite_where=_NOT_ACCEPTED,
        postgresql_where=_NOT_ACCEPTED,
    )
    op.create_index(
        "ix_event_log_number_key",
        "event_log",
        ["number_key", "received_at", "seq"],
        sqlite_where=_HAS_NUMBER,
        postgresql_where=_HAS_NUMBER,
    )
    op.create_index(
        "ix_event_log_replay_of",
        "event_log",
        ["replay_of"],
        sqlite_where=_IS_REPLAY,
        postgresql_where=_IS_REPLAY,
    )


def downgrade() -> None:
    for name in ("replay_of", "number_key", "outcome", "route", "received_at", "call_id"):
        op.drop_index(f"ix_event_log_{name}", table_name="event_log")
    op.create_index("ix_event_log_call_id", "event_log", ["call_id"])
    with op.batch_alter_table("event_log") as batch:
        batch.drop_column("replay_of")
        batch.drop_column("number_key")
        batch.drop_column("query_pairs")
