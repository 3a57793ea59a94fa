"""the reports' figures on every interaction (wait, the answering agent's talk, transfers) and their index

The reports (`reports.py`) add up columns, never the JSON: each row gets its wait (ring or dial to
the first answer), the answering agent's own talk (that answer to their leg's end) and its number of
transfer legs, computed here from the JSON the row already holds exactly as
`store/interactions.report_figures` computes them on every refold from then on. The index covers a
period's rows so that a report reads no table row.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_CHUNK = 1000
_REPORT_COLUMNS = (
    "sort_at", "kind", "direction", "outcome", "service", "agent", "transfers", "wait_ms", "talk_ms",
)  # fmt: skip

_interactions = sa.table(
    "interactions",
    sa.column("call_id", sa.String),
    sa.column("data", sa.JSON),
    sa.column("wait_ms", sa.BigInteger),
    sa.column("talk_ms", sa.BigInteger),
    sa.column("transfers", sa.Integer),
)


def _at(value: Any) -> datetime | None:
    """The time of a stored instant ([iso time, text], store/codec.py); None for anything else."""
    try:
        return datetime.fromisoformat(value[0])
    except (IndexError, KeyError, TypeError, ValueError):
        return None


def _milliseconds(begin: datetime | None, end: datetime | None) -> int | None:
    if begin is None or end is None:
        return None
    try:
        return max(0, round((end - begin).total_seconds() * 1000))
    except (TypeError, OverflowError):  # a naive and an aware time: not a row of ours
        return None


def _figures(call_id: str, data: Any) -> dict[str, Any]:
    found = data if isinstance(data, dict) else {}
    legs = found.get("legs")
    started, answered, ended = (_at(found.get(name)) for name in ("started", "answered", "ended"))
    return {
        "key": call_id,
        "wait_ms": _milliseconds(started, answered),
        "talk_ms": _milliseconds(answered, ended),
        "transfers": len(legs) if isinstance(legs, list) else 0,
    }


def upgrade() -> None:
    op.add_column("interactions", sa.Column("wait_ms", sa.BigInteger(), nullable=True))
    op.add_column("interactions", sa.Column("talk_ms", sa.BigInteger(), nullable=True))
    op.add_column(
        "interactions", sa.Column("transfers", sa.Integer(), server_default=sa.text("0"), nullable=False)
    )
    conn = op.get_bind()
    update = (
        sa.update(_interactions)
        .where(_interactions.c.call_id == sa.bindparam("key"))
        .values(
            wait_ms=sa.bindparam("wait_ms"),
            talk_ms=sa.bindparam("talk_ms"),
            transfers=sa.bindparam("transfers"),
        )
    )
    after: str | None = None
    while True:
        query = sa.select(_interactions.c.call_id, _interactions.c.data).order_by(_interactions.c.call_id)
        if after is not None:
            query = query.where(_interactions.c.call_id > after)
        rows = conn.execute(query.limit(_CHUNK)).all()
        if not rows:
            break
        conn.execute(update, [_figures(row.call_id, row.data) for row in rows])
        after = rows[-1].call_id
    op.create_index("ix_interactions_report", "interactions", list(_REPORT_COLUMNS))


def downgrade() -> None:
    op.drop_index("ix_interactions_report", table_name="interactions")
    with op.batch_alter_table("interactions") as batch:
        batch.drop_column("transfers")
        batch.drop_column("talk_ms")
        batch.drop_column("wait_ms")
