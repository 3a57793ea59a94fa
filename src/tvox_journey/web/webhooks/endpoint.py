"""The webhooks' own ASGI endpoint: TVox's requests never reach FastAPI's router.

Every request on a webhook path (`web/guard/middleware.channel`) is answered here, after the same
request id, metrics, security headers and request guard as every other request (`web/app.py` wraps
this endpoint in those middleware classes); pages and the API stay on FastAPI. The routes:

- the tutorial's web services, `/{route}` and `/{route}.php` (`ingest/contract.TUTORIAL_ROUTES`);
- the native endpoint, `/tvox/events`, `/tvox/events/{call_type}` and `/tvox/events/{call_type}/{event}`.

GET and POST go through `web/webhooks/pipeline.handle_webhook`; another method is `405` and an
unknown path `404`, both logged by the app's own exception handler, as are the errors a handler
raises (a database that cannot be reached is `503`), so the answers are FastAPI's to the byte.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.routing import Match
from starlette.types import Receive, Scope, Send

from tvox_journey.ingest.contract import TUTORIAL_ROUTES, find_tutorial_route
from tvox_journey.ingest.native import NATIVE_ROUTE
from tvox_journey.ingest.requests import Reading, read_native, read_tutorial
from tvox_journey.web.deps import Resources
from tvox_journey.web.responses import error_body
from tvox_journey.web.webhooks.incoming import Incoming
from tvox_journey.web.webhooks.pipeline import handle_webhook

log = logging.getLogger(__name__)

METHODS = frozenset({"GET", "POST"})
ALLOW = "GET, POST"
NATIVE_PREFIX = f"/{NATIVE_ROUTE}"
Reader = Callable[[Resources, Incoming, tuple[str, ...]], Reading]


@dataclass(frozen=True, slots=True)
class WebhookRoute:
    """A webhook URI: its template (as the metrics and the log name it), its log route and its reader."""

    path: str
    name: str
    read: Reader


def _tutorial_reader(route_path: str) -> Reader:
    route = TUTORIAL_ROUTES[route_path]

    def read(resources: Resources, incoming: Incoming, _segments: tuple[str, ...]) -> Reading:
        # The effective mapping (default < mapping file < admin page), looked up per request.
        mapping = resources.mappings.for_route(route.path)
        return read_tutorial(route, incoming.params, mapping, tvox_timezone=resources.tvox_zone)

    return read


def _read_native(resources: Resources, incoming: Incoming, segments: tuple[str, ...]) -> Reading:
    """The type and event come from the path when it fixes them, else from the URI's query or the
    variables (`ingest/requests.read_native`)."""
    return read_native(
        incoming.params,
        query_pairs=incoming.query_pairs,
        path_type=segments[0] if segments else None,
        path_event=segments[1] if len(segments) > 1 else None,
        mapping=resources.mappings.for_route(NATIVE_ROUTE),
        tvox_timezone=resources.tvox_zone,
    )


TUTORIAL_PATHS: dict[str, WebhookRoute] = {
    path: WebhookRoute(path, route.path, _tutorial_reader(route.path))
    for route in TUTORIAL_ROUTES.values()
    for path in (f"/{route.path}", f"/{route.path}.php")
}
NATIVE_PATHS = (
    WebhookRoute(NATIVE_PREFIX, NATIVE_ROUTE, _read_native),
    WebhookRoute(f"{NATIVE_PREFIX}/{{call_type}}", NATIVE_ROUTE, _read_native),
    WebhookRoute(f"{NATIVE_PREFIX}/{{call_type}}/{{event}}", NATIVE_ROUTE, _read_native),
)


def find_route(path: str) -> tuple[WebhookRoute, tuple[str, ...]] | None:
    """The route serving exactly this (decoded) path, and its path segments after `/tvox/events`."""
    found = TUTORIAL_PATHS.get(path)
    if found is not None:
        return found, ()
    if path == NATIVE_PREFIX:
        return NATIVE_PATHS[0], ()
    if not path.startswith(f"{NATIVE_PREFIX}/"):
        return None
    segments = tuple(path[len(NATIVE_PREFIX) + 1 :].split("/"))
    if len(segments) > 2 or "" in segments:
        return None
    return NATIVE_PATHS[len(segments)], segments


def is_webhook_path(path: str) -> bool:
    """True for the paths this endpoint answers (with or without a trailing slash, found or not)."""
    return find_tutorial_route(path) is not None or path.strip("/").split("/")[:2] == NATIVE_ROUTE.split("/")


def match(scope: Scope) -> Match:
    """How a webhook route matches the request: FULL, PARTIAL (another method) or NONE."""
    found = find_route(scope["path"])
    if found is None:
        return Match.NONE
    return Match.FULL if scope["method"] in METHODS else Match.PARTIAL


async def webhook_endpoint(scope: Scope, receive: Receive, send: Send) -> None:
    """Answer one request on a webhook path (see the module docstring)."""
    request = Request(scope, receive)
    found = find_route(scope["path"])
    try:
        if found is None:
            raise HTTPException(404, "not found")
        route, segments = found
        scope["route"] = route
        if scope["method"] not in METHODS:
            raise HTTPException(405, "Method Not Allowed", headers={"Allow": ALLOW})
        resources: Resources = scope["app"].state.resources
        response = await handle_webhook(
            request, route.name, lambda incoming: route.read(resources, incoming, segments)
        )
    except Exception as exc:  # noqa: BLE001 - every error gets the app's own answer
        response = await _handled(request, exc)
    await response(scope, receive, send)


async def _handled(request: Request, exc: Exception) -> Response:
    """The answer of the app's exception handler for `exc` (web/errors.py), as FastAPI would give it."""
    handlers = request.app.exception_handlers
    handler = next((handlers[kind] for kind in type(exc).__mro__ if kind in handlers), None)
    if handler is None:
        log.error("unexpected error on %s %s", request.method[:16], request.url.path[:200], exc_info=exc)
        return JSONResponse(error_body(500, "internal error"), status_code=500)
    response: Response = await handler(request, exc)
    return response
