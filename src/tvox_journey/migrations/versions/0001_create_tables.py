"""create tables

Revision ID: 0001
Revises:
Create Date: 2026-11-24 03:46:11.019157
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "contacts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("surname", sa.String(length=255), nullable=False),
        sa.Column("company", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contacts")),
    )
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.create_index("ix_contacts_surname", ["surname"], unique=False)

    op.create_table(
        "display_names",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("code", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("kind", "code", name=op.f("pk_display_names")),
    )
    op.create_table(
        "event_log",
        sa.Column(
            "seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("route", sa.String(length=64), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=True),
        sa.Column("remote_addr", sa.String(length=64), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("dedupe_key", sa.String(length=64), nullable=True),
        sa.Column("call_id", sa.String(length=255), nullable=True),
        sa.Column("event", sa.JSON(), nullable=True),
        sa.Column("actor", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_event_log")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_event_log_dedupe_key")),
    )
    with op.batch_alter_table("event_log", schema=None) as batch_op:
        batch_op.create_index("ix_event_log_call_id", ["call_id"], unique=False)

    op.create_table(
        "interactions",
        sa.Column("call_id", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("direction", sa.String(length=3), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("number_key", sa.String(length=64), nullable=True),
        sa.Column("is_internal", sa.Boolean(), nullable=False),
        sa.Column("agent", sa.String(length=255), nullable=True),
        sa.Column("service", sa.String(length=255), nullable=True),
        sa.Column("sort_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("last_seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("cleared", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("call_id", name=op.f("pk_interactions")),
    )
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.create_index("ix_interactions_number_sort", ["number_key", "sort_at"], unique=False)
        batch_op.create_index("ix_interactions_outcome", ["outcome"], unique=False)
        batch_op.create_index("ix_interactions_sort_at", ["sort_at"], unique=False)

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("api_token_hash", sa.String(length=128), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("api_token_hash", name=op.f("uq_users_api_token_hash")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "variable_mappings",
        sa.Column("route", sa.String(length=64), nullable=False),
        sa.Column("incoming", sa.String(length=255), nullable=False),
        sa.Column("variable", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("route", "incoming", name=op.f("pk_variable_mappings")),
    )
    op.create_table(
        "contact_numbers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("raw", sa.String(length=64), nullable=False),
        sa.Column("number_key", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_contact_numbers_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_numbers")),
        sa.UniqueConstraint("contact_id", "number_key", name="uq_contact_numbers_contact_key"),
    )
    with op.batch_alter_table("contact_numbers", schema=None) as batch_op:
        batch_op.create_index("ix_contact_numbers_number_key", ["number_key"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("contact_numbers", schema=None) as batch_op:
        batch_op.drop_index("ix_contact_numbers_number_key")

    op.drop_table("contact_numbers")
    op.drop_table("variable_mappings")
    op.drop_table("users")
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.drop_index("ix_interactions_sort_at")
        batch_op.drop_index("ix_interactions_outcome")
        batch_op.drop_index("ix_interactions_number_sort")

    op.drop_table("interactions")
    with op.batch_alter_table("event_log", schema=None) as batch_op:
        batch_op.drop_index("ix_event_log_call_id")

    op.drop_table("event_log")
    op.drop_table("display_names")
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_index("ix_contacts_surname")

    op.drop_table("contacts")
