"""Refused rows in the store: the excerpt's bound, the atomic counted upsert, the retention prune."""

from __future__ import annotations

import itertools
import json
import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tvox_journey.domain.numbers import NumberPolicy
from tvox_journey.services import recording
from tvox_journey.store import event_log, refused
from tvox_journey.store.engine import Database, make_database
from tvox_journey.store.event_log import LogEntry, LogOutcome
from tvox_journey.store.schema import event_log as event_log_table

T0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
POLICY = NumberPolicy()
EXAMPLES = itertools.count()


def refusal(
    route: str = "service/ring", *, at: datetime = T0, address: str = "203.0.113.7", status: int = 401
) -> LogEntry:
    entry = LogEntry(at, "GET", f"/{route}", route, [("n", "1")], LogOutcome.REJECTED, status, address, "no")
    return replace(entry, flood_key=refused.flood_key(entry, 60))


def all_rows(db: Database) -> list[dict[str, Any]]:
    with db.read.connect() as conn:
        return [
            dict(r._mapping) for r in conn.execute(select(event_log_table).order_by(event_log_table.c.seq))
        ]


texts = st.text(st.characters(codec="utf-8"), max_size=300)


@given(
    params=st.lists(st.tuples(texts, texts), max_size=30),
    body=st.none() | st.binary(max_size=600),
    limit=st.integers(16, 1200),
)
def test_an_excerpt_fits_its_limit_as_stored_and_is_a_prefix_of_the_request(
    params: list[tuple[str, str]], body: bytes | None, limit: int
) -> None:
    kept, kept_body = refused.excerpt(params, body, limit)
    assert len(json.dumps(kept)) + len(kept_body or b"") <= limit
    assert kept[:-1] == params[: len(kept) - 1]
    if kept:
        name, value = params[len(kept) - 1]
        assert name.startswith(kept[-1][0]) and value.startswith(kept[-1][1])
    if kept_body:
        assert kept == params and body is not None and body.startswith(kept_body)
    if len(json.dumps(params)) + len(body or b"") <= limit:
        assert (kept, kept_body) == (params, body or None)


def test_the_flood_key_groups_by_window_address_route_and_status() -> None:
    key = refused.flood_key(refusal(), 60).__eq__
    assert key(refused.flood_key(refusal(at=T0 + timedelta(seconds=59)), 60))
    assert not key(refused.flood_key(refusal(at=T0 + timedelta(seconds=60)), 60))
    assert not key(refused.flood_key(refusal("service/answer"), 60))
    assert not key(refused.flood_key(refusal(status=403), 60))
    assert not key(refused.flood_key(refusal(address="203.0.113.8"), 60))
    assert refused.address_group("2001:db8:1:2:3:4:5:6") == "2001:db8:1:2::/64"
    assert refused.address_group("::ffff:203.0.113.7") == "203.0.113.7"
    assert refused.address_group("testclient") == "testclient"


