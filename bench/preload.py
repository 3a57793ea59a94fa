"""Fill a database with a long history fast: a million events and their interactions, written in bulk.

The rows are the store's own (`event_log.log_row`, `interactions.interaction_row`,
`NumberPolicy`), made from `sim` calls parsed and folded as the server
would, by two worker processes; the main process inserts them in large
transactions. PostgreSQL is then filled from the SQLite file with COPY.
"""

from __future__ import annotations

import multiprocessing
import random
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
from sqlalchemy import Connection, Table, text
from sqlalchemy.dialects.sqlite import dialect as sqlite_dialect
from sqlalchemy.engine import make_url

from tvox_journey.domain.fold import fold
from tvox_journey.domain.numbers import NumberPolicy
from tvox_journey.ingest.contract import find_tutorial_route
from tvox_journey.services import accounts
from tvox_journey.services import contacts as contact_services
from tvox_journey.sim import contact_numbers, delivery_order, random_calls
from tvox_journey.store import contacts as contact_store
from tvox_journey.store import names
from tvox_journey.store.engine import make_database
from tvox_journey.store.event_log import LogEntry, LogOutcome, dedupe_key, log_row
from tvox_journey.store.interactions import StoredInteraction, interaction_row
from tvox_journey.store.migrate import upgrade
from tvox_journey.store.schema import event_log, interactions
from tvox_journey.traffic.entries import tutorial_entry

HEAVY_NUMBER = "0458001234"  # the contact whose card the page benchmark opens
HEAVY_CALLS = 10_000
POOL_SEED = 20240506
POOL_SIZE = 50_000  # distinct caller numbers in the history
AGENTS = tuple(f"op{i}" for i in range(1, 41))
SERVICES = ("customercare", "sales", "support", "billing")
CALLS_PER_CHUNK = 2_000
EVENTS_PER_CALL = 3.1  # what random_calls makes on average (measured), to plan the chunks
HISTORY_START = datetime(2023, 1, 2, 8, 0, tzinfo=UTC)
POLICY = NumberPolicy()
ADMIN_PASSWORD = "bench-admin-password"


def number_pool() -> list[str]:
    """The caller numbers of the history (and of the benchmark traffic)."""
    return contact_numbers(random.Random(POOL_SEED), POOL_SIZE)


@dataclass(frozen=True)
class Chunk:
    index: int
    calls: int
    heavy: bool  # every call from HEAVY_NUMBER


_POOL: list[str] = []


def _init_worker() -> None:
    _POOL[:] = number_pool()


def _entry(path: str, params: Sequence[tuple[str, str]], method: str, at: datetime) -> LogEntry:
    route = find_tutorial_route(path)
    assert route is not None
    return tutorial_entry(
        route.path, params, method=method, received_at=at, tvox_timezone=ZoneInfo("Europe/Rome")
    )


# Rows leave the workers as the values SQLAlchemy would hand to sqlite3 (its own type
# processors: JSON text, datetime strings), so the main process only runs executemany.
_DIALECT = sqlite_dialect()
LOG_COLUMNS = [c.name for c in event_log.c if c.name != "seq"]
INTERACTION_COLUMNS = [c.name for c in interactions.c if c.name != "last_seq"]
Row = tuple[Any, ...]
_SERVER_DEFAULTS = {"seen_count": 1}  # columns the store leaves to the database's default


def _processed(table: Table, columns: list[str]) -> Callable[[dict[str, Any]], Row]:
    processors = [
        (name, table.c[name].type.dialect_impl(_DIALECT).bind_processor(_DIALECT)) for name in columns
    ]

    def process(row: dict[str, Any]) -> Row:
        values = (row.get(name, _SERVER_DEFAULTS.get(name)) for name, _fn in processors)
        return tuple(v if fn is None else fn(v) for v, (_name, fn) in zip(values, processors, strict=True))

    return process


def build_chunk(chunk: Chunk) -> tuple[list[Row], list[tuple[Row, int]]]:
    """A chunk's log rows (time order) and interaction rows with the index of their call's last log row."""
    log_values = _processed(event_log, LOG_COLUMNS)
    interaction_values = _processed(interactions, INTERACTION_COLUMNS)
    rng = random.Random(chunk.index)
    start = HISTORY_START + timedelta(minutes=2 * CALLS_PER_CHUNK) * chunk.index
    numbers = [HEAVY_NUMBER] if chunk.heavy else _POOL
    calls = random_calls(rng, chunk.calls, start, numbers, AGENTS, SERVICES)
    rows: list[Row] = []
    events: dict[str, list[Any]] = {}
    last: dict[str, int] = {}
    seen: set[str] = set()
    for request in delivery_order(calls, rng):
        entry = _entry(request.path, request.params, request.method, request.at + timedelta(milliseconds=40))
        assert entry.event is not None, entry.reason
        key = dedupe_key(entry.route, entry.params)
        if key in seen:  # two consultation transfers in the same millisecond: logged as the server does
            duplicate = replace(entry, outcome=LogOutcome.DUPLICATE, reason="duplicate delivery")
            rows.append(log_values(log_row(duplicate) | {"dedupe_key": None}))
            continue
        seen.add(key)
        rows.append(log_values(log_row(entry) | {"dedupe_key": key}))
        events.setdefault(entry.event.call_id, []).append(entry.event)
        last[entry.event.call_id] = len(rows) - 1
    folded: list[tuple[Row, int]] = []
    for call_id, call_events in events.items():
        interaction = fold(call_events)
        if interaction is None:
            continue
        number = interaction.number
        stored = StoredInteraction(interaction, POLICY.key(number), POLICY.is_internal(number), 0, False)
        folded.append((interaction_values(interaction_row(stored)), last[call_id]))
    return rows, folded


