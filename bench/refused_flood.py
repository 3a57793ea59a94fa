"""How much disk a flood of refused requests costs: `python -m bench.refused_flood [--postgres]`.

A `tvox-journey serve` process with webhook credentials gets, from one
address, floods of requests it refuses, each carrying 60 KB: GET with a 60 KB
query and no credentials (401), POST with a 60 KB form body and no
credentials (401), and GET of an unknown path with a 60 KB query (404). For
each flood it prints the growth of the event log on disk and the bytes per
refused request (docs/security.md quotes the figures).

SQLite: the database file after a WAL checkpoint. PostgreSQL:
`pg_total_relation_size('event_log')` (table, TOAST and indexes).
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import string
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import httpx
import psycopg
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from bench.servers import product_server

POSTGRES_URL = os.environ.get(
    "TVOX_JOURNEY_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
PAYLOAD = 60 * 1024
ENV = {"TVOX_JOURNEY_WEBHOOK_USER": "tvox", "TVOX_JOURNEY_WEBHOOK_PASSWORD": "bench-webhook-secret"}


@dataclass(frozen=True)
class Flood:
    name: str
    requests: int
    status: int  # every answer had it
    seconds: float
    server_cpu_seconds: float
    grown_bytes: int
    new_rows: int

    @property
    def bytes_per_request(self) -> float:
        return self.grown_bytes / self.requests


def _letters(n: int, seed: int) -> str:
    """`n` random letters and digits (random, so PostgreSQL cannot compress them away)."""
    return "".join(random.Random(seed).choices(string.ascii_letters + string.digits, k=n))


def _filler(n: int, seed: int) -> str:
    return f"callId=flood&dateTime=2026-12-01T10:00:00Z&junk={_letters(n, seed)}"


FLOODS: dict[str, Callable[[httpx.Client, int], httpx.Response]] = {
    "401 GET, 60 KB query": lambda c, i: c.get(f"/service/ring?n={i}&{_filler(PAYLOAD, i)}"),
    "401 POST, 60 KB body": lambda c, i: c.post(
        "/service/ring",
        content=f"n={i}&{_filler(PAYLOAD, i)}".encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    ),
    "404 GET, 2 KB path, 60 KB query": lambda c, i: c.get(
        f"/no/such/path/{i}/{_letters(2000, -i)}?{_filler(PAYLOAD, i)}"
    ),
}


def sqlite_size(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path.stat().st_size


def postgres_size(url: str) -> int:
    info = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(info) as conn:
        row = conn.execute("SELECT pg_total_relation_size('event_log')").fetchone()
        assert row is not None
        return int(row[0])


def _rows(url: str) -> int:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM event_log")).scalar_one())
    finally:
        engine.dispose()


@contextmanager
def _database(postgres: bool) -> Iterator[tuple[str, Callable[[], int]]]:
    """A fresh database URL and a function that measures its event log on disk."""
    if not postgres:
        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / "flood.db"
            yield f"sqlite:///{path}", lambda: sqlite_size(path)
        return
    schema = f"flood_{uuid.uuid4().hex[:12]}"
    admin_info = make_url(POSTGRES_URL).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin_info, autocommit=True) as admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
        try:
            url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
            yield url, lambda: postgres_size(url)
        finally:
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')


def _status(send: Callable[[httpx.Client, int], httpx.Response], client: httpx.Client, i: int) -> int:
    return send(client, i).status_code


def measure(database_url: str, size: Callable[[], int], log_path: Path, requests: int = 100) -> list[Flood]:
    """Each flood of `requests` refused requests against a fresh server, and what it grew the log by."""
    floods = []
    with product_server(database_url, log_path, env=ENV) as server:
        with httpx.Client(base_url=server.base_url, timeout=30) as warm:
            warm.get("/outbound/new")  # the log has its first (refused) row before measuring
        time.sleep(0.5)
        for name, send in FLOODS.items():
            before, rows_before, cpu_before = size(), _rows(database_url), server.cpu_seconds()
            started = time.perf_counter()
            with httpx.Client(base_url=server.base_url, timeout=30) as client, ThreadPoolExecutor(8) as pool:
                statuses = set(pool.map(partial(_status, send, client), range(requests)))
            seconds = time.perf_counter() - started
            (status,) = statuses
            cpu = server.cpu_seconds() - cpu_before
            grown, rows = size() - before, _rows(database_url) - rows_before
            floods.append(Flood(name, requests, status, seconds, cpu, grown, rows))
    return floods


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL instead of SQLite")
    parser.add_argument("--requests", type=int, default=100)
    args = parser.parse_args()
    with _database(args.postgres) as (url, size), tempfile.TemporaryDirectory() as logs:
        floods = measure(url, size, Path(logs) / "server.log", args.requests)
    print(f"{'PostgreSQL' if args.postgres else 'SQLite'}, {args.requests} refused requests per flood:")
    for flood in floods:
        print(
            f"  {flood.name}: status {flood.status}, {flood.seconds:.2f} s (server CPU "
            f"{flood.server_cpu_seconds:.2f} s), event log +{flood.new_rows} rows, "
            f"+{flood.grown_bytes} bytes ({flood.bytes_per_request:.0f} bytes per request)"
        )


if __name__ == "__main__":
    main()
