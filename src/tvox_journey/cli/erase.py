"""`tvox-journey erase`: erase a person (GDPR art. 17), by number or by contact."""

from __future__ import annotations

import getpass
from collections import Counter
from datetime import UTC, datetime
from typing import Annotated

import typer

from tvox_journey import erasure
from tvox_journey.cli import app
from tvox_journey.cli.options import DatabaseOption, load_settings
from tvox_journey.domain.contact import Contact
from tvox_journey.domain.numbers import NumberPolicy
from tvox_journey.store.engine import Timeouts, make_database
from tvox_journey.store.migrate import upgrade

# Short transactions beside a running server: this command may wait longer than the server for a lock.
ERASE_TIMEOUTS = Timeouts(connect=10, statement=300, lock=60, busy=60)
OUTCOMES = ("accepted", "duplicate", "unrecognized", "rejected")


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"[:64]
    except (KeyError, OSError):  # no user name for this uid (a container)
        return "cli"


def _counts(counts: Counter[str]) -> str:
    shown = [f"{outcome} {counts.get(outcome, 0)}" for outcome in OUTCOMES]
    shown += [f"{outcome} {n}" for outcome, n in sorted(counts.items()) if outcome not in OUTCOMES]
    return f"{sum(counts.values())} ({', '.join(shown)})"


def _contact(contact: Contact) -> str:
    numbers = ", ".join(n.raw for n in contact.numbers) or "no number"
    return f"#{contact.id} {contact.display_name or '(no name)'} ({numbers})"


def _show(plan: erasure.Plan) -> None:
    for contact in plan.deleted_contacts:
        typer.echo(f"Contact deleted: {_contact(contact)}")
    for contact in plan.changed_contacts:
        typer.echo(f"Contact that loses the number, and keeps the rest: {_contact(contact)}")
    typer.echo(f"Interactions deleted: {plan.interactions}")
    typer.echo(f"Log rows of their calls emptied: {_counts(plan.call_rows)}")
    if plan.other_rows is None:
        typer.echo("Other log rows and interactions carrying the number: searched while erasing")
    else:
        typer.echo(f"Other log rows carrying the number: {_counts(plan.other_rows)}")
        typer.echo(f"Other interactions carrying the number: {plan.other_interactions}")


@app.command("erase")
def erase(
    number: Annotated[
        str | None, typer.Option("--number", help="A number, in any format: erased from everything stored")
    ] = None,
    contact: Annotated[
        int | None,
        typer.Option(
            "--contact", help="A contact's id: deleted, and its numbers erased from everything stored"
        ),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Show what would be erased (searching the whole log); change nothing"),
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", help="Erase without asking (for scripts)")] = False,
    database: DatabaseOption = None,
) -> None:
    """Erase a person (GDPR art. 17): their contact, calls and every value of their numbers in the log."""
    if (number is None) == (contact is None):
        typer.echo("Error: give --number or --contact (one of them).", err=True)
        raise typer.Exit(2)
    settings = load_settings(database_url=database)
    upgrade(settings.database_url)
    policy = NumberPolicy(settings.default_region, settings.internal_number_max_digits)
    db = make_database(settings.database_url, timeouts=ERASE_TIMEOUTS)
    try:
        if number is not None:
            target = erasure.of_number(number, policy)
            problem = f"{number[:64]!r} is not a phone number"
        else:
            assert contact is not None
            with db.read.connect() as conn:
                target = erasure.of_contact(conn, contact) if 0 < contact < 2**31 else None
            problem = f"there is no contact {contact} (an erasure that finished deletes it)"
        if target is None:
            typer.echo(f"Error: {problem}.", err=True)
            raise typer.Exit(1)
        _show(erasure.plan(db, target, policy, search=dry_run))
        if dry_run:
            typer.echo("Dry run: nothing was changed.")
            return
        if not yes and not typer.confirm("Erase all of this? It cannot be undone", default=False):
            typer.echo("Nothing was erased.")
            raise typer.Exit(1)
        report = erasure.erase(db, target, policy, actor=_actor(), now=datetime.now(UTC))
    finally:
        db.dispose()
    typer.echo(
        f"Erased: {report.contacts_deleted} contacts deleted, {report.contacts_changed} changed, "
        f"{report.interactions_deleted} interactions deleted, {report.interactions_redacted} redacted."
    )
    typer.echo(f"Log rows emptied: {_counts(report.rows_erased)}")
    typer.echo(f"Log rows with values redacted: {_counts(report.rows_redacted)}")
    typer.echo(f"Recorded in the audit trail (row {report.seq}), without the number or any name.")