def plan(events: int) -> list[Chunk]:
    """Enough chunks for about `events` events, the heavy contact's calls spread among them."""
    total_calls = int(events / EVENTS_PER_CALL * 1.1) + CALLS_PER_CHUNK
    heavy_chunks = max(1, HEAVY_CALLS // CALLS_PER_CHUNK) if events >= 100_000 else 1
    normal = max(1, total_calls // CALLS_PER_CHUNK - heavy_chunks)
    step = max(1, normal // heavy_chunks)
    chunks: list[Chunk] = []
    heavy_left = heavy_chunks
    heavy_size = HEAVY_CALLS // heavy_chunks if events >= 100_000 else max(10, events // 100)
    for i in range(normal):
        if heavy_left and i % step == step // 2:
            chunks.append(Chunk(len(chunks), heavy_size, heavy=True))
            heavy_left -= 1
        chunks.append(Chunk(len(chunks), CALLS_PER_CHUNK, heavy=False))
    return chunks


def _chunks(
    events: int, workers: int
) -> Iterator[tuple[list[dict[str, Any]], list[tuple[dict[str, object], int]]]]:
    with multiprocessing.get_context("fork").Pool(workers, initializer=_init_worker) as pool:
        yield from pool.imap(build_chunk, plan(events))


@dataclass(frozen=True)
class Loaded:
    events: int
    interactions: int
    seconds: float
    heavy_contact_id: int
    admin_token: str


def seed_people(conn: Connection, now: datetime, contacts: int = 5_000) -> tuple[int, str]:
    """Contacts (the heavy one first), agent names, and an admin with an API token; returns (id, token)."""
    for code in AGENTS:
        names.set_name(conn, names.AGENT, code, f"Operatore {code[2:]}")
    heavy = contact_store.create(
        conn, name="Giulia", surname="Bianchi", company="Bianchi Srl",
        numbers=contact_services.contact_numbers([HEAVY_NUMBER], POLICY), now=now,
    )  # fmt: skip
    for i, number in enumerate(number_pool()[:contacts]):
        contact_store.create(
            conn, name=f"Nome{i}", surname=f"Cognome{i}", company=None,
            numbers=contact_services.contact_numbers([number], POLICY), now=now,
        )  # fmt: skip
    password_hash = accounts.Passwords(memory_kib=1024).hash(ADMIN_PASSWORD)
    accounts.create_first_admin(conn, password_hash=password_hash, now=now)
    return heavy, accounts.issue_token(conn, username="admin", actor="bench", now=now)


def _insert_sql(table: str, columns: list[str]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"


def preload_sqlite(database_url: str, events: int, *, workers: int = 2) -> Loaded:
    """Create the schema and write about `events` events of history, in large transactions."""
    started = time.perf_counter()
    upgrade(database_url)
    db = make_database(database_url)
    seq = 0
    count = 0
    try:
        with db.write.connect() as conn:  # the pooled connection the loop below uses again
            # Bulk loading only: keep the random-order dedupe index in memory instead of re-reading it.
            conn.exec_driver_sql("PRAGMA cache_size=-1048576")
        log_sql = _insert_sql("event_log", ["seq", *LOG_COLUMNS])
        interaction_sql = _insert_sql("interactions", [*INTERACTION_COLUMNS, "last_seq"])
        for rows, folded in _chunks(events, workers):
            if seq >= events:
                break
            with db.write.begin() as conn:
                conn.exec_driver_sql(log_sql, [(n, *row) for n, row in enumerate(rows, start=seq + 1)])
                conn.exec_driver_sql(interaction_sql, [(*row, seq + 1 + last) for row, last in folded])
            seq += len(rows)
            count += len(folded)
        with db.write.begin() as conn:
            heavy, token = seed_people(conn, datetime.now(UTC))
    finally:
        db.dispose()
    return Loaded(seq, count, time.perf_counter() - started, heavy, token)


def _conninfo(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _copy_table(
    source: sqlite3.Connection, target: psycopg.Connection[Any], table: str, times: set[str]
) -> int:
    """COPY every row of `table` from SQLite; naive times there are UTC."""
    cursor = source.execute(f"SELECT * FROM {table}")  # noqa: S608 (our own table names)
    columns = [d[0] for d in cursor.description]
    timed = [i for i, c in enumerate(columns) if c in times]
    copied = 0
    with target.cursor() as pg, pg.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in cursor:
            values = list(row)
            for i in timed:
                if values[i] is not None:
                    values[i] = f"{values[i]}+00:00"
            copy.write_row(values)
            copied += 1
    return copied


def copy_to_postgres(sqlite_path: str, database_url: str) -> Loaded:
    """A PostgreSQL copy of a preloaded SQLite history (schema by migrations, rows by COPY)."""
    started = time.perf_counter()
    upgrade(database_url)
    source = sqlite3.connect(sqlite_path)
    with psycopg.connect(_conninfo(database_url)) as target:
        events = _copy_table(source, target, "event_log", {"received_at"})
        count = _copy_table(source, target, "interactions", {"sort_at", "ended_at"})
        target.execute(
            "SELECT setval(pg_get_serial_sequence('event_log', 'seq'), (SELECT max(seq) FROM event_log))"
        )
        target.commit()
        target.autocommit = True
        # What autovacuum does to a database that grew over months (visibility map, statistics).
        target.execute("VACUUM ANALYZE event_log")
        target.execute("VACUUM ANALYZE interactions")
    source.close()
    db = make_database(database_url)
    try:
        with db.write.begin() as conn:
            heavy, token = seed_people(conn, datetime.now(UTC))
            conn.execute(text("SELECT 1"))
    finally:
        db.dispose()
    return Loaded(events, count, time.perf_counter() - started, heavy, token)
