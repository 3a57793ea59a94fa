"""The writer's connection: kept while batches keep coming, given back when idle, replaced when the
database closed it, and no job ever run twice for it."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from sqlalchemy import Connection, text
from tests.conftest import ON_POSTGRESQL, terminate_backend
from tests.test_writer import on_new_loop

from tvox_journey.store import changes
from tvox_journey.store.engine import Database
from tvox_journey.store.errors import StoreUnavailable
from tvox_journey.writer import BatchWriter


def started(db: Database, hold_seconds: float) -> BatchWriter:
    """A writer set up as the app sets it up (its transactions announced on PostgreSQL)."""
    writer = BatchWriter(db.write, wait_timeout=10, hold_seconds=hold_seconds)
    with db.read.connect() as conn:
        channel = changes.channel_name(conn)
    if channel is not None:
        writer.on_begin = partial(changes.announce, channel=channel)
    writer.start()
    return writer


def run(writer: BatchWriter, fn: Callable[[Connection], Any]) -> Any:
    async def job() -> Any:
        return await writer.run(fn)

    return on_new_loop(job)


def backend_pid(conn: Connection) -> int:
    return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())


@ON_POSTGRESQL
def test_a_kept_connection_closed_by_the_database_is_replaced_and_the_batch_commits(db: Database) -> None:
    writer = started(db, hold_seconds=60)
    try:
        first = run(writer, backend_pid)
        terminate_backend(db, first)  # as a restart or an idle timeout would, between two batches
        second = run(writer, backend_pid)
    finally:
        writer.stop()
    assert second != first


@ON_POSTGRESQL
def test_a_connection_lost_after_a_job_began_is_not_run_again(db: Database) -> None:
    writer = started(db, hold_seconds=60)
    calls: list[int] = []

    def dies(conn: Connection) -> None:
        calls.append(1)
        conn.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))

    try:
        run(writer, backend_pid)  # the connection is kept
        with pytest.raises(StoreUnavailable):
            run(writer, dies)
        assert run(writer, lambda conn: 42) == 42  # on a new connection
    finally:
        writer.stop()
    assert calls == [1]


def test_the_connection_is_kept_between_batches_and_given_back_when_idle(db: Database) -> None:
    writer = started(db, hold_seconds=0.3)
    try:
        run(writer, lambda conn: None)
        assert db.write.pool.checkedout() == 1  # type: ignore[attr-defined]
        deadline = time.monotonic() + 10
        while db.write.pool.checkedout():  # type: ignore[attr-defined]
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert run(writer, lambda conn: 7) == 7
    finally:
        writer.stop()
    assert db.write.pool.checkedout() == 0  # type: ignore[attr-defined]


def test_stopping_the_writer_gives_its_connection_back(db: Database) -> None:
    writer = started(db, hold_seconds=60)
    run(writer, lambda conn: None)
    writer.stop()
    assert db.write.pool.checkedout() == 0  # type: ignore[attr-defined]
