"""Refused webhook requests: recorded in the event log (capped and counted, see store/refused.py) and
answered with the webhook problem body. Used by the webhook pipeline, its access check, the request
guard and the error handlers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from fastapi import Request
from fastapi.responses import JSONResponse

from tvox_journey.services.recording import Recorded
from tvox_journey.store import refused
from tvox_journey.store.event_log import LogEntry, LogOutcome
from tvox_journey.web.deps import Resources
from tvox_journey.web.responses import REQUEST_ID, error_body
from tvox_journey.web.webhooks.incoming import read_refused


def remote_addr(request: Request) -> str | None:
    return request.client.host if request.client else None


async def log_rejected(
    request: Request,
    resources: Resources,
    *,
    route: str,
    status_code: int,
    reason: str,
    params: Sequence[tuple[str, str]] = (),
    body: bytes | None = None,
    size: int | None = None,
    query_pairs: int | None = None,
) -> Recorded:
    """Record a request that was refused, with the reason.

    A 422 was authenticated and read within the limits: its parameters are kept
    whole, one row each, for fixing a mapping. Any other refusal (not
    authenticated, unknown path, over a limit, cut short) keeps an excerpt and
    its size, and is counted on one row per address, route and status within
    a window (store/refused.py).
    """
    settings = resources.settings
    entry = LogEntry(
        received_at=resources.now(),
        method=request.method[:16],  # any token is a method; the column holds 16
        path=request.url.path[:2048],
        route=route,
        params=params,
        outcome=LogOutcome.REJECTED,
        status_code=status_code,
        remote_addr=remote_addr(request),
        reason=reason,
        body=body,
        query_pairs=query_pairs,
        request_id=REQUEST_ID.get(),
    )
    if status_code != 422:
        kept, kept_body = refused.excerpt(params, body, settings.refused_log_excerpt_bytes)
        entry = replace(entry, params=kept, body=kept_body, request_bytes=size, query_pairs=None)
        entry = replace(entry, flood_key=refused.flood_key(entry, settings.refused_log_window_seconds))
    return await resources.writer.record(entry, resources.policy)


async def log_refused(
    request: Request, resources: Resources, *, route: str, status_code: int, reason: str
) -> Recorded:
    """Log a request refused before its body was read (401, 403, 404, 405): what it sent is read
    (never more than the body limit) for the excerpt and the size its row keeps."""
    settings = resources.settings
    seen = await read_refused(
        request,
        max_body=settings.max_body_bytes,
        excerpt_bytes=settings.refused_log_excerpt_bytes,
        max_params=settings.max_params,
    )
    return await log_rejected(
        request, resources, route=route, status_code=status_code, reason=reason,
        params=seen.params, body=seen.body, size=seen.size,
    )  # fmt: skip


def problem_response(status_code: int, variable: str | None, reason: str) -> JSONResponse:
    """The JSON body of a refused webhook request."""
    body = error_body(status_code, reason if variable is None else f"{variable}: {reason}")
    if variable is not None:
        body["variable"] = variable
    return JSONResponse(body, status_code=status_code)
