"""`tvox-journey serve`: run the server."""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn

from tvox_journey.cli import app
from tvox_journey.cli.options import DatabaseOption, load_settings
from tvox_journey.settings import Settings
from tvox_journey.web.app import create_app


def run_server(settings: Settings) -> None:
    """Serve `settings` with uvicorn until interrupted."""
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level="info",
        proxy_headers=False,
        server_header=False,
    )


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on (default 127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on (default 8000)")] = None,
    database: DatabaseOption = None,
) -> None:
    """Serve the webhooks, pages and API (migrations are applied at start)."""
    settings = load_settings(host=host, port=port, database_url=database)
    run_server(settings)
