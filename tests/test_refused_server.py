"""Refused requests against a real `tvox-journey serve` process: a flood costs the disk a few bytes per
request, and a client that goes away mid-body is a logged refusal, not a traceback."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from bench.refused_flood import ENV, measure, postgres_size, sqlite_size
from sqlalchemy import create_engine, select
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool
from tests.server_process import running_server

from tvox_journey.store.schema import event_log


def size_of(db_url: str) -> Callable[[], int]:
    """How many bytes the event log takes on disk (SQLite: the file after a checkpoint)."""
    if db_url.startswith("sqlite"):
        path = Path(str(make_url(db_url).database))
        return lambda: sqlite_size(path)
    return lambda: postgres_size(db_url)


@pytest.mark.slow
@pytest.mark.timeout(600)  # 300 requests of 60 KB through a real server, on a loaded machine too
def test_a_flood_of_refused_60_kb_requests_grows_the_log_by_a_few_bytes_each(
    db_url: str, tmp_path: Path
) -> None:
    floods = measure(db_url, size_of(db_url), tmp_path / "server.log", requests=100)
    for flood in floods:
        print(f"{flood.name}: {flood.new_rows} rows, +{flood.grown_bytes} bytes")
        assert flood.status in (401, 404, 414)  # a query over MAX_QUERY_BYTES is refused (414) first
        assert flood.new_rows <= 2  # a window boundary may fall inside a flood
        # Before: about 62 000 bytes per request (the whole request, a row each).
        assert flood.bytes_per_request < 1024  # new pages of 4 or 8 KiB, shared by 100 requests


def rows(db_url: str) -> list[dict[str, object]]:
    engine = create_engine(db_url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(select(event_log).order_by(event_log.c.seq))]
    finally:
        engine.dispose()


@pytest.mark.slow
def test_a_client_that_disconnects_mid_body_is_logged_as_rejected_without_a_traceback(
    db_url: str, tmp_path: Path
) -> None:
    log_path = tmp_path / "server.log"
    with running_server(db_url, env=ENV, log_path=log_path) as base:
        port = int(base.rsplit(":", 1)[1])
        head = (
            "POST /service/ring HTTP/1.1\r\nHost: tvox\r\n"
            "Authorization: Basic dHZveDpiZW5jaC13ZWJob29rLXNlY3JldA==\r\n"  # tvox:bench-webhook-secret
            "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n"
        )
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.sendall(head.encode() + b"callId=c1&dateTime=2026-12-01T10:00:00Z&agent=" + b"x" * 400)
            time.sleep(0.3)
        deadline = time.monotonic() + 10
        while not (found := rows(db_url)):
            assert time.monotonic() < deadline, "no event-log row for the disconnected request"
            time.sleep(0.1)
    (row,) = found
    assert (row["outcome"], row["status_code"], row["route"]) == ("rejected", 499, "service/ring")
    assert str(row["reason"]).startswith("client disconnected after 446 of 1000 body bytes")
    assert isinstance(row["body"], bytes) and row["body"].startswith(b"callId=c1&")
    assert row["request_bytes"] == 446
    server_log = log_path.read_text()
    assert "Traceback" not in server_log and "ERROR" not in server_log, server_log
