"""The traffic player: sends scenario requests to a server over HTTP, paced and concurrent, and times them.

Used by `simulate`, `demo` and the benchmarks. Two clients: httpx (any URL,
HTTPS included) and a minimal HTTP/1.1 client over asyncio streams for plain
`http://` URLs, light enough that a load generator sharing the server's
machine does not become the bottleneck. Both keep connections alive.
"""

from __future__ import annotations

import asyncio
import base64
import math
import time
from collections import Counter
from collections.abc import Callable, Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol, TypeVar
from urllib.parse import urlencode, urlsplit

import httpx

from tvox_journey.ingest.contract import TUTORIAL_ALIASES, find_tutorial_route
from tvox_journey.sim import Request

T = TypeVar("T")
NATIVE_PATH = "/tvox/events"
TRANSPORT_ERROR = 0  # the status recorded when no response came back
FORM = "application/x-www-form-urlencoded"


class Endpoint(StrEnum):
    """Which webhooks to call: the tutorial's URIs, or the native /tvox/events."""

    TUTORIAL = "tutorial"
    NATIVE = "native"


class MethodChoice(StrEnum):
    """GET or POST for every request, or each scenario request's own (mixed)."""

    GET = "get"
    POST = "post"
    MIXED = "mixed"


class ClientKind(StrEnum):
    """httpx (any URL), the raw HTTP/1.1 client (plain http:// only), or auto: raw when it can."""

    AUTO = "auto"
    HTTPX = "httpx"
    RAW = "raw"


def _run_here(coroutine: Coroutine[Any, Any, T]) -> T:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop comes with uvicorn[standard]
        return asyncio.run(coroutine)
    return uvloop.run(coroutine)


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine on a new event loop: uvloop's when installed (a lighter client).

    Called where an event loop is already running in this thread (a notebook, a
    test session driving a browser), it runs on a thread of its own.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return _run_here(coroutine)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="tvox-journey-player") as pool:
        return pool.submit(_run_here, coroutine).result()


@dataclass(frozen=True, slots=True)
class Wire:
    """One HTTP request as it goes on the wire: method, path, query and form body."""

    method: str
    path: str
    query: str
    body: bytes | None


def native_form(request: Request, index: int) -> tuple[str, list[tuple[str, str]]]:
    """A tutorial request as the native endpoint takes it: TVox's own variable names.

    Even positions carry the type and event as `eventtype` / `event` variables,
    odd ones in the `/tvox/events/{type}/{event}` path, so both forms get traffic.
    """
    route = find_tutorial_route(request.path)
    if route is None:
        raise ValueError(f"not a tutorial path: {request.path}")
    names = {**TUTORIAL_ALIASES, **route.mapping}
    params = [(names.get(wire, wire), value) for wire, value in request.params]
    if index % 2:
        return f"{NATIVE_PATH}/{route.call_type.value}/{route.action.value}", params
    kind = [("eventtype", route.call_type.value.upper()), ("event", route.action.value.upper())]
    return NATIVE_PATH, kind + params


def to_wire(
    request: Request,
    *,
    endpoint: Endpoint = Endpoint.TUTORIAL,
    method: MethodChoice = MethodChoice.MIXED,
    index: int = 0,
) -> Wire:
    """The HTTP request to send for a scenario request; `mixed` keeps the scenario's own method."""
    verb = request.method if method is MethodChoice.MIXED else method.value.upper()
    if endpoint is Endpoint.NATIVE:
        path, params = native_form(request, index)
    else:
        path, params = "/" + request.path.lstrip("/"), list(request.params)
    encoded = urlencode(params)
    if verb == "GET":
        return Wire("GET", path, encoded, None)
    return Wire("POST", path, "", encoded.encode())


@dataclass(frozen=True)
class Target:
    """Where and how to send: base URL, optional Basic credentials, which client."""

    base_url: str
    auth: tuple[str, str] | None = None
    client: ClientKind = ClientKind.AUTO
    timeout: float = 30.0


class Sender(Protocol):
    async def send(self, wire: Wire) -> int: ...

    async def close(self) -> None: ...


class HttpxSender:
    """Sends through one shared httpx.AsyncClient (keep-alive pool)."""

    def __init__(self, target: Target, connections: int) -> None:
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        self._client = httpx.AsyncClient(
            base_url=target.base_url.rstrip("/"), auth=target.auth, timeout=target.timeout, limits=limits
        )

    async def send(self, wire: Wire) -> int:
        url = f"{wire.path}?{wire.query}" if wire.query else wire.path
        headers = {"content-type": FORM} if wire.body is not None else None
        response = await self._client.request(wire.method, url, content=wire.body, headers=headers)
        return response.status_code

    async def close(self) -> None:
        await self._client.aclose()


