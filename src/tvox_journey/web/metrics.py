"""`/metrics` (Prometheus text format) and the middleware that counts and times every request.

Off unless configured: `metrics_token` (a bearer token the scraper sends) and/or `metrics_networks`
(addresses allowed without one). With neither, `/metrics` answers 404, as a path that does not exist.
"""

from __future__ import annotations

import hmac
import time

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tvox_journey import metrics
from tvox_journey.web.deps import ResourcesDep
from tvox_journey.web.guard.middleware import channel
from tvox_journey.web.webhooks.access import is_allowed_address

router = APIRouter(include_in_schema=False)


def _allowed(request: Request, token: str | None, networks: list[str]) -> bool:
    sent = request.headers.get("authorization", "")
    if token and sent.startswith("Bearer ") and hmac.compare_digest(sent[7:].encode(), token.encode()):
        return True
    host = request.client.host if request.client else None
    return bool(networks) and is_allowed_address(host, networks)


@router.get("/metrics")
def prometheus_metrics(request: Request, resources: ResourcesDep) -> Response:
    """Every metric of every process serving this port."""
    settings = resources.settings
    token = settings.metrics_token.get_secret_value() if settings.metrics_token else None
    if token is None and not settings.metrics_networks:
        raise HTTPException(404, "not found")
    if not _allowed(request, token, settings.metrics_networks):
        raise HTTPException(403, "metrics: a bearer token or an allowed address is required")
    body, content_type = metrics.exposition()
    return Response(body, media_type=content_type)


class MetricsMiddleware:
    """Counts every answer by channel, route template and status, and times it (streams excepted)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        began = time.perf_counter()
        status = 500  # what the server sends if the app fails before answering

        async def counting_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, counting_send)
        finally:
            where = channel(scope["path"])
            route = getattr(scope.get("route"), "path", None) or "unknown"
            metrics.REQUESTS.labels(where, route, str(status)).inc()
            if route != "/events":
                metrics.LATENCY.labels(where).observe(time.perf_counter() - began)
