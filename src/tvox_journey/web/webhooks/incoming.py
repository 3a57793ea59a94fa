"""Read a webhook request into (name, value) pairs, within the configured limits."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl

from starlette.requests import ClientDisconnect, Request

from tvox_journey.web.responses import CLIENT_CLOSED

FORM = "application/x-www-form-urlencoded"


class RequestProblem(Exception):
    """A request that cannot be read: its status code, why, and the body bytes read (and how many)."""

    def __init__(
        self, status_code: int, reason: str, body: bytes | None = None, body_size: int | None = None
    ) -> None:
        super().__init__(reason)
        self.status_code = status_code
        self.reason = reason
        self.body = body
        self.body_size = body_size


@dataclass(frozen=True)
class Incoming:
    params: tuple[tuple[str, str], ...]
    body: bytes | None
    query_pairs: int = 0  # how many of `params` came from the query string (the rest from the body)


def _decode(raw: bytes, where: str, max_params: int) -> list[tuple[str, str]]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise RequestProblem(400, f"{where} is not valid UTF-8") from None
    try:
        pairs = parse_qsl(
            text, keep_blank_values=True, encoding="utf-8", errors="strict", max_num_fields=max_params
        )
    except UnicodeDecodeError:
        raise RequestProblem(400, f"{where} has percent-encoded bytes that are not valid UTF-8") from None
    except ValueError:
        raise RequestProblem(413, f"{where} has more than {max_params} parameters") from None
    return pairs


def declared_length(request: Request) -> int:
    """The body size the request announced (Content-Length), 0 when it announced none."""
    declared = request.headers.get("content-length", "")
    return int(declared) if declared.isdigit() else 0


async def read_body(request: Request, max_bytes: int) -> bytes:
    """The body, refused with 413 (keeping what was read) once it passes `max_bytes`, or with 499
    (keeping what was read) when the client goes away before sending all of it."""
    declared = declared_length(request)
    if declared > max_bytes:
        raise RequestProblem(413, f"body larger than {max_bytes} bytes", body_size=declared)
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > max_bytes:
                head = b"".join(chunks)[:4096]
                raise RequestProblem(413, f"body larger than {max_bytes} bytes", head, max(size, declared))
            chunks.append(chunk)
    except ClientDisconnect:
        reason = f"client disconnected after {size} of {declared or 'an unknown number of'} body bytes"
        raise RequestProblem(CLIENT_CLOSED, reason, b"".join(chunks)[:4096], size) from None
    return b"".join(chunks)


async def read_incoming(request: Request, *, max_body: int, max_params: int) -> Incoming:
    """Query string and, for POST, the form body, as one list of pairs.

    Raises:
        RequestProblem: over a limit, not UTF-8, or a body that is not a form.
    """
    query = request.scope.get("query_string", b"")
    if len(query) > max_body:
        raise RequestProblem(414, f"query string longer than {max_body} bytes")
    params = _decode(query, "query string", max_params)
    query_pairs = len(params)
    body = b""
    if request.method == "POST":
        body = await read_body(request, max_body)
        content_type = request.headers.get("content-type", FORM).split(";")[0].strip().lower()
        if body and content_type not in (FORM, "text/plain", ""):
            raise RequestProblem(415, f"body must be {FORM}, not {content_type}", body[:4096], len(body))
        try:
            params += _decode(body, "body", max_params - len(params))
        except RequestProblem as problem:
            raise RequestProblem(problem.status_code, problem.reason, body[:4096], len(body)) from None
    return Incoming(tuple(params), body or None, query_pairs)


@dataclass(frozen=True)
class Received:
    """What a refused request brought, for its log row: the first pairs of its query string, the first
    bytes of its body, and its full size (query string and body, as announced when not read)."""

    params: tuple[tuple[str, str], ...]
    body: bytes | None
    size: int


def received(
    request: Request, body: bytes | None, body_size: int | None, *, excerpt_bytes: int, max_params: int
) -> Received:
    """The log view of a refused request whose body (first bytes, full size) was already read or not."""
    query = request.scope.get("query_string", b"")
    text = query[:excerpt_bytes].decode("utf-8", "replace")
    params = parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="replace")[:max_params]
    size = len(query) + (declared_length(request) if body_size is None else body_size)
    return Received(tuple(params), body[:excerpt_bytes] if body else None, size)


async def read_refused(request: Request, *, max_body: int, excerpt_bytes: int, max_params: int) -> Received:
    """Read a request that is refused anyway, for its log row: never more than `max_body` body bytes,
    keeping the first `excerpt_bytes`, and never an error (a body cut short is what arrived)."""
    if request.method != "POST" or declared_length(request) > max_body:
        return received(request, None, None, excerpt_bytes=excerpt_bytes, max_params=max_params)
    head = bytearray()
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if len(head) < excerpt_bytes:
                head += chunk[: excerpt_bytes - len(head)]
            if size > max_body:
                break
    except ClientDisconnect:
        pass
    return received(request, bytes(head), size, excerpt_bytes=excerpt_bytes, max_params=max_params)
