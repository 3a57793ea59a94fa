"""`python -m bench.writer`: the writer's own work per event, in-process, without HTTP.

What the writer thread does for a batch of webhook deliveries (`record_many`: the log rows, the
refold, the interaction upserts, in one transaction), on about `--events` requests of the benchmark's
traffic read as the webhooks read them, in batches of `--batch` (16 senders make batches of about 8).
`--staged` stages the requests first, outside the measured part, as their requests do before they wait
for the writer: what is left is the writer thread's share.

CPU time on a shared machine moves by a third from one run to the next; `--instructions` counts the
instructions instead (valgrind's callgrind, about 100 times slower), once with the batches and once
without, and prints the difference an event: the same code gives the same count to within about 2%
(0.1% within one evening).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from contextlib import ExitStack
from datetime import UTC, datetime

from sqlalchemy import Connection

from bench.run import postgres_schema, traffic
from tvox_journey.domain.numbers import NumberPolicy
from tvox_journey.ingest.mapping import Mappings
from tvox_journey.services.recording import record_many, record_staged, stage
from tvox_journey.store.engine import make_database
from tvox_journey.store.event_log import LogEntry
from tvox_journey.store.migrate import upgrade
from tvox_journey.traffic.entries import request_entry

WARMUP_BATCHES = 20
POLICY = NumberPolicy()


def entries(events: int) -> list[LogEntry]:
    now = datetime.now(UTC)
    return [
        request_entry(r, mappings=Mappings(), received_at=now, tvox_timezone=UTC) for r in traffic(7, events)
    ]


def run(
    url: str, logged: Sequence[LogEntry], *, batch: int, synchronous: str, staged: bool, skip: bool
) -> str:
    upgrade(url)
    db = make_database(url, sqlite_synchronous=synchronous)
    try:
        batches = [logged[i : i + batch] for i in range(0, len(logged), batch)]
        for warm in batches[:WARMUP_BATCHES]:
            with db.write.begin() as conn:
                record_many(conn, warm, POLICY)
        measured = batches[WARMUP_BATCHES:]
        events = sum(map(len, measured))
        if staged:
            prepared = [[stage(entry, POLICY, db.write.dialect) for entry in jobs] for jobs in measured]

            def write(conn: Connection, i: int) -> None:
                record_staged(conn, prepared[i], POLICY)
        else:

            def write(conn: Connection, i: int) -> None:
                record_many(conn, measured[i], POLICY)

        started, cpu = time.perf_counter(), time.process_time()
        for i in range(0 if skip else len(measured)):  # everything else, for an instruction count
            with db.write.begin() as conn:
                write(conn, i)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        db.dispose()
    return f"{events} events: CPU {cpu / events * 1e6:.0f} µs an event, wall {wall / events * 1e6:.0f} µs"


def instructions(argv: list[str]) -> str:
    """Instructions an event: callgrind over this module with the batches, less without them."""
    counts = []
    for extra in ([], ["--skip"]):
        command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, "-m",
                   "bench.writer", *argv, *extra]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, check=True)
        counts.append(
            int(
                next(line for line in done.stderr.splitlines() if "refs:" in line)
                .split()[-1]
                .replace(",", "")
            )
        )
        if not extra:
            events = int(done.stdout.split()[0])
    return f"{events} events: {(counts[0] - counts[1]) // events:,} instructions an event"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.writer", description=__doc__)
    parser.add_argument("--events", type=int, default=6000)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--synchronous", default="OFF", help="SQLite's (OFF: the CPU, not the disk)")
    parser.add_argument("--staged", action="store_true", help="stage the requests outside the measure")
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--instructions", action="store_true", help="count instructions (valgrind)")
    parser.add_argument("--skip", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.instructions:
        given = [a for a in (argv if argv is not None else sys.argv[1:]) if a != "--instructions"]
        print(instructions(given))
        return
    logged = entries(args.events)
    with ExitStack() as stack:
        if args.postgres:
            url = stack.enter_context(postgres_schema())
        else:
            url = f"sqlite:///{os.path.join(stack.enter_context(tempfile.TemporaryDirectory()), 'writer.db')}"
        print(
            run(
                url,
                logged,
                batch=args.batch,
                synchronous=args.synchronous,
                staged=args.staged,
                skip=args.skip,
            )
        )


if __name__ == "__main__":
    main()
