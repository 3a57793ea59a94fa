"""refused requests: counted rows, request size, an index for the retention prune

Revision ID: 0005
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0002"
branch_labels = None
depends_on = None

_REJECTED = sa.text("outcome = 'rejected'")


def upgrade() -> None:
    # Plain ADD COLUMNs (a constant default): no table rewrite on either database.
    op.add_column(
        "event_log", sa.Column("seen_count", sa.Integer(), nullable=False, server_default=sa.text("1"))
    )
    op.add_column("event_log", sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("event_log", sa.Column("request_bytes", sa.BigInteger(), nullable=True))
    op.create_index(
        "ix_event_log_rejected_received_at",
        "event_log",
        ["received_at"],
        sqlite_where=_REJECTED,
        postgresql_where=_REJECTED,
    )


def downgrade() -> None:
    op.drop_index("ix_event_log_rejected_received_at", table_name="event_log")
    with op.batch_alter_table("event_log") as batch:
        batch.drop_column("request_bytes")
        batch.drop_column("last_seen_at")
        batch.drop_column("seen_count")
