"""Migration 0008 (the log's filters and replay) keeps a log written by 0007: its rows get their call's
number key, the number filter finds them, an old refusal can be replayed, and new events fold with the
old ones."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select, text
from tests.test_migrations import schema_differences

from tvox_journey.domain.events import Action, CallEvent, CallType, Instant
from tvox_journey.domain.fold import fold
from tvox_journey.settings import Settings
from tvox_journey.store.codec import event_to_json, interaction_to_json
from tvox_journey.store.engine import make_migration_engine
from tvox_journey.store.event_log import dedupe_key
from tvox_journey.store.migrate import current_revision, head_revision, upgrade
from tvox_journey.store.schema import event_log
from tvox_journey.web.app import create_app

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
RING = CallEvent(
    "c1", CallType.SERVICE, Action.RING, Instant(T0, "2026-11-24T09:00:00Z"), number="0452224600"
)
ADMIN = ("admin", "admin-password-for-0008")


def write_0007_log(url: str) -> None:
    upgrade(url, "0007")
    insert = text(
        "INSERT INTO event_log (received_at, method, path, route, params, outcome, status_code, reason,"
        " dedupe_key, call_id, event) VALUES (:at, 'GET', :path, :route, :params, :outcome, :status, :reason,"
        " :key, :call_id, :event)"
    )
    ring_params = [["dateTime", "2026-11-24T09:00:00Z"], ["callId", "c1"], ["callerNumber", "0452224600"]]
    refused_params = [
        ["dateTime", "2026-11-24T09:05:00Z"],
        ["callId", "c2"],
        ["numeroChiamante", "0452224600"],
    ]
    rows = [
        {"path": "/service/ring", "route": "service/ring", "params": json.dumps(ring_params),
         "outcome": "accepted", "status": 200, "reason": None,
         "key": dedupe_key("service/ring", [(p[0], p[1]) for p in ring_params]),
         "call_id": "c1", "event": json.dumps(event_to_json(RING))},
        {"path": "/service/ring", "route": "service/ring", "params": json.dumps(refused_params),
         "outcome": "rejected", "status": 422, "reason": "callerNumber: missing", "key": None,
         "call_id": None, "event": None},
        {"path": "names/set", "route": "names/set", "params": "[]", "outcome": "action", "status": 200,
         "reason": None, "key": None, "call_id": None, "event": None},
    ]  # fmt: skip
    interaction = fold([RING])
    assert interaction is not None
    engine = make_migration_engine(url)
    try:
        with engine.begin() as conn:
            for i, row in enumerate(rows):
                conn.execute(insert, row | {"at": T0 + timedelta(seconds=i)})
            conn.execute(
                text(
                    "INSERT INTO interactions (call_id, kind, direction, outcome, number_key, is_internal,"
                    " sort_at, data, search_text, last_seq, cleared) VALUES ('c1', 'service', 'IN',"
                    " 'ringing', '+390452224600', false, :at, :data, '', 1, false)"
                ),
                {"at": T0, "data": json.dumps(interaction_to_json(interaction))},
            )
    finally:
        engine.dispose()


def test_a_log_written_by_0007_is_found_by_number_replayed_and_folded_on(db_url: str) -> None:
    write_0007_log(db_url)
    settings = Settings(database_url=db_url, admin_password=ADMIN[1], password_hash_memory_kib=64)
    with TestClient(create_app(settings)) as client:  # migrates on start
        client.auth = ADMIN
        assert current_revision(db_url) == head_revision()
        with client.app.state.resources.db.read.connect() as conn:  # type: ignore[attr-defined]
            query = select(
                event_log.c.route, event_log.c.number_key, event_log.c.query_pairs, event_log.c.replay_of
            )
            stored = [tuple(r) for r in conn.execute(query.order_by(event_log.c.seq))]
        assert stored == [
            ("service/ring", "+390452224600", None, None),  # its call's number key
            ("service/ring", None, None, None),
            ("names/set", None, None, None),
        ]
        found = client.get("/api/v1/log", params={"number": "+39 045 222 4600"}).json()["items"]
        assert [item["call_id"] for item in found] == ["c1"]

        token = client.get("/mappings", headers={"accept": "text/html"}).text.split(
            'name="csrf_token" value="'
        )[1]
        form = {
            "route": "service/ring",
            "incoming": "numeroChiamante",
            "variable": "cli",
            "csrf_token": token[: token.index('"')],
        }
        assert client.post("/mappings", data=form, follow_redirects=False).status_code == 303
        preview = client.get("/log/replay?outcome=rejected", headers={"accept": "text/html"}).text
        assert '<li data-outcome="accepted">' in preview  # a GET of 0007: all its parameters were the query's
        answer = {"dateTime": "2026-11-24T09:00:03Z", "callId": "c1", "callerNumber": "0452224600"}
        assert client.get("/service/answer", params=answer).status_code == 200
        call = client.get("/api/v1/interactions/c1").json()
        assert (call["outcome"], call["event_count"]) == ("talking", 2)
    assert schema_differences(db_url) == []
