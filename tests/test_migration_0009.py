"""Migration 0009 (the request id of each logged request) keeps a log written by 0008: its rows stay
without an id, new requests are stored with the id they were answered with, and folding goes on."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.test_migration_0008 import write_0007_log
from tests.test_migrations import schema_differences

from tvox_journey.settings import Settings
from tvox_journey.store.migrate import current_revision, head_revision, upgrade
from tvox_journey.store.schema import event_log
from tvox_journey.web.app import create_app

ADMIN = ("admin", "admin-password-for-0009")


def test_a_log_written_by_0008_keeps_its_rows_and_new_requests_carry_their_id(db_url: str) -> None:
    write_0007_log(db_url)
    upgrade(db_url, "0008")
    settings = Settings(database_url=db_url, admin_password=ADMIN[1], password_hash_memory_kib=64)
    with TestClient(create_app(settings)) as client:  # migrates on start
        client.auth = ADMIN
        assert current_revision(db_url) == head_revision()
        answer = {"dateTime": "2026-11-24T09:00:03Z", "callId": "c1", "callerNumber": "0452224600"}
        sent = client.get("/service/answer", params=answer, headers={"X-Request-ID": "tvox-answer-0001"})
        assert sent.status_code == 200 and sent.headers["x-request-id"] == "tvox-answer-0001"
        refused = client.get(
            "/service/answer", params={"callId": "c2"}, headers={"X-Request-ID": "tvox-bad-0002"}
        )
        assert refused.status_code == 422 and refused.json()["request_id"] == "tvox-bad-0002"
        with client.app.state.resources.db.read.connect() as conn:  # type: ignore[attr-defined]
            query = select(event_log.c.route, event_log.c.outcome, event_log.c.request_id)
            stored = [tuple(r) for r in conn.execute(query.order_by(event_log.c.seq))]
        assert stored[:3] == [  # written by 0007: no id
            ("service/ring", "accepted", None),
            ("service/ring", "rejected", None),
            ("names/set", "action", None),
        ]
        assert stored[-2:] == [
            ("service/answer", "accepted", "tvox-answer-0001"),
            ("service/answer", "rejected", "tvox-bad-0002"),
        ]
        items = client.get("/api/v1/log", params={"route": "service/answer"}).json()["items"]
        assert [item["request_id"] for item in items] == ["tvox-bad-0002", "tvox-answer-0001"]
        call = client.get("/api/v1/interactions/c1").json()
        assert (call["outcome"], call["event_count"]) == ("talking", 2)
    assert schema_differences(db_url) == []
