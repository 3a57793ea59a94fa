"""The native endpoint: TVox's own variables at /tvox/events, every type and event.

The type and event come from the URI when it fixes them (path segments
`/tvox/events/{type}/{event}`, or `?type=...&event=...` in the query string),
else from the `eventtype` and `event` variables (ingest/native.py). Everything
else goes through the same path as the tutorial routes (web/webhooks/pipeline.py).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from tvox_journey.ingest.errors import InvalidEvent
from tvox_journey.ingest.native import NATIVE_ROUTE, URI_EVENT, URI_TYPE, Hint, NativeKind, resolve
from tvox_journey.ingest.parse import map_variables
from tvox_journey.web.deps import get_resources
from tvox_journey.web.webhooks.incoming import Incoming
from tvox_journey.web.webhooks.pipeline import Resolved, handle_webhook, read_or_refuse, without
from tvox_journey.web.webhooks.refusals import log_rejected, problem_response


def _query_hint(request: Request, incoming: Incoming, name: str) -> tuple[str, str] | None:
    """The first `name` pair of the query string: the URI's own, as TVox appends its variables after it."""
    query_count = len(request.query_params.multi_items())
    for pair in incoming.params[:query_count]:
        if pair[0] == name:
            return pair
    return None


def _route_key(kind: NativeKind, fixed_in_path: int) -> str:
    """The log's route: deliveries of different path events must not count as duplicates."""
    parts = [NATIVE_ROUTE, kind.call_type.value, kind.action.value][: 1 + fixed_in_path]
    return "/".join(parts)


async def _native(request: Request, path_type: str | None, path_event: str | None) -> Response:
    incoming = await read_or_refuse(request, NATIVE_ROUTE)  # checks the webhook credentials first
    if not isinstance(incoming, Incoming):
        return incoming
    resources = get_resources(request)
    mapping = resources.mappings.for_route(NATIVE_ROUTE)
    fixed: list[tuple[str, str]] = []
    hints: dict[str, Hint] = {}
    for name, segment in ((URI_TYPE, path_type), (URI_EVENT, path_event)):
        if segment is not None:
            hints[name] = Hint(segment, name)
        elif (pair := _query_hint(request, incoming, name)) is not None:
            fixed.append(pair)
            hints[name] = Hint(pair[1], name)
    try:
        variables = map_variables(without(incoming.params, tuple(fixed)), mapping)
        kind = resolve(variables, uri_type=hints.get(URI_TYPE), uri_event=hints.get(URI_EVENT))
    except InvalidEvent as invalid:
        await log_rejected(
            request, resources, route=NATIVE_ROUTE, status_code=422,
            reason=str(invalid), params=incoming.params,
        )  # fmt: skip
        return problem_response(422, invalid.variable, invalid.reason)
    in_path = (path_type is not None) + (path_event is not None)
    resolved = Resolved(
        route=_route_key(kind, in_path),
        call_type=kind.call_type,
        action=kind.action,
        mapping=mapping,
        raw_event=kind.raw_event,
        uri_fixed=tuple(fixed),
    )
    return await handle_webhook(request, resolved, incoming)


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
