"""HTTP clients for the player: httpx (any URL, HTTPS included) and a minimal HTTP/1.1 client.

The raw client speaks plain `http://` over asyncio streams, light enough that a
load generator sharing the server's machine does not become the bottleneck.
Both keep connections alive.
"""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol
from urllib.parse import urlsplit

import httpx

from tvox_journey.traffic.wire import FORM, Wire


class ClientKind(StrEnum):
    """httpx (any URL), the raw HTTP/1.1 client (plain http:// only), or auto: raw when it can."""

    AUTO = "auto"
    HTTPX = "httpx"
    RAW = "raw"


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


def wait_until_up(
    base_url: str,
    *,
    timeout: float = 30.0,
    request_timeout: float = 2.0,
    gone: Callable[[], bool] = lambda: False,
) -> bool:
    """Poll /healthz until the server answers 200; False when it did not within `timeout` seconds, or
    as soon as `gone()` says it never will (its process exited)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not gone():
        try:
            if httpx.get(f"{base_url}/healthz", timeout=request_timeout).status_code == 200:
                return True
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    return False


def local_url(host: str, port: int) -> str:
    """The URL this machine reaches a server listening on `host` at."""
    if host in ("", "0.0.0.0"):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
