"""The limits docs/security.md states, against a real `tvox-journey serve` (uvicorn with httptools)."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from tests.server_process import running_server

pytestmark = pytest.mark.slow


def exchange(base: str, request: bytes) -> bytes:
    """Send raw bytes, return the raw answer (the server closes or answers within 10 s)."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request)
        answer = b""
        while b"\r\n\r\n" not in answer or len(answer) < answer.index(b"\r\n\r\n") + 4 + _length(answer):
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
        return answer


def _length(answer: bytes) -> int:
    head = answer.split(b"\r\n\r\n", 1)[0].lower()
    for line in head.split(b"\r\n"):
        if line.startswith(b"content-length:"):
            return int(line.split(b":", 1)[1])
    return 0


def get(base: str, target: bytes, *headers: bytes) -> tuple[int, dict[str, str], bytes]:
    raw = exchange(
        base, b"GET " + target + b" HTTP/1.1\r\nHost: evil.example\r\n" + b"".join(headers) + b"\r\n"
    )
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    fields = dict(line.lower().split(": ", 1) for line in lines[1:] if ": " in line)
    return int(lines[0].split()[1]), fields, body


def test_the_real_server_enforces_the_documented_limits(tmp_path: Path) -> None:
    log_path = tmp_path / "server.log"
    env = {"TVOX_JOURNEY_ACCESS_LOG": "true", "TVOX_JOURNEY_ADMIN_PASSWORD": "admin-password-for-tests"}
    with running_server(f"sqlite:///{tmp_path / 'db.sqlite'}", env=env, log_path=log_path) as base:
        status, _headers, body = get(base, b"/service/ring?callId=" + b"x" * 40000)
        assert status == 414
        assert json.loads(body)["error"] == "query string longer than 32768 bytes"

        status, _headers, body = get(base, b"/healthz?x=" + b"x" * 70000)
        assert status == 400 and body == b"Invalid HTTP request received."  # uvicorn's own, over 64 KiB

        status, _headers, body = get(base, b"/healthz", b"X-Big: " + b"y" * 100000 + b"\r\n")
        assert status == 431
        assert json.loads(body)["error"] == "headers larger than 65536 bytes"

        status, headers, _body = get(base, b"/contacts/?q=1")
        assert status == 307 and headers["location"] == "/contacts?q=1"

        status, _headers, _body = get(base, b"/x%00%0Aforged%1B%5B2J")
        assert status == 404
    log = log_path.read_bytes()
    assert b'"GET /x%00%0Aforged%1B%5B2J HTTP/1.1" 404' in log  # uvicorn logs the path as sent
    assert b"\x00" not in log and b"\x1b" not in log and b"\nforged" not in log
