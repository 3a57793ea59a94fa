"""What the event log says about each webhook path: the facts behind a setup checklist.

`read_traffic` looks only at the newest rows of the log (`scan_rows`, by sequence number, so the
primary key bounds the scan whatever the log's size) and reads the parameters of at most
`sample_rows` of them per path. Per path it counts accepted events, duplicates, unrecognized events
and refusals (a counted refusal row stands for several requests, store/refused.py), in the scan and
since a given instant, and gives the newest refusal's status and reason, the parameter names
the sampled requests carried (and which of them ever carried a value), the type and action of the
sampled events, and, for the sampled requests
accepted since another instant, the delay between the event's time (TVox's `dateISO`) and the
request's arrival. Rows of test calls (domain/trial_call.py) are skipped.

`ingest/checklist.py` turns these facts, with the configuration TVox should have, into statuses;
`tvox-journey doctor` prints them. Reads only; never commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, and_, case, func, or_, select

from tvox_journey.domain.trial_call import TRIAL_CALL_SUFFIX
from tvox_journey.store.event_log import LogOutcome
from tvox_journey.store.schema import event_log

SCAN_ROWS = 50_000  # newest rows of the log looked at
SAMPLE_ROWS = 200  # newest rows per path whose parameter names are read
MAX_PATHS = 100  # paths reported at most (every path with traffic past the checks, then the newest)

# The outcomes of the event log this module reads (store/event_log.py): one place to change.
_ACCEPTED = LogOutcome.ACCEPTED
_DUPLICATE = LogOutcome.DUPLICATE
_UNRECOGNIZED = LogOutcome.UNRECOGNIZED
_REJECTED = LogOutcome.REJECTED
_ACTION = LogOutcome.ACTION
# Statuses whose requests were read whole: their parameters are what TVox sent (a 422 included).
_READ_WHOLE = (200, 422)


def _utc(at: datetime | None) -> datetime | None:
    """A stored time as aware UTC (SQLite hands back naive UTC)."""
    if at is None:
        return None
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


@dataclass(frozen=True)
class PathTraffic:
    """What the newest rows of the event log show for one request path (e.g. `/service/ring.php`)."""

    path: str
    accepted: int = 0  # events accepted (an unrecognized one is counted apart)
    accepted_recent: int = 0  # of which since the reader's `since`
    last_accepted_at: datetime | None = None
    duplicates: int = 0  # repeats of an accepted request (TVox retrying): harmless
    unrecognized: int = 0  # stored, but the `event` value is unknown
    last_unrecognized_at: datetime | None = None
    last_unrecognized_reason: str | None = None
    refused: int = 0  # requests refused (a counted refusal row stands for several)
    refused_recent: int = 0
    last_refused_at: datetime | None = None
    last_refused_status: int | None = None
    last_refused_reason: str | None = None
    sampled: int = 0  # newest requests read whole (accepted, duplicate, unrecognized, 422) among the sample
    names: frozenset[str] = field(default_factory=frozenset)  # parameter names those requests carried
    filled: frozenset[str] = field(default_factory=frozenset)  # ... with a value at least once
    refused_names: frozenset[str] = field(default_factory=frozenset)  # names in refused requests' excerpts
    # Seconds from the event's time to its arrival, for the sampled requests accepted since `delays_since`
    # (negative: the event is dated after it arrived).
    delays: tuple[float, ...] = ()
    kinds: frozenset[tuple[str, str]] = field(default_factory=frozenset)  # (type, action) of sampled events

    @property
    def last_at(self) -> datetime | None:
        """The newest request of any outcome."""
        times = [t for t in (self.last_accepted_at, self.last_unrecognized_at, self.last_refused_at) if t]
        return max(times, default=None)


@dataclass(frozen=True)
class Traffic:
    """The paths of the newest rows of the event log, and how far back those rows reach."""

    paths: tuple[PathTraffic, ...]
    since: datetime  # the instant `*_recent` counts start from
    scanned: int  # rows looked at
    covers_since: bool  # the rows looked at reach back to `since` (else the recent counts are lower bounds)
    covers_all: bool  # every row of the log was looked at (else "nothing seen" means "not recently")


@dataclass
class _Path:
    path: str
    counts: dict[str, tuple[int, int, datetime | None]] = field(default_factory=dict)
    sampled: int = 0
    names: set[str] = field(default_factory=set)
    filled: set[str] = field(default_factory=set)
    refused_names: set[str] = field(default_factory=set)
    last_refusal: tuple[datetime, int, str | None] | None = None
    last_unrecognized: tuple[datetime, str | None] | None = None
    delays: list[float] = field(default_factory=list)
    kinds: set[tuple[str, str]] = field(default_factory=set)

    def traffic(self) -> PathTraffic:
        def count(outcome: str) -> tuple[int, int, datetime | None]:
            return self.counts.get(outcome, (0, 0, None))

        accepted, unrecognized, refused = count(_ACCEPTED), count(_UNRECOGNIZED), count(_REJECTED)
        refusal = self.last_refusal
        unknown = self.last_unrecognized
        return PathTraffic(
            path=self.path,
            accepted=accepted[0],
            accepted_recent=accepted[1],
            last_accepted_at=accepted[2],
            duplicates=count(_DUPLICATE)[0],
            unrecognized=unrecognized[0],
            last_unrecognized_at=unrecognized[2],
            last_unrecognized_reason=unknown[1] if unknown else None,
            refused=refused[0],
            refused_recent=refused[1],
            last_refused_at=refused[2],
            last_refused_status=refusal[1] if refusal else None,
            last_refused_reason=refusal[2] if refusal else None,
            sampled=self.sampled,
            names=frozenset(self.names),
            filled=frozenset(self.filled),
            refused_names=frozenset(self.refused_names),
            delays=tuple(self.delays),
            kinds=frozenset(self.kinds),
        )


def _param_pairs(params: Any) -> Iterable[tuple[str, str]]:
    """The (name, value) pairs of a stored `params` column, skipping anything malformed."""
    if not isinstance(params, list):
        return
    for pair in params:
        if isinstance(pair, list | tuple) and len(pair) == 2 and isinstance(pair[0], str):
            yield pair[0], pair[1] if isinstance(pair[1], str) else ""


def _event_time(event: Any) -> datetime | None:
    """The time a stored event carries (store/codec.py: `occurred` is [ISO time, text as sent])."""
    try:
        return _utc(datetime.fromisoformat(event["occurred"][0]))
    except (TypeError, KeyError, IndexError, ValueError):
        return None


def _kind(event: Any) -> tuple[str, str] | None:
    """The (type, action) of a stored event."""
    try:
        kind = (event["call_type"], event["action"])
    except (TypeError, KeyError):
        return None
    return kind if all(isinstance(k, str) for k in kind) else None


def _sample(path: _Path, row: Any, delays_since: datetime | None) -> None:
    at = _utc(row.last_seen_at) or _utc(row.received_at)
    assert at is not None
    if row.outcome in (_ACCEPTED, _DUPLICATE) and (kind := _kind(row.event)) is not None:
        path.kinds.add(kind)
    if delays_since is not None and row.outcome in (_ACCEPTED, _UNRECOGNIZED) and at >= delays_since:
        occurred = _event_time(row.event)
        if occurred is not None:
            path.delays.append((at - occurred).total_seconds())
    pairs = list(_param_pairs(row.params))
    if row.outcome == _REJECTED and (path.last_refusal is None or at > path.last_refusal[0]):
        path.last_refusal = (at, int(row.status_code), row.reason)
    if row.outcome == _UNRECOGNIZED and (path.last_unrecognized is None or at > path.last_unrecognized[0]):
        path.last_unrecognized = (at, row.reason)
    if row.status_code not in _READ_WHOLE:
        path.refused_names.update(name for name, _ in pairs)
        return
    path.sampled += 1
    path.names.update(name for name, _ in pairs)
    path.filled.update(name for name, value in pairs if value.strip())


def _kept_paths(groups: Sequence[Any]) -> list[str]:
    """Every path with a request past the checks (few: they are routes), then the newest others."""
    newest: dict[str, int] = {}
    passed: set[str] = set()
    for group in groups:
        newest[group.path] = max(newest.get(group.path, 0), int(group.last_seq))
        if group.outcome != _REJECTED or group.has_read_whole:
            passed.add(group.path)
    others = sorted((p for p in newest if p not in passed), key=lambda p: -newest[p])
    return sorted(passed, key=lambda p: -newest[p])[:MAX_PATHS] + others[: max(0, MAX_PATHS - len(passed))]


def read_traffic(
    conn: Connection,
    *,
    since: datetime,
    delays_since: datetime | None = None,
    scan_rows: int = SCAN_ROWS,
    sample_rows: int = SAMPLE_ROWS,
) -> Traffic:
    """Per request path, what the newest `scan_rows` rows of the event log show (user actions and test
    calls aside); with `delays_since`, the delays of the sampled requests accepted since then."""
    if scan_rows < 1 or sample_rows < 1:
        raise ValueError("scan_rows and sample_rows must be positive")
    log = event_log.c
    top = int(conn.execute(select(func.coalesce(func.max(log.seq), 0))).scalar_one())
    floor = max(top - scan_rows, 0)
    not_a_test = or_(log.call_id.is_(None), log.call_id.not_like("%" + TRIAL_CALL_SUFFIX))
    in_scan = and_(log.seq > floor, log.outcome != _ACTION, not_a_test)
    at = func.coalesce(log.last_seen_at, log.received_at)
    grouped = select(
        log.path,
        log.outcome,
        func.sum(log.seen_count).label("requests"),
        func.sum(case((at >= since, log.seen_count), else_=0)).label("recent"),
        func.max(at).label("last_at"),
        func.max(log.seq).label("last_seq"),
        func.max(case((log.status_code.in_(_READ_WHOLE), 1), else_=0)).label("has_read_whole"),
    ).where(in_scan)
    groups = list(conn.execute(grouped.group_by(log.path, log.outcome)))
    first_at = conn.execute(
        select(log.received_at).where(log.seq > floor).order_by(log.seq).limit(1)
    ).scalar()
    oldest = _utc(first_at)
    covers_all = floor == 0 or conn.execute(select(log.seq).where(log.seq <= floor).limit(1)).first() is None
    kept = _kept_paths(groups)
    paths = {path: _Path(path) for path in kept}
    for group in groups:
        if group.path in paths:
            paths[group.path].counts[group.outcome] = (
                int(group.requests or 0),
                int(group.recent or 0),
                _utc(group.last_at),
            )
    if kept:
        ranked = (
            select(
                log.seq,
                func.row_number().over(partition_by=log.path, order_by=log.seq.desc()).label("rank"),
            )
            .where(in_scan, log.path.in_(kept))
            .subquery()
        )
        chosen = select(ranked.c.seq).where(ranked.c.rank <= sample_rows)
        columns = (log.path, log.outcome, log.status_code, log.reason, log.received_at, log.last_seen_at)
        for row in conn.execute(select(*columns, log.params, log.event).where(log.seq.in_(chosen))):
            _sample(paths[row.path], row, delays_since)
    return Traffic(
        paths=tuple(paths[p].traffic() for p in kept),
        since=since,
        scanned=top - floor,
        covers_since=covers_all or (oldest is not None and oldest <= since),
        covers_all=covers_all,
    )
