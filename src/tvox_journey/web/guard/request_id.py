"""Every request gets an id: the client's `X-Request-ID` when it is a sane token, else a new one.

It is sent back in the `X-Request-ID` header and in every error body, and written in the server log
with `log_format = json`, so the reply someone reports leads to its log lines.
"""

from __future__ import annotations

import itertools
import os
import re
import secrets

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tvox_journey.web.responses import REQUEST_ID, with_header

HEADER = "x-request-id"
_HEADER_BYTES = HEADER.encode()
_SANE = re.compile(r"[A-Za-z0-9._:-]{8,64}")
_process = (0, "", itertools.count())  # pid, its random prefix, its counter


def new_request_id() -> str:
    """16 hex digits, unique: a random prefix per process and a counter (no system call per request:
    an id names a request, it guards nothing)."""
    global _process
    pid, prefix, counter = _process
    if pid != os.getpid():  # a new (possibly forked) process: its own prefix
        _process = pid, prefix, counter = os.getpid(), secrets.token_hex(4), itertools.count()
    return f"{prefix}{next(counter) & 0xFFFFFFFF:08x}"


def sent_request_id(scope: Scope) -> str | None:
    """The client's X-Request-ID when it is a sane token."""
    for name, value in scope["headers"]:
        if name == _HEADER_BYTES:
            sent = value.decode("latin-1")
            return sent if _SANE.fullmatch(sent) else None
    return None


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = sent_request_id(scope) or new_request_id()
        token = REQUEST_ID.set(request_id)
        header = (_HEADER_BYTES, request_id.encode())

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                with_header(message, header)
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            REQUEST_ID.reset(token)
