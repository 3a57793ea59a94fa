"""The tutorial's web services: its URIs (with and without `.php`, by GET or POST) and variable names."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request
from fastapi.responses import Response

from tvox_journey.ingest.contract import TUTORIAL_ROUTES, Route
from tvox_journey.ingest.requests import Reading, read_tutorial
from tvox_journey.web.deps import get_resources
from tvox_journey.web.webhooks.incoming import Incoming
from tvox_journey.web.webhooks.pipeline import handle_webhook


def _tutorial_endpoint(route: Route) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        resources = get_resources(request)

        def read(incoming: Incoming) -> Reading:
            # The effective mapping (default < mapping file < admin page), looked up per request.
            mapping = resources.mappings.for_route(route.path)
            return read_tutorial(route, incoming.params, mapping, tvox_timezone=resources.tvox_zone)

        return await handle_webhook(request, route.path, read)

    return endpoint


def tutorial_router() -> APIRouter:
    """GET and POST for each tutorial path, with and without `.php`."""
    router = APIRouter(include_in_schema=False)
    for route in TUTORIAL_ROUTES.values():
        endpoint = _tutorial_endpoint(route)
        for path in (f"/{route.path}", f"/{route.path}.php"):
            router.add_api_route(path, endpoint, methods=["GET", "POST"], name=f"{route.path}{path[-4:]}")
    return router
