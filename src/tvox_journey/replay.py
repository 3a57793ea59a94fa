"""Replay after a fix: refused (or unrecognized) requests read again with the current mapping.

A request the webhooks refused because of a wrong variable mapping (422, its
parameters kept whole) or stored with an unknown event name is read again by
the webhooks' own reading (ingest/requests.py). The result is a new log row that
names the original (`replay_of`; the original is never changed), folded into its
interaction when it is an event. Replaying twice changes nothing the second time:
a row with a replay that was not refused is settled, and a refusal is recorded
again only when its reason is new. Refusals other than 422 keep an excerpt only
(web/webhooks/refusals.py): they are skipped and counted.

May import `domain`, `ingest`, `store` and `services` (no web, no live).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from tvox_journey.domain.numbers import NumberPolicy
from tvox_journey.ingest.contract import TUTORIAL_ROUTES
from tvox_journey.ingest.mapping import Mappings, read_mapping_file
from tvox_journey.ingest.requests import Reading, read_request
from tvox_journey.services import recording
from tvox_journey.store import event_log, replays
from tvox_journey.store import mappings as mapping_store
from tvox_journey.store.event_log import LogEntry
from tvox_journey.store.event_log import LogOutcome as LogOutcome
from tvox_journey.store.log_query import LogCursor
from tvox_journey.store.replays import Selection

ACCEPTED, DUPLICATE, UNRECOGNIZED = LogOutcome.ACCEPTED, LogOutcome.DUPLICATE, LogOutcome.UNRECOGNIZED
REJECTED = "rejected"  # still refused
SETTLED = "settled"  # replayed before, not refused then: nothing to do
EXCERPT = "excerpt"  # only an excerpt of the request was kept: cannot be read again
BATCH = 100  # rows read again per transaction
MAX_PATH = 2048  # a stored path this long may have been cut (web/webhooks/pipeline.py)


def current_mappings(conn: Connection, mapping_file: Path | None) -> Mappings:
    """The effective mappings as a server would load them: defaults, the mapping file, the saved rows.

    Raises:
        MappingFileError: the mapping file is invalid (naming the line).
    """
    file = read_mapping_file(mapping_file) if mapping_file is not None else None
    return Mappings(file, mapping_store.all_rows(conn))


@dataclass(frozen=True)
class Setting:
    """What a replay reads with: the mappings, the number policy, the TVox zone; who replays, and when."""

    mappings: Mappings
    policy: NumberPolicy
    tvox_timezone: tzinfo
    now: datetime
    actor: str | None


@dataclass(frozen=True)
class Replayed:
    """What reading one row again gave: its outcome (one of the names above), and the row it appended."""

    seq: int  # the row read again
    outcome: str
    reason: str | None = None
    route: str = ""
    call_id: str | None = None
    number_key: str | None = None
    new_seq: int | None = None  # the row appended (None: nothing appended)


def is_whole(row: dict[str, Any]) -> bool:
    """Whether the row kept its request whole: a 422 refusal, or an event stored as unrecognized."""
    if len(row.get("path") or "") >= MAX_PATH or row.get("body") is not None:
        return False
    if row["outcome"] == LogOutcome.UNRECOGNIZED:
        return True
    return row["status_code"] == 422 and row.get("request_bytes") is None


def _read(row: dict[str, Any], setting: Setting) -> Reading | None:
    params = [(str(p[0]), str(p[1])) for p in row.get("params") or [] if isinstance(p, list) and len(p) == 2]
    # A tutorial row's route key is its path (`service/ring`), whatever prefix a proxy added to the path.
    path = f"/{row['route']}" if row["route"] in TUTORIAL_ROUTES else row["path"]
    query_pairs = row.get("query_pairs")
    if query_pairs is None:  # rows from before 0008: a GET's parameters are all the query's
        query_pairs = len(params) if row["method"] == "GET" else 0
    return read_request(
        path, params, query_pairs=query_pairs, mappings=setting.mappings, tvox_timezone=setting.tvox_timezone
    )


def _entry(row: dict[str, Any], reading: Reading, setting: Setting) -> LogEntry:
    refused = reading.invalid is not None
    outcome = LogOutcome.REJECTED if refused else (UNRECOGNIZED if reading.unrecognized else ACCEPTED)
    event = reading.event
    return LogEntry(
        received_at=setting.now,
        method=row["method"],
        path=row["path"],
        route=reading.route,
        params=[(str(p[0]), str(p[1])) for p in row["params"]],
        outcome=outcome,
        status_code=422 if refused else 200,
        remote_addr=row.get("remote_addr"),
        reason=reading.reason,
        event=event,
        actor=setting.actor,
        query_pairs=row.get("query_pairs"),
        number_key=setting.policy.key(event.number) if event is not None else None,
        replay_of=int(row["seq"]),
    )


def _refused_again(conn: Connection, row: dict[str, Any], entry: LogEntry, dry_run: bool) -> Replayed:
    """Still refused: a row is appended only when the reason is new (the original's, or the last replay's)."""
    seq = int(row["seq"])
    known = {row.get("reason"), replays.last_refusal(conn, seq)}
    new_seq = None
    if row["outcome"] == LogOutcome.REJECTED and entry.reason not in known and not dry_run:
        new_seq = event_log.append(conn, entry)
    return Replayed(seq, REJECTED, entry.reason, entry.route, new_seq=new_seq)


def _reading(row: dict[str, Any], setting: Setting) -> Reading | None:
    """The row read again (pure); None when it cannot be: only an excerpt, or no webhook's path."""
    return _read(row, setting) if is_whole(row) else None


