"""`tvox-journey contacts import|export`: contacts in bulk, as CSV."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from tvox_journey.cli import app
from tvox_journey.cli.options import DatabaseOption, load_settings
from tvox_journey.domain.numbers import NumberPolicy
from tvox_journey.services import contacts_import
from tvox_journey.store import contacts as contact_store
from tvox_journey.store.engine import make_database
from tvox_journey.store.migrate import upgrade
from tvox_journey.transfer.contacts_csv import CsvError, read_contacts_csv, write_contacts_csv

contacts_app = typer.Typer(help="Contacts in bulk: import and export CSV.", no_args_is_help=True)
app.add_typer(contacts_app, name="contacts")

ACTOR = "cli"
MAX_FILE_BYTES = 200 * 1024 * 1024
SHOWN_PROBLEMS = 50


@contacts_app.command("import")
def import_contacts(
    file: Annotated[
        Path, typer.Argument(help="CSV file: nome;cognome;azienda;telefono... (or English names)")
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Say what each line would become; write nothing")
    ] = False,
    strict: Annotated[bool, typer.Option("--strict", help="Import nothing if any line is refused")] = False,
    database: DatabaseOption = None,
) -> None:
    """Import contacts: a line whose number a contact has updates it, the others create contacts."""
    settings = load_settings(database_url=database)
    try:
        if file.stat().st_size > MAX_FILE_BYTES:
            typer.echo(f"Error: {file} is larger than {MAX_FILE_BYTES // 1024 // 1024} MiB.", err=True)
            raise typer.Exit(1)
        read = read_contacts_csv(file.read_bytes())
    except OSError as error:
        typer.echo(f"Error: cannot read {file}: {error.strerror or error}.", err=True)
        raise typer.Exit(1) from None
    except CsvError as error:
        typer.echo(f"Error: {file}: {error}.", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"{file}: {len(read.lines)} lines read ({read.encoding}, separator {read.delimiter!r}).")
    upgrade(settings.database_url)
    db = make_database(settings.database_url)
    policy = NumberPolicy(settings.default_region, settings.internal_number_max_digits)
    result = contacts_import.ImportResult(problems=list(read.problems))
    try:
        if dry_run or strict:
            with db.read.connect() as conn:
                planned = contacts_import.plan(conn, read.lines, policy)
            if dry_run or (strict and (planned.problems or result.problems)):
                result.merge(planned)
                _report(result, written=False)
                raise typer.Exit(1 if result.problems else 0)
        now = datetime.now(UTC)
        for start in range(0, len(read.lines), contacts_import.BATCH):
            with db.write.begin() as conn:
                batch = read.lines[start : start + contacts_import.BATCH]
                result.merge(contacts_import.import_batch(conn, batch, policy, now=now))
        with db.write.begin() as conn:
            contacts_import.record_import(conn, result, source=file.name, actor=ACTOR, now=now)
    finally:
        db.dispose()
    _report(result, written=True)
    raise typer.Exit(1 if result.problems else 0)


def _report(result: contacts_import.ImportResult, *, written: bool) -> None:
    problems = sorted(result.problems, key=lambda p: p.line)
    for problem in problems[:SHOWN_PROBLEMS]:
        typer.echo(f"line {problem.line}: {problem.reason}", err=True)
    if len(problems) > SHOWN_PROBLEMS:
        typer.echo(f"... and {len(problems) - SHOWN_PROBLEMS} more lines refused", err=True)
    verb = ("created", "updated") if written else ("to create", "to update")
    typer.echo(
        f"{result.count('create')} {verb[0]}, {result.count('update')} {verb[1]}, "
        f"{result.count('unchanged')} unchanged, {len(problems)} refused."
        + ("" if written else " Nothing was written (--dry-run or --strict).")
    )


@contacts_app.command("export")
def export_contacts(
    file: Annotated[Path | None, typer.Argument(help="Where to write (default: standard output)")] = None,
    database: DatabaseOption = None,
) -> None:
    """Export every contact as CSV (semicolons, UTF-8 with a byte-order mark, as Excel opens it)."""
    settings = load_settings(database_url=database)
    upgrade(settings.database_url)
    db = make_database(settings.database_url)
    try:
        with db.read.connect() as conn:
            everyone = contact_store.all_contacts(conn)
    finally:
        db.dispose()
    text = write_contacts_csv((c.name, c.surname, c.company, [n.raw for n in c.numbers]) for c in everyone)
    if file is None:
        sys.stdout.write(text)
    else:
        try:
            file.write_text(text, encoding="utf-8-sig", newline="")
        except OSError as error:
            typer.echo(f"Error: cannot write {file}: {error.strerror or error}.", err=True)
            raise typer.Exit(1) from None
        typer.echo(f"{len(everyone)} contacts written to {file}.", err=True)
