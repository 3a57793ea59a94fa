"""The app factory: `create_app(settings)` is the only way to an app."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from functools import partial
from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from tvox_journey import __version__
from tvox_journey.domain.numbers import NumberPolicy
from tvox_journey.ingest.mapping import Table
from tvox_journey.live.broadcaster import Broadcaster
from tvox_journey.metrics import process_ended
from tvox_journey.settings import Settings
from tvox_journey.store import changes
from tvox_journey.store.engine import Timeouts, make_database
from tvox_journey.store.migrate import check_schema, upgrade
from tvox_journey.web import health, metrics
from tvox_journey.web.api import callbacks as api_callbacks
from tvox_journey.web.api import contacts as api
from tvox_journey.web.api import directory as api_directory
from tvox_journey.web.api import docs as api_docs
from tvox_journey.web.api import export, interactions
from tvox_journey.web.api import log as api_log
from tvox_journey.web.api import notes as api_notes
from tvox_journey.web.api import reports as api_reports
from tvox_journey.web.api import search as api_search
from tvox_journey.web.deps import Resources
from tvox_journey.web.errors import install_error_handlers
from tvox_journey.web.guard.log_safety import install_log_escaping
from tvox_journey.web.guard.middleware import WEBHOOK, RequestGuard, channel
from tvox_journey.web.guard.request_id import RequestIdMiddleware
from tvox_journey.web.pages import contacts_import, install_pages, login, users
from tvox_journey.web.pages.mappings import load_mappings
from tvox_journey.web.pages.mappings import router as mappings_router
from tvox_journey.web.security.headers import SecurityHeadersMiddleware
from tvox_journey.web.security.install import create_first_admin, install_security, secret_key
from tvox_journey.web.tasks.feed import LogFeed
from tvox_journey.web.tasks.retention import keep_pruning
from tvox_journey.web.webhooks.endpoint import webhook_endpoint
from tvox_journey.writer import BatchWriter

log = logging.getLogger(__name__)


def _apply_mappings(resources: Resources, rows: Table, seq: int) -> None:
    """Mappings saved by any process (read back from the log by the feed) apply to this one's webhooks,
    unless this process has already applied a newer edit of its own."""
    if seq >= resources.mappings_seq:
        resources.mappings = resources.mappings.with_rows(rows)
        resources.mappings_seq = seq


class JourneyApp(FastAPI):
    """FastAPI for pages and the API; TVox's webhooks go to their own endpoint ahead of its router
    (web/webhooks/endpoint.py), through the same middleware classes as every other request."""

    webhook_stack: ASGIApp  # not `webhooks`: FastAPI names its OpenAPI webhooks so

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and channel(scope["path"]) == WEBHOOK:
            scope["app"] = self
            await self.webhook_stack(scope, receive, send)
        else:
            await super().__call__(scope, receive, send)


def _middleware(settings: Settings) -> list[tuple[Any, dict[str, Any]]]:
    """What every request passes, pages, API and webhooks alike, innermost first: the request guard,
    the security headers (on its refusals too), the metrics (every answer counted, refusals included),
    and outermost the request id (every answer and log line has it)."""
    return [
        (RequestGuard, {
            "max_body_bytes": settings.max_api_body_bytes,
            "max_query_bytes": settings.max_query_bytes,
            "larger_bodies": {"/contacts/import": contacts_import.MAX_BODY_BYTES},
        }),
        (SecurityHeadersMiddleware, {"frame_ancestors": settings.frame_ancestors}),
        (metrics.MetricsMiddleware, {}),
        (RequestIdMiddleware, {}),
    ]  # fmt: skip


def _webhook_stack(settings: Settings) -> ASGIApp:
    """The webhook endpoint inside the same middleware as FastAPI's routes (`_middleware`)."""
    stack: ASGIApp = webhook_endpoint
    for middleware, options in _middleware(settings):
        stack = middleware(stack, **options)
    return stack


def create_app(settings: Settings | None = None) -> FastAPI:
    """A tvox-journey app; its database, writer and broadcaster live in the lifespan."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.migrate_on_start:
            upgrade(settings.database_url)
        else:
            check_schema(settings.database_url)
        timeouts = Timeouts(
            connect=settings.db_connect_timeout,
            statement=settings.db_statement_timeout,
            lock=settings.db_lock_timeout,
            busy=settings.sqlite_busy_timeout,
        )
        db = make_database(
            settings.database_url, sqlite_synchronous=settings.sqlite_synchronous, timeouts=timeouts
        )
        with db.read.connect() as conn:
            channel = changes.channel_name(conn)
        writer = BatchWriter(
            db.write,
            batch_max=settings.writer_batch_max,
            wait_timeout=settings.write_timeout,
            queue_max=settings.writer_queue_max,
        )
        if channel is not None:
            writer.on_begin = partial(changes.announce, channel=channel)
        writer.start()
        broadcaster = Broadcaster()
        feed = LogFeed(db, broadcaster, channel)
        app.state.resources = resources = Resources(
            settings=settings,
            db=db,
            writer=writer,
            broadcaster=broadcaster,
            policy=NumberPolicy(settings.default_region, settings.internal_number_max_digits),
            feed=feed,
            mappings=load_mappings(settings, db),
        )
        feed.on_mappings = partial(_apply_mappings, resources)
        await feed.start()
        app.state.resources.secret_key = secret_key(settings, db)
        pruning: asyncio.Task[None] | None = None
        stop_pruning = asyncio.Event()
        try:
            await create_first_admin(app, app.state.resources)
            pruning = asyncio.create_task(
                keep_pruning(
                    writer,
                    settings.refused_log_retention_days,
                    stop_pruning,
                    db=db,
                    event_days=settings.event_log_retention_days,
                ),
                name="prune-event-log",
            )
            yield
        finally:
            if pruning is not None:
                stop_pruning.set()
                pruning.cancel()
                with suppress(asyncio.CancelledError):
                    await pruning
            await feed.stop()
            writer.stop()
            db.dispose()
            process_ended()

    app = JourneyApp(
        title="tvox-journey",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,  # web/api/docs.py serves Swagger UI from vendored files
        redoc_url=None,
        openapi_url="/api/openapi.json",
        redirect_slashes=False,  # web/guard/middleware.py redirects, with a relative Location
    )
    install_log_escaping()
    install_error_handlers(app)
    install_security(app, settings)
    for middleware, options in _middleware(settings):
        app.add_middleware(middleware, **options)  # each added outside the ones before it
    app.include_router(login.router, max_body_size=settings.max_api_body_bytes)
    app.include_router(users.router, max_body_size=settings.max_api_body_bytes)
    app.include_router(api_search.router)
    app.include_router(mappings_router)
    app.include_router(api.router, max_body_size=settings.max_api_body_bytes)
    app.include_router(interactions.router)
    app.include_router(api_log.router)
    app.include_router(api_callbacks.router, max_body_size=settings.max_api_body_bytes)
    app.include_router(api_directory.router)
    app.include_router(api_notes.router, max_body_size=settings.max_api_body_bytes)
    app.include_router(api_reports.router)
    app.include_router(health.router)
    app.include_router(metrics.router)
    app.include_router(api_docs.router)
    app.include_router(export.router)
    install_pages(app, settings)
    app.webhook_stack = _webhook_stack(settings)
    return app
