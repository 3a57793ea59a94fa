"""Exceptions to responses, in one place: JSON for the API and webhooks, HTML for pages.

Nothing a client sends may produce a stack trace or a 500: unknown paths are
404 (and logged, so a wrong TVox URI shows up), a database that cannot be
reached is 503, and anything unexpected is logged here and answered 500 with
no detail.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect

from tvox_journey import metrics
from tvox_journey.store.errors import StoreUnavailable
from tvox_journey.web.deps import get_resources
from tvox_journey.web.responses import CLIENT_CLOSED, error_body, render_error
from tvox_journey.web.webhooks.refusals import log_refused

log = logging.getLogger(__name__)


async def _http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404 and request.scope.get("route") is None:
        try:
            await log_refused(
                request, get_resources(request), route="unknown", status_code=404, reason="unknown path"
            )
        except StoreUnavailable:
            pass
        return await render_error(request, 404, "not found")
    if exc.status_code == 405 and not request.url.path.startswith("/api/"):
        # A webhook path called with another method: logged like an unknown path (nothing is lost).
        route_path: str = getattr(request.scope.get("route"), "path", "/unknown")
        try:
            await log_refused(
                request, get_resources(request), route=route_path.lstrip("/").removesuffix(".php")[:64],
                status_code=405, reason=f"method {request.method[:16]} not allowed",
            )  # fmt: skip
        except StoreUnavailable:
            pass
    response = await render_error(request, exc.status_code, str(exc.detail))
    if exc.headers:
        response.headers.update(exc.headers)
    return response


async def _validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    problems = [
        f"{'.'.join(str(p) for p in error.get('loc', ()))}: {error.get('msg', 'invalid')}"
        for error in exc.errors()
    ]
    body = error_body(422, "; ".join(problems) or "invalid request")
    return JSONResponse(body, status_code=422)


async def _unavailable(request: Request, exc: Exception) -> Response:
    metrics.DATABASE_ERRORS.inc()
    if not isinstance(exc, StoreUnavailable):  # a read: the database refused, timed out or vanished
        log.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc)
    return await render_error(request, 503, "database unavailable")


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse(error_body(500, "internal error"), status_code=500)


async def _client_gone(request: Request, exc: Exception) -> Response:
    # The client closed the connection before sending its whole body: nobody reads the answer, and it
    # is no server error (webhooks log it as rejected in web/webhooks/incoming.py before it gets here).
    log.info("client disconnected during %s %s", request.method[:16], request.url.path[:200])
    return Response(status_code=CLIENT_CLOSED)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ClientDisconnect, _client_gone)
    app.add_exception_handler(HTTPException, _http_exception)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StoreUnavailable, _unavailable)
    app.add_exception_handler(OperationalError, _unavailable)
    app.add_exception_handler(PoolTimeout, _unavailable)
    app.add_exception_handler(Exception, _unexpected)
