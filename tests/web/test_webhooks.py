"""Tutorial webhooks over HTTP: accepted, duplicates, rejected, unknown paths, limits."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from tvox_journey.store.schema import event_log

CALL = "1605867847.783@d92061befe"
RING = {
    "dateTime": "2020-11-20T10:24:08.674Z",
    "callId": CALL,
    "agent": "op1",
    "service": "customercare",
    "callerNumber": "0452224600",
}


def log_rows(client: TestClient) -> list[dict[str, object]]:
    db = client.app.state.resources.db  # type: ignore[attr-defined]
    with db.read.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(event_log).order_by(event_log.c.seq))]


def test_ring_by_get_and_post_with_and_without_php_suffix_is_accepted(client: TestClient) -> None:
    assert client.get("/service/ring.php", params=RING).status_code == 200
    answer = {"dateTime": "2020-11-20T10:24:12.100Z", "callId": CALL, "callerNumber": "0452224600"}
    assert client.post("/service/answer", data=answer).status_code == 200
    interaction = client.get(f"/api/v1/interactions/{CALL}").json()
    assert interaction["agent"] == "op1"
    assert interaction["service"] == "customercare"
    assert interaction["outcome"] == "talking"
    assert [r["outcome"] for r in log_rows(client)] == ["accepted", "accepted"]


def test_duplicate_delivery_is_answered_200_and_logged_as_duplicate(client: TestClient) -> None:
    assert client.get("/service/ring", params=RING).status_code == 200
    assert client.post("/service/ring.php", data=RING).status_code == 200
    rows = log_rows(client)
    assert [r["outcome"] for r in rows] == ["accepted", "duplicate"]
    assert client.get(f"/api/v1/interactions/{CALL}").json()["event_count"] == 1


def test_bad_date_is_422_naming_the_variable_and_still_logged(client: TestClient) -> None:
    response = client.get("/service/ring", params={**RING, "dateTime": "20/11/2020"})
    assert response.status_code == 422
    assert response.json()["variable"] == "dateTime"
    (row,) = log_rows(client)
    assert row["outcome"] == "rejected"
    assert "dateTime" in str(row["reason"])
    assert ["dateTime", "20/11/2020"] in row["params"]  # type: ignore[operator]


def test_missing_call_id_and_empty_number_are_422(client: TestClient) -> None:
    without_id = {k: v for k, v in RING.items() if k != "callId"}
    assert client.get("/service/ring", params=without_id).json()["variable"] == "callId"
    response = client.get("/service/ring", params={**RING, "callerNumber": " "})
    assert response.status_code == 422
    assert response.json()["error"] == "callerNumber: empty"


def test_unknown_path_is_404_and_logged(client: TestClient) -> None:
    assert client.get("/service/rang.php", params=RING).status_code == 404
    (row,) = log_rows(client)
    assert (row["outcome"], row["status_code"], row["path"]) == ("rejected", 404, "/service/rang.php")


def test_oversized_body_is_413_and_logged(client: TestClient) -> None:
    response = client.post(
        "/service/ring",
        content=b"a=" + b"x" * 70_000,
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413
    assert log_rows(client)[0]["status_code"] == 413


def test_transfer_alias_is_accepted_as_target_agent(client: TestClient) -> None:
    params = {
        "dateTime": "2020-11-20T10:30:00.000Z",
        "callId": CALL,
        "callerNumber": "0452224600",
        "transfer": "op2",
    }
    assert client.get("/transfer/transfer", params=params).status_code == 200
    assert client.get("/service/ring", params=RING).status_code == 200
    legs = client.get(f"/api/v1/interactions/{CALL}").json()["transfers"]
    assert [leg["agent"] for leg in legs] == ["op2"]
