"""What every request passes before any route runs: size limits, the text rule, trailing slashes.

One ASGI middleware, so a new route is covered without doing anything:

- headers over `MAX_HEADER_BYTES` in all: `431`;
- a query string over `max_query_bytes`: `414`;
- a body over `max_api_body_bytes` (declared or streamed), webhooks excepted, or over its own limit on an
  upload page (`/contacts/import`): `413`;
- a control character (`web/guard/text_rule.py`) in the path, a query parameter, a form field or a JSON
  string, webhooks excepted: `422` naming the field;
- a path that only exists with (or without) a trailing slash: `307` there, with a relative
  `Location` (Starlette's own redirect would name the client's `Host`).

Each refusal has its channel's shape: the JSON error for the API (`/api/...`, `*.json`), the
error page for pages (JSON to clients that do not accept HTML), the webhook problem body for
webhooks, which are also logged (as is any refused request to a path no route serves).
Webhook bodies are read, limited and logged by `web/webhooks/incoming.py`, and their values are recorded
as received (the event log replaces NUL), so the text rule does not refuse them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote

from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.datastructures import FormData, Headers, QueryParams, UploadFile
from starlette.requests import Request
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tvox_journey.ingest.contract import find_tutorial_route
from tvox_journey.ingest.native import NATIVE_ROUTE
from tvox_journey.store.errors import StoreUnavailable
from tvox_journey.web.deps import get_resources
from tvox_journey.web.guard.text_rule import first_problem, json_strings, multiline_fields
from tvox_journey.web.responses import error_body, render_error
from tvox_journey.web.webhooks import endpoint as webhooks
from tvox_journey.web.webhooks.refusals import log_rejected, problem_response

MAX_HEADER_BYTES = 65536
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
NO_BODY_METHODS = ("GET", "HEAD", "OPTIONS")
API, PAGE, WEBHOOK = "api", "page", "webhook"


@dataclass(frozen=True)
class Refusal:
    status_code: int
    error: str


def channel(path: str) -> str:
    """Who a path is for: the JSON API, TVox's webhooks, or pages (everything else)."""
    if path.startswith("/api/") or path.endswith(".json"):
        return API
    if webhooks.is_webhook_path(path):
        return WEBHOOK
    return PAGE


def route_match(scope: Scope) -> Match:
    """How well the app's routes (the webhooks' own on their paths) match this request: FULL, PARTIAL
    (another method) or NONE."""
    if webhooks.is_webhook_path(scope["path"]):
        return webhooks.match(scope)
    best = Match.NONE
    for route in scope["app"].router.routes:
        match, _child = route.matches(scope)
        if match is Match.FULL:
            return match
        if match is Match.PARTIAL:
            best = match
    return best


