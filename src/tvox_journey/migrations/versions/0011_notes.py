"""notes on calls, and the outcomes they may carry (seeded with the four the issue names)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

SEEDED = [
    {"code": "resolved", "label_it": "Risolto", "label_en": "Resolved", "position": 1, "active": True},
    {"code": "call_back", "label_it": "Da richiamare", "label_en": "Call back", "position": 2,
     "active": True},
    {"code": "information", "label_it": "Informazioni", "label_en": "Information", "position": 3,
     "active": True},
    {"code": "complaint", "label_it": "Reclamo", "label_en": "Complaint", "position": 4, "active": True},
]  # fmt: skip


def upgrade() -> None:
    outcomes = op.create_table(
        "note_outcomes",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("label_it", sa.String(length=80), nullable=False),
        sa.Column("label_en", sa.String(length=80), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_note_outcomes")),
    )
    op.bulk_insert(outcomes, SEEDED)
    op.create_table(
        "notes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("call_id", sa.String(length=255), nullable=False),
        sa.Column("author", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["call_id"],
            ["interactions.call_id"],
            name=op.f("fk_notes_call_id_interactions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["outcome"], ["note_outcomes.code"], name=op.f("fk_notes_outcome_note_outcomes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notes")),
    )
    op.create_index("ix_notes_call_id", "notes", ["call_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_notes_call_id", table_name="notes")
    op.drop_table("notes")
    op.drop_table("note_outcomes")