def replay_row(
    conn: Connection, row: dict[str, Any], reading: Reading | None, setting: Setting, *, dry_run: bool = False
) -> Replayed:
    """Record what reading one stored row again gave (nothing is written with `dry_run`).

    The caller holds the locks of the calls of the events read (services.lock_calls), as ingestion does.
    """
    seq = int(row["seq"])
    if reading is None:
        return Replayed(seq, EXCERPT, route=row["route"])
    entry = _entry(row, reading, setting)
    event = reading.event
    if replays.is_settled(conn, seq):
        return Replayed(seq, SETTLED, route=entry.route)
    if event is None:
        return _refused_again(conn, row, entry, dry_run)
    result = Replayed(seq, entry.outcome, entry.reason, entry.route, event.call_id, entry.number_key)
    if row["outcome"] == LogOutcome.UNRECOGNIZED:
        if entry.outcome == UNRECOGNIZED:
            return replace(result, outcome=UNRECOGNIZED)  # still unknown: nothing new to record
        # The original holds this request's dedupe key; the replay stands for it from now on.
        new_seq = None if dry_run else event_log.append(conn, entry)
    elif dry_run:
        known = replays.has_dedupe_key(conn, event_log.dedupe_key(entry.route, entry.params))
        return replace(result, outcome=DUPLICATE) if known else result
    else:
        new_seq = event_log.append_new(conn, [entry])[0]
        if new_seq is None:
            duplicate = replace(entry, outcome=LogOutcome.DUPLICATE, reason="duplicate delivery")
            return replace(result, outcome=DUPLICATE, new_seq=event_log.append(conn, duplicate))
    if new_seq is not None:
        recording.refold_many(conn, {event.call_id: new_seq}, setting.policy)
    return replace(result, new_seq=new_seq)


@dataclass
class Summary:
    """What a replay did (or, dry, would do): counts by outcome, the top reasons, the first results."""

    counts: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)
    first: list[Replayed] = field(default_factory=list)
    appended: list[Replayed] = field(default_factory=list)  # rows written, for the live pages
    read: int = 0
    more: bool = False  # the limit was reached before the selection's end

    def add(self, done: Replayed, keep_first: int) -> None:
        self.read += 1
        self.counts[done.outcome] += 1
        if done.outcome == REJECTED and done.reason:
            self.reasons[done.reason] += 1
        if len(self.first) < keep_first:
            self.first.append(done)
        if done.new_seq is not None:
            self.appended.append(done)

    def top_reasons(self, n: int = 5) -> list[tuple[str, int]]:
        return self.reasons.most_common(n)

    def details(self) -> list[tuple[str, str]]:
        """The counts as the audit trail records them."""
        names = (ACCEPTED, DUPLICATE, UNRECOGNIZED, REJECTED, SETTLED, EXCERPT)
        return [(name, str(self.counts[name])) for name in names]


def replay_batch(
    conn: Connection,
    selection: Selection,
    setting: Setting,
    *,
    after: LogCursor | None,
    size: int,
    dry_run: bool,
) -> tuple[list[Replayed], LogCursor | None]:
    """Read up to `size` rows of the selection again, after `after`, in this transaction.

    Returns what each gave and the cursor of the next batch (None when the selection is done).
    """
    rows = replays.candidates(conn, selection, limit=size, after=after)
    readings = [_reading(row, setting) for row in rows]
    if not dry_run:
        # Every call of the batch locked at once, in one sorted statement as ingestion takes them: a
        # replay and webhooks in other processes never wait on each other in a circle.
        recording.lock_calls(
            conn, [r.event.call_id for r in readings if r is not None and r.event is not None]
        )
    done = [
        replay_row(conn, row, reading, setting, dry_run=dry_run)
        for row, reading in zip(rows, readings, strict=True)
    ]
    return done, (LogCursor.after(rows[-1]) if len(rows) == size else None)


def replay_all(
    begin: Callable[[], AbstractContextManager[Connection]],
    selection: Selection,
    setting: Setting,
    *,
    limit: int,
    dry_run: bool = False,
    keep_first: int = 20,
) -> Summary:
    """Read at most `limit` rows of the selection again, `BATCH` per transaction opened by `begin`."""
    summary = Summary()
    after: LogCursor | None = None
    while summary.read < limit:
        with begin() as conn:
            done, after = replay_batch(
                conn, selection, setting, after=after, size=min(BATCH, limit - summary.read), dry_run=dry_run
            )
        for replayed in done:
            summary.add(replayed, keep_first)
        if after is None:
            return summary
    summary.more = after is not None
    return summary
