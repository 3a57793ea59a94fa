"""`tvox-journey log replay`: refused (or unrecognized) requests read again after a mapping fix."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from tvox_journey import log_search, replay
from tvox_journey.cli import app
from tvox_journey.cli.options import DatabaseOption, load_settings
from tvox_journey.domain.numbers import NumberPolicy
from tvox_journey.services import recording
from tvox_journey.store.engine import Timeouts, make_database
from tvox_journey.store.migrate import upgrade
from tvox_journey.store.replays import Selection

ACTOR = "cli"
# Beside a running server: wait longer than the server for a lock, hold none long (a batch per transaction).
TIMEOUTS = Timeouts(connect=10, statement=300, lock=60, busy=60)
LABELS = {
    replay.ACCEPTED: "accepted",
    replay.DUPLICATE: "duplicate (the event was already recorded)",
    replay.UNRECOGNIZED: "unrecognized event",
    replay.REJECTED: "still rejected",
    replay.EXCERPT: "skipped: only an excerpt of the request was kept",
    replay.SETTLED: "already replayed",
}
log_app = typer.Typer(help="The event log: replay refused requests after a fix.", no_args_is_help=True)
app.add_typer(log_app, name="log")


def _time(text: str | None, name: str, zone: ZoneInfo, *, end_of_day: bool = False) -> datetime | None:
    if text is None:
        return None
    try:
        return log_search.parse_time(text, zone, name=name, end_of_day=end_of_day)
    except log_search.FilterError as error:
        typer.echo(f"Error: --{error}.", err=True)
        raise typer.Exit(2) from None


def _print(summary: replay.Summary, dry_run: bool) -> None:
    verb = "Would replay" if dry_run else "Replayed"
    typer.echo(f"{verb} {summary.read} requests{' (and more: run again)' if summary.more else ''}:")
    for name, label in LABELS.items():
        if summary.counts[name]:
            typer.echo(f"  {label}: {summary.counts[name]}")
    if summary.top_reasons():
        typer.echo("Top reasons still refused:")
        for reason, count in summary.top_reasons():
            typer.echo(f"  {count:>6}  {reason}")
    if summary.counts[replay.EXCERPT]:
        typer.echo("Only 422 refusals keep their parameters whole; other refusals keep an excerpt.")
    if dry_run:
        typer.echo("Dry run: nothing was written.")


@log_app.command("replay")
def log_replay(
    outcome: Annotated[str, typer.Option(help="Which rows: rejected or unrecognized")] = "rejected",
    route: Annotated[
        str | None, typer.Option(help="Only this route, e.g. service/ring or tvox/events")
    ] = None,
    since: Annotated[
        str | None, typer.Option(help="Received at or after (ISO-8601; no offset: the display time zone)")
    ] = None,
    until: Annotated[str | None, typer.Option(help="Received before (a date alone includes its day)")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Say what would happen, write nothing")] = False,
    limit: Annotated[int, typer.Option(min=1, max=1_000_000, help="Rows read again at most")] = 10_000,
    mapping_file: Annotated[
        Path | None, typer.Option(help="Mapping file (default: TVOX_JOURNEY_MAPPING_FILE)")
    ] = None,
    database: DatabaseOption = None,
) -> None:
    """Read refused (or unrecognized) requests again with the current mapping; accepted ones are folded."""
    if outcome not in (replay.REJECTED, replay.UNRECOGNIZED):
        typer.echo("Error: --outcome must be rejected or unrecognized.", err=True)
        raise typer.Exit(2)
    settings = load_settings(database_url=database, mapping_file=mapping_file)
    zone = ZoneInfo(settings.display_timezone)
    first, last = _time(since, "since", zone), _time(until, "until", zone, end_of_day=True)
    now = datetime.now(UTC)
    selection = Selection(outcome, min(last, now) if last else now, route=route, since=first)
    upgrade(settings.database_url)
    db = make_database(settings.database_url, timeouts=TIMEOUTS)
    try:
        with db.read.connect() as conn:
            mappings = replay.current_mappings(conn, settings.mapping_file)
        policy = NumberPolicy(settings.default_region, settings.internal_number_max_digits)
        setting = replay.Setting(mappings, policy, ZoneInfo(settings.tvox_timezone), now, ACTOR)
        begin = db.read.connect if dry_run else db.write.begin
        summary = replay.replay_all(begin, selection, setting, limit=limit, dry_run=dry_run)
        if not dry_run:
            chosen = [("outcome", outcome), ("route", route), ("since", since), ("until", until)]
            details = [(k, v) for k, v in chosen if v] + summary.details()
            with db.write.begin() as conn:
                recording.record_action(conn, actor=ACTOR, action="log/replay", details=details, now=now)
    finally:
        db.dispose()
    _print(summary, dry_run)
