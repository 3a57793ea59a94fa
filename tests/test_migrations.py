"""Migrations build exactly the schema the code declares, on both databases."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from tests.conftest import POSTGRES_URL

from tvox_journey.store.engine import make_migration_engine
from tvox_journey.store.migrate import (
    _LOCK,
    SchemaTooNew,
    check_schema,
    current_revision,
    head_revision,
    upgrade,
)
from tvox_journey.store.schema import metadata


def test_upgrade_on_an_empty_database_matches_the_declared_schema(db_url: str) -> None:
    upgrade(db_url)
    assert current_revision(db_url) == head_revision()
    engine = make_migration_engine(db_url)
    try:
        with engine.connect() as conn:
            differences = compare_metadata(
                MigrationContext.configure(conn, opts={"compare_type": True}), metadata
            )
    finally:
        engine.dispose()
    assert differences == []


def test_upgrade_twice_is_harmless(db_url: str) -> None:
    upgrade(db_url)
    upgrade(db_url)
    assert current_revision(db_url) == head_revision()


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
            holder.execute(text(_LOCK))  # another schema's migration in progress
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
