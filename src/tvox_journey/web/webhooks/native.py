"""The native endpoint: TVox's own variables at /tvox/events, every type and event.

The type and event come from the URI when it fixes them (path segments
`/tvox/events/{type}/{event}`, or `?type=...&event=...` in the query string),
else from the `eventtype` and `event` variables (ingest/requests.py, ingest/native.py).
Everything else goes through the same path as the tutorial routes (web/webhooks/pipeline.py).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from tvox_journey.ingest.native import NATIVE_ROUTE
from tvox_journey.ingest.requests import Reading, read_native
from tvox_journey.web.deps import get_resources
from tvox_journey.web.webhooks.incoming import Incoming
from tvox_journey.web.webhooks.pipeline import handle_webhook


async def _native(request: Request, path_type: str | None, path_event: str | None) -> Response:
    resources = get_resources(request)

    def read(incoming: Incoming) -> Reading:
        return read_native(
            incoming.params,
            query_pairs=incoming.query_pairs,
            path_type=path_type,
            path_event=path_event,
            mapping=resources.mappings.for_route(NATIVE_ROUTE),
            tvox_timezone=resources.tvox_zone,
        )

    return await handle_webhook(request, NATIVE_ROUTE, read)  # checks the webhook credentials first


def native_router() -> APIRouter:
    """GET and POST at /tvox/events, /tvox/events/{type} and /tvox/events/{type}/{event}."""
    router = APIRouter(include_in_schema=False)

    async def events(request: Request) -> Response:
        return await _native(request, None, None)

    async def events_of_type(request: Request, call_type: str) -> Response:
        return await _native(request, call_type, None)

    async def events_of_type_and_event(request: Request, call_type: str, event: str) -> Response:
        return await _native(request, call_type, event)

    methods = ["GET", "POST"]
    router.add_api_route(f"/{NATIVE_ROUTE}", events, methods=methods, name="tvox-events")
    router.add_api_route(f"/{NATIVE_ROUTE}/{{call_type}}", events_of_type, methods=methods)
    router.add_api_route(
        f"/{NATIVE_ROUTE}/{{call_type}}/{{event}}", events_of_type_and_event, methods=methods
    )
    return router
