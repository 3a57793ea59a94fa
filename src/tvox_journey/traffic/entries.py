"""Tutorial requests recorded directly, without HTTP: the log entry each one makes.

Used by `import-legacy` (a db.json's calls replayed as the requests that made
them), the benchmarks' preload and the tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, tzinfo

from tvox_journey.ingest.contract import tutorial_event
from tvox_journey.ingest.errors import InvalidEvent
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
