"""Security headers on every response: a Content-Security-Policy without inline scripts, and friends.

API responses (`/api/...`, `*.json`) and every error response are also `Cache-Control: no-store`, as
pages are.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tvox_journey.web.responses import with_header

NO_STORE = (b"cache-control", b"no-store")


def content_security_policy(frame_ancestors: str) -> str:
    """Only our own scripts, styles and images (plus data: images); framing as configured."""
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors {frame_ancestors}"
    )


class SecurityHeadersMiddleware:
    """Adds the headers unless a route already set them."""

    def __init__(self, app: ASGIApp, *, frame_ancestors: str = "'self'") -> None:
        self.app = app
        self.headers = [
            (b"content-security-policy", content_security_policy(frame_ancestors).encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"same-origin"),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        path: str = scope["path"]
        api = path.startswith("/api/") or path.endswith(".json")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                for header in self.headers:
                    with_header(message, header, replace=False)
                if api or message["status"] >= 400:
                    with_header(message, NO_STORE, replace=False)
            await send(message)

        await self.app(scope, receive, send_with_headers)
