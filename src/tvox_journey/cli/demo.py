"""`tvox-journey demo`: a fresh SQLite database with the tutorial's setting, then serve it.

Before serving it records three weeks of a working contact center (contacts,
agents, services, calls, chats: `sim/history.py`) through the recording service,
as the webhooks would have. Once the server answers, a background thread plays
the tutorial's four calls at it in compressed real time (a few seconds between
events), so Mario Rossi's journey fills in live on his card.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from sqlalchemy import Connection

from tvox_journey.cli import app
from tvox_journey.cli.options import load_settings
from tvox_journey.cli.serve import run_server
from tvox_journey.domain.numbers import NumberPolicy
from tvox_journey.services import accounts
from tvox_journey.services import contacts as contact_services
from tvox_journey.sim.history import demo_history
from tvox_journey.store import contacts as contact_store
from tvox_journey.store import names
from tvox_journey.store.engine import make_database
from tvox_journey.store.migrate import upgrade
from tvox_journey.traffic.clients import local_url, wait_until_up
from tvox_journey.traffic.history import RecordedHistory, record_history
from tvox_journey.traffic.tutorial import play_tutorial
from tvox_journey.web.webhooks.access import is_loopback

# The tutorial's setting (../shared/reference/tutorial-contract.md, "Setting of the example").
DEMO_CONTACT = ("Mario", "Rossi", "0452224600")
ROME = ZoneInfo("Europe/Rome")  # the settings' default TVox time zone
DEMO_ADMIN_PASSWORD = "tvox-demo"  # the demo is for trying out on this machine; `serve` makes a random one
DEMO_NAMES = ((names.AGENT, "op1", "Operatore 1"), (names.AGENT, "op2", "Operatore 2"),
              (names.SERVICE, "customercare", "Customer Care"))  # fmt: skip


def seed(conn: Connection, policy: NumberPolicy, now: datetime) -> int:
    """Add the tutorial's contact and display names; returns the contact's id."""
    for kind, code, name in DEMO_NAMES:
        names.set_name(conn, kind, code, name)
    name, surname, number = DEMO_CONTACT
    return contact_store.create(
        conn, name=name, surname=surname, company=None,
        numbers=contact_services.contact_numbers([number], policy), now=now,
    )  # fmt: skip


def create_demo_database(
    path: Path,
    policy: NumberPolicy,
    admin_password: str = DEMO_ADMIN_PASSWORD,
    *,
    history: bool = True,
    tvox_timezone: tzinfo = ROME,
) -> tuple[str, int, RecordedHistory | None]:
    """A new database file at `path` (any old one is replaced), seeded, with the user `admin`, and
    (`history`) three weeks of calls ending now; returns (url, Mario Rossi's id, the history written)."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{path.resolve()}"
    upgrade(url)
    db = make_database(url)
    now = datetime.now(UTC)
    recorded = None
    try:
        with db.write.begin() as conn:
            contact_id = seed(conn, policy, now)
            password_hash = accounts.Passwords().hash(admin_password)
            accounts.create_first_admin(conn, password_hash=password_hash, now=now)
        if history:
            recorded = record_history(db, demo_history(now), policy, tvox_timezone=tvox_timezone)
    finally:
        db.dispose()
    return url, contact_id, recorded


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
    """Start the tutorial's demo: Mario Rossi 0452224600, agents op1/op2, service customercare."""
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
            f"Demo history: {len(recorded.contact_ids)} contacts and {events} events of the last three weeks"
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
