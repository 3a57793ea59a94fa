"""What the event log says per path for the setup checklist: bounded reads, counted refusals, names."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from tvox_journey.domain.events import Action, CallEvent, CallType, Instant
from tvox_journey.domain.trial_call import trial_call_id
from tvox_journey.sim import wire_time
from tvox_journey.store import event_log, refused
from tvox_journey.store.engine import Database
from tvox_journey.store.event_log import LogEntry, LogOutcome
from tvox_journey.store.setup import read_traffic

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
SINCE = NOW - timedelta(hours=24)


def accepted(path: str, at: datetime, params: list[tuple[str, str]]) -> LogEntry:
    return LogEntry(at, "GET", path, path.strip("/"), params, LogOutcome.ACCEPTED, 200, "192.0.2.1")


def test_only_the_newest_rows_are_read_and_the_result_says_so(db: Database) -> None:
    with db.write.begin() as conn:
        for n in range(30):
            event_log.append(
                conn, accepted("/service/ring", NOW - timedelta(minutes=30 - n), [("callId", f"{n}")])
            )
    with db.read.connect() as conn:
        bounded = read_traffic(conn, since=SINCE, scan_rows=10, sample_rows=3)
        whole = read_traffic(conn, since=SINCE)
    (ring,) = bounded.paths
    assert (bounded.scanned, bounded.covers_all, bounded.covers_since) == (10, False, False)
    assert (ring.accepted, ring.accepted_recent, ring.sampled) == (10, 10, 3)
    assert ring.last_accepted_at == NOW - timedelta(minutes=1)
    assert (whole.scanned, whole.covers_all, whole.covers_since, whole.paths[0].accepted) == (
        30,
        True,
        True,
        30,
    )


def test_recent_counts_start_at_since(db: Database) -> None:
    with db.write.begin() as conn:
        event_log.append(conn, accepted("/service/ring", NOW - timedelta(days=2), [("callId", "old")]))
        event_log.append(conn, accepted("/service/ring", NOW - timedelta(hours=1), [("callId", "new")]))
    with db.read.connect() as conn:
        (ring,) = read_traffic(conn, since=SINCE).paths
    assert (ring.accepted, ring.accepted_recent) == (2, 1)


def test_counted_refusals_count_every_request_and_keep_the_newest_reason(db: Database) -> None:
    def refusal(at: datetime, status: int, reason: str) -> LogEntry:
        params = [("callerNumbr", "1")]
        entry = LogEntry(
            at,
            "GET",
            "/service/ring",
            "service/ring",
            params,
            LogOutcome.REJECTED,
            status,
            "203.0.113.7",
            reason,
        )
        return replace(entry, flood_key=refused.flood_key(entry, 60))

    with db.write.begin() as conn:
        for second in range(3):  # one counted row
            refused.append_or_count(conn, refusal(NOW + timedelta(seconds=second), 401, "wrong credentials"))
        event_log.append(conn, refusal(NOW + timedelta(minutes=5), 422, "callId: missing"))
        event_log.append(conn, accepted("/service/ring", NOW - timedelta(minutes=1), [("callerNumber", "")]))
    with db.read.connect() as conn:
        (ring,) = read_traffic(conn, since=SINCE).paths
    assert (ring.refused, ring.refused_recent, ring.accepted) == (4, 4, 1)
    assert (ring.last_refused_status, ring.last_refused_reason) == (422, "callId: missing")
    assert ring.last_refused_at == NOW + timedelta(minutes=5)
    assert ring.names == {"callerNumber", "callerNumbr"}  # the accepted row and the 422 were read whole
    assert ring.filled == {"callerNumbr"}  # callerNumber always came empty
    assert ring.refused_names == {"callerNumbr"}  # from the 401's excerpt
    assert ring.last_at == NOW + timedelta(minutes=5)


def test_user_actions_are_not_traffic(db: Database) -> None:
    with db.write.begin() as conn:
        event_log.append(
            conn, LogEntry(NOW, "POST", "mappings/set", "mappings/set", [], LogOutcome.ACTION, 200)
        )
    with db.read.connect() as conn:
        traffic = read_traffic(conn, since=SINCE)
    assert traffic.paths == () and traffic.scanned == 1


def test_bounds_must_be_positive(db: Database) -> None:
    with db.read.connect() as conn, pytest.raises(ValueError, match="positive"):
        read_traffic(conn, since=SINCE, scan_rows=0)


RING = "/service/ring"


def with_event(entry: LogEntry, call_id: str, occurred: datetime) -> LogEntry:
    event = CallEvent(
        call_id, CallType.SERVICE, Action.RING, Instant(occurred, wire_time(occurred)), "0452224600"
    )
    return replace(entry, event=event)


def test_delays_are_from_the_events_time_to_its_arrival_for_the_requests_since_delays_since(
    db: Database,
) -> None:
    with db.write.begin() as conn:
        entries = [
            # received before delays_since: not measured
            with_event(
                accepted(RING, NOW - timedelta(hours=2), [("callId", "1")]), "1", NOW - timedelta(hours=3)
            ),
            with_event(accepted(RING, NOW, [("callId", "2")]), "2", NOW - timedelta(seconds=2)),
            with_event(accepted(RING, NOW, [("callId", "3")]), "3", NOW + timedelta(seconds=5)),
        ]
        event_log.append_new(conn, entries)
    with db.read.connect() as conn:
        (ring,) = read_traffic(conn, since=SINCE, delays_since=NOW - timedelta(hours=1)).paths
        (unmeasured,) = read_traffic(conn, since=SINCE).paths
    assert sorted(ring.delays) == [-5.0, 2.0]
    assert unmeasured.delays == ()


def test_rows_of_test_calls_are_not_traffic(db: Database) -> None:
    test_call = trial_call_id(1_800_000_000, 7)
    with db.write.begin() as conn:
        event_log.append_new(
            conn, [with_event(accepted("/service/ring", NOW, [("callId", test_call)]), test_call, NOW)]
        )
    with db.read.connect() as conn:
        assert read_traffic(conn, since=SINCE).paths == ()
