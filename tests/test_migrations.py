"""Migrations build exactly the schema the code declares, on both databases."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select, text
from tests.conftest import POSTGRES_URL

from tvox_journey.domain.events import Action, CallEvent, CallType, Instant
from tvox_journey.domain.numbers import NumberPolicy
from tvox_journey.services import recording
from tvox_journey.store import interactions
from tvox_journey.store.codec import event_to_json
from tvox_journey.store.dialect import _MIGRATION_LOCK
from tvox_journey.store.engine import make_database, make_migration_engine
from tvox_journey.store.event_log import LogEntry, LogOutcome, dedupe_key
from tvox_journey.store.migrate import (
    SchemaTooNew,
    alembic_config,
    check_schema,
    current_revision,
    head_revision,
    upgrade,
)
from tvox_journey.store.schema import event_log, metadata


def schema_differences(url: str) -> list[object]:
    """What differs between the migrated database and the declared schema (store/schema.py)."""
    engine = make_migration_engine(url)
    try:
        with engine.connect() as conn:
            return list(
                compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
            )
    finally:
        engine.dispose()


def test_upgrade_on_an_empty_database_matches_the_declared_schema(db_url: str) -> None:
    upgrade(db_url)
    assert current_revision(db_url) == head_revision()
    assert schema_differences(db_url) == []


def test_upgrade_twice_is_harmless(db_url: str) -> None:
    upgrade(db_url)
    upgrade(db_url)
    assert current_revision(db_url) == head_revision()


def test_downgrade_to_base_and_upgrade_again_gives_the_declared_schema(db_url: str) -> None:
    upgrade(db_url)
    command.downgrade(alembic_config(db_url), "base")
    assert current_revision(db_url) is None
    engine = make_migration_engine(db_url)
    try:
        with engine.connect() as conn:
            left = set(inspect(conn).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()
    assert left == set()
    upgrade(db_url)
    assert current_revision(db_url) == head_revision()
    assert schema_differences(db_url) == []


def _event(call_id: str, action: Action, when: datetime) -> CallEvent:
    return CallEvent(call_id, CallType.SERVICE, action, Instant(when, when.isoformat()), number="0452224600")


def test_upgrading_a_log_written_before_counted_refusals_keeps_every_row_and_folding_goes_on(
    db_url: str,
) -> None:
    """0005 adds columns and an index to event_log: rows written by 0002 stay as they were."""
    t0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    upgrade(db_url, "0002")
    engine = make_migration_engine(db_url)
    insert = text(
        "INSERT INTO event_log (received_at, method, path, route, params, remote_addr, outcome, status_code,"
        " reason, dedupe_key, call_id, event) VALUES (:at, 'GET', :path, :route, :params, '10.0.0.1',"
        " :outcome, :status, :reason, :key, :call_id, :event)"
    )
    ring = _event("c1", Action.RING, t0)
    ring_key = dedupe_key("service/ring", [("callId", "c1")])
    old_rows = [
        {"path": "/service/ring", "route": "service/ring", "params": json.dumps([["callId", "c1"]]),
         "outcome": "accepted", "status": 200, "reason": None, "key": ring_key,
         "call_id": "c1", "event": json.dumps(event_to_json(ring))},
        {"path": "/service/ring", "route": "service/ring", "params": json.dumps([["junk", "x" * 5000]]),
         "outcome": "rejected", "status": 401, "reason": "HTTP Basic credentials missing", "key": None,
         "call_id": None, "event": None},
        {"path": "/nowhere", "route": "unknown", "params": "[]", "outcome": "rejected", "status": 404,
         "reason": "unknown path", "key": None, "call_id": None, "event": None},
    ]  # fmt: skip
    try:
        with engine.begin() as conn:
            for i, row in enumerate(old_rows):
                conn.execute(insert, row | {"at": t0 + timedelta(seconds=i)})
    finally:
        engine.dispose()

    upgrade(db_url)
    db = make_database(db_url)
    try:
        with db.read.connect() as conn:
            stored = [dict(r._mapping) for r in conn.execute(select(event_log).order_by(event_log.c.seq))]
        assert [(r["outcome"], r["status_code"], r["path"], r["call_id"]) for r in stored] == [
            (o["outcome"], o["status"], o["path"], o["call_id"]) for o in old_rows
        ]
        assert stored[1]["params"] == [["junk", "x" * 5000]]
        assert {(r["seen_count"], r["last_seen_at"], r["request_bytes"]) for r in stored} == {(1, None, None)}

        hangup = _event("c1", Action.HANGUP, t0 + timedelta(minutes=2))
        entry = LogEntry(t0, "GET", "/service/hangup", "service/hangup", [("callId", "c1")],
                         LogOutcome.ACCEPTED, 200, event=hangup)  # fmt: skip
        with db.write.begin() as conn:
            recording.record(conn, entry, NumberPolicy())
        with db.read.connect() as conn:
            folded = interactions.get(conn, "c1")
        assert folded is not None
        assert folded.interaction.started is not None and folded.interaction.ended is not None
        assert folded.interaction.event_count == 2
    finally:
        db.dispose()


@pytest.mark.slow
def test_processes_migrating_a_fresh_database_together_all_succeed(postgres_url: str) -> None:
    """The migration lock: one process migrates, the others wait for it and find nothing to do."""
    command = [sys.executable, "-m", "tvox_journey", "db", "upgrade", "--database", postgres_url]
    processes = [subprocess.Popen(command, stderr=subprocess.PIPE, text=True) for _ in range(3)]
    for process in processes:
        _out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
    assert current_revision(postgres_url) == head_revision()


def test_migrations_of_other_schemas_do_not_wait_for_each_other(postgres_url: str) -> None:
    """The lock is keyed by schema: a migration held in one schema does not block another's."""
    engine = make_migration_engine(POSTGRES_URL)
    other = f"t_other_{uuid.uuid4().hex[:8]}"
    try:
        with engine.connect() as holder:
            holder.execute(text(f'CREATE SCHEMA "{other}"'))
            holder.execute(text(f'SET search_path TO "{other}"'))
            holder.execute(text(_MIGRATION_LOCK))  # another schema's migration in progress
            holder.commit()
            began = time.monotonic()
            upgrade(postgres_url)
            assert time.monotonic() - began < 10
            holder.execute(text(f'DROP SCHEMA "{other}" CASCADE'))
            holder.commit()
    finally:
        engine.dispose()
    assert current_revision(postgres_url) == head_revision()


def stamp_future_revision(url: str) -> None:
    upgrade(url)
    engine = make_migration_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    finally:
        engine.dispose()


def test_a_database_migrated_by_a_newer_version_is_refused(db_url: str) -> None:
    stamp_future_revision(db_url)
    with pytest.raises(SchemaTooNew, match="'9999_from_the_future'.*newer version"):
        upgrade(db_url)
    with pytest.raises(SchemaTooNew):
        check_schema(db_url)


@pytest.mark.slow
def test_a_server_refuses_to_start_on_a_database_migrated_by_a_newer_version(db_url: str) -> None:
    stamp_future_revision(db_url)
    environment = {**os.environ, "TVOX_JOURNEY_DATABASE_URL": db_url}
    started = subprocess.run(
        [sys.executable, "-m", "tvox_journey", "serve", "--port", "1"],
        env=environment, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert started.returncode == 2
    assert "Error: the database schema is at revision '9999_from_the_future'" in started.stderr
    assert "Traceback" not in started.stderr