class RequestGuard:
    """See the module docstring."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        max_query_bytes: int,
        larger_bodies: Mapping[str, int] | None = None,
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_query_bytes = max_query_bytes
        self.larger_bodies = dict(larger_bodies or {})  # path -> its own limit (an upload page)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = self._limits(scope)
        if refusal is not None:
            await self._refuse(scope, receive, send, refusal)
            return
        if channel(scope["path"]) == WEBHOOK and not scope["path"].endswith("/"):
            await self.app(scope, receive, send)  # read, limited and logged by web/webhooks/incoming.py
            return
        if route_match(scope) is Match.NONE:
            redirect = self._slash_redirect(scope)
            await (redirect or self.app)(scope, receive, send)  # else the 404, logged
            return
        if channel(scope["path"]) == WEBHOOK:
            await self.app(scope, receive, send)
            return
        problem = first_problem(_path_and_query(scope))
        if problem is None and scope["method"] not in NO_BODY_METHODS:
            read = await self._read_body(scope, receive)
            if read is None:
                return  # the client went away
            if isinstance(read, Refusal):
                await self._refuse(scope, receive, send, read)
                return
            receive = _replay(read, receive)
            problem = await _body_problem(scope, read, receive)
        if problem is not None:
            await self._refuse(scope, receive, send, Refusal(422, problem))
            return
        await self.app(scope, receive, send)

    def _limits(self, scope: Scope) -> Refusal | None:
        header_bytes = sum(len(name) + len(value) for name, value in scope["headers"])
        if header_bytes > MAX_HEADER_BYTES:
            return Refusal(431, f"headers larger than {MAX_HEADER_BYTES} bytes")
        if len(scope.get("query_string", b"")) > self.max_query_bytes:
            return Refusal(414, f"query string longer than {self.max_query_bytes} bytes")
        return None

    async def _read_body(self, scope: Scope, receive: Receive) -> bytes | Refusal | None:
        """The whole body, or the 413 once it passes the limit (declared or streamed)."""
        limit = self.larger_bodies.get(scope["path"], self.max_body_bytes)
        too_large = Refusal(413, f"body larger than {limit} bytes")
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            return too_large
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                return too_large
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    def _slash_redirect(self, scope: Scope) -> ASGIApp | None:
        """A redirect to the same path with (or without) a trailing slash, when that one exists."""
        path: str = scope["path"]
        other = path[:-1] if path.endswith("/") else f"{path}/"
        if other in ("", "/") or other.startswith("//"):
            return None
        if route_match({**scope, "path": other, "raw_path": other.encode()}) is not Match.FULL:
            return None
        query = scope.get("query_string", b"").decode("latin-1")
        location = quote(other, safe="/:@!$&'()*+,;=-._~") + (f"?{query}" if query else "")
        return RedirectResponse(location, status_code=307)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, refusal: Refusal) -> None:
        request = Request(scope, receive)
        response: Response
        where = channel(scope["path"])
        if where == WEBHOOK or (where == PAGE and route_match(scope) is Match.NONE):
            response = await _logged_problem(request, refusal)
        elif where == API:
            response = JSONResponse(error_body(refusal.status_code, refusal.error), refusal.status_code)
        else:
            response = await render_error(request, refusal.status_code, refusal.error)
        if refusal.status_code in (413, 414, 431):
            response.headers["Connection"] = "close"  # the rest of the request is not read
        await response(scope, receive, send)


def _path_and_query(scope: Scope) -> list[tuple[str, str]]:
    """The decoded path (its parameters are parts of it) and every query parameter, named."""
    query = QueryParams(scope.get("query_string", b""))
    return [("path", scope["path"])] + [(f"query.{name}", value) for name, value in query.multi_items()]


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive that hands the route the body already read, then waits on the client as before."""
    pending = True

    async def replay() -> Message:
        nonlocal pending
        if pending:
            pending = False
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _body_problem(scope: Scope, body: bytes, receive: Receive) -> str | None:
    """The text rule on a form or JSON body; a body that cannot be parsed is left to the route."""
    if not body:
        return None
    media_type = Headers(scope=scope).get("content-type", "").split(";")[0].strip().lower()
    if media_type in FORM_TYPES:
        try:
            form: FormData = await Request(scope, _replay(body, receive)).form()
        except Exception:  # the route refuses it with its own error
            return None
        try:
            fields = [(f"body.{k}", v if isinstance(v, str) else "") for k, v in form.multi_items()]
            names = [(f"body.{v.filename}", v.filename) for _k, v in form.multi_items()
                     if isinstance(v, UploadFile) and v.filename]  # fmt: skip
            return first_problem(fields + names, multiline_fields(scope["path"]))
        finally:
            await form.close()
    if media_type == "" or media_type.endswith("json"):
        try:
            return first_problem(json_strings(json.loads(body)), multiline_fields(scope["path"]))
        except RecursionError:
            return "body: nested too deeply"
        except ValueError:
            return None
    return None


async def _logged_problem(request: Request, refusal: Refusal) -> Response:
    """The webhook problem body, after the refusal is in the event log."""
    route = find_tutorial_route(request.url.path)
    name = route.path if route is not None else "unknown"
    if channel(request.url.path) == WEBHOOK and route is None:
        name = NATIVE_ROUTE
    try:
        await log_rejected(
            request, get_resources(request), route=name,
            status_code=refusal.status_code, reason=refusal.error,
        )  # fmt: skip
    except (StoreUnavailable, AttributeError):
        pass  # no database (yet): the answer is the same
    return problem_response(refusal.status_code, None, refusal.error)
