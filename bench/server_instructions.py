"""`python -m bench.server_instructions`: the whole server's instructions per webhook event, by thread.

`tvox-journey serve` (or, with `--bare`, the bare app) runs under valgrind's callgrind with counting
off; after a warm-up, counting is switched on (`callgrind_control -i on`) for `--events` requests of
the benchmark's traffic at `--concurrency`, then off, and the server is stopped. Each thread's count
is divided by the requests answered: the event loop's (thread 1: HTTP, parsing, the webhook's checks,
staging) and the others' (the writer's, the executor's reads). Counting is about 50 times slower than the
server, so batches differ from a real run's. The event loop's count repeats within about 1% (one run
in eight came out 8% higher); the writer's follows its batches' size, which the timing decides, so
compare writers with `bench.writer` at fixed batches. Only user-space instructions are counted:
system calls (the network, the WAL's writes and fsyncs) are not.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx

from bench.run import traffic
from bench.servers import free_port, wait_until_answering
from tvox_journey.store.migrate import upgrade
from tvox_journey.traffic.clients import ClientKind, Target
from tvox_journey.traffic.player import play, run

STARTUP_SECONDS = 600  # importing everything under valgrind
TOKEN = "bench-server-instructions"


def _batches(base: str, bare: bool) -> tuple[float, float]:
    """The writer's transactions so far, and the jobs they committed (the server's /metrics)."""
    if bare:
        return 0.0, 0.0
    text = httpx.get(f"{base}/metrics", headers={"authorization": f"Bearer {TOKEN}"}, timeout=60).text
    found = dict(re.findall(r"^tvox_journey_writer_batch_size_(count|sum) (\S+)$", text, re.M))
    return float(found["count"]), float(found["sum"])


def count(events: int, concurrency: int, bare: bool, workdir: Path) -> tuple[int, float, dict[int, int]]:
    """Requests answered, the writer's mean batch, and instructions by thread number (1: the event
    loop), while counting."""
    url = f"sqlite:///{workdir / 'server.db'}"
    upgrade(url)
    port = free_port()
    app = ["-m", "bench.bare", "--port", str(port)] if bare else ["-m", "tvox_journey", "serve"]
    app += [] if bare else ["--host", "127.0.0.1", "--port", str(port)]
    out = workdir / "callgrind.out"
    command = ["valgrind", "--tool=callgrind", "--instr-atstart=no", "--separate-threads=yes",
               f"--callgrind-out-file={out}", sys.executable, *app]  # fmt: skip
    log = workdir / "server.log"
    with open(log, "wb") as output:
        process = subprocess.Popen(
            command,
            env={**os.environ, "TVOX_JOURNEY_DATABASE_URL": url, "TVOX_JOURNEY_METRICS_TOKEN": TOKEN},
            stdout=output,
            stderr=output,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_answering(base, process, log, STARTUP_SECONDS, request_timeout=10)
        target = Target(base, client=ClientKind.RAW)
        run(play(traffic(1, 200), target, concurrency=concurrency))
        before = _batches(base, bare)
        subprocess.run(["callgrind_control", "-i", "on", str(process.pid)], check=True, capture_output=True)
        report = run(play(traffic(3, events), target, concurrency=concurrency))
        subprocess.run(["callgrind_control", "-i", "off", str(process.pid)], check=True, capture_output=True)
        after = _batches(base, bare)
    finally:
        process.terminate()
        process.wait(timeout=300)
    if report.ok != report.sent:
        raise RuntimeError(f"{report.sent - report.ok} of {report.sent} requests were not answered 2xx")
    threads: dict[int, int] = {}
    for path in workdir.glob("callgrind.out*"):
        text = path.read_text()
        thread, total = re.search(r"^thread: (\d+)", text, re.M), re.search(r"^totals: (\d+)", text, re.M)
        if thread and total and int(total.group(1)):
            threads[int(thread.group(1))] = int(total.group(1))
    batches, jobs = after[0] - before[0], after[1] - before[1]
    return report.ok, jobs / batches if batches else 0.0, threads


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=800, help="requests counted")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--bare", action="store_true", help="count the bare app (bench/bare.py) instead")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        answered, batch, threads = count(args.events, args.concurrency, args.bare, Path(workdir))
    per_event = {thread: round(total / answered) for thread, total in sorted(threads.items())}
    others = sum(v for t, v in per_event.items() if t != 1)
    print(f"{answered} requests at concurrency {args.concurrency}, the writer's batches {batch:.1f} jobs")
    print(f"  instructions an event: {sum(per_event.values()):,}")
    print(f"  event loop {per_event.get(1, 0):,}, other threads {others:,}")
    print("  by thread: " + ", ".join(f"{t}: {v:,}" for t, v in per_event.items()))


if __name__ == "__main__":
    main()
