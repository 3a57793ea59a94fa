"""The process's Prometheus metrics (prometheus_client), and their exposition.

One set of metric objects per process. With `serve --workers N`, `serve` points
`PROMETHEUS_MULTIPROC_DIR` at a fresh directory before the workers start: each
worker writes its values there and `/metrics`, whichever worker answers it,
reports the sum over all of them (counters and histograms summed; gauges summed
over the processes alive). Without it (one process), the values are in memory.
"""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"  # prometheus_client's own variable

REQUESTS = Counter(
    "tvox_journey_requests_total",
    "HTTP requests answered, by channel (webhook, api, page), route template and status code",
    ["channel", "route", "status"],
)
LATENCY = Histogram(
    "tvox_journey_request_duration_seconds",
    "Time from a request's arrival to the end of its answer, by channel (live streams excluded)",
    ["channel"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
EVENTS = Counter(
    "tvox_journey_events_total",
    "Requests recorded in the event log, by outcome (accepted, duplicate, unrecognized, rejected, action)",
    ["outcome"],
)
FOLDED = Counter(
    "tvox_journey_interactions_folded_total", "Interactions folded and written to the read model"
)
WRITER_QUEUE = Gauge(
    "tvox_journey_writer_queue_depth", "Write jobs waiting for the writer thread", multiprocess_mode="livesum"
)
WRITER_BATCH = Histogram(
    "tvox_journey_writer_batch_size",
    "Write jobs committed in one transaction by the writer",
    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 512),
)
DATABASE_ERRORS = Counter(
    "tvox_journey_database_errors_total",
    "Requests answered 503 because the database could not be reached or did not answer in time",
)
LIVE_STREAMS = Gauge(
    "tvox_journey_live_streams", "Open live-page streams (Server-Sent Events)", multiprocess_mode="livesum"
)


def exposition() -> tuple[bytes, str]:
    """The text format of every metric, of all the processes when several share the port."""
    if os.environ.get(MULTIPROCESS_DIR):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


def process_ended() -> None:
    """Forget this process's live gauges (its queue, its streams) in the shared directory."""
    if os.environ.get(MULTIPROCESS_DIR):
        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]
