"""A log with something of every kind, sent through the real app: the log filter, page and replay tests."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.web.pages_helpers import csrf_token, send_tutorial_calls

from tvox_journey.store.schema import event_log

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
NUMBER = "0452224600"
OTHER_NUMBER = "+39 02 1234 5678"


def ring_params(call_id: str, *, at: str = "2026-11-24T09:00:00Z", number: str = NUMBER) -> dict[str, str]:
    return {"dateTime": at, "callId": call_id, "agent": "op1", "service": "cc", "callerNumber": number}


def refused_ring(client: TestClient, call_id: str, *, name: str = "numeroChiamante") -> None:
    """A ring whose number comes under a name no mapping knows yet: 422, kept whole."""
    params = ring_params(call_id)
    params[name] = params.pop("callerNumber")
    response = client.get("/service/ring", params=params)
    assert response.status_code == 422, response.text


def unknown_event(client: TestClient, call_id: str, *, value: str = "PARKED") -> None:
    """A native event whose `event` value the server does not know: stored as unrecognized."""
    params = {"eventtype": "INBOUNDCALL", "event": value, "id": call_id, "dateISO": "2026-11-24T09:00:05Z"}
    response = client.get("/tvox/events", params={**params, "clid": NUMBER})
    assert response.status_code == 200, response.text


def fill_log(client: TestClient) -> None:
    """Accepted, duplicate, unrecognized and rejected rows, GET and POST, two numbers, an action."""
    send_tutorial_calls(client)
    ring = ring_params("other-1", number=OTHER_NUMBER)
    assert client.post("/service/ring", content=_form(ring), headers=FORM).status_code == 200
    assert client.get("/service/ring", params=ring).status_code == 200  # the same again: a duplicate
    refused_ring(client, "refused-1")
    unknown_event(client, "unknown-1")
    assert client.get("/no/such/path", params={"callId": "x"}).status_code == 404
    assert client.put("/service/ring", params={"callId": "x"}).status_code == 405  # kept as an excerpt
    token = csrf_token(client, "/names")
    name = {"kind": "agent", "code": "op1", "name": "Operatore 1", "csrf_token": token}
    assert client.post("/names", data=name, follow_redirects=False).status_code == 303  # an action


def _form(params: dict[str, str]) -> str:
    return urlencode(params)


def all_rows(client: TestClient) -> list[dict[str, Any]]:
    """Every row of the log, newest first (the log's order)."""
    db = client.app.state.resources.db  # type: ignore[attr-defined]
    with db.read.connect() as conn:
        query = select(event_log).order_by(event_log.c.received_at.desc(), event_log.c.seq.desc())
        return [dict(row._mapping) for row in conn.execute(query)]
