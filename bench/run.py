"""The benchmark run: ceiling, ingestion on SQLite and PostgreSQL (empty and with a long history),
correctness of what was stored, the contact card page, and the server's memory.

Servers run in their own processes; this process is the load generator (the
player's raw HTTP/1.1 client on uvloop, keep-alive connections over loopback).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import sqlite3
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from importlib.metadata import version
from pathlib import Path
from typing import Any

import httpx
import psycopg

from bench.preload import AGENTS, SERVICES, Loaded, copy_to_postgres, number_pool, preload_sqlite
from bench.servers import Server, bare_server, product_server
from bench.tables import fraction_of_ceiling, markdown
from tvox_journey.sim import Request, delivery_order, random_calls
from tvox_journey.store import contacts as contact_store
from tvox_journey.store import interactions
from tvox_journey.store.engine import make_database
from tvox_journey.store.migrate import upgrade
from tvox_journey.traffic.clients import ClientKind, Target
from tvox_journey.traffic.expected import expected_journeys
from tvox_journey.traffic.player import PlayReport, play, run
from tvox_journey.traffic.verify import log_position, verify_database

POSTGRES_URL = os.environ.get(
    "TVOX_JOURNEY_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
RESULTS = Path(__file__).parent / "results"


@dataclass(frozen=True)
class Sizes:
    history: int  # events preloaded for the "long history" runs
    warmup: int
    sequential: int  # events sent at concurrency 1
    concurrent: int  # events sent at concurrency 16
    shuffled: int  # events sent shuffled with duplicates, for correctness
    page_requests: int


FULL = Sizes(
    history=1_000_000, warmup=1_000, sequential=2_000, concurrent=20_000, shuffled=6_000, page_requests=60
)
QUICK = Sizes(history=20_000, warmup=100, sequential=200, concurrent=1_000, shuffled=500, page_requests=10)


def traffic(seed: int, events: int, *, shuffle: bool = False, duplicates: float = 0.0) -> list[Request]:
    """About `events` requests of new random calls from the history's numbers, in time order or shuffled."""
    rng = random.Random(seed)
    calls = random_calls(
        rng, max(1, int(events / 3.1)), datetime.now(UTC) - timedelta(days=1), POOL, AGENTS, SERVICES
    )
    return delivery_order(calls, rng, shuffle=shuffle, duplicates=duplicates)


POOL = number_pool()


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def measure(
    server: Server, requests: Sequence[Request], *, concurrency: int, database_url: str | None = None
) -> dict[str, Any]:
    """Play `requests` at `server`; with a database URL, check every stored journey afterwards."""
    since = log_position(database_url) if database_url else 0
    cpu_before, client_before, load_before = server.cpu_seconds(), os.times(), os.getloadavg()[0]
    report: PlayReport = run(
        play(requests, Target(server.base_url, client=ClientKind.RAW), concurrency=concurrency)
    )
    client_after = os.times()
    server_cpu = server.cpu_seconds() - cpu_before
    client_cpu = client_after.user + client_after.system - client_before.user - client_before.system
    result: dict[str, Any] = {
        "concurrency": concurrency,
        "events": report.sent,
        "ok": report.ok,
        "statuses": {str(k): v for k, v in sorted(report.statuses.items())},
        "seconds": round(report.elapsed, 3),
        "events_per_second": round(report.per_second, 1),
        "p50_ms": _ms(report.percentile(50)),
        "p95_ms": _ms(report.percentile(95)),
        "p99_ms": _ms(report.percentile(99)),
        "max_ms": _ms(max(report.latencies, default=0.0)),
        "server_cpu_us_per_event": round(server_cpu / max(report.sent, 1) * 1e6, 1),
        "server_cpu_cores": round(server_cpu / report.elapsed, 2) if report.elapsed else 0,
        "client_cpu_cores": round(client_cpu / report.elapsed, 2) if report.elapsed else 0,
        "load_average_before": round(load_before, 2),
    }
    if database_url:
        check = verify_database(
            database_url, expected_journeys(requests), since_seq=since, answered=report.ok
        )
        result["verified"] = {
            "interactions": check.checked,
            "missing": len(check.missing),
            "wrong_fields": len(check.wrong),
            "lost": check.lost,
            "log_rows": dict(check.logged),
            "ok": check.ok,
        }
    return result


