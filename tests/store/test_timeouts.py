"""Every wait on the database has a bound: the engines carry the timeouts (settings) to each database."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from tvox_journey.store.engine import Timeouts, make_database, postgres_connect_args
from tvox_journey.store.migrate import upgrade


@pytest.mark.postgres
def test_postgres_sessions_carry_statement_lock_and_idle_timeouts_beside_the_urls_options(
    postgres_url: str,
) -> None:
    upgrade(postgres_url)
    db = make_database(postgres_url, timeouts=Timeouts(statement=0.3, lock=0.2))
    try:
        with db.read.connect() as conn:
            assert conn.execute(text("SHOW lock_timeout")).scalar_one() == "200ms"
            assert conn.execute(text("SHOW idle_in_transaction_session_timeout")).scalar_one() == "1min"
            conn.execute(text("SELECT count(*) FROM event_log"))  # the URL's search_path still applies
            started = time.monotonic()
            with pytest.raises(OperationalError, match="statement timeout"):
                conn.execute(text("SELECT pg_sleep(5)"))
            assert time.monotonic() - started < 2
    finally:
        db.dispose()


def test_what_the_url_sets_wins_over_the_defaults() -> None:
    args = postgres_connect_args(
        {"connect_timeout": "10", "options": "-c statement_timeout=0 -csearch_path=x"}, Timeouts()
    )
    assert "connect_timeout" not in args  # taken from the URL
    assert args["keepalives"] == 1
    assert args["options"] == "-c statement_timeout=0 -csearch_path=x -c lock_timeout=3000 " + (
        "-c idle_in_transaction_session_timeout=60000"
    )


def test_sqlite_waits_its_busy_timeout_for_the_write_lock(sqlite_url: str) -> None:
    upgrade(sqlite_url)
    db = make_database(sqlite_url, timeouts=Timeouts(busy=0.4))
    other = make_database(sqlite_url)
    try:
        with db.read.connect() as conn:
            assert conn.execute(text("PRAGMA busy_timeout")).scalar_one() == 400
        with other.write.begin():
            started = time.monotonic()
            with pytest.raises(OperationalError, match="locked"), db.write.begin():
                pass
            assert 0.3 < time.monotonic() - started < 2
    finally:
        db.dispose()
        other.dispose()
