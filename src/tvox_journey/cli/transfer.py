"""`tvox-journey import-legacy FILE` and `export-legacy FILE`: the tutorial's db.json."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from tvox_journey.cli import app
from tvox_journey.cli.options import DatabaseOption, load_settings
from tvox_journey.domain.numbers import NumberPolicy
from tvox_journey.services import legacy as legacy_services
from tvox_journey.services import recording
from tvox_journey.store.engine import make_database
from tvox_journey.store.migrate import upgrade
from tvox_journey.traffic.entries import tutorial_entry
from tvox_journey.transfer.legacy import LegacyFormatError, import_document


@app.command("import-legacy")
def import_legacy(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A tutorial db.json")],
    database: DatabaseOption = None,
) -> None:
    """Load a tutorial db.json: its contacts, and its calls as the requests that made them."""
    settings = load_settings(database_url=database)
    try:
        people, requests = import_document(json.loads(file.read_text(encoding="utf-8")))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        typer.echo(f"{file}: not JSON ({error})", err=True)
        raise typer.Exit(2) from None
    except LegacyFormatError as error:
        typer.echo(f"{file}: {error}", err=True)
        raise typer.Exit(2) from None
    upgrade(settings.database_url)
    db = make_database(settings.database_url)
    policy = NumberPolicy(settings.default_region, settings.internal_number_max_digits)
    now = datetime.now(UTC)
    outcomes: dict[str, int] = {}
    try:
        with db.write.begin() as conn:
            created = legacy_services.import_contacts(conn, people, policy, now)
            for request in requests:
                entry = tutorial_entry(
                    request.path, request.params, method="IMPORT", received_at=now,
                    tvox_timezone=ZoneInfo(settings.tvox_timezone),
                )  # fmt: skip
                outcome = recording.record(conn, entry, policy).outcome
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
    finally:
        db.dispose()
    summary = ", ".join(f"{n} {o}" for o, n in sorted(outcomes.items())) or "no events"
    typer.echo(f"Imported {created} new contacts of {len(people)}; events: {summary}.")


@app.command("export-legacy")
def export_legacy(
    file: Annotated[Path, typer.Argument(dir_okay=False, help="Where to write the db.json ('-' for stdout)")],
    database: DatabaseOption = None,
) -> None:
    """Write every contact with a number, and its calls, in the tutorial's db.json format."""
    settings = load_settings(database_url=database)
    db = make_database(settings.database_url)
    try:
        with db.read.connect() as conn:
            document = legacy_services.export_legacy(conn)
    finally:
        db.dispose()
    text = json.dumps(document, indent=2, ensure_ascii=False)
    if str(file) == "-":
        typer.echo(text)
    else:
        file.write_text(text + "\n", encoding="utf-8")
        typer.echo(f"Wrote {len(document)} numbers to {file}.")
