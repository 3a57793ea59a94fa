"""Requests recorded directly, without HTTP: the log entry each one makes.

Used by `import-legacy` (a db.json's calls replayed as the requests that made
them), the demo's history, the benchmarks' preload and the tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, tzinfo

from tvox_journey.ingest.contract import tutorial_event
from tvox_journey.ingest.errors import InvalidEvent
from tvox_journey.ingest.mapping import Mappings
from tvox_journey.ingest.requests import read_request
from tvox_journey.sim import Request
from tvox_journey.store.event_log import LogEntry, LogOutcome


def tutorial_entry(
    path: str, params: Sequence[tuple[str, str]], *, method: str, received_at: datetime, tvox_timezone: tzinfo
) -> LogEntry:
    """The log entry a tutorial request makes: accepted with its event, or rejected with the reason."""
    base = LogEntry(received_at, method, f"/{path}", path, tuple(params), LogOutcome.ACCEPTED, 200)
    try:
        event = tutorial_event(path, params, tvox_timezone=tvox_timezone)
    except InvalidEvent as invalid:
        return replace(base, outcome=LogOutcome.REJECTED, status_code=422, reason=str(invalid))
    return replace(base, event=event)


def request_entry(
    request: Request, *, mappings: Mappings, received_at: datetime, tvox_timezone: tzinfo
) -> LogEntry:
    """The log entry a scenario request makes when the webhook of its path reads it (tutorial URIs
    and /tvox/events alike, with `mappings`): a GET carries its parameters in the query string, a
    POST in its body. Accepted (or unrecognized) with its event, or rejected with the reason.

    Raises:
        ValueError: no webhook has the request's path.
    """
    path = "/" + request.path.lstrip("/")
    query_pairs = len(request.params) if request.method == "GET" else 0
    reading = read_request(
        path, request.params, query_pairs=query_pairs, mappings=mappings, tvox_timezone=tvox_timezone
    )
    if reading is None:
        raise ValueError(f"no webhook at {path}")
    base = LogEntry(
        received_at, request.method, path, reading.route, tuple(request.params), LogOutcome.ACCEPTED, 200,
        query_pairs=query_pairs,
    )  # fmt: skip
    if reading.invalid is not None:
        return replace(base, outcome=LogOutcome.REJECTED, status_code=422, reason=reading.reason)
    outcome = LogOutcome.UNRECOGNIZED if reading.unrecognized else LogOutcome.ACCEPTED
    return replace(base, outcome=outcome, event=reading.event, reason=reading.reason)
