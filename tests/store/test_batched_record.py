"""Group commit: many deliveries logged and folded together give what recording them one by one gives."""

from __future__ import annotations

import random
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
from sqlalchemy import delete, insert

from tvox_journey.domain.fold import fold
from tvox_journey.domain.numbers import NumberPolicy
from tvox_journey.ingest.contract import find_tutorial_route
from tvox_journey.services import recording
from tvox_journey.sim import Request, delivery_order, random_calls, tutorial_calls
from tvox_journey.store import codec, dialect, event_log, interactions
from tvox_journey.store.engine import Database, make_database
from tvox_journey.store.event_log import LogEntry, LogOutcome
from tvox_journey.store.migrate import upgrade
from tvox_journey.store.schema import interactions as interactions_table
from tvox_journey.traffic.entries import tutorial_entry
from tvox_journey.traffic.expected import expected_journeys

POLICY = NumberPolicy()
NOW = datetime(2024, 5, 6, 10, 0, tzinfo=UTC)


def entry(request: Request) -> LogEntry:
    route = find_tutorial_route(request.path)
    assert route is not None
    zone = ZoneInfo("Europe/Rome")
    return tutorial_entry(
        route.path, request.params, method=request.method, received_at=NOW, tvox_timezone=zone
    )


def test_a_batch_answers_each_delivery_in_order_with_its_own_outcome(db: Database) -> None:
    ring, answer, _hangup = (entry(r) for r in tutorial_calls(NOW)[0].requests)
    rejected = replace(ring, outcome=LogOutcome.REJECTED, status_code=422, reason="bad", event=None)
    with db.write.begin() as conn:
        results = recording.record_many(conn, [ring, ring, answer, rejected, ring], POLICY)
    outcomes = [r.outcome for r in results]
    accepted, duplicate, rejected_ = LogOutcome.ACCEPTED, LogOutcome.DUPLICATE, LogOutcome.REJECTED
    assert outcomes == [accepted, duplicate, accepted, rejected_, duplicate]
    assert len({r.seq for r in results}) == 5
    assert results[1].seq > results[0].seq and results[4].seq > results[0].seq
    assert results[0].number_key == results[2].number_key == "+390452224600"
    with db.read.connect() as conn:
        stored = interactions.get(conn, ring.event.call_id if ring.event else "")
        rows = event_log.recent(conn, limit=10)
    assert stored is not None and stored.last_seq == results[2].seq
    assert stored.interaction.answered is not None and stored.interaction.ended is None
    assert sorted(row["outcome"] for row in rows) == sorted(outcomes)


def test_a_delivery_already_in_the_log_is_a_duplicate_in_a_later_batch(db: Database) -> None:
    ring = entry(tutorial_calls(NOW)[0].requests[0])
    with db.write.begin() as conn:
        first = recording.record_many(conn, [ring], POLICY)[0]
    with db.write.begin() as conn:
        again = recording.record_many(conn, [ring], POLICY)[0]
    assert (first.outcome, again.outcome) == (LogOutcome.ACCEPTED, LogOutcome.DUPLICATE)
    assert again.number_key is None and again.call_id == first.call_id


def test_shuffled_duplicated_traffic_recorded_in_batches_folds_to_the_expected_journeys(db: Database) -> None:
    rng = random.Random(5)
    calls = random_calls(rng, 60, NOW, ["0452224600", "3331234567", "201"], ["op1", "op2", "op3"], ["cc"])
    requests = delivery_order(calls, rng, shuffle=True, duplicates=0.3)
    for start in range(0, len(requests), 17):
        with db.write.begin() as conn:
            recording.record_many(conn, [entry(r) for r in requests[start : start + 17]], POLICY)
    expected = expected_journeys(requests)
    with db.read.connect() as conn:
        stored = {call_id: interactions.get(conn, call_id) for call_id in expected}
        logged = len(event_log.read_since(conn, 0, limit=10_000))
    assert {call_id: s.interaction if s else None for call_id, s in stored.items()} == expected
    assert logged == len(requests)


def test_nothing_to_record_writes_nothing(db: Database) -> None:
    with db.write.begin() as conn:
        assert recording.record_many(conn, [], POLICY) == []
        assert recording.refold_many(conn, {}, POLICY) == {}


