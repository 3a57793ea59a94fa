"""The webhook pipeline: authenticate, read, parse, record, reply. Every request is logged; accepted
events are folded; the answer is 2xx only after the commit. Used by the tutorial and native routes."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request
from fastapi.responses import PlainTextResponse, Response

from tvox_journey.ingest.requests import Reading
from tvox_journey.live.broadcaster import Change
from tvox_journey.store.event_log import LogEntry, LogOutcome
from tvox_journey.web.deps import get_resources
from tvox_journey.web.responses import REQUEST_ID
from tvox_journey.web.webhooks.access import check_webhook_access
from tvox_journey.web.webhooks.incoming import Incoming, RequestProblem, read_incoming, received
from tvox_journey.web.webhooks.refusals import log_rejected, problem_response, remote_addr


async def read_or_refuse(request: Request, route: str) -> Incoming | Response:
    """The request's parameters, or the (logged) refusal to send back."""
    resources = get_resources(request)
    refused = await check_webhook_access(request, resources, route=route)
    if refused is not None:
        return refused
    settings = resources.settings
    try:
        return await read_incoming(request, max_body=settings.max_body_bytes, max_params=settings.max_params)
    except RequestProblem as problem:
        seen = received(
            request, problem.body, problem.body_size,
            excerpt_bytes=settings.refused_log_excerpt_bytes, max_params=settings.max_params,
        )  # fmt: skip
        await log_rejected(
            request, resources, route=route, status_code=problem.status_code,
            reason=problem.reason, params=seen.params, body=seen.body, size=seen.size,
        )  # fmt: skip
        return problem_response(problem.status_code, None, problem.reason)


async def handle_webhook(request: Request, route: str, read: Callable[[Incoming], Reading]) -> Response:
    """Read the request (refused under `route` when it cannot be), parse it with `read`, record it and
    acknowledge it."""
    resources = get_resources(request)
    incoming = await read_or_refuse(request, route)
    if not isinstance(incoming, Incoming):
        return incoming
    reading = read(incoming)
    if reading.invalid is not None:
        await log_rejected(
            request, resources, route=reading.route, status_code=422, reason=str(reading.invalid),
            params=incoming.params, query_pairs=incoming.query_pairs,
        )  # fmt: skip
        return problem_response(422, reading.invalid.variable, reading.invalid.reason)
    entry = LogEntry(
        received_at=resources.now(),
        method=request.method,
        path=request.scope["path"][:2048],  # a route's own path (request.url would be built for it)
        route=reading.route,
        params=incoming.params,
        outcome=LogOutcome.UNRECOGNIZED if reading.unrecognized else LogOutcome.ACCEPTED,
        status_code=200,
        remote_addr=remote_addr(request),
        event=reading.event,
        reason=reading.reason,
        query_pairs=incoming.query_pairs,
        request_id=REQUEST_ID.get(),
    )
    recorded = await resources.writer.record(entry, resources.policy)
    if recorded.outcome != LogOutcome.DUPLICATE:
        resources.broadcaster.publish(Change(recorded.seq, recorded.call_id, recorded.number_key))
    return PlainTextResponse("ok")
