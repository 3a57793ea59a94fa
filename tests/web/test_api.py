"""The JSON API: contacts CRUD, search in any format, journeys, interactions, error shape."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from tvox_journey.live.broadcaster import Broadcaster, Change
from tvox_journey.store import schema

RING = {
    "dateTime": "2020-11-20T10:24:08.674Z",
    "callId": "1605867847.783@d92061befe",
    "agent": "op1",
    "service": "customercare",
    "callerNumber": "0452224600",
}


def create(client: TestClient, **body: object) -> dict[str, object]:
    response = client.post("/api/v1/contacts", json=body)
    assert response.status_code == 201, response.text
    result: dict[str, object] = response.json()
    return result


def test_contact_crud_keeps_several_numbers_normalized(client: TestClient) -> None:
    mario = create(client, name="Mario", surname="Rossi", numbers=["0452224600", "+39 333 123 4567"])
    numbers = mario["numbers"]
    assert isinstance(numbers, list)
    assert [n["normalized"] for n in numbers] == ["+390452224600", "+393331234567"]
    url = f"/api/v1/contacts/{mario['id']}"
    updated = client.put(
        url, json={"name": "Mario", "surname": "Rossi", "company": "ACME", "numbers": ["0452224600"]}
    )
    assert updated.json()["company"] == "ACME" and len(updated.json()["numbers"]) == 1
    assert client.delete(url).status_code == 204
    assert client.get(url).status_code == 404


def test_search_finds_a_contact_by_number_in_any_format_and_by_name(client: TestClient) -> None:
    create(client, name="Mario", surname="Rossi", numbers=["0452224600"])
    create(client, name="Anna", surname="Bianchi", numbers=["0212345678"])
    for query in ("00390452224600", "+39 045 222 4600", "045-222-4600", "rossi", "Mario Rossi"):
        found = client.get("/api/v1/contacts", params={"q": query}).json()
        assert [c["surname"] for c in found] == ["Rossi"], query


def test_a_number_that_is_no_number_is_refused_naming_it(client: TestClient) -> None:
    response = client.post("/api/v1/contacts", json={"name": "X", "numbers": ["abc"]})
    assert response.status_code == 422
    body = response.json()
    assert body.pop("request_id") == response.headers["x-request-id"]
    assert body == {"ok": False, "status": 422, "error": "numbers: 'abc' is not a phone number"}


def test_journey_paginates_newest_first_with_a_cursor(client: TestClient) -> None:
    mario = create(client, name="Mario", surname="Rossi", numbers=["0452224600"])
    for minute in range(5):
        params = {**RING, "callId": f"c{minute}", "dateTime": f"2020-11-20T10:0{minute}:00.000Z"}
        assert client.get("/service/ring", params=params).status_code == 200
    url = f"/api/v1/contacts/{mario['id']}/journey"
    first = client.get(url, params={"limit": 3}).json()
    second = client.get(url, params={"limit": 3, "cursor": first["next_cursor"]}).json()
    assert [i["call_id"] for i in first["items"] + second["items"]] == ["c4", "c3", "c2", "c1", "c0"]
    assert second["next_cursor"] is None


def test_bad_cursor_and_bad_limits_are_422_in_the_canonical_shape(client: TestClient) -> None:
    mario = create(client, name="Mario", surname="Rossi", numbers=["0452224600"])
    url = f"/api/v1/contacts/{mario['id']}/journey"
    bad_cursor = client.get(url, params={"cursor": "!!!"})
    assert bad_cursor.status_code == 422 and bad_cursor.json()["ok"] is False
    assert client.get(url, params={"limit": 0}).status_code == 422
    assert client.get("/api/v1/contacts/99999999999999999999").status_code == 422


def test_live_calls_lists_a_ringing_call(client: TestClient) -> None:
    from datetime import UTC, datetime

    now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    assert client.get("/service/ring", params={**RING, "dateTime": now}).status_code == 200
    live = client.get("/api/v1/interactions", params={"state": "live"}).json()
    assert [(i["call_id"], i["outcome"]) for i in live] == [(RING["callId"], "ringing")]


def test_openapi_documents_the_api(client: TestClient) -> None:
    paths = client.get("/api/openapi.json").json()["paths"]
    assert {
        "/api/v1/contacts",
        "/api/v1/contacts/{contact_id}/journey",
        "/api/v1/interactions/{call_id}",
    } <= set(paths)


def test_control_characters_in_a_contact_are_422_naming_the_field(client: TestClient) -> None:
    response = client.post("/api/v1/contacts", json={"name": "Ma\x00rio", "numbers": ["0452224600"]})
    assert response.status_code == 422
    assert "body.name" in response.json()["error"]


class RecordingBroadcaster(Broadcaster):
    """The real broadcaster, keeping what it published."""

    def __init__(self) -> None:
        super().__init__()
        self.published: list[Change] = []

    def publish(self, change: Change) -> None:
        self.published.append(change)
        super().publish(change)


def test_contact_changes_are_published_with_their_audit_row_sequence(client: TestClient) -> None:
    resources = client.app.state.resources  # type: ignore[attr-defined]
    resources.broadcaster = RecordingBroadcaster()
    contact = create(client, name="Mario", numbers=["0452224600"])
    assert client.put(f"/api/v1/contacts/{contact['id']}", json={"name": "Luigi"}).status_code == 200
    assert client.delete(f"/api/v1/contacts/{contact['id']}").status_code == 204
    with resources.db.read.connect() as conn:
        query = select(schema.event_log.c.seq).where(schema.event_log.c.route.like("contact/%"))
        audit = list(conn.execute(query.order_by(schema.event_log.c.seq)).scalars())
    published = [c.seq for c in resources.broadcaster.published if c.kind == "contact"]
    assert len(audit) == 3 and published == audit
