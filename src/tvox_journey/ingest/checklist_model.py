"""The setup checklist's inputs and results (`ingest/checklist.py`): levels, statuses, rows (pure).

The inputs are protocols, so that `store/setup.py` (which may not import `ingest`) provides them
with its own dataclasses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

OK, INFO, WARN, FAIL = "ok", "info", "warn", "fail"  # INFO needs nothing done; WARN deserves a look
WAITING, WORKING, INCOMPLETE, FAILING = "waiting", "working", "incomplete", "failing"


class Seen(Protocol):
    """What the event log shows for one request path (store.setup.PathTraffic)."""

    @property
    def path(self) -> str: ...
    @property
    def accepted(self) -> int: ...
    @property
    def accepted_recent(self) -> int: ...
    @property
    def last_accepted_at(self) -> datetime | None: ...
    @property
    def duplicates(self) -> int: ...
    @property
    def unrecognized(self) -> int: ...
    @property
    def last_unrecognized_at(self) -> datetime | None: ...
    @property
    def last_unrecognized_reason(self) -> str | None: ...
    @property
    def refused(self) -> int: ...
    @property
    def refused_recent(self) -> int: ...
    @property
    def last_refused_at(self) -> datetime | None: ...
    @property
    def last_refused_status(self) -> int | None: ...
    @property
    def last_refused_reason(self) -> str | None: ...
    @property
    def sampled(self) -> int: ...
    @property
    def names(self) -> frozenset[str]: ...
    @property
    def filled(self) -> frozenset[str]: ...
    @property
    def refused_names(self) -> frozenset[str]: ...
    @property
    def delays(self) -> Sequence[float]: ...
    @property
    def kinds(self) -> frozenset[tuple[str, str]]: ...
    @property
    def last_at(self) -> datetime | None: ...


class Observed(Protocol):
    """The paths of the newest rows of the event log (store.setup.Traffic)."""

    @property
    def paths(self) -> Sequence[Seen]: ...
    @property
    def scanned(self) -> int: ...
    @property
    def covers_since(self) -> bool: ...
    @property
    def covers_all(self) -> bool: ...


@dataclass(frozen=True)
class Problem:
    """One thing to fix on a route, with the variable it is about."""

    kind: str  # missing | empty | unread | event_missing | unrecognized | refused_earlier | clock
    level: str
    message: str
    variable: str | None = None  # the TVox variable ("Variabile evento di notifica")
    name: str | None = None  # the name it is (or should be) sent as ("Variabile web service")


@dataclass(frozen=True)
class Timing:
    """How long TVox's events take to arrive on a route: from the event's time (`dateISO`) to its arrival
    here, over the sampled requests of the last hour (ingest/checklist_timing.py)."""

    count: int  # requests measured
    p50: float  # seconds
    p95: float
    level: str  # ok | info | warn
    kind: str | None  # None | negative | offset | zone | old: what the delays suggest
    message: str  # the delays, and what they suggest


@dataclass(frozen=True)
class ServiceRow:
    """The status of one configured route: one or more OCC web services with the same URI path."""

    route: str  # the event log's route key, e.g. service/ring, tvox/events/service/ring
    path: str  # the URI path to configure, e.g. /service/ring
    services: tuple[str, ...]  # the OCC names ("Nome") of the web services on it
    status: str  # waiting | working | incomplete | failing
    level: str  # ok | info | warn | fail
    summary: str
    problems: tuple[Problem, ...]
    seen_paths: tuple[str, ...]  # the paths requests came on (`.php` or not, any spelling)
    accepted_recent: int  # in the last 24 hours
    recent_complete: bool  # False: the recent counts are lower bounds (the log was read only so far back)
    last_accepted_at: datetime | None
    refused_recent: int
    last_refused_at: datetime | None
    last_refused_status: int | None
    last_refused_reason: str | None
    timing: Timing | None = None  # None: nothing accepted in the last hour among the sampled requests


@dataclass(frozen=True)
class Stray:
    """Requests on a path that matches no configured route, and a guess of what they are."""

    path: str
    requests: int
    last_at: datetime | None
    level: str  # warn when they look like TVox's, info otherwise
    guess: str


@dataclass(frozen=True)
class LastRequest:
    """The newest request TVox got through with (accepted or unrecognized), if any."""

    path: str | None
    at: datetime | None
    level: str
    message: str


@dataclass(frozen=True)
class Checklist:
    layouts: tuple[str, ...]
    rows: tuple[ServiceRow, ...]
    strays: tuple[Stray, ...]
    last_request: LastRequest


_LEVELS = (OK, INFO, WARN, FAIL)


def worst(levels: Sequence[str]) -> str:
    """The most serious of some levels (ok when there are none)."""
    return max(levels, key=_LEVELS.index, default=OK)
