"""Migrations build exactly the schema the code declares, on both databases."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from tvox_journey.store.engine import make_migration_engine
from tvox_journey.store.migrate import alembic_config, current_revision, head_revision, upgrade
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
    engine = make_migration_engine(db_url)
    try:
        with engine.connect() as conn:
            differences = compare_metadata(
                MigrationContext.configure(conn, opts={"compare_type": True}), metadata
            )
    finally:
        engine.dispose()
    assert differences == []
