"""The tutorial's four documented calls through HTTP, in natural and shuffled order."""

from __future__ import annotations

import random

import pytest
from fastapi.testclient import TestClient

from tvox_journey.sim import TUTORIAL_NUMBER, TUTORIAL_START, Call, delivery_order, tutorial_calls

CALLS = tutorial_calls(TUTORIAL_START)


def send(
    client: TestClient, calls: tuple[Call, ...], rng: random.Random | None, duplicates: float = 0.0
) -> None:
    order = delivery_order(calls, rng or random.Random(0), shuffle=rng is not None, duplicates=duplicates)
    for request in order:
        url = f"/{request.path}"
        params = list(request.params)
        response = (
            client.get(url, params=params) if request.method == "GET" else client.post(url, data=params)
        )
        assert response.status_code == 200, response.text


def expected_export() -> dict[str, object]:
    calls = {call.call_id: call.expected_legacy for call in CALLS if call.expected_legacy is not None}
    return {TUTORIAL_NUMBER: {"name": "Mario", "surname": "Rossi", "calls": calls}}


def create_mario(client: TestClient) -> int:
    response = client.post(
        "/api/v1/contacts", json={"name": "Mario", "surname": "Rossi", "numbers": [TUTORIAL_NUMBER]}
    )
    assert response.status_code == 201
    return int(response.json()["id"])


def test_natural_order_gives_the_tutorial_export(client: TestClient) -> None:
    create_mario(client)
    send(client, CALLS, None)
    assert client.get("/export/db.json").json() == expected_export()


@pytest.mark.parametrize("seed", range(4))
def test_shuffled_and_duplicated_delivery_gives_the_same_journey(client: TestClient, seed: int) -> None:
    contact_id = create_mario(client)
    send(client, CALLS, random.Random(seed), duplicates=0.3)
    assert client.get("/export/db.json").json() == expected_export()
    journey = client.get(f"/api/v1/contacts/{contact_id}/journey").json()["items"]
    assert [item["call_id"] for item in journey] == [
        c.call_id for c in sorted(CALLS, key=lambda c: c.started, reverse=True)
    ]


def test_contact_created_after_the_calls_gets_the_same_journey(client: TestClient) -> None:
    send(client, CALLS, random.Random(9))
    unknown = client.get("/api/v1/interactions", params={"state": "unknown"}).json()
    assert {item["call_id"] for item in unknown} == {c.call_id for c in CALLS}
    create_mario(client)
    assert client.get("/export/db.json").json() == expected_export()
    assert client.get("/api/v1/interactions", params={"state": "unknown"}).json() == []


def test_transfers_are_legs_with_their_kind(client: TestClient) -> None:
    send(client, CALLS, None)
    kinds = {}
    for call in CALLS:
        for leg in client.get(f"/api/v1/interactions/{call.call_id}").json()["transfers"]:
            kinds[call.kind.value] = (leg["kind"], leg["agent"])
    assert kinds == {"blind_transfer": ("blind", "op2"), "consultative_transfer": ("consultative", "op2")}
