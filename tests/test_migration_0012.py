"""Migration 0012 (the reports' figures on every interaction) keeps the interactions written by the
revision before: each gets its wait, its answering agent's talk and its transfers from its JSON, as a
refold computes them, a row whose JSON says nothing gets none, and the reports count them with the
calls that arrive after."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlalchemy import select, text
from tests.test_migrations import schema_differences

from tvox_journey.domain.fold import fold
from tvox_journey.settings import Settings
from tvox_journey.sim import blind_transfer, consultative_transfer, outbound_call, service_call
from tvox_journey.sim.scenarios import Call
from tvox_journey.store.codec import interaction_to_json
from tvox_journey.store.engine import make_migration_engine
from tvox_journey.store.interactions import report_figures
from tvox_journey.store.migrate import current_revision, head_revision, upgrade
from tvox_journey.store.schema import interactions
from tvox_journey.traffic.entries import tutorial_entry
from tvox_journey.web.app import create_app

BEFORE = "0011"  # the revision this one follows
T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
ADMIN = ("admin", "admin-password-for-0012")
S = timedelta(seconds=1)


def old_calls() -> list[Call]:
    return [
        service_call("c1", number="0452224600", agent="op1", service="care", ring=T0, answer=T0 + 7 * S,
                     hangup=T0 + 67 * S),
        service_call("c2", number="0452224600", agent="op2", service="care", ring=T0 + 100 * S, answer=None,
                     hangup=T0 + 130 * S),
        outbound_call("c3", number="0452224600", agent="op1", new=T0 + 200 * S, answer=T0 + 210 * S,
                      hangup=T0 + 300 * S),
        blind_transfer("c4", number="0452224600", agent="op1", target="op2", service="care",
                       ring=T0 + 400 * S, answer=T0 + 425 * S, hangup=T0 + 500 * S, transfer=T0 + 500.2 * S,
                       target_answer=T0 + 510 * S, target_hangup=T0 + 600 * S),
        consultative_transfer("c5", number="0452224600", agent="op2", target="op1", service="care",
                              ring=T0 + 700 * S, answer=T0 + 703 * S, transfer=T0 + 760 * S,
                              hangup=T0 + 900 * S),
    ]  # fmt: skip


def write_interactions_before(url: str) -> dict[str, dict[str, int | None]]:
    """Interactions as the revision before wrote them (no figure columns); returns their figures."""
    upgrade(url, BEFORE)
    insert = text(
        "INSERT INTO interactions (call_id, kind, direction, outcome, number_key, is_internal, agent,"
        " service, sort_at, ended_at, data, search_text, last_seq, cleared) VALUES (:call_id, :kind,"
        " :direction, :outcome, '+390452224600', false, :agent, :service, :sort_at, :ended_at, :data, '',"
        " 1, false)"
    )
    expected: dict[str, dict[str, int | None]] = {}
    engine = make_migration_engine(url)
    try:
        with engine.begin() as conn:
            for call in old_calls():
                events = [
                    tutorial_entry(
                        r.path, r.params, method=r.method, received_at=r.at, tvox_timezone=UTC
                    ).event
                    for r in call.requests
                    if r.params[1][1] == call.call_id  # a consultation's own transfer events: another call
                ]
                folded = fold([e for e in events if e is not None])
                assert folded is not None and folded.sort_instant is not None
                end = folded.final_end
                conn.execute(
                    insert,
                    {
                        "call_id": call.call_id, "kind": folded.kind.value,
                        "direction": folded.direction.value, "outcome": folded.outcome.value,
                        "agent": folded.agent, "service": folded.service,
                        "sort_at": folded.sort_instant.at, "ended_at": end.at if end else None,
                        "data": json.dumps(interaction_to_json(folded)),
                    },
                )  # fmt: skip
                expected[call.call_id] = report_figures(folded)
            conn.execute(
                insert,
                {
                    "call_id": "c6", "kind": "service", "direction": "IN", "outcome": "missed", "agent": None,
                    "service": None, "sort_at": T0, "ended_at": None, "data": json.dumps({"legs": "no"}),
                },
            )  # fmt: skip
            expected["c6"] = {"wait_ms": None, "talk_ms": None, "transfers": 0}
    finally:
        engine.dispose()
    return expected


def test_interactions_written_before_get_their_figures_and_are_reported_with_new_calls(db_url: str) -> None:
    expected = write_interactions_before(db_url)
    assert expected["c1"] == {"wait_ms": 7000, "talk_ms": 60000, "transfers": 0}
    assert expected["c4"] == {"wait_ms": 25000, "talk_ms": 75000, "transfers": 1}
    assert expected["c5"] == {"wait_ms": 3000, "talk_ms": 57000, "transfers": 1}
    settings = Settings(
        database_url=db_url, admin_password=ADMIN[1], password_hash_memory_kib=64, display_timezone="UTC"
    )
    with TestClient(create_app(settings)) as client:  # migrates on start
        client.auth = ADMIN
        assert current_revision(db_url) == head_revision()
        db = client.app.state.resources.db  # type: ignore[attr-defined]
        query = select(
            interactions.c.call_id, interactions.c.wait_ms, interactions.c.talk_ms, interactions.c.transfers
        )
        with db.read.connect() as conn:
            stored = {r.call_id: {"wait_ms": r.wait_ms, "talk_ms": r.talk_ms, "transfers": r.transfers}
                      for r in conn.execute(query)}  # fmt: skip
        assert stored == expected

        later = service_call("c7", number="0452224600", agent="op1", service="care", ring=T0 + 1000 * S,
                             answer=T0 + 1030 * S, hangup=T0 + 1090 * S)  # fmt: skip
        for request in later.requests:
            assert client.get("/" + request.path, params=request.params).status_code == 200
        period = {"period": "custom", "from": "2026-11-24", "to": "2026-11-24"}
        services = client.get("/api/v1/reports/services", params=period).json()["items"]
        assert [(s["code"], s["answered"], s["missed"]) for s in services] == [("care", 4, 1)]
        assert services[0]["avg_wait_seconds"] == (7 + 25 + 3 + 30) / 4
        agents = {a["code"]: a for a in client.get("/api/v1/reports/agents", params=period).json()["items"]}
        # op1 answered c1, the outbound c3, c4 (to their hangup, then transferred it) and the new c7, and took
        # over c5 (consultative: from the transfer to the end).
        op1 = agents["op1"]
        assert (op1["handled"], op1["talk_total_seconds"], op1["transfers"]) == (
            5,
            60 + 90 + 75 + 60 + 140,
            1,
        )
        op2 = agents["op2"]  # answered c5 (then transferred it) and took over c4 from their answer
        assert (op2["handled"], op2["talk_total_seconds"], op2["transfers"]) == (2, 57 + 90, 1)
        day = client.get("/api/v1/reports/daily", params=period).json()["days"][0]
        assert day["day"] == date(2026, 11, 24).isoformat() and day["total"] == 7
        assert ZoneInfo(settings.display_timezone).key == "UTC"
    assert schema_differences(db_url) == []
