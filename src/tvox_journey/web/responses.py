"""The error shapes every channel answers with: the JSON error body, or an error page for browsers."""

from __future__ import annotations

from contextvars import ContextVar

from fastapi import Request
from fastapi.responses import JSONResponse, Response
from starlette.types import Message

# The id of the request being answered (web/guard/request_id.py sets it): in error bodies, the
# X-Request-ID header and the server log, so a reply a user reports can be found in the log.
REQUEST_ID: ContextVar[str | None] = ContextVar("tvox_journey_request_id", default=None)

CLIENT_CLOSED = 499  # nginx's "client closed request": nobody reads the answer, the log row keeps it


def with_header(message: Message, header: tuple[bytes, bytes], *, replace: bool = True) -> None:
    """Give a response's start message a header (name in lower case): instead of one of that name it
    has (`replace`), or only if it has none. Raw, as the server reads them (no header object built)."""
    name = header[0]
    headers = message.get("headers") or []
    if any(existing[0].lower() == name for existing in headers):
        if not replace:
            return
        headers = [existing for existing in headers if existing[0].lower() != name]
    message["headers"] = [*headers, header]


def wants_html(request: Request) -> bool:
    path = request.url.path
    if path.startswith("/api/") or path.endswith(".json"):
        return False
    return "text/html" in request.headers.get("accept", "")


def error_body(status_code: int, error: str) -> dict[str, object]:
    """The canonical JSON error shape (with the request id, when there is one)."""
    body: dict[str, object] = {"ok": False, "status": status_code, "error": error}
    request_id = REQUEST_ID.get()
    if request_id is not None:
        body["request_id"] = request_id
    return body


async def render_error(request: Request, status_code: int, error: str) -> Response:
    """An error page for browsers, the JSON shape for everything else."""
    renderer = getattr(request.app.state, "render_error_page", None)
    if renderer is not None and wants_html(request):
        response: Response = await renderer(request, status_code, error)
        return response
    return JSONResponse(error_body(status_code, error), status_code=status_code)
