"""The retention of the event log (both databases): the server and `db prune` delete the requests of calls
older than TVOX_JOURNEY_EVENT_LOG_RETENTION_DAYS, a whole call at a time; interactions stay, and neither a
rebuild nor a late event undoes them; user actions are never pruned."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.conftest import ADMIN_PASSWORD, ADMIN_USER
from typer.testing import CliRunner

from tvox_journey import pruning
from tvox_journey.cli import app as cli_app
from tvox_journey.cli import db as _db_commands  # noqa: F401  (registers the commands, as main() does)
from tvox_journey.domain.numbers import NumberPolicy
from tvox_journey.services import recording
from tvox_journey.settings import Settings
from tvox_journey.store import event_log as log_store
from tvox_journey.store.engine import Database, make_database
from tvox_journey.store.event_log import LogEntry, LogOutcome
from tvox_journey.store.migrate import upgrade
from tvox_journey.store.schema import event_log
from tvox_journey.traffic.entries import tutorial_entry
from tvox_journey.web.app import create_app

runner = CliRunner()
NOW = datetime.now().astimezone()
POLICY = NumberPolicy()


def call_entries(call_id: str, *received: datetime, number: str = "0498765432") -> list[LogEntry]:
    """A call's ring, answer and hangup, received at these times (the last time for the rest)."""
    kinds = (("ring", "10:00:00"), ("answer", "10:00:05"), ("hangup", "10:01:00"))
    times = list(received) + [received[-1]] * (len(kinds) - len(received))
    return [
        tutorial_entry(
            f"service/{kind}",
            [("dateTime", f"2024-05-06T{clock}Z"), ("callId", call_id), ("callerNumber", number)],
            method="GET",
            received_at=at,
            tvox_timezone=NOW.tzinfo,  # type: ignore[arg-type]
        )
        for (kind, clock), at in zip(kinds, times, strict=True)
    ]


def preload(url: str) -> dict[str, int]:
    """Calls and rows of several ages, as a server would have recorded them; the seq of the action row."""
    upgrade(url)
    db = make_database(url)
    old, recent = NOW - timedelta(days=40), NOW - timedelta(days=1)
    try:
        with db.write.begin() as conn:
            recording.record_many(conn, call_entries("old-1", old), POLICY)
            duplicate = call_entries("old-1", old)[0]
            recording.record_many(conn, [duplicate], POLICY)  # recorded as a duplicate
            recording.record_many(conn, call_entries("spans", old, old, recent), POLICY)  # its end is recent
            recording.record_many(conn, call_entries("new-1", recent), POLICY)
            action = recording.record_action(conn, actor="admin", action="names/set", details=[], now=old)
            rejected = LogEntry(old, "GET", "/x", "unknown", [], LogOutcome.REJECTED, 404)
            log_store.append(conn, rejected)
    finally:
        db.dispose()
    return {"action": action}


def log_rows(url: str) -> list[tuple[str | None, str]]:
    db = make_database(url)
    try:
        with db.read.connect() as conn:
            return [(r.call_id, r.outcome) for r in conn.execute(select(event_log).order_by(event_log.c.seq))]
    finally:
        db.dispose()


def kept_after_a_30_day_prune() -> list[tuple[str | None, str]]:
    return [
        ("spans", "accepted"),
        ("spans", "accepted"),
        ("spans", "accepted"),
        ("new-1", "accepted"),
        ("new-1", "accepted"),
        ("new-1", "accepted"),
        (None, "action"),
    ]


def test_the_server_prunes_the_requests_of_calls_past_the_retention_and_keeps_their_interactions(
    settings: Settings, db_url: str
) -> None:
    preload(db_url)
    app = create_app(settings.model_copy(update={"event_log_retention_days": 30}))
    with TestClient(app) as client:
        client.auth = (ADMIN_USER, ADMIN_PASSWORD)
        before = client.get("/api/v1/interactions/old-1").json()
        deadline = time.monotonic() + 10
        while any(call == "old-1" for call, _outcome in log_rows(db_url)):
            assert time.monotonic() < deadline, "the server did not prune"
            time.sleep(0.05)
        time.sleep(0.2)
        assert log_rows(db_url) == kept_after_a_30_day_prune()
        assert client.get("/api/v1/interactions/old-1").json() == before
        assert before["event_count"] == 3


