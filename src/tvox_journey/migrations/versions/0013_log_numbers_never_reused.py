"""the event log's numbers are never handed out twice on SQLite (AUTOINCREMENT)

SQLite gives a new row the highest sequence number in the table plus one: once
the newest rows are deleted (retention on an installation idle for longer than
its retention, an erasure), their numbers went to the next rows, below what the
live log followers had already passed, and live pages missed those rows.
`AUTOINCREMENT` numbers above every number ever used. SQLite cannot add it to a
table: the table is rebuilt (its rows copied with their numbers, its indexes
created again as they were). PostgreSQL's sequences never reuse a number: nothing
to do there.

The rebuild copies the whole log: on a large installation the first start of
this version takes a while (docs/deployment.md says how long).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

# The log's columns as revision 0012 left them, in their order; frozen here (a migration must not
# follow the schema's later changes).
_COLUMNS = """
    seq INTEGER NOT NULL {key},
    received_at DATETIME NOT NULL,
    method VARCHAR(16) NOT NULL,
    path TEXT NOT NULL,
    route VARCHAR(64) NOT NULL,
    params JSON NOT NULL,
    body BLOB,
    remote_addr VARCHAR(64),
    outcome VARCHAR(16) NOT NULL,
    status_code INTEGER NOT NULL,
    reason TEXT,
    dedupe_key VARCHAR(64),
    call_id VARCHAR(255),
    event JSON,
    actor VARCHAR(64),
    seen_count INTEGER DEFAULT 1 NOT NULL,
    last_seen_at DATETIME,
    request_bytes BIGINT,
    query_pairs INTEGER,
    number_key VARCHAR(64),
    replay_of BIGINT,
    request_id VARCHAR(64),
    {table_key}CONSTRAINT uq_event_log_dedupe_key UNIQUE (dedupe_key)
"""
_NAMES = ", ".join(
    line.split()[0] for line in _COLUMNS.strip().splitlines() if not line.strip().startswith("{")
)
_REBUILT = "event_log_0013"


def _rebuild(autoincrement: bool) -> None:
    """Copy the log into a table of the same columns, with or without AUTOINCREMENT (SQLite's own
    procedure for a change ALTER TABLE cannot make); its indexes are created again from their text."""
    conn = op.get_bind()
    if conn.dialect.name != "sqlite":
        return
    query = (
        "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'event_log' AND sql IS NOT NULL"
    )
    indexes = [sql for (sql,) in conn.exec_driver_sql(query)]
    if autoincrement:
        columns = _COLUMNS.format(key="CONSTRAINT pk_event_log PRIMARY KEY AUTOINCREMENT", table_key="")
    else:
        columns = _COLUMNS.format(key="", table_key="CONSTRAINT pk_event_log PRIMARY KEY (seq),\n    ")
    # A table left by an interrupted run (its CREATE commits alone on SQLite; the copy and the swap
    # commit together) holds nothing the log does not.
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {_REBUILT}")
    conn.exec_driver_sql(f"CREATE TABLE {_REBUILT} ({columns})")
    conn.exec_driver_sql(f"INSERT INTO {_REBUILT} ({_NAMES}) SELECT {_NAMES} FROM event_log ORDER BY seq")
    conn.exec_driver_sql("DROP TABLE event_log")
    conn.exec_driver_sql(f"ALTER TABLE {_REBUILT} RENAME TO event_log")
    for sql in indexes:
        conn.exec_driver_sql(sql)


def upgrade() -> None:
    _rebuild(autoincrement=True)


def downgrade() -> None:
    _rebuild(autoincrement=False)
