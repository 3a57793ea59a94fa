"""The directory in the reports: an agent TVox names by its username in some variables and by its PIN in
others is one row of the per-agent report, and a filter by either code takes the calls of both."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from tvox_journey.sim import outbound_call, service_call
from tvox_journey.store import directory, names


def _calls(client: TestClient) -> None:
    ring = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=30)
    calls = [
        service_call("1.1@h", number="0452224600", agent="1001", service="care", ring=ring,
                     answer=ring + timedelta(seconds=5), hangup=ring + timedelta(seconds=65)),
        service_call("1.2@h", number="0452224601", agent="laura", service="care", ring=ring,
                     answer=ring + timedelta(seconds=9), hangup=ring + timedelta(seconds=39)),
        service_call("1.3@h", number="0452224602", agent="op2", service="care", ring=ring,
                     answer=ring + timedelta(seconds=4), hangup=ring + timedelta(seconds=14)),
        outbound_call("1.4@h", number="0452224603", agent="op2", new=ring, answer=None,
                      hangup=ring + timedelta(seconds=20)),
    ]  # fmt: skip
    for call in calls:
        for request in call.requests:
            assert client.get("/" + request.path, params=request.params).status_code == 200


def agents(client: TestClient, **params: str) -> list[dict[str, object]]:
    response = client.get("/api/v1/reports/agents", params={"period": "7d", **params})
    assert response.status_code == 200, response.text
    items: list[dict[str, object]] = response.json()["items"]
    return items


def test_an_agents_codes_are_one_row_and_a_filter_by_either_takes_both(client: TestClient) -> None:
    _calls(client)
    assert {row["code"] for row in agents(client)} == {"1001", "laura", "op2"}  # no directory yet
    db = client.app.state.resources.db  # type: ignore[attr-defined]
    with db.write.begin() as conn:
        names.set_name(conn, names.AGENT, "laura", "Laura Bianchi")
        entry = directory.entry_of(conn, names.AGENT, "laura")
        assert entry is not None and directory.add_code(conn, names.AGENT, "1001", entry, "pin")
    rows = {row["name"]: row for row in agents(client)}
    assert set(rows) == {"Laura Bianchi", "op2"}
    laura = rows["Laura Bianchi"]
    assert (laura["handled"], laura["talk_total_seconds"], laura["code"]) == (2, 90.0, "1001")
    for code in ("1001", "laura"):
        assert [(r["name"], r["handled"]) for r in agents(client, agent=code)] == [("Laura Bianchi", 2)]
        daily = client.get("/api/v1/reports/daily", params={"period": "7d", "agent": code}).json()
        assert sum(day["total"] for day in daily["days"]) == 2
