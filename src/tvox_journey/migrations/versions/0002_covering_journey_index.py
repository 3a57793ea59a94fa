"""covering index for journeys and their counts

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_COLUMNS = ["number_key", "sort_at", "call_id", "kind", "cleared", "is_internal", "outcome"]


def upgrade() -> None:
    op.create_index("ix_interactions_journey", "interactions", _COLUMNS)
    op.drop_index("ix_interactions_number_sort", table_name="interactions")


def downgrade() -> None:
    op.create_index("ix_interactions_number_sort", "interactions", ["number_key", "sort_at"])
    op.drop_index("ix_interactions_journey", table_name="interactions")
