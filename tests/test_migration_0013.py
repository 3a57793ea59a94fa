"""Migration 0013 (the log's numbers never handed out twice) keeps a log written at 0012: every row with
its number and every column, every index as it was, the declared schema; the newest rows deleted after
it leave their numbers unused, and calls begun before it go on folding."""

from __future__ import annotations

from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import text
from tests.test_migration_0008 import write_0007_log
from tests.test_migrations import schema_differences

from tvox_journey.settings import Settings
from tvox_journey.store.engine import make_migration_engine
from tvox_journey.store.migrate import alembic_config, current_revision, head_revision, upgrade
from tvox_journey.web.app import create_app

BEFORE = "0012"  # the revision this one follows
ADMIN = ("admin", "admin-password-for-0013")
FULL_ROW = (
    "INSERT INTO event_log (received_at, method, path, route, params, body, remote_addr, outcome,"
    " status_code, reason, dedupe_key, call_id, event, actor, seen_count, last_seen_at, request_bytes,"
    " query_pairs, number_key, replay_of, request_id) VALUES ('2026-11-24 09:10:00.000000', 'POST',"
    " '/service/ring', 'service/ring', '[]', :body, '203.0.113.7', 'rejected', 401, 'no credentials',"
    " 'flood-1', NULL, NULL, NULL, 3, '2026-11-24 09:11:00.000000', 123456, 0, '+390452224600', 1, 'r-7')"
)


def read_log(url: str) -> tuple[list[tuple[object, ...]], set[str]]:
    """Every log row as the driver reads it, and the text of the log's indexes (SQLite: None)."""
    engine = make_migration_engine(url)
    try:
        with engine.connect() as conn:
            rows = [tuple(row) for row in conn.exec_driver_sql("SELECT * FROM event_log ORDER BY seq")]
            indexes: set[str] = set()
            if conn.dialect.name == "sqlite":
                query = "SELECT sql FROM sqlite_master WHERE tbl_name = 'event_log' AND sql IS NOT NULL"
                indexes = {sql for (sql,) in conn.exec_driver_sql(query) if sql.startswith("CREATE INDEX")}
    finally:
        engine.dispose()
    return rows, indexes


def write_before(url: str) -> None:
    """A ring of call c1, a refusal and an action (as of 0007), then a row with every column, at BEFORE."""
    write_0007_log(url)
    upgrade(url, BEFORE)
    engine = make_migration_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text(FULL_ROW), {"body": b"\x00\xffbody"})
    finally:
        engine.dispose()


def test_a_log_written_at_0012_keeps_every_row_and_never_reuses_a_deleted_newest_number(db_url: str) -> None:
    write_before(db_url)
    rows_before, indexes_before = read_log(db_url)
    assert len(rows_before) == 4
    settings = Settings(database_url=db_url, admin_password=ADMIN[1], password_hash_memory_kib=64)
    with TestClient(create_app(settings)) as client:  # migrates on start
        client.auth = ADMIN
        assert current_revision(db_url) == head_revision()
        assert read_log(db_url) == (rows_before, indexes_before)
        newest = max(int(str(row[0])) for row in rows_before)
        db = client.app.state.resources.db  # type: ignore[attr-defined]
        with db.write.begin() as conn:  # as retention or an erasure deletes the newest rows
            conn.execute(text("DELETE FROM event_log WHERE seq >= :seq"), {"seq": newest - 1})
        answer = [("dateTime", "2026-11-24T09:00:05Z"), ("callId", "c1"), ("callerNumber", "0452224600"),
                  ("agent", "op1"), ("service", "care")]  # fmt: skip
        answered = client.get("/service/answer", params=answer)
        assert answered.status_code == 200, answered.text
        rows_after, _ = read_log(db_url)
        assert int(str(rows_after[-1][0])) > newest
        journey = client.get("/api/v1/interactions/c1").json()
        assert journey["event_count"] == 2  # the ring written at 0012, and the answer
        assert (
            journey["started_at"] == "2026-11-24T09:00:00Z"
            and journey["answered_at"] == "2026-11-24T09:00:05Z"
        )
    assert schema_differences(db_url) == []


def test_a_log_rebuilt_without_autoincrement_by_the_downgrade_keeps_every_row(db_url: str) -> None:
    write_before(db_url)
    rows_before, indexes_before = read_log(db_url)
    upgrade(db_url)
    command.downgrade(alembic_config(db_url), BEFORE)
    assert current_revision(db_url) == BEFORE
    assert read_log(db_url) == (rows_before, indexes_before)