class RawConnection:
    """One keep-alive HTTP/1.1 connection to a plain-HTTP server; reconnects when closed."""

    def __init__(self, host: str, port: int, prefix: str, auth_header: bytes, timeout: float) -> None:
        self._host, self._port, self._prefix = host, port, prefix
        self._fixed = f"Host: {host}:{port}\r\n".encode() + auth_header
        self._timeout = timeout
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def send(self, wire: Wire) -> int:
        if self._writer is None or self._writer.is_closing():
            self._reader, self._writer = await asyncio.open_connection(self._host, self._port)
        assert self._reader is not None
        target = self._prefix + wire.path + (f"?{wire.query}" if wire.query else "")
        head = f"{wire.method} {target} HTTP/1.1\r\n".encode() + self._fixed
        if wire.body is not None:
            head += f"Content-Type: {FORM}\r\nContent-Length: {len(wire.body)}\r\n\r\n".encode() + wire.body
        else:
            head += b"\r\n"
        self._writer.write(head)
        try:
            return await asyncio.wait_for(self._response(self._reader), self._timeout)
        except BaseException:
            await self.close()
            raise

    async def _response(self, reader: asyncio.StreamReader) -> int:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        length, chunked, closing = 0, False, False
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value.lower()
            elif name == b"connection":
                closing = b"close" in value.lower()
        if chunked:
            while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
                await reader.readexactly(size + 2)
            await reader.readuntil(b"\r\n")
        elif length:
            await reader.readexactly(length)
        if closing:
            await self.close()
        return status

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None


class RawSender:
    """A connection per concurrent sender, each used by one worker at a time."""

    def __init__(self, target: Target, connections: int) -> None:
        url = urlsplit(target.base_url)
        if url.scheme != "http" or url.hostname is None:
            raise ValueError("the raw client speaks plain http:// only; use httpx")
        auth = b""
        if target.auth is not None:
            token = base64.b64encode(f"{target.auth[0]}:{target.auth[1]}".encode()).decode()
            auth = f"Authorization: Basic {token}\r\n".encode()
        self._idle = [
            RawConnection(url.hostname, url.port or 80, url.path.rstrip("/"), auth, target.timeout)
            for _ in range(connections)
        ]

    async def send(self, wire: Wire) -> int:
        connection = self._idle.pop()
        try:
            return await connection.send(wire)
        finally:
            self._idle.append(connection)

    async def close(self) -> None:
        for connection in self._idle:
            await connection.close()


def make_sender(target: Target, connections: int) -> Sender:
    """The client `target` asks for; auto picks the raw one for plain http:// URLs."""
    plain = urlsplit(target.base_url).scheme == "http"
    kind = ClientKind(target.client)
    if kind is ClientKind.RAW or (kind is ClientKind.AUTO and plain):
        return RawSender(target, connections)
    return HttpxSender(target, connections)


@dataclass
class PlayReport:
    """What a run did: statuses, transport errors, latencies (seconds) and wall time."""

    sent: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    elapsed: float = 0.0

    @property
    def ok(self) -> int:
        return sum(n for status, n in self.statuses.items() if 200 <= status < 300)

    @property
    def failed(self) -> int:
        return self.sent - self.ok

    @property
    def per_second(self) -> float:
        return self.sent / self.elapsed if self.elapsed > 0 else 0.0

    def percentile(self, p: float) -> float:
        """The latency below which `p` percent of requests fall (nearest rank), in seconds."""
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        rank = max(1, math.ceil(p / 100 * len(ordered)))
        return ordered[rank - 1]


OnSent = Callable[[int, Request, int], None]  # (index, request, status)


async def play(
    requests: Sequence[Request],
    target: Target,
    *,
    endpoint: Endpoint = Endpoint.TUTORIAL,
    method: MethodChoice = MethodChoice.MIXED,
    concurrency: int = 16,
    rate: float = 0.0,
    schedule: Sequence[float] | None = None,
    on_sent: OnSent | None = None,
) -> PlayReport:
    """Send `requests` in order with up to `concurrency` in flight.

    `rate` (requests per second, 0 for as fast as possible) paces the starts;
    `schedule` instead gives each request's start as seconds from the beginning.
    """
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    if schedule is not None and len(schedule) != len(requests):
        raise ValueError("schedule needs one start time per request")
    wires = [to_wire(r, endpoint=endpoint, method=method, index=i) for i, r in enumerate(requests)]
    report = PlayReport()
    sender = make_sender(target, concurrency)
    next_index = 0
    started = time.perf_counter()

    def start_of(index: int) -> float | None:
        if schedule is not None:
            return started + schedule[index]
        return started + index / rate if rate > 0 else None

    async def worker() -> None:
        nonlocal next_index
        while next_index < len(wires):
            index = next_index
            next_index += 1
            due = start_of(index)
            if due is not None and (wait := due - time.perf_counter()) > 0:
                await asyncio.sleep(wait)
            began = time.perf_counter()
            try:
                status = await sender.send(wires[index])
            except (OSError, TimeoutError, asyncio.IncompleteReadError, httpx.HTTPError, ValueError) as error:
                status = TRANSPORT_ERROR
                report.errors[type(error).__name__] += 1
            report.latencies.append(time.perf_counter() - began)
            report.statuses[status] += 1
            report.sent += 1
            if on_sent is not None:
                on_sent(index, requests[index], status)

    try:
        await asyncio.gather(*(worker() for _ in range(min(concurrency, len(wires)) or 1)))
    finally:
        report.elapsed = time.perf_counter() - started
        await sender.close()
    return report
