"""`tvox-journey demo`: a fresh SQLite database with the tutorial's setting, then serve it.

Before serving it records three weeks of a working contact center (contacts,
agents, services, calls, chats: `sim/history.py`) through the recording service,
as the webhooks would have. Once the server answers, a background thread plays
the tutorial's four calls at it in compressed real time (a few seconds between
events), so Mario Rossi's journey fills in live on his card.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from tvox_journey.cli import app
from tvox_journey.cli.options import load_settings
from tvox_journey.cli.serve import run_server
from tvox_journey.domain.numbers import NumberPolicy
from tvox_journey.services import accounts
from tvox_journey.traffic.clients import local_url, wait_until_up
from tvox_journey.traffic.demo import DEMO_ADMIN_PASSWORD, create_demo_database
from tvox_journey.traffic.tutorial import play_tutorial
from tvox_journey.web.webhooks.access import is_loopback


def start_traffic(base_url: str, *, auth: tuple[str, str] | None) -> threading.Thread:
    """Play the tutorial's calls at the server from a background thread, once it answers."""

    def traffic() -> None:
        if not wait_until_up(base_url):
            typer.echo("Demo traffic: the server did not answer /healthz; no calls played.", err=True)
            return
        typer.echo("Demo traffic: playing the tutorial's four calls for Mario Rossi (under a minute)...")
        report = play_tutorial(base_url, now=datetime.now(UTC), auth=auth, echo=typer.echo)
        typer.echo(f"Demo traffic: done, {report.ok} of {report.sent} events accepted. Still serving.")

    thread = threading.Thread(target=traffic, name="tvox-journey-demo-traffic", daemon=True)
    thread.start()
    return thread


@app.command()
def demo(
    path: Annotated[Path, typer.Option("--path", help="Demo database file (replaced)")] = Path(
        "tvox-journey-demo.db"
    ),
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
    serve: Annotated[bool, typer.Option(help="Serve after seeding (--no-serve only seeds)")] = True,
    traffic: Annotated[
        bool,
        typer.Option(help="Play the tutorial's calls at the server once it is up (--no-traffic: do not)"),
    ] = True,
    history: Annotated[
        bool,
        typer.Option(
            help="Record three weeks of a contact center's calls first (--no-history: only Mario Rossi)"
        ),
    ] = True,
    allow_open_webhooks: Annotated[
        bool, typer.Option(help="Serve a non-loopback address even with no webhook credentials")
    ] = False,
) -> None:
    """Start the demo: three weeks of a contact center's calls, then Mario Rossi's tutorial calls live."""
    settings = load_settings(host=host, port=port)
    policy = NumberPolicy(settings.default_region, settings.internal_number_max_digits)
    configured = settings.admin_password
    # A well-known password only where nobody else can reach it.
    known = DEMO_ADMIN_PASSWORD if is_loopback(host) else accounts.new_password()
    password = configured.get_secret_value() if configured else known
    url, contact_id, recorded = create_demo_database(
        path, policy, password, history=history, tvox_timezone=ZoneInfo(settings.tvox_timezone)
    )
    settings = load_settings(host=host, port=port, database_url=url, migrate_on_start=False)
    base = f"http://{host}:{port}"
    typer.echo(f"Demo database: {path.resolve()}")
    if recorded is not None:
        events = sum(recorded.outcomes.values())
        typer.echo(
            f"Demo history: {len(recorded.contact_ids)} contacts, {events} events of the last three weeks "
            f"and {recorded.notes} notes on calls"
        )
    shown = "the password in TVOX_JOURNEY_ADMIN_PASSWORD" if configured else f"the password {password}"
    typer.echo(f"Log in at {base}/login as admin with {shown}")
    typer.echo(f"Contact card of Mario Rossi: {base}/contacts/{contact_id}")
    typer.echo(f"Point TVox (or `tvox-journey simulate --url {base}`) at {base}/service/ring ...")
    if serve:
        if traffic:
            auth = None
            if settings.webhook_user is not None and settings.webhook_password is not None:
                auth = (settings.webhook_user, settings.webhook_password.get_secret_value())
            start_traffic(local_url(host, port), auth=auth)
        run_server(settings, allow_open_webhooks=allow_open_webhooks)
