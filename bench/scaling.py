"""`python -m bench.scaling`: ingestion with 1, 2 and 4 server processes on PostgreSQL.

Each process count gets a fresh schema and `tvox-journey serve --workers N` on
one port; the player sends random calls in time order at concurrency 16, then
64, and every stored journey is checked after each run (as `simulate --verify`).
Where the time goes: CPU of the server processes (all workers), of the client,
of every PostgreSQL process on the machine, and of the whole machine.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.run import POSTGRES_URL, RESULTS, _ms, machine, postgres_schema, traffic
from bench.servers import cpu_seconds, product_server
from tvox_journey.traffic.clients import ClientKind, Target
from tvox_journey.traffic.expected import expected_journeys
from tvox_journey.traffic.player import play, run
from tvox_journey.traffic.verify import log_position, verify_database

TICK = os.sysconf("SC_CLK_TCK")


def _cpu(pid: int) -> float:
    return cpu_seconds(Path(f"/proc/{pid}/stat"))


def _processes() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, command name) of every process."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            name = stat[stat.index("(") + 1 : stat.rindex(")")]
            found[int(entry.name)] = (int(stat.rsplit(")", 1)[1].split()[1]), name)
    return found


def _tree(root: int) -> list[int]:
    table = _processes()
    pids, frontier = [root], [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, (ppid, _name) in table.items() if ppid == parent]
        pids += children
        frontier += children
    return pids


def _postgres_cpu() -> float:
    return sum(_cpu(pid) for pid, (_ppid, name) in _processes().items() if name.startswith("postgres"))


def _machine_busy() -> float:
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return (sum(values) - idle) / TICK


@contextmanager
def served(database_url: str, workers: int, log_path: Path) -> Iterator[tuple[str, int]]:
    with product_server(database_url, log_path, workers=workers) as server:
        time.sleep(1.0 * workers)  # every worker up (the first to answer may be alone)
        yield server.base_url, server.pid


def measure(
    base: str, pid: int, database_url: str, events: int, concurrency: int, seed: int
) -> dict[str, Any]:
    requests = traffic(seed, events)
    since = log_position(database_url)
    pids = _tree(pid)
    server_before, pg_before, busy_before = sum(_cpu(p) for p in pids), _postgres_cpu(), _machine_busy()
    client_before, load_before = os.times(), os.getloadavg()[0]
    report = run(play(requests, Target(base, client=ClientKind.RAW), concurrency=concurrency))
    client_after = os.times()
    elapsed = report.elapsed or 1.0
    server = sum(_cpu(p) for p in pids) - server_before
    client = client_after.user + client_after.system - client_before.user - client_before.system
    check = verify_database(database_url, expected_journeys(requests), since_seq=since, answered=report.ok)
    return {
        "concurrency": concurrency,
        "events": report.sent,
        "ok": report.ok,
        "events_per_second": round(report.per_second, 1),
        "p50_ms": _ms(report.percentile(50)),
        "p99_ms": _ms(report.percentile(99)),
        "server_cpu_cores": round(server / elapsed, 2),
        "server_cpu_us_per_event": round(server / max(report.sent, 1) * 1e6),
        "client_cpu_cores": round(client / elapsed, 2),
        "postgres_cpu_cores": round((_postgres_cpu() - pg_before) / elapsed, 2),
        "machine_busy_cores": round((_machine_busy() - busy_before) / elapsed, 2),
        "load_average_before": round(load_before, 2),
        "verified": {
            "missing": len(check.missing),
            "wrong": len(check.wrong),
            "lost": check.lost,
            "ok": check.ok,
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.scaling", description=__doc__)
    parser.add_argument("--events", type=int, default=4000, help="events per run")
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    results: dict[str, Any] = {"machine": machine(), "started": datetime.now(UTC).isoformat(), "runs": []}
    logs = Path("/tmp") / f"tvox-bench-scaling-{os.getpid()}"
    logs.mkdir(exist_ok=True)
    print(f"PostgreSQL {POSTGRES_URL}", flush=True)
    print(
        "| processes | concurrency | events/s | p50 ms | p99 ms | server CPU cores | µs/event | client cores "
        "| PostgreSQL cores | machine busy cores | load before | stored correctly |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for workers in [int(w) for w in args.workers.split(",")]:
        with postgres_schema() as url, served(url, workers, logs / f"serve-{workers}.log") as (base, pid):
            run(play(traffic(1, 300), Target(base, client=ClientKind.RAW), concurrency=16))  # warm-up
            for seed, concurrency in ((2, 16), (3, 64)):
                row = measure(base, pid, url, args.events, concurrency, seed + 10 * workers) | {
                    "workers": workers
                }
                results["runs"].append(row)
                cells = [workers, concurrency] + [
                    row[k]
                    for k in (
                        "events_per_second", "p50_ms", "p99_ms", "server_cpu_cores",
                        "server_cpu_us_per_event",
                        "client_cpu_cores", "postgres_cpu_cores", "machine_busy_cores", "load_average_before",
                    )
                ]  # fmt: skip
                cells.append("yes" if row["verified"]["ok"] else "NO " + json.dumps(row["verified"]))
                print("| " + " | ".join(str(c) for c in cells) + " |", flush=True)
    results["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    args.out.mkdir(parents=True, exist_ok=True)
    name = f"scaling-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    (args.out / name).write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"written {args.out / name}")


if __name__ == "__main__":
    main()