def card_page(server: Server, contact_id: int, token: str, requests: int) -> dict[str, Any]:
    """Time the contact card's first page and the API journey's first page, one request at a time."""
    headers = {"Authorization": f"Bearer {token}", "Accept": "text/html"}
    found: dict[str, Any] = {}
    with httpx.Client(base_url=server.base_url, headers=headers, timeout=30) as client:
        for name, path in (
            ("page", f"/contacts/{contact_id}"),
            ("api", f"/api/v1/contacts/{contact_id}/journey"),
        ):
            for _ in range(3):
                client.get(path)
            times, statuses, size = [], set(), 0
            for _ in range(requests):
                began = time.perf_counter()
                response = client.get(path)
                times.append(time.perf_counter() - began)
                statuses.add(response.status_code)
                size = len(response.content)
            times.sort()
            found[name] = {
                "path": path,
                "statuses": sorted(statuses),
                "bytes": size,
                "p50_ms": _ms(times[len(times) // 2]),
                "p95_ms": _ms(times[int(len(times) * 0.95) - 1]),
                "min_ms": _ms(times[0]),
            }
    return found


def visible_interactions(database_url: str, contact_id: int) -> int:
    db = make_database(database_url)
    try:
        with db.read.connect() as conn:
            contact = contact_store.get(conn, contact_id)
            assert contact is not None
            return interactions.journey_stats(conn, contact.number_keys, since=datetime.now(UTC)).total
    finally:
        db.dispose()


@contextmanager
def postgres_schema() -> Iterator[str]:
    """A fresh PostgreSQL schema for one database of the run, dropped afterwards."""
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    conninfo = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(conninfo, autocommit=True) as admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
        try:
            separator = "&" if "?" in POSTGRES_URL else "?"
            yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
        finally:
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')


def postgres_available() -> bool:
    try:
        with psycopg.connect(
            POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://"), connect_timeout=3
        ):
            return True
    except psycopg.OperationalError:
        return False


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    meminfo = dict(
        line.split(":", 1) for line in Path("/proc/meminfo").read_text().splitlines() if ":" in line
    )
    lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout.splitlines()[:15]
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    )
    return {
        "nproc": os.cpu_count(),
        "lscpu": lscpu,
        "memory_total": meminfo.get("MemTotal", "").strip(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "packages": {
            name: version(name) for name in ("fastapi", "starlette", "uvicorn", "sqlalchemy", "psycopg")
        },
        "commit": commit.stdout.strip(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def wait_for_quiet(limit: float, seconds: float) -> float:
    """Wait (up to `seconds`) for the 1-minute load average to fall under `limit`; returns it."""
    deadline = time.monotonic() + seconds
    while os.getloadavg()[0] > limit and time.monotonic() < deadline:
        time.sleep(5)
    return os.getloadavg()[0]


class Bench:
    """One run: its sizes, a scratch directory, and the results gathered so far."""

    def __init__(self, sizes: Sizes, workdir: Path, *, postgres: bool) -> None:
        self.sizes = sizes
        self.workdir = workdir
        self.postgres = postgres
        self.results: dict[str, Any] = {
            "ingestion": [],
            "ceiling": [],
            "preload": {},
            "card": {},
            "memory": {},
        }
        self.sets = {
            "warmup": traffic(1, sizes.warmup),
            "sequential": traffic(2, sizes.sequential),
            "concurrent": traffic(3, sizes.concurrent),
            "shuffled": traffic(4, sizes.shuffled, shuffle=True, duplicates=0.1),
        }

    def say(self, text: str) -> None:
        print(f"[{datetime.now():%H:%M:%S}] {text}", flush=True)

    def ceiling(self, when: str) -> None:
        self.say(f"bare endpoint ({when})")
        with bare_server(self.workdir / f"bare-{when}.log") as server:
            measure(server, self.sets["warmup"], concurrency=16)
            for concurrency, name in ((1, "sequential"), (16, "concurrent")):
                result = measure(server, self.sets[name], concurrency=concurrency)
                self.results["ceiling"].append({"when": when, **result})
                self.say(f"  c{concurrency}: {summary(result)}")

    def ingestion(
        self, database: str, history: str, url: str, loaded: Loaded | None, env: dict[str, str] | None = None
    ) -> None:
        self.say(f"{database}, {history}: server")
        log = self.workdir / f"server-{len(self.results['ingestion'])}.log"
        with product_server(url, log, env) as server:
            measure(server, self.sets["warmup"], concurrency=16)
            runs = (
                ("in order", 1, "sequential"),
                ("in order", 16, "concurrent"),
                ("shuffled, 10% resent", 16, "shuffled"),
            )
            for order, concurrency, name in runs:
                result = measure(server, self.sets[name], concurrency=concurrency, database_url=url)
                entry = {"database": database, "history": history, "order": order, **result}
                self.results["ingestion"].append(entry)
                self.say(f"  c{concurrency} {order}: {summary(result)}")
            if loaded is not None:
                card = card_page(
                    server, loaded.heavy_contact_id, loaded.admin_token, self.sizes.page_requests
                )
                card["interactions"] = visible_interactions(url, loaded.heavy_contact_id)
                self.results["card"][database] = card
                self.say(f"  card of a contact with {card['interactions']} interactions: {card}")
            memory = server.memory()
            self.results["memory"][f"{database}, {history}"] = memory
            self.say(f"  server memory: {memory}")

    def run(self) -> dict[str, Any]:
        self.ceiling("start")
        sqlite_empty = f"sqlite:///{self.workdir / 'empty.db'}"
        upgrade(sqlite_empty)
        self.ingestion("SQLite", "empty", sqlite_empty, None)
        relaxed = f"sqlite:///{self.workdir / 'empty-normal.db'}"
        upgrade(relaxed)
        normal = {"TVOX_JOURNEY_SQLITE_SYNCHRONOUS": "NORMAL"}
        self.ingestion("SQLite, synchronous=NORMAL", "empty", relaxed, None, normal)
        history_path = self.workdir / "history.db"
        self.say(f"preloading {self.sizes.history} events into SQLite")
        loaded = preload_sqlite(f"sqlite:///{history_path}", self.sizes.history)
        self.results["preload"]["SQLite"] = asdict(loaded) | {"admin_token": "(not kept)"}
        self.say(f"  {loaded.events} events, {loaded.interactions} interactions in {loaded.seconds:.1f} s")
        pristine = self.workdir / "history-pristine.db"
        if self.postgres:
            shutil.copyfile(
                history_path, pristine
            )  # PostgreSQL gets the same history, without SQLite's traffic
        self.ingestion("SQLite", f"{loaded.events} events", f"sqlite:///{history_path}", loaded)
        if self.postgres:
            with postgres_schema() as url:
                upgrade(url)
                self.ingestion("PostgreSQL", "empty", url, None)
            with postgres_schema() as url:
                self.say("copying the history into PostgreSQL")
                copied = copy_to_postgres(str(pristine), url)
                self.results["preload"]["PostgreSQL"] = asdict(copied) | {"admin_token": "(not kept)"}
                self.say(
                    f"  {copied.events} events, {copied.interactions} interactions in {copied.seconds:.1f} s"
                )
                self.ingestion("PostgreSQL", f"{copied.events} events", url, copied)
        self.ceiling("end")
        return self.results


def summary(result: dict[str, Any]) -> str:
    """One line about a measured run."""
    text = f"{result['events_per_second']} ev/s, p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms"
    if "verified" in result:
        v = result["verified"]
        text += f", correct: {v['ok']} ({v['missing']} missing, {v['wrong_fields']} wrong, {v['lost']} lost)"
    return text


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a small smoke run (about a minute)")
    parser.add_argument("--no-postgres", action="store_true", help="skip PostgreSQL")
    parser.add_argument("--history", type=int, help="events to preload (default 1,000,000; quick: 20,000)")
    parser.add_argument(
        "--wait-quiet", type=float, default=0, help="wait up to this many seconds for a quiet machine"
    )
    parser.add_argument("--out", type=Path, default=RESULTS, help="where to write the JSON results")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    if args.history:
        sizes = replace(sizes, history=args.history)
    postgres = not args.no_postgres and postgres_available()
    if args.wait_quiet:
        print(f"load average {wait_for_quiet(1.0, args.wait_quiet):.2f}", flush=True)
    started = time.perf_counter()
    workdir = Path(tempfile.mkdtemp(prefix="tvox-bench-"))
    try:
        bench = Bench(sizes, workdir, postgres=postgres)
        results: dict[str, Any] = {"machine": machine(), "sizes": asdict(sizes)}
        results["started"] = datetime.now(UTC).isoformat()
        results |= bench.run()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    fraction_of_ceiling(results)
    results["seconds"] = round(time.perf_counter() - started, 1)
    results["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    args.out.mkdir(parents=True, exist_ok=True)
    name = f"{'quick' if args.quick else 'full'}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    (args.out / name).write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    print(markdown(results))
    print(f"\nwritten {args.out / name} in {results['seconds']} s", flush=True)
