"""Numbers on the wire: the `tel:` form joins the same journey; a number too long is refused, not cut."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from tvox_journey.store.schema import event_log

RING = {"dateTime": "2020-11-20T10:24:08.674Z", "agent": "op1", "service": "customercare"}


def test_a_tel_uri_number_is_normalized_like_any_other_form(client: TestClient) -> None:
    for call_id, number in (("c1", "tel:+390452224600"), ("c2", "tel:+39-045-222-4600;ext=12")):
        assert (
            client.get(
                "/service/ring", params={**RING, "callId": call_id, "callerNumber": number}
            ).status_code
            == 200
        )
        assert client.get(f"/api/v1/interactions/{call_id}").json()["number_normalized"] == "+390452224600"


def test_two_long_numbers_sharing_64_characters_are_refused_not_merged(client: TestClient) -> None:
    prefix = "3" * 64
    for call_id, suffix in (("c1", "1"), ("c2", "2")):
        params = {**RING, "callId": call_id, "callerNumber": prefix + suffix}
        response = client.get("/service/ring", params=params)
        assert response.status_code == 422
        assert response.json()["error"] == "callerNumber: longer than 64 characters"
    db = client.app.state.resources.db  # type: ignore[attr-defined]
    with db.read.connect() as conn:
        outcomes = conn.execute(select(event_log.c.outcome)).scalars().all()
    assert outcomes == ["rejected", "rejected"]
    assert client.get("/api/v1/interactions/c1").status_code == 404


def test_a_call_id_too_long_is_refused_naming_the_wire_name(client: TestClient) -> None:
    params = {**RING, "callId": "x" * 256, "callerNumber": "0452224600"}
    response = client.get("/service/ring", params=params)
    assert response.status_code == 422
    assert response.json()["variable"] == "callId"
