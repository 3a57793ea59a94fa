"""a directory of agents and services: entries with a display name, any number of codes each

Every `display_names` row becomes an entry with that one code (no label: nobody said what it was),
then `display_names` is dropped: the directory holds everything it did, and two tables of names would
be two answers to one question. Downgrading writes one `display_names` row per code, with its entry's
name (the grouping and the labels are lost).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_names = sa.table("display_names", sa.column("kind"), sa.column("code"), sa.column("name"))
_entries = sa.table("directory_entries", sa.column("id"), sa.column("kind"), sa.column("name"))
_codes = sa.table(
    "directory_codes", sa.column("kind"), sa.column("code"), sa.column("entry_id"), sa.column("label")
)


def _create_directory() -> None:
    op.create_table(
        "directory_entries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directory_entries")),
        sa.UniqueConstraint("id", "kind", name="uq_directory_entries_id_kind"),
    )
    op.create_table(
        "directory_codes",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("code", sa.String(length=255), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ["entry_id", "kind"],
            ["directory_entries.id", "directory_entries.kind"],
            name="fk_directory_codes_entry_id_directory_entries",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("kind", "code", name=op.f("pk_directory_codes")),
    )
    op.create_index("ix_directory_codes_entry_id", "directory_codes", ["entry_id"], unique=False)


def upgrade() -> None:
    _create_directory()
    conn = op.get_bind()
    rows = conn.execute(sa.select(_names.c.kind, _names.c.code, _names.c.name).order_by("kind", "code"))
    for kind, code, name in rows.all():
        inserted = conn.execute(sa.insert(_entries).values(kind=kind, name=name).returning(_entries.c.id))
        conn.execute(sa.insert(_codes).values(kind=kind, code=code, entry_id=inserted.scalar_one()))
    op.drop_table("display_names")


def downgrade() -> None:
    op.create_table(
        "display_names",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("code", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("kind", "code", name=op.f("pk_display_names")),
    )
    named = sa.select(_codes.c.kind, _codes.c.code, _entries.c.name).join_from(
        _codes, _entries, _codes.c.entry_id == _entries.c.id
    )
    op.execute(sa.insert(_names).from_select(["kind", "code", "name"], named))
    op.drop_index("ix_directory_codes_entry_id", table_name="directory_codes")
    op.drop_table("directory_codes")
    op.drop_table("directory_entries")
