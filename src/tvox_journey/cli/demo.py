"""`tvox-journey demo`: a fresh SQLite database with the tutorial's setting, then serve it.

Once the server answers, a background thread plays the tutorial's four calls
at it in compressed real time (a few seconds between events), so Mario Rossi's
journey fills in live on his card.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import httpx
import typer
from sqlalchemy import Connection

from tvox_journey import accounts, services
from tvox_journey.cli import app
from tvox_journey.cli.options import load_settings
from tvox_journey.cli.player import MethodChoice, PlayReport, Target, play, run
from tvox_journey.cli.serve import run_server
from tvox_journey.sim import Request, tutorial_calls
from tvox_journey.store import contacts as contact_store
from tvox_journey.store import names
from tvox_journey.store.engine import make_database
from tvox_journey.store.migrate import upgrade
from tvox_journey.web.webhook_auth import is_loopback

# The tutorial's setting (../shared/reference/tutorial-contract.md, "Setting of the example").
DEMO_CONTACT = ("Mario", "Rossi", "0452224600")
DEMO_ADMIN_PASSWORD = "tvox-demo"  # the demo is for trying out on this machine; `serve` makes a random one
DEMO_NAMES = ((names.AGENT, "op1", "Operatore 1"), (names.AGENT, "op2", "Operatore 2"),
              (names.SERVICE, "customercare", "Customer Care"))  # fmt: skip


def seed(conn: Connection, policy: services.NumberPolicy, now: datetime) -> int:
    """Add the tutorial's contact and display names; returns the contact's id."""
    for kind, code, name in DEMO_NAMES:
        names.set_name(conn, kind, code, name)
    name, surname, number = DEMO_CONTACT
    return contact_store.create(
        conn, name=name, surname=surname, company=None,
        numbers=services.contact_numbers([number], policy), now=now,
    )  # fmt: skip


def create_demo_database(
    path: Path, policy: services.NumberPolicy, admin_password: str = DEMO_ADMIN_PASSWORD
) -> tuple[str, int]:
    """A new database file at `path` (any old one is replaced), seeded, with the user `admin`;
    returns (url, contact id)."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{path.resolve()}"
    upgrade(url)
    db = make_database(url)
    try:
        with db.write.begin() as conn:
            contact_id = seed(conn, policy, datetime.now(UTC))
            password_hash = accounts.Passwords().hash(admin_password)
            accounts.create_first_admin(conn, password_hash=password_hash, now=datetime.now(UTC))
    finally:
        db.dispose()
    return url, contact_id


MAX_GAP = 3.0  # seconds between two demo events at most (the tutorial's calls span half an hour)


def compressed_schedule(requests: Sequence[Request], *, max_gap: float = MAX_GAP) -> list[float]:
    """Start times in seconds for requests in time order: their real gaps, none longer than `max_gap`."""
    schedule: list[float] = []
    at = 0.0
    for previous, request in zip([None, *requests], requests, strict=False):
        if previous is not None:
            at += min((request.at - previous.at).total_seconds(), max_gap)
        schedule.append(at)
    return schedule


def play_tutorial(
    base_url: str,
    *,
    now: datetime,
    auth: tuple[str, str] | None = None,
    max_gap: float = MAX_GAP,
    echo: Callable[[str], None] = typer.echo,
) -> PlayReport:
    """Send the tutorial's four calls (from `now` on) to `base_url`, one event at a time, time compressed."""
    requests = sorted((r for call in tutorial_calls(now) for r in call.requests), key=lambda r: r.at)
    schedule = compressed_schedule(requests, max_gap=max_gap)

    def tell(index: int, request: Request, status: int) -> None:
        answer = status or "no answer"
        echo(f"  +{schedule[index]:5.1f} s  {request.path:<18} call {request.call_id}  -> {answer}")

    target = Target(base_url, auth=auth)
    return run(
        play(requests, target, method=MethodChoice.MIXED, concurrency=1, schedule=schedule, on_sent=tell)
    )


def wait_until_up(base_url: str, *, timeout: float = 30.0) -> bool:
    """Poll /healthz until the server answers 200; False when it did not within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200:
                return True
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    return False


def local_url(host: str, port: int) -> str:
    """The URL this machine reaches a server listening on `host` at."""
    if host in ("", "0.0.0.0"):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def start_traffic(base_url: str, *, auth: tuple[str, str] | None) -> threading.Thread:
    """Play the tutorial's calls at the server from a background thread, once it answers."""

    def traffic() -> None:
        if not wait_until_up(base_url):
            typer.echo("Demo traffic: the server did not answer /healthz; no calls played.", err=True)
            return
        typer.echo("Demo traffic: playing the tutorial's four calls for Mario Rossi (under a minute)...")
        report = play_tutorial(base_url, now=datetime.now(UTC), auth=auth)
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
    allow_open_webhooks: Annotated[
        bool, typer.Option(help="Serve a non-loopback address even with no webhook credentials")
    ] = False,
) -> None:
    """Start the tutorial's demo: Mario Rossi 0452224600, agents op1/op2, service customercare."""
    settings = load_settings(host=host, port=port)
    policy = services.NumberPolicy(settings.default_region, settings.internal_number_max_digits)
    configured = settings.admin_password
    # A well-known password only where nobody else can reach it.
    known = DEMO_ADMIN_PASSWORD if is_loopback(host) else accounts.new_password()
    password = configured.get_secret_value() if configured else known
    url, contact_id = create_demo_database(path, policy, password)
    settings = load_settings(host=host, port=port, database_url=url, migrate_on_start=False)
    base = f"http://{host}:{port}"
    typer.echo(f"Demo database: {path.resolve()}")
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