def test_a_batch_of_log_rows_goes_to_postgresql_in_one_statement_of_one_array_a_column(
    postgres_url: str,
) -> None:
    """psycopg converts the placeholders of a statement of more than 50 parameters again at every
    execution (and never prepares it): the log's rows go in as one array a column (19), whatever their
    number, and are stored as one by one (the first of equal requests, every column as written)."""
    upgrade(postgres_url)
    database = make_database(postgres_url)
    inserts: list[int] = []

    class Counting(psycopg.Cursor[Any]):  # what reaches the driver, whichever way it was sent
        def execute(self, query: Any, params: Any = None, **options: Any) -> Any:
            if str(query).startswith("INSERT INTO event_log"):
                inserts.append(len(params))
            return super().execute(query, params, **options)

    calls = random_calls(random.Random(5), 4, NOW, ["0452224600", "3331234567"], ["a1"], ["s1"])
    entries = [entry(r) for r in delivery_order(calls, random.Random(6))][:9]
    try:
        with database.write.begin() as conn:
            driver = conn.connection.dbapi_connection
            assert isinstance(driver, psycopg.Connection)
            driver.cursor_factory = Counting
            try:
                batched = recording.record_many(conn, [*entries, entries[0]], POLICY)
            finally:
                driver.cursor_factory = psycopg.Cursor
        with database.read.connect() as conn:
            stored = event_log.recent(conn, limit=20)
    finally:
        database.dispose()
    assert [r.outcome for r in batched] == [LogOutcome.ACCEPTED] * 9 + [LogOutcome.DUPLICATE]
    assert inserts == [19, 19]  # the nine rows, then the duplicate's own row
    by_seq = {row["seq"]: row for row in stored}
    for sent, result in zip(entries, batched, strict=False):
        row = by_seq[result.seq]
        assert row["received_at"] == sent.received_at and row["route"] == sent.route
        assert row["params"] == [list(pair) for pair in sent.params] and row["outcome"] == LogOutcome.ACCEPTED
        assert sent.event is not None and row["event"] == codec.event_to_json(sent.event)


def test_a_new_row_through_the_driver_is_stored_as_sqlalchemy_stores_it(db: Database) -> None:
    """A batch's log rows go to the driver as values made ready beforehand (`event_log.new_row`):
    every column reads back as the same row written through SQLAlchemy does, hostile text included."""
    ring = entry(tutorial_calls(NOW)[0].requests[0])
    hostile = [*ring.params, ("nota", "caffè\x00 \ud800 ☎"), ("vuoto", "")]
    sent = replace(
        ring,
        params=hostile,
        received_at=datetime(2024, 5, 6, 10, 0, 1, 234567, tzinfo=UTC),
        remote_addr="192.0.2.\x007",
        request_id="r-1",
        number_key="+390452224600",
    )
    with db.write.begin() as conn:
        (seq,) = event_log.append_new(conn, [sent])
        through_sqlalchemy = event_log.append(conn, sent)
    assert seq is not None
    with db.read.connect() as conn:
        rows = {
            row.seq: row._asdict()
            for row in conn.exec_driver_sql(
                f"SELECT * FROM event_log WHERE seq IN ({seq}, {through_sqlalchemy})"
            )
        }
    driver, reference = rows[seq], rows[through_sqlalchemy]
    assert driver.pop("dedupe_key") == event_log.dedupe_key(sent.route, hostile)
    assert reference.pop("dedupe_key") is None
    driver.pop("seq"), reference.pop("seq")
    assert driver == reference
    assert "\x00" not in str(driver["params"]) and "caff" in str(driver["params"])


def test_an_interaction_through_the_driver_is_stored_as_sqlalchemy_stores_it(db: Database) -> None:
    """The refold's upsert goes to the driver as values made ready by `dialect.driver_values`: every
    column reads back as the same row inserted through SQLAlchemy does (times, JSON, flags)."""
    requests = tutorial_calls(NOW)[0].requests
    events = [e.event for e in map(entry, requests) if e.event is not None]
    folded = fold(events)
    assert folded is not None
    stored = interactions.StoredInteraction(folded, "+390452224600", False, 7, cleared=False)
    query = f"SELECT * FROM interactions WHERE call_id = '{folded.call_id}'"
    with db.write.begin() as conn:
        interactions.upsert_many(conn, [stored])
        through_driver = [tuple(row) for row in conn.exec_driver_sql(query)]
        conn.execute(delete(interactions_table))
        conn.execute(insert(interactions_table), interactions.interaction_row(stored))
        through_sqlalchemy = [tuple(row) for row in conn.exec_driver_sql(query)]
    assert len(through_driver) == 1 and through_driver == through_sqlalchemy


def test_more_new_log_rows_than_one_sqlite_statement_takes_are_all_appended_in_order(db: Database) -> None:
    """SQLite takes 32,766 parameters a statement by default (Debian's build more): 1,800 rows of 20
    columns go in two statements, under that default set on the connection."""
    ring = entry(tutorial_calls(NOW)[0].requests[0])
    entries = [replace(ring, params=[*ring.params, ("n", str(i))]) for i in range(1800)]
    with db.write.begin() as conn:
        raw = conn.connection.dbapi_connection
        if isinstance(raw, sqlite3.Connection):
            raw.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, dialect.SQLITE_MAX_VARIABLES)
        seqs = event_log.append_new(conn, [*entries, entries[0]])
    stored = [seq for seq in seqs[:-1] if seq is not None]
    assert len(stored) == 1800 and stored == sorted(stored) and seqs[-1] is None