def test_a_retention_of_zero_the_default_keeps_every_request(settings: Settings, db_url: str) -> None:
    preload(db_url)
    rows = log_rows(db_url)
    assert settings.event_log_retention_days == 0
    with TestClient(create_app(settings.model_copy(update={"refused_log_retention_days": 0}))):
        time.sleep(0.3)
    assert log_rows(db_url) == rows


def test_db_prune_shows_what_would_go_by_outcome_then_prunes_it(db_url: str) -> None:
    preload(db_url)
    before = log_rows(db_url)
    env = {"TVOX_JOURNEY_EVENT_LOG_RETENTION_DAYS": "30"}
    dry = runner.invoke(cli_app, ["db", "prune", "--dry-run", "--database", db_url], env=env)
    assert dry.exit_code == 0, dry.output
    assert "Requests of calls: received before" in dry.output and "RETENTION_DAYS=30" in dry.output
    expected = ["accepted: 3", "duplicate: 1", "unrecognized: 0", "rejected: 1"]
    assert "Would delete 5 rows" in dry.output and all(f"  {line}\n" in dry.output for line in expected)
    assert log_rows(db_url) == before

    done = runner.invoke(cli_app, ["db", "prune", "--database", db_url], env=env)
    assert done.exit_code == 0, done.output
    assert "Deleted 5 rows" in done.output and all(f"  {line}\n" in done.output for line in expected)
    assert log_rows(db_url) == kept_after_a_30_day_prune()

    again = runner.invoke(cli_app, ["db", "prune", "--database", db_url], env=env)
    assert "Deleted 0 rows" in again.output
    forever = runner.invoke(cli_app, ["db", "prune", "--database", db_url], env={})
    assert "Requests of calls: kept forever (TVOX_JOURNEY_EVENT_LOG_RETENTION_DAYS=0)" in forever.output


def test_a_rebuild_after_a_prune_keeps_the_interactions_whose_events_are_gone(
    client: TestClient, db_url: str
) -> None:
    preload(db_url)
    before = {c: client.get(f"/api/v1/interactions/{c}").json() for c in ("old-1", "spans", "new-1")}
    env = {"TVOX_JOURNEY_EVENT_LOG_RETENTION_DAYS": "30"}
    assert runner.invoke(cli_app, ["db", "prune", "--database", db_url], env=env).exit_code == 0
    rebuilt = runner.invoke(cli_app, ["db", "rebuild", "--database", db_url])
    assert rebuilt.exit_code == 0 and "Refolded 2 interactions" in rebuilt.output  # only kept events refold
    after = {c: client.get(f"/api/v1/interactions/{c}").json() for c in before}
    assert after == before


def test_an_event_arriving_for_a_pruned_call_is_logged_and_leaves_its_interaction_whole(
    client: TestClient, db_url: str
) -> None:
    preload(db_url)
    before = client.get("/api/v1/interactions/old-1").json()
    env = {"TVOX_JOURNEY_EVENT_LOG_RETENTION_DAYS": "30"}
    assert runner.invoke(cli_app, ["db", "prune", "--database", db_url], env=env).exit_code == 0
    late = {"dateTime": "2024-05-06T10:02:00Z", "callId": "old-1", "callerNumber": "0498765432"}
    assert client.get("/service/hangup", params=late).status_code == 200
    assert ("old-1", "accepted") in log_rows(db_url)
    assert client.get("/api/v1/interactions/old-1").json() == before


def test_several_pruners_at_once_delete_every_old_row_once_without_errors(db_url: str) -> None:
    upgrade(db_url)
    db = make_database(db_url)
    old = NOW - timedelta(days=40)
    try:
        with db.write.begin() as conn:
            for call in range(300):
                recording.record_many(conn, call_entries(f"c-{call}", old), POLICY)
    finally:
        db.dispose()
    cutoffs = pruning.Cutoffs.of(NOW, event_days=30, refused_days=0)
    totals: list[Counter[str]] = []
    failed: list[BaseException] = []

    def prune(database: Database) -> None:
        try:
            totals.append(pruning.prune(database, cutoffs).rows)
        except BaseException as error:
            failed.append(error)

    databases = [make_database(db_url) for _ in range(3)]
    workers = [threading.Thread(target=prune, args=(d,)) for d in databases]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    for database in databases:
        database.dispose()
    assert failed == []
    assert sum(totals, Counter()) == Counter({LogOutcome.ACCEPTED: 900})
    assert log_rows(db_url) == []
