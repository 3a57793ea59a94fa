"""The password-hash flood of issue 9: concurrent API requests with random HTTP Basic user names against
a real `tvox-journey serve`, measuring the server's memory and how fast `/healthz` answers meanwhile.

    .venv/bin/python -m bench.auth_flood [--seconds 10] [--concurrency 64] [--database-url URL]

Runs twice: with the default settings (one address: the per-address throttle answers most of the flood
with 429 and no hash) and with the per-address limit lifted (every request reaches the hash gate, as a
flood from many addresses would). Prints one JSON line per run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import statistics
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

from bench.servers import Server, product_server

NO_ADDRESS_LIMIT = {"TVOX_JOURNEY_LOGIN_ATTEMPTS_PER_ADDRESS_PER_MINUTE": "100000000"}


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def flood(server: Server, *, seconds: float, concurrency: int) -> dict[str, Any]:
    """`concurrency` clients sending API requests with random user names for `seconds`, while one more
    asks `/healthz` every 50 ms from a thread; returns the answers, the memory and the health latencies."""
    answers: Counter[int] = Counter()
    health: list[float] = []
    health_failures = 0
    peak_rss = _rss_kib(server.pid)
    stop = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=concurrency + 4)
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30, limits=limits) as client:

        async def attacker() -> None:
            while time.monotonic() < stop:
                auth = (secrets.token_hex(8), secrets.token_hex(8))
                try:
                    response = await client.get("/api/v1/contacts", auth=auth)
                    answers[response.status_code] += 1
                except httpx.TransportError:
                    answers[0] += 1

        def prober() -> None:  # a thread of its own, so the attackers' event loop does not delay it
            nonlocal peak_rss, health_failures
            with httpx.Client(base_url=server.base_url, timeout=10) as probe:
                while time.monotonic() < stop:
                    started = time.perf_counter()
                    try:
                        ok = probe.get("/healthz").status_code == 200
                    except httpx.TransportError:
                        ok = False
                    health.append(time.perf_counter() - started)
                    health_failures += not ok
                    peak_rss = max(peak_rss, _rss_kib(server.pid))
                    time.sleep(0.05)

        probing = threading.Thread(target=prober)
        probing.start()
        await asyncio.gather(*(attacker() for _ in range(concurrency)))
        await asyncio.to_thread(probing.join)
    ordered = sorted(health)
    return {
        "seconds": seconds,
        "concurrency": concurrency,
        "answers": dict(sorted(answers.items())),
        "peak_rss_mib": round(peak_rss / 1024, 1),
        "rss_after_mib": round(_rss_kib(server.pid) / 1024, 1),
        "healthz_p50_ms": round(statistics.median(health) * 1000, 1),
        "healthz_p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))] * 1000, 1),
        "healthz_max_ms": round(max(health) * 1000, 1),
        "healthz_failures": health_failures,
    }


def run(
    database_url: str, log_dir: Path, *, seconds: float, concurrency: int, env: dict[str, str]
) -> dict[str, Any]:
    with product_server(database_url, log_dir / "server.log", env=env) as server:
        start_rss = _rss_kib(server.pid)
        idle = asyncio.run(flood(server, seconds=3, concurrency=0))
        result = asyncio.run(flood(server, seconds=seconds, concurrency=concurrency))
    baseline = {"idle_healthz_p50_ms": idle["healthz_p50_ms"], "idle_healthz_p95_ms": idle["healthz_p95_ms"]}
    return {"start_rss_mib": round(start_rss / 1024, 1), **baseline, **result}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--database-url", default=None, help="default: a new SQLite file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for name, env in (("default settings", {}), ("no per-address limit", NO_ADDRESS_LIMIT)):
            url = args.database_url or f"sqlite:///{tmp}/{name.replace(' ', '-')}.db"
            result = run(url, Path(tmp), seconds=args.seconds, concurrency=args.concurrency, env=env)
            print(json.dumps({"run": name, **result}))


if __name__ == "__main__":
    main()
