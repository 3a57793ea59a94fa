"""`tvox-journey db upgrade|current|rebuild|prune`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from tvox_journey import pruning
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


def _retention(days: int, variable: str, cutoff: datetime | None) -> str:
    if cutoff is None:
        return f"kept forever ({variable}=0)"
    return f"received before {cutoff:%Y-%m-%d %H:%M} UTC ({variable}={days})"


@db_app.command("prune")
def db_prune(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only count what would be deleted")] = False,
    database: DatabaseOption = None,
) -> None:
    """Delete the event-log rows past their retention, by outcome (the server also does it by itself)."""
    settings = load_settings(database_url=database)
    upgrade(settings.database_url)
    events, refused = settings.event_log_retention_days, settings.refused_log_retention_days
    cutoffs = pruning.Cutoffs.of(datetime.now(UTC), event_days=events, refused_days=refused)
    typer.echo(
        "Requests of calls: " + _retention(events, "TVOX_JOURNEY_EVENT_LOG_RETENTION_DAYS", cutoffs.calls)
    )
    typer.echo(
        "Rejected requests: "
        + _retention(refused, "TVOX_JOURNEY_REFUSED_LOG_RETENTION_DAYS", cutoffs.rejected)
    )
    db = make_database(settings.database_url, timeouts=REBUILD_TIMEOUTS)
    try:
        pruned = pruning.prune(db, cutoffs, dry_run=dry_run)
    finally:
        db.dispose()
    verb = "Would delete" if dry_run else "Deleted"
    typer.echo(f"{verb} {pruned.total} rows of the event log (interactions and user actions are kept):")
    for line in pruned.lines():
        typer.echo(f"  {line}")
