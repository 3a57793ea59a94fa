"""`tvox-journey serve`: run the server, in one process or `--workers N` (PostgreSQL)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer
import uvicorn
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy.engine import make_url

from tvox_journey.cli import app
from tvox_journey.cli.options import DatabaseOption, load_settings
from tvox_journey.metrics import MULTIPROCESS_DIR
from tvox_journey.settings import Settings
from tvox_journey.store.migrate import SchemaTooNew, check_schema, upgrade
from tvox_journey.web.app import create_app
from tvox_journey.web.guard.log_format import uvicorn_log_config
from tvox_journey.web.webhooks.access import open_webhooks_problem

# How `serve --workers N` hands its settings (environment and command line) to the worker processes.
_WORKER_SETTINGS = "TVOX_JOURNEY__WORKER_SETTINGS"
MAX_WORKERS = 64


def workers_problem(settings: Settings, workers: int) -> str | None:
    """Why `workers` processes cannot serve this database, or None."""
    if not 1 <= workers <= MAX_WORKERS:
        return f"--workers must be between 1 and {MAX_WORKERS}"
    if workers > 1 and make_url(settings.database_url).get_backend_name() == "sqlite":
        return (
            f"--workers {workers} needs PostgreSQL: a SQLite database takes one writer at a time, so more "
            "processes would only queue on its lock, and their live pages would not see each other's "
            "changes; serve SQLite with one process"
        )
    return None


def prepare_database(settings: Settings) -> None:
    """Migrate once before any worker starts (or only check, with migrate_on_start off).

    Raises:
        SchemaTooNew: the database was migrated by a newer version.
    """
    if settings.migrate_on_start:
        upgrade(settings.database_url)
    else:
        check_schema(settings.database_url)


def _settings_values(settings: Settings) -> dict[str, Any]:
    values = settings.model_dump(mode="json")
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if isinstance(value, SecretStr):
            values[name] = value.get_secret_value()
    return values


def worker_app() -> FastAPI:
    """The app of one `serve --workers N` process (uvicorn imports it in each worker)."""
    return create_app(Settings(**json.loads(os.environ[_WORKER_SETTINGS])))


def run_server(settings: Settings, *, allow_open_webhooks: bool = False, workers: int = 1) -> None:
    """Serve `settings` with uvicorn until interrupted; refuses open webhooks on a network address,
    several workers on SQLite, and a database migrated by a newer version."""
    problem = open_webhooks_problem(settings) if not allow_open_webhooks else None
    problem = problem or workers_problem(settings, workers)
    if problem is not None:
        typer.echo(f"Error: {problem}.", err=True)
        raise typer.Exit(2)
    try:
        prepare_database(settings)
    except SchemaTooNew as error:
        typer.echo(f"Error: {error}.", err=True)
        raise typer.Exit(2) from None
    options: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "log_level": "info",
        "access_log": settings.access_log,
        "proxy_headers": settings.trusted_proxies is not None,
        "forwarded_allow_ips": settings.trusted_proxies,
        "server_header": False,
        "timeout_graceful_shutdown": 5,  # open live pages (SSE) must not hold a restart for long
    }
    log_config = uvicorn_log_config(settings.log_format)
    if log_config is not None:
        options["log_config"] = log_config
    if workers == 1:
        uvicorn.run(create_app(settings), **options)
        return
    os.environ[_WORKER_SETTINGS] = json.dumps(_settings_values(settings))
    _shared_metrics_directory()
    uvicorn.run("tvox_journey.cli.serve:worker_app", factory=True, workers=workers, **options)


def _shared_metrics_directory() -> None:
    """Where the workers' metrics meet (tvox_journey/metrics.py): PROMETHEUS_MULTIPROC_DIR if set
    (emptied of a previous run's values), else a new temporary directory."""
    given = os.environ.get(MULTIPROCESS_DIR)
    if not given:
        os.environ[MULTIPROCESS_DIR] = tempfile.mkdtemp(prefix="tvox-journey-metrics-")
        return
    folder = Path(given)
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink()


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on (default 127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on (default 8000)")] = None,
    database: DatabaseOption = None,
    workers: Annotated[
        int, typer.Option(help="Server processes sharing the port, each with its own writer (PostgreSQL)")
    ] = 1,
    allow_open_webhooks: Annotated[
        bool, typer.Option(help="Serve a non-loopback address even with no webhook credentials")
    ] = False,
) -> None:
    """Serve the webhooks, pages and API (migrations are applied at start)."""
    settings = load_settings(host=host, port=port, database_url=database)
    run_server(settings, allow_open_webhooks=allow_open_webhooks, workers=workers)
