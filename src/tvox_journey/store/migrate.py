"""Schema migrations through Alembic: upgrade to head, report the current revision.

Several processes may start together on one database (`serve --workers N`, a
rolling upgrade of several machines): on PostgreSQL every upgrade holds an
advisory lock, keyed by the schema it migrates, so one process migrates and
the others then find nothing to do. A database whose revision this code does
not know was migrated by a newer version: nothing starts on it
(`SchemaTooNew`).
"""

from __future__ import annotations

from dataclasses import dataclass

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection

from tvox_journey.store import dialect
from tvox_journey.store.engine import make_migration_engine


class SchemaTooNew(RuntimeError):
    """The database was migrated by a newer version of tvox-journey than this one."""

    def __init__(self, current: str, head: str | None) -> None:
        super().__init__(
            f"the database schema is at revision {current!r}, which this version of tvox-journey does not "
            f"know (its newest is {head!r}): a newer version migrated it. Run that version (or a newer "
            "one) against this database; an older one cannot use it"
        )
        self.current = current
        self.head = head


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", "tvox_journey:migrations")
    config.attributes["database_url"] = url
    return config


@dataclass(frozen=True)
class SchemaState:
    """Where a database's schema stands: its revision, this code's newest, and whether it knows it."""

    current: str | None  # None: never migrated (empty)
    head: str | None
    known: bool  # False: migrated by a newer version


def schema_state(conn: Connection) -> SchemaState:
    """The schema revision of the database on `conn` against this code's migrations."""
    current = MigrationContext.configure(conn).get_current_revision()
    conn.rollback()
    script = ScriptDirectory.from_config(alembic_config(""))
    try:
        known = current is None or script.get_revision(current) is not None
    except CommandError:
        known = False
    return SchemaState(current, script.get_current_head(), known)


def _check_known(conn: Connection) -> None:
    """Raise SchemaTooNew when the database's revision is not one of this code's."""
    state = schema_state(conn)
    if not state.known:
        assert state.current is not None
        raise SchemaTooNew(state.current, state.head)


def upgrade(url: str, revision: str = "head") -> None:
    """Apply every migration up to `revision`, holding the migration lock.

    Raises:
        SchemaTooNew: the database is at a revision this code does not know.
    """
    engine = make_migration_engine(url)
    try:
        with engine.connect() as conn, dialect.migration_lock(conn):
            _check_known(conn)
            config = alembic_config(url)
            config.attributes["connection"] = conn
            command.upgrade(config, revision)
    finally:
        engine.dispose()


def check_schema(url: str) -> None:
    """Refuse a database migrated by a newer version (for starts that do not migrate).

    Raises:
        SchemaTooNew: the database is at a revision this code does not know.
    """
    engine = make_migration_engine(url)
    try:
        with engine.connect() as conn:
            _check_known(conn)
    finally:
        engine.dispose()


def current_revision(url: str) -> str | None:
    engine = make_migration_engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("")).get_current_head()
