"""`python -m bench.ingest`: the ingest path alone, against the bare app in the same run.

The figures of the ingest-speed targets (docs/benchmarks.md, "Ingest speed"): the bare
app (bench/bare.py) and `tvox-journey serve` on an empty SQLite database (its default
settings: `synchronous=FULL`, a 2xx only after the commit), at concurrency 1 and 16,
then PostgreSQL with one process at 16; every stored journey is checked after each run.
`--profile DIR` also records a py-spy profile of the server at concurrency 16 (one file
per database, speedscope format), to see where the time goes.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.preload import copy_to_postgres, preload_sqlite
from bench.run import (
    RESULTS,
    machine,
    measure,
    postgres_available,
    postgres_schema,
    summary,
    traffic,
    wait_for_quiet,
)
from bench.servers import Server, bare_server, cpu_seconds, product_server
from tvox_journey.store.migrate import upgrade

TARGETS = {"sqlite_c16": 5000.0, "sqlite_c1": 1500.0, "postgres_c16": 3000.0, "cpu_us": 200.0, "p99_ms": 10.0}


def _threads_cpu(pid: int) -> tuple[float, float]:
    """CPU seconds so far of the server's event-loop thread and of all its other threads (the writer's,
    the log follower's reads)."""
    loop = others = 0.0
    for task in Path(f"/proc/{pid}/task").iterdir():
        seconds = cpu_seconds(task / "stat")
        if task.name == str(pid):
            loop += seconds
        else:
            others += seconds
    return loop, others


def _profiled(server: Server, out: Path | None, name: str) -> subprocess.Popen[bytes] | None:
    """py-spy recording the server (all threads, native frames off) until it is stopped."""
    if out is None:
        return None
    out.mkdir(parents=True, exist_ok=True)
    command = ["py-spy", "record", "--pid", str(server.pid), "--rate", "250", "--format", "speedscope",
               "--output", str(out / f"{name}.speedscope.json"), "--threads", "--nonblocking"]  # fmt: skip
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _stop(profiler: subprocess.Popen[bytes] | None) -> None:
    if profiler is not None:
        profiler.send_signal(2)  # SIGINT: py-spy writes the file and exits
        profiler.wait(timeout=60)


def run(events: int, postgres: bool, profile: Path | None, workdir: Path, history: int = 0) -> dict[str, Any]:
    results: dict[str, Any] = {"machine": machine(), "started": datetime.now(UTC).isoformat(), "runs": []}
    warmup, sequential = traffic(1, 500), traffic(2, max(events // 5, 500))
    concurrent = traffic(3, events)
    with bare_server(workdir / "bare.log") as server:
        measure(server, warmup, concurrency=16)
        for concurrency, requests in ((1, sequential), (16, concurrent)):
            row = measure(server, requests, concurrency=concurrency)
            results["runs"].append({"server": "bare", **row})
            print(
                f"bare c{concurrency}: {summary(row)}, {row['server_cpu_us_per_event']} µs/event", flush=True
            )
    _product(results, "SQLite", f"sqlite:///{workdir / 'ingest.db'}", warmup,
             ((1, sequential), (16, concurrent)), profile, workdir)  # fmt: skip
    if postgres:
        with postgres_schema() as url:
            _product(results, "PostgreSQL", url, warmup, ((16, concurrent),), profile, workdir)
    if history:
        stored = workdir / "history.db"
        loaded = preload_sqlite(f"sqlite:///{stored}", history)
        print(f"preloaded {loaded.events} events in {loaded.seconds:.0f} s", flush=True)
        if postgres:
            with postgres_schema() as url:
                copy_to_postgres(str(stored), url)
                _product(results, f"PostgreSQL, {loaded.events} events", url, warmup, ((16, concurrent),),
                         None, workdir)  # fmt: skip
        _product(results, f"SQLite, {loaded.events} events", f"sqlite:///{stored}", warmup,
                 ((16, concurrent),), None, workdir)  # fmt: skip
    return results


def _product(results: dict[str, Any], name: str, url: str, warmup: Any, runs: Any,
             profile: Path | None, workdir: Path) -> None:  # fmt: skip
    upgrade(url)  # a preloaded database is at the head already
    with product_server(url, workdir / f"serve-{name}.log") as server:
        measure(server, warmup, concurrency=16, database_url=url)
        for concurrency, requests in runs:
            profiler = _profiled(server, profile, name) if concurrency == 16 else None
            loop_before, others_before = _threads_cpu(server.pid)
            try:
                row = measure(server, requests, concurrency=concurrency, database_url=url)
            finally:
                _stop(profiler)
            loop_after, others_after = _threads_cpu(server.pid)
            row["loop_thread_us_per_event"] = round((loop_after - loop_before) / row["events"] * 1e6)
            row["other_threads_us_per_event"] = round((others_after - others_before) / row["events"] * 1e6)
            results["runs"].append({"server": name, **row})
            print(
                f"{name} c{concurrency}: {summary(row)}, {row['server_cpu_us_per_event']} µs/event",
                flush=True,
            )


def markdown(results: dict[str, Any]) -> str:
    best = {r["concurrency"]: r["events_per_second"] for r in results["runs"] if r["server"] == "bare"}
    lines = ["| server | concurrency | events/s | of bare | p50 ms | p99 ms | server CPU µs/event "
             "| event loop / writer and other threads | stored correctly |",
             "|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for r in results["runs"]:
        share = f"{r['events_per_second'] / best[r['concurrency']]:.0%}" if r["server"] != "bare" else ""
        ok = "" if "verified" not in r else ("yes" if r["verified"]["ok"] else "NO")
        split = f"{r['loop_thread_us_per_event']} / {r['other_threads_us_per_event']}" if share else ""
        lines.append(
            f"| {r['server']} | {r['concurrency']} | {r['events_per_second']:.0f} | {share} | {r['p50_ms']} "
            f"| {r['p99_ms']} | {r['server_cpu_us_per_event']:.0f} | {split} | {ok} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.ingest", description=__doc__)
    parser.add_argument("--events", type=int, default=20_000, help="events at concurrency 16")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--profile", type=Path, help="write py-spy profiles of the server here")
    parser.add_argument("--history", type=int, default=0, help="also run on this many preloaded events")
    parser.add_argument("--wait-quiet", type=float, default=0, help="first wait up to N s for load < 1")
    parser.add_argument("--label", default="", help="a word kept in the results (e.g. before, after)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    if args.wait_quiet:
        wait_for_quiet(1.0, args.wait_quiet)
    postgres = not args.no_postgres and postgres_available()
    with tempfile.TemporaryDirectory(prefix="tvox-bench-ingest-") as workdir:
        results = run(args.events, postgres, args.profile, Path(workdir), args.history)
    results["label"] = args.label
    results["targets"] = TARGETS
    print(markdown(results))
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = args.out / f"ingest-{stamp}.json"
    path.write_text(json.dumps(results, indent=2))
    print(f"results: {path} (load average {os.getloadavg()[0]:.2f} at the end)")


if __name__ == "__main__":
    main()