def test_refusals_counted_from_many_connections_at_once_make_one_row_with_every_count(db: Database) -> None:
    threads, each = 4, 25
    barrier = threading.Barrier(threads)
    errors: list[BaseException] = []

    def flood(worker: int) -> None:
        try:
            barrier.wait()
            for i in range(each):
                with db.write.begin() as conn:
                    entry = refusal(at=T0 + timedelta(milliseconds=worker * 100 + i))
                    refused.append_or_count(conn, entry)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    workers = [threading.Thread(target=flood, args=(w,)) for w in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    (row,) = all_rows(db)
    assert row["seen_count"] == threads * each
    assert row["last_seen_at"].replace(tzinfo=UTC) == T0 + timedelta(
        milliseconds=(threads - 1) * 100 + each - 1
    )


@hypothesis_settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(offsets=st.lists(st.integers(0, 59_999), min_size=1, max_size=12))
def test_a_counted_row_ends_with_the_latest_time_whatever_the_order_of_arrival(
    db: Database, offsets: list[int]
) -> None:
    route = f"route-{next(EXAMPLES)}"  # each example counts on a row of its own
    for offset in offsets:
        with db.write.begin() as conn:
            refused.append_or_count(conn, refusal(route, at=T0 + timedelta(milliseconds=offset)))
    (row,) = [r for r in all_rows(db) if r["route"] == route]
    assert row["seen_count"] == len(offsets)
    first, latest = (T0 + timedelta(milliseconds=ms) for ms in (offsets[0], max(offsets)))
    assert row["received_at"].replace(tzinfo=UTC) == first
    assert row["last_seen_at"].replace(tzinfo=UTC) == latest


def test_a_flood_key_never_counts_on_a_row_that_is_not_a_refusal(db: Database) -> None:
    entry = refusal()
    accepted = replace(entry, outcome=LogOutcome.ACCEPTED, status_code=200, flood_key=None)
    with db.write.begin() as conn:
        conn.execute(
            event_log_table.insert().values(event_log.log_row(accepted) | {"dedupe_key": entry.flood_key})
        )
        refused.append_or_count(conn, entry)
    first, second = all_rows(db)
    assert (first["outcome"], first["seen_count"], first["last_seen_at"]) == ("accepted", 1, None)
    assert (second["outcome"], second["seen_count"], second["dedupe_key"]) == ("rejected", 1, None)


def test_recording_a_batch_of_refusals_counts_them_on_one_row(db: Database) -> None:
    with db.write.begin() as conn:
        recorded = recording.record_many(
            conn, [refusal(at=T0 + timedelta(seconds=i)) for i in range(10)], POLICY
        )
    assert len({r.seq for r in recorded}) == 1
    with db.read.connect() as conn:
        assert event_log.outcomes_after(conn, 0) == {LogOutcome.REJECTED: 10}


def _log_of_every_outcome(db: Database, count: int, at: datetime) -> None:
    with db.write.begin() as conn:
        for i in range(count):
            for outcome in (
                LogOutcome.ACCEPTED,
                LogOutcome.DUPLICATE,
                LogOutcome.UNRECOGNIZED,
                LogOutcome.ACTION,
            ):
                event_log.append(conn, LogEntry(at, "GET", "/x", "x", [("i", str(i))], outcome, 200))
            event_log.append(conn, LogEntry(at, "GET", "/x", "x", [], LogOutcome.REJECTED, 422))
            refused.append_or_count(conn, refusal(f"r{i}", at=at))


def _count(db: Database, outcome: str) -> int:
    with db.read.connect() as conn:
        query = select(func.count()).select_from(event_log_table).where(event_log_table.c.outcome == outcome)
        return int(conn.execute(query).scalar_one())


def test_prune_deletes_only_rejected_rows_older_than_the_cutoff_a_batch_at_a_time(db: Database) -> None:
    _log_of_every_outcome(db, 30, T0 - timedelta(days=40))
    _log_of_every_outcome(db, 5, T0)
    cutoff = T0 - timedelta(days=30)
    with db.write.begin() as conn:
        assert refused.prune(conn, cutoff, 25) == 25
    with db.write.begin() as conn:
        assert refused.prune(conn, cutoff, 25) == 25
    with db.write.begin() as conn:
        assert refused.prune(conn, cutoff, 25) == 10
        assert refused.prune(conn, cutoff, 25) == 0
    assert _count(db, LogOutcome.REJECTED) == 10
    for outcome in (LogOutcome.ACCEPTED, LogOutcome.DUPLICATE, LogOutcome.UNRECOGNIZED, LogOutcome.ACTION):
        assert _count(db, outcome) == 35


def test_the_number_of_a_pruned_newest_row_is_never_handed_out_again(db: Database) -> None:
    """An installation idle for longer than the retention prunes its newest rows: the next row is
    numbered above them, since the live log followers have already passed their numbers."""
    with db.write.begin() as conn:
        kept = event_log.append(conn, refusal(at=T0 - timedelta(days=40), address="203.0.113.1"))
        newest = [event_log.append(conn, refusal(at=T0 - timedelta(days=40))) for _ in range(3)]
    with db.write.begin() as conn:
        assert refused.prune(conn, T0 - timedelta(days=30), 2) == 2
        assert refused.prune(conn, T0 - timedelta(days=30), 2) == 2
        assert event_log.max_seq(conn) == 0
    with db.write.begin() as conn:
        after = event_log.append(conn, refusal(at=T0))
    assert after > max(kept, *newest)


def test_several_processes_pruning_at_once_delete_every_old_row_once_without_errors(db: Database) -> None:
    _log_of_every_outcome(db, 100, T0 - timedelta(days=40))
    barrier = threading.Barrier(3)
    deleted: list[int] = []
    errors: list[BaseException] = []

    def prune() -> None:
        engine = make_database(db.url)  # its own engine, as another process has
        try:
            barrier.wait()
            while True:
                with engine.write.begin() as conn:
                    n = refused.prune(conn, T0, 20)
                deleted.append(n)
                if n == 0:
                    return
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            engine.dispose()

    workers = [threading.Thread(target=prune) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    assert sum(deleted) == 200
    assert _count(db, LogOutcome.REJECTED) == 0
    assert _count(db, LogOutcome.ACCEPTED) == 100
