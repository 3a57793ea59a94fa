"""The webhook pipeline: authenticate, read, parse, record, reply. Every request is logged; accepted
events are folded; the answer is 2xx only after the commit. Used by the tutorial and native routes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import PlainTextResponse, Response

from tvox_journey.domain.events import Action, CallType
from tvox_journey.ingest.contract import Route, route_event
from tvox_journey.ingest.errors import InvalidEvent
from tvox_journey.live.broadcaster import Change
from tvox_journey.store.event_log import LogEntry, LogOutcome
from tvox_journey.web.deps import get_resources
from tvox_journey.web.webhooks.access import check_webhook_access
from tvox_journey.web.webhooks.incoming import Incoming, RequestProblem, read_incoming, received
from tvox_journey.web.webhooks.refusals import log_rejected, problem_response, remote_addr


@dataclass(frozen=True)
class Resolved:
    """What a webhook request stands for: its route key, event type and variable mapping."""

    route: str
    call_type: CallType
    action: Action
    mapping: Mapping[str, str]
    required: frozenset[str] = frozenset()
    raw_event: str | None = None
    uri_fixed: tuple[tuple[str, str], ...] = ()  # pairs the URI fixed (type/event): logged, not parsed


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


def without(params: tuple[tuple[str, str], ...], fixed: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
    """`params` less the first occurrence of each pair in `fixed`."""
    rest = list(params)
    for pair in fixed:
        if pair in rest:
            rest.remove(pair)
    return rest


async def handle_webhook(request: Request, resolved: Resolved, incoming: Incoming | None = None) -> Response:
    """Read (unless already read), parse, record and acknowledge one notification."""
    resources = get_resources(request)
    if incoming is None:
        read = await read_or_refuse(request, resolved.route)
        if not isinstance(read, Incoming):
            return read
        incoming = read
    try:
        route = Route(
            resolved.route, resolved.call_type, resolved.action, resolved.mapping, resolved.required
        )
        event = route_event(
            route,
            without(incoming.params, resolved.uri_fixed),
            tvox_timezone=resources.tvox_zone,
            raw_event=resolved.raw_event,
        )
    except InvalidEvent as invalid:
        await log_rejected(
            request, resources, route=resolved.route, status_code=422,
            reason=str(invalid), params=incoming.params,
        )  # fmt: skip
        return problem_response(422, invalid.variable, invalid.reason)
    outcome = LogOutcome.UNRECOGNIZED if resolved.action is Action.UNKNOWN else LogOutcome.ACCEPTED
    entry = LogEntry(
        received_at=resources.now(),
        method=request.method,
        path=request.url.path[:2048],
        route=resolved.route,
        params=incoming.params,
        outcome=outcome,
        status_code=200,
        remote_addr=remote_addr(request),
        event=event,
        reason=f"unrecognized event {resolved.raw_event!r}" if outcome == LogOutcome.UNRECOGNIZED else None,
    )
    recorded = await resources.writer.record(entry, resources.policy)
    if recorded.outcome != LogOutcome.DUPLICATE:
        resources.broadcaster.publish(Change(recorded.seq, recorded.call_id, recorded.number_key))
    return PlainTextResponse("ok")
