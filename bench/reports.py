"""`python -m bench.reports`: every report of `/api/v1/reports` timed on a database of 1,000,000 events.

The history is written by `bench/preload.py` (about 1,000,000 events and 320,000 interactions over a
year and a half, 40 agents, 4 services) into SQLite, then copied to PostgreSQL. Each report is asked
(and the `/reports` page, which shows all four) through the real app in-process (`create_app`,
FastAPI's TestClient, a Bearer API token: routing, authentication, the queries and the JSON or HTML,
no network) for the last day, 7 and 30 days of the history, unfiltered and filtered by a service and
an agent; each case is asked `--runs` times after 2 warm-up requests, and its median and 95th
percentile recorded. The load average is recorded with the result: these machines are shared.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from bench.preload import copy_to_postgres, preload_sqlite
from bench.run import RESULTS, machine, postgres_available, postgres_schema
from tvox_journey.settings import Settings
from tvox_journey.store.engine import make_database
from tvox_journey.store.schema import interactions
from tvox_journey.web.app import create_app

REPORTS = ("daily", "services", "agents", "heatmap", "page")  # "page": /reports, all four as HTML
PERIODS = {"today": 1, "7d": 7, "30d": 30}
FILTERS: dict[str, dict[str, str]] = {"all": {}, "service+agent": {"service": "sales", "agent": "op7"}}
ZONE = ZoneInfo("Europe/Rome")
TARGET_MS = 300


def last_day(database_url: str) -> date:
    """The local day of the newest interaction: the history's "today"."""
    db = make_database(database_url)
    try:
        with db.read.connect() as conn:
            newest = conn.execute(select(func.max(interactions.c.sort_at))).scalar_one()
    finally:
        db.dispose()
    at = newest if newest.tzinfo else newest.replace(tzinfo=UTC)
    return at.astimezone(ZONE).date()


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))]


def time_reports(database_url: str, token: str, runs: int) -> list[dict[str, Any]]:
    """Each report, period and filter: `runs` timings (ms) after 2 warm-ups, median and p95."""
    today = last_day(database_url)
    settings = Settings(database_url=database_url, display_timezone=ZONE.key, admin_password="x" * 20)
    rows: list[dict[str, Any]] = []
    with TestClient(create_app(settings)) as client:
        client.headers["authorization"] = f"Bearer {token}"
        for period, days in PERIODS.items():
            first = today - timedelta(days=days - 1)
            for filter_name, filters in FILTERS.items():
                for report in REPORTS:
                    params = {
                        "period": "custom",
                        "from": first.isoformat(),
                        "to": today.isoformat(),
                    } | filters
                    timings = []
                    for n in range(runs + 2):
                        began = time.perf_counter()
                        path = "/reports" if report == "page" else f"/api/v1/reports/{report}"
                        response = client.get(path, params=params)
                        elapsed = (time.perf_counter() - began) * 1000
                        assert response.status_code == 200, response.text
                        if n >= 2:
                            timings.append(elapsed)
                    load = [round(x, 2) for x in os.getloadavg()]
                    row: dict[str, Any] = {
                        "report": report, "period": period, "filter": filter_name,
                        "median_ms": round(statistics.median(timings), 1),
                        "p95_ms": round(_percentile(timings, 0.95), 1),
                        "max_ms": round(max(timings), 1), "runs": runs,
                        "load_average": load,
                    }  # fmt: skip
                    rows.append(row)
                    print(
                        f"| {row['report']} | {period} | {filter_name} | {row['median_ms']} | {row['p95_ms']}"
                        f" | {load[0]} |",
                        flush=True,
                    )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.reports", description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    results: dict[str, Any] = {"machine": machine(), "events": args.events, "target_ms": TARGET_MS}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "history.db"
        url = f"sqlite:///{path}"
        loaded = preload_sqlite(url, args.events)
        results["preload"] = {"events": loaded.events, "interactions": loaded.interactions,
                              "seconds": round(loaded.seconds, 1)}  # fmt: skip
        print(
            f"preloaded {loaded.events} events, {loaded.interactions} interactions in {loaded.seconds:.0f} s"
        )
        print("| report | period | filter | median ms | p95 ms | load |\n|---|---|---|---|---|---|")
        results["sqlite"] = time_reports(url, loaded.admin_token, args.runs)
        if not args.no_postgres and postgres_available():
            schema = postgres_schema()
            pg_url = schema.__enter__()
            try:
                copied = copy_to_postgres(str(path), pg_url)
                print(f"copied to PostgreSQL in {copied.seconds:.0f} s")
                results["postgresql"] = time_reports(pg_url, copied.admin_token, args.runs)
            finally:
                schema.__exit__(None, None, None)
    results["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / f"reports-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"written {out} (load average {os.getloadavg()[0]:.2f})")


if __name__ == "__main__":
    main()
