"""`tvox-journey serve`: run the server."""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn

from tvox_journey.cli import app
from tvox_journey.cli.options import DatabaseOption, load_settings
from tvox_journey.settings import Settings
from tvox_journey.web.app import create_app
from tvox_journey.web.webhook_auth import open_webhooks_problem


def run_server(settings: Settings, *, allow_open_webhooks: bool = False) -> None:
    """Serve `settings` with uvicorn until interrupted; refuses open webhooks on a network address."""
    problem = open_webhooks_problem(settings)
    if problem is not None and not allow_open_webhooks:
        typer.echo(f"Error: {problem}.", err=True)
        raise typer.Exit(2)
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level="info",
        access_log=settings.access_log,
        proxy_headers=settings.trusted_proxies is not None,
        forwarded_allow_ips=settings.trusted_proxies,
        server_header=False,
        timeout_graceful_shutdown=5,  # open live pages (SSE) must not hold a restart for long
    )


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on (default 127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on (default 8000)")] = None,
    database: DatabaseOption = None,
    allow_open_webhooks: Annotated[
        bool, typer.Option(help="Serve a non-loopback address even with no webhook credentials")
    ] = False,
) -> None:
    """Serve the webhooks, pages and API (migrations are applied at start)."""
    settings = load_settings(host=host, port=port, database_url=database)
    run_server(settings, allow_open_webhooks=allow_open_webhooks)
