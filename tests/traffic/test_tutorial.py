"""The tutorial played live (what `demo` shows): its events never lie after the moment they are played."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from tests.server_process import running_server

from tvox_journey.store import event_log
from tvox_journey.store.engine import make_database
from tvox_journey.store.migrate import upgrade
from tvox_journey.store.schema import event_log as event_log_table
from tvox_journey.traffic.tutorial import play_tutorial


def test_the_tutorial_played_now_stores_no_event_time_after_now(sqlite_url: str, tmp_path: Path) -> None:
    upgrade(sqlite_url)
    with running_server(sqlite_url, log_path=tmp_path / "server.log") as base:
        now = datetime.now(UTC)
        report = play_tutorial(base, now=now, max_gap=0.0)
    assert report.ok == report.sent == 18
    db = make_database(sqlite_url)
    try:
        with db.read.connect() as conn:
            call_ids = [c for c in conn.execute(select(event_log_table.c.call_id).distinct()).scalars() if c]
            events = [e for found in event_log.events_for_calls(conn, call_ids).values() for e in found]
    finally:
        db.dispose()
    assert len(events) == 18
    latest = max(e.occurred.at for e in events)
    assert latest <= now, f"an event at {latest}, {latest - now} after the demo played it"
