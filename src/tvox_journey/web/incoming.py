"""Read a webhook request into (name, value) pairs, within the configured limits."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl

from starlette.requests import Request

FORM = "application/x-www-form-urlencoded"


class RequestProblem(Exception):
    """A request that cannot be read: its status code and why."""

    def __init__(self, status_code: int, reason: str, body: bytes | None = None) -> None:
        super().__init__(reason)
        self.status_code = status_code
        self.reason = reason
        self.body = body


@dataclass(frozen=True)
class Incoming:
    params: tuple[tuple[str, str], ...]
    body: bytes | None


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


async def read_body(request: Request, max_bytes: int) -> bytes:
    """The body, refused with 413 (keeping what was read) once it passes `max_bytes`."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise RequestProblem(413, f"body larger than {max_bytes} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise RequestProblem(413, f"body larger than {max_bytes} bytes", b"".join(chunks)[:4096])
        chunks.append(chunk)
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
    body = b""
    if request.method == "POST":
        body = await read_body(request, max_body)
        content_type = request.headers.get("content-type", FORM).split(";")[0].strip().lower()
        if body and content_type not in (FORM, "text/plain", ""):
            raise RequestProblem(415, f"body must be {FORM}, not {content_type}", body[:4096])
        try:
            params += _decode(body, "body", max_params - len(params))
        except RequestProblem as problem:
            raise RequestProblem(problem.status_code, problem.reason, body[:4096]) from None
    return Incoming(tuple(params), body or None)
