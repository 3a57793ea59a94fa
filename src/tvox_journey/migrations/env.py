"""Alembic environment: the connection (or the URL) comes from the caller (tvox_journey.store.migrate)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from tvox_journey.store.engine import make_migration_engine
from tvox_journey.store.schema import metadata


def run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()


given = context.config.attributes.get("connection")
if given is not None:
    run(given)  # the caller holds the migration lock on it
else:
    url = context.config.attributes.get("database_url") or context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database URL given to the migrations")
    engine = make_migration_engine(url)
    with engine.connect() as connection:
        run(connection)
    engine.dispose()
