"""`tvox-journey db upgrade|current|rebuild`."""

from __future__ import annotations

import typer

from tvox_journey.cli import app
from tvox_journey.cli.options import DatabaseOption, load_settings
from tvox_journey.domain.numbers import NumberPolicy
from tvox_journey.services import recording
from tvox_journey.store.engine import Timeouts, make_database
from tvox_journey.store.migrate import current_revision, head_revision, upgrade

REBUILD_TIMEOUTS = Timeouts(connect=10, statement=300, lock=60, busy=60)
db_app = typer.Typer(help="Database schema and maintenance.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def db_upgrade(database: DatabaseOption = None) -> None:
    """Apply every pending migration."""
    settings = load_settings(database_url=database)
    upgrade(settings.database_url)
    typer.echo(f"Database at revision {current_revision(settings.database_url)}.")


@db_app.command("current")
def db_current(database: DatabaseOption = None) -> None:
    """Show the schema revision of the database and the newest one known."""
    settings = load_settings(database_url=database)
    typer.echo(f"current: {current_revision(settings.database_url)}  head: {head_revision()}")


@db_app.command("rebuild")
def db_rebuild(database: DatabaseOption = None) -> None:
    """Refold every interaction from the event log (after a parser or fold fix)."""
    settings = load_settings(database_url=database)
    upgrade(settings.database_url)
    # A short transaction at a time, under the calls' locks, beside a running server: this command may
    # wait longer than the server for a lock (the server's transactions are short), never hold one long.
    db = make_database(settings.database_url, timeouts=REBUILD_TIMEOUTS)
    policy = NumberPolicy(settings.default_region, settings.internal_number_max_digits)
    try:
        count = recording.rebuild(db, policy)
    finally:
        db.dispose()
    typer.echo(f"Refolded {count} interactions from the event log.")
