"""The native endpoint: every TVox type through /tvox/events, in any delivery order."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select

from tvox_journey.domain.interaction import Direction, Interaction, Kind, Outcome, TransferKind
from tvox_journey.settings import Settings
from tvox_journey.store import interactions as interaction_store
from tvox_journey.store.interactions import StoredInteraction
from tvox_journey.store.schema import event_log
from tvox_journey.web.app import create_app

NUMBER = "0452224600"
T0 = datetime(2020, 11, 20, 10, 0, tzinfo=UTC)
Step = tuple[str, str, dict[str, str]]  # method, path (with any query fixed by the URI), variables


def iso(seconds: float) -> str:
    at = T0 + timedelta(seconds=seconds)
    return f"{at:%Y-%m-%dT%H:%M:%S}.{at.microsecond // 1000:03d}Z"


def send(client: TestClient, step: Step) -> Response:
    method, path, variables = step
    separator = "&" if "?" in path else "?"
    response: Response = (
        client.get(f"{path}{separator}{urlencode(variables)}")
        if method == "GET"
        else client.post(path, data=variables)
    )
    return response


def stored(client: TestClient, call_id: str) -> StoredInteraction:
    db = client.app.state.resources.db  # type: ignore[attr-defined]
    with db.read.connect() as conn:
        found = interaction_store.get(conn, call_id)
    assert found is not None, call_id
    return found


def folded(client: TestClient, call_id: str) -> Interaction:
    return stored(client, call_id).interaction


def log_rows(client: TestClient) -> list[dict[str, object]]:
    db = client.app.state.resources.db  # type: ignore[attr-defined]
    with db.read.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(event_log).order_by(event_log.c.seq))]


# One builder per TVox type: the requests a native configuration makes for one call.


def direct_inbound(cid: str) -> list[Step]:
    common = {"id": cid, "clid": NUMBER, "dnis": "201", "userdnis": "op1", "eventtype": "INBOUNDCALL"}
    caller = {"clidname": "Mario", "clidsurname": "Rossi", "clidcompany": "Rossi Srl"}
    return [
        ("GET", "/tvox/events", {**common, **caller, "event": "NEW", "dateISO": iso(0)}),
        ("GET", "/tvox/events", {**common, "event": "ANSWER", "dateISO": iso(4.5)}),
        ("GET", "/tvox/events", {**common, "event": "HANGUP", "dateISO": iso(60)}),
    ]


def outbound(cid: str) -> list[Step]:
    common = {"id": cid, "dnis": NUMBER}
    return [
        ("POST", "/tvox/events/outbound/new", {**common, "userclid": "op1", "dateISO": iso(0)}),
        ("POST", "/tvox/events/outbound/answer", {**common, "dateISO": iso(8.4)}),
        ("POST", "/tvox/events/outbound/hangup", {**common, "dateISO": iso(120)}),
    ]


def service_agent_not_answering(cid: str) -> list[Step]:
    common = {"idlastcall": cid, "cli": NUMBER, "servizio": "customercare", "popup1": "CRM-42"}
    return [
        ("GET", "/tvox/events?type=service&event=ring", {**common, "pin": "op1", "dateISO": iso(0)}),
        ("GET", "/tvox/events?type=service&event=no_answer", {**common, "pin": "op1", "dateISO": iso(15)}),
        ("GET", "/tvox/events?type=service&event=ring", {**common, "pin": "op2", "dateISO": iso(15.2)}),
        (
            "GET",
            "/tvox/events?type=service&event=answer",
            {**common, "abandonedCallId": "9.1@x", "dateISO": iso(19)},
        ),
        ("GET", "/tvox/events?type=service&event=hangup", {**common, "dateISO": iso(200)}),
    ]


def service_abandoned(cid: str) -> list[Step]:
    common = {"idlastcall": cid, "cli": NUMBER, "servizio": "customercare"}
    return [
        ("GET", "/tvox/events/service/ring", {**common, "pin": "op1", "dateISO": iso(0)}),
        ("GET", "/tvox/events/service/abandon", {**common, "dateISO": iso(9)}),
    ]


def answer_service(cid: str) -> list[Step]:
    common = {"idlastcall": cid, "cli": NUMBER, "servizio": "centralino"}
    return [
        ("POST", "/tvox/events/answer_service/ring", {**common, "pin": "op3", "dateISO": iso(0)}),
        ("POST", "/tvox/events/answer_service/answer", {**common, "dateISO": iso(3)}),
        ("POST", "/tvox/events/answer_service/hangup", {**common, "dateISO": iso(30)}),
    ]


def blind_transfer(cid: str) -> list[Step]:
    service = {"idlastcall": cid, "cli": NUMBER, "servizio": "customercare"}
    inbound = {"id": cid, "clid": NUMBER, "eventtype": "INBOUNDCALL"}
    transfer = {"id": cid, "clid": NUMBER}
    return [
        ("GET", "/tvox/events/service/ring", {**service, "pin": "op1", "dateISO": iso(0)}),
        ("GET", "/tvox/events/service/answer", {**service, "dateISO": iso(4)}),
        ("GET", "/tvox/events/service/hangup", {**service, "dateISO": iso(10.013)}),
        ("GET", "/tvox/events", {**inbound, "event": "NEW", "userdnis": "op2", "dateISO": iso(10.1)}),
        ("GET", "/tvox/events/transfer/transfer", {**transfer, "userdnis": "op2", "dateISO": iso(10.249)}),
        ("GET", "/tvox/events", {**inbound, "event": "ANSWER", "dateISO": iso(16)}),
        ("GET", "/tvox/events", {**inbound, "event": "HANGUP", "dateISO": iso(90)}),
    ]  # fmt: skip


def power_dialer(cid: str) -> list[Step]:
    common = {"idlastcall": cid, "dnis": NUMBER, "servizio": "campagna", "campaignId": "C7", "listId": "L2"}
    return [
        ("GET", "/tvox/events/power_dialer/ring", {**common, "pin": "op1", "dateISO": iso(0)}),
        ("GET", "/tvox/events/power_dialer/answer", {**common, "dateISO": iso(2)}),
        ("GET", "/tvox/events/power_dialer/hangup", {**common, "dateISO": iso(50)}),
    ]


def chat(channel: str) -> Callable[[str], list[Step]]:
    def steps(cid: str) -> list[Step]:
        common = {"uniqueid": cid, "cli": NUMBER, "servizio": "assistenza"}
        return [
            ("GET", f"/tvox/events/chat/ring?channel={channel}", {**common, "pin": "op1", "dateISO": iso(0)}),
            ("GET", f"/tvox/events/chat/answer?channel={channel}", {**common, "dateISO": iso(20)}),
            ("GET", f"/tvox/events/chat/hangup?channel={channel}", {**common, "dateISO": iso(600)}),
        ]

    return steps


SCENARIOS: dict[str, Callable[[str], list[Step]]] = {
    "direct_inbound": direct_inbound,
    "outbound": outbound,
    "service_agent_not_answering": service_agent_not_answering,
    "service_abandoned": service_abandoned,
    "answer_service": answer_service,
    "blind_transfer": blind_transfer,
    "power_dialer": power_dialer,
    "chat_web": chat("web"),
    "chat_whatsapp": chat("whatsapp"),
}


@pytest.mark.parametrize("name", SCENARIOS)
def test_every_type_folds_the_same_whatever_the_delivery_order(client: TestClient, name: str) -> None:
    build = SCENARIOS[name]
    in_order = build("1605867847.1@d92061befe")
    reversed_ = list(reversed(build("1605867847.2@d92061befe")))
    shuffled = build("1605867847.3@d92061befe")
    random.Random(name).shuffle(shuffled)
    for step in [*in_order, *reversed_, *shuffled]:
        assert send(client, step).status_code == 200, step
    first = folded(client, "1605867847.1@d92061befe")
    for other in ("1605867847.2@d92061befe", "1605867847.3@d92061befe"):
        assert replace(folded(client, other), call_id=first.call_id) == first
    assert first.event_count == len(in_order)
    assert all(row["outcome"] == "accepted" for row in log_rows(client))


def play(client: TestClient, steps: list[Step]) -> None:
    for step in steps:
        response = send(client, step)
        assert response.status_code == 200, (step, response.text)


def test_direct_inbound_call_reads_documented_values_from_the_variables(client: TestClient) -> None:
    play(client, direct_inbound("c1"))
    i = folded(client, "c1")
    assert (i.kind, i.direction, i.outcome, i.agent) == (Kind.INBOUND, Direction.IN, Outcome.ANSWERED, "op1")
    assert (i.caller_name, i.caller_surname, i.caller_company) == ("Mario", "Rossi", "Rossi Srl")
    assert i.called_number == "201"


def test_outbound_call_is_outgoing_with_the_dialled_number(client: TestClient) -> None:
    play(client, outbound("c1"))
    i = folded(client, "c1")
    assert (i.kind, i.direction, i.number, i.agent) == (Kind.OUTBOUND, Direction.OUT, NUMBER, "op1")
    assert i.outcome is Outcome.ANSWERED


def test_service_call_keeps_agents_not_answering_popups_and_abandoned_call(client: TestClient) -> None:
    play(client, service_agent_not_answering("c1"))
    i = folded(client, "c1")
    assert (i.kind, i.agent, i.service) == (Kind.SERVICE, "op2", "customercare")
    assert i.agents_not_answering == ("op1",)
    assert i.popups == (("popup1", "CRM-42"),)
    assert i.abandoned_call_id == "9.1@x"
    assert i.outcome is Outcome.ANSWERED


def test_service_call_hung_up_before_answer_is_missed_and_abandoned(client: TestClient) -> None:
    play(client, service_abandoned("c1"))
    i = folded(client, "c1")
    assert (i.outcome, i.abandoned) == (Outcome.MISSED, True)


def test_answer_service_and_power_dialer_calls_have_their_own_kinds(client: TestClient) -> None:
    play(client, answer_service("a1"))
    play(client, power_dialer("p1"))
    assert folded(client, "a1").kind is Kind.ANSWER_SERVICE
    dialer = folded(client, "p1")
    assert (dialer.kind, dialer.direction, dialer.number) == (Kind.POWER_DIALER, Direction.OUT, NUMBER)
    assert (dialer.campaign_id, dialer.list_id, dialer.outcome) == ("C7", "L2", Outcome.ANSWERED)


def test_native_blind_transfer_keeps_the_first_agents_hangup(client: TestClient) -> None:
    play(client, blind_transfer("c1"))
    i = folded(client, "c1")
    assert i.ended is not None and i.ended.text == iso(10.013)
    (leg,) = i.legs
    assert (leg.kind, leg.agent) == (TransferKind.BLIND, "op2")
    assert leg.ended is not None and leg.ended.text == iso(90)


def test_chat_sessions_are_keyed_by_uniqueid_with_their_channel(client: TestClient) -> None:
    play(client, chat("web")("web-1"))
    play(client, chat("whatsapp")("wa-1"))
    web, whatsapp = folded(client, "web-1"), folded(client, "wa-1")
    assert (web.kind, web.channel, web.service, web.agent) == (Kind.CHAT, "web", "assistenza", "op1")
    assert (whatsapp.channel, whatsapp.outcome) == ("whatsapp", Outcome.ANSWERED)
    journey = client.get(f"/api/v1/interactions/{web.call_id}").json()
    assert (journey["kind"], journey["channel"]) == ("chat", "web")


def test_call_between_internal_extensions_stays_in_the_log_not_in_journeys(client: TestClient) -> None:
    contact = client.post("/api/v1/contacts", json={"name": "Interno", "numbers": ["201"]}).json()
    internal = {"eventtype": "INBOUNDCALL", "id": "i1", "clid": "201", "dnis": "202"}
    steps: list[Step] = [
        ("GET", "/tvox/events", {**internal, "event": "NEW", "dateISO": iso(0)}),
        ("GET", "/tvox/events", {**internal, "event": "HANGUP", "dateISO": iso(9)}),
    ]
    play(client, steps)
    assert stored(client, "i1").is_internal
    assert client.get(f"/api/v1/contacts/{contact['id']}/journey").json()["items"] == []
    assert [r["outcome"] for r in log_rows(client)].count("accepted") == 2


def test_uri_type_and_event_beat_what_tvox_sends_in_the_variables(client: TestClient) -> None:
    query = urlencode(
        [("type", "service"), ("event", "ring"), ("idlastcall", "c1"), ("cli", NUMBER), ("pin", "op1"),
         ("dateISO", iso(0)), ("eventtype", "SOMETHINGELSE"), ("event", "RINGING_AT_AGENT")]
    )  # fmt: skip
    assert client.get(f"/tvox/events?{query}").status_code == 200
    body = {"id": "o1", "dnis": NUMBER, "dateISO": iso(1), "eventtype": "X", "event": "Y"}
    assert client.post("/tvox/events?type=outbound&event=new", data=body).status_code == 200
    assert folded(client, "c1").kind is Kind.SERVICE and folded(client, "c1").started is not None
    assert folded(client, "o1").kind is Kind.OUTBOUND
    (first, second) = log_rows(client)
    assert ["event", "RINGING_AT_AGENT"] in first["params"]  # type: ignore[operator]
    assert (first["route"], second["route"]) == ("tvox/events", "tvox/events")


def test_unknown_event_is_stored_as_unrecognized_and_breaks_nothing(client: TestClient) -> None:
    play(client, direct_inbound("c1"))
    before = folded(client, "c1")
    odd = {"eventtype": "INBOUNDCALL", "event": "PARKED", "id": "c1", "clid": NUMBER, "dateISO": iso(30)}
    assert client.get("/tvox/events", params=odd).status_code == 200
    path = {"idlastcall": "c1", "cli": NUMBER, "dateISO": iso(31)}
    assert client.get("/tvox/events/service/whisper", params=path).status_code == 200
    rows = log_rows(client)
    assert [r["outcome"] for r in rows[-2:]] == ["unrecognized", "unrecognized"]
    assert "PARKED" in str(rows[-2]["reason"]) and "whisper" in str(rows[-1]["reason"])
    after = folded(client, "c1")
    assert after.unknown_event_count == 2
    assert (after.outcome, after.started, after.ended) == (before.outcome, before.started, before.ended)


def test_unknown_type_is_422_naming_the_variable_and_logged(client: TestClient) -> None:
    params = {"eventtype": "FAXCALL", "event": "NEW", "id": "c1", "dateISO": iso(0)}
    response = client.get("/tvox/events", params=params)
    assert response.status_code == 422
    assert response.json()["variable"] == "eventtype"
    response = client.post("/tvox/events/fax/new", data={"id": "c1", "dateISO": iso(0)})
    assert (response.status_code, response.json()["variable"]) == (422, "type")
    assert [(r["outcome"], r["route"]) for r in log_rows(client)] == [("rejected", "tvox/events")] * 2


def test_missing_event_and_missing_call_id_are_422(client: TestClient) -> None:
    response = client.get("/tvox/events", params={"eventtype": "INBOUNDCALL", "id": "c1", "dateISO": iso(0)})
    assert (response.status_code, response.json()["variable"]) == (422, "event")
    response = client.get("/tvox/events/chat/ring", params={"cli": NUMBER, "dateISO": iso(0)})
    assert (response.status_code, response.json()["variable"]) == (422, "uniqueid")


def test_same_event_delivered_twice_is_a_duplicate(client: TestClient) -> None:
    step = outbound("c1")[0]
    assert send(client, step).status_code == 200
    assert send(client, step).status_code == 200
    assert [r["outcome"] for r in log_rows(client)] == ["accepted", "duplicate"]


def test_same_variables_at_two_event_paths_are_two_events(client: TestClient) -> None:
    variables = {"idlastcall": "c1", "cli": NUMBER, "dateISO": iso(5)}
    assert client.get("/tvox/events/service/hangup", params=variables).status_code == 200
    assert client.get("/tvox/events/service/abandon", params=variables).status_code == 200
    assert [r["outcome"] for r in log_rows(client)] == ["accepted", "accepted"]


def test_popup_values_are_searchable(client: TestClient) -> None:
    play(client, service_agent_not_answering("c1"))
    play(client, outbound("c2"))
    found = client.get("/api/v1/search/interactions", params={"popup": "crm-4"}).json()
    assert [(i["call_id"], i["popups"]) for i in found] == [("c1", {"popup1": "CRM-42"})]
    assert client.get("/api/v1/search/interactions", params={"popup": "%"}).json() == []
    assert client.get("/api/v1/search/interactions", params={"popup": ""}).status_code == 422
    assert client.get("/api/v1/search/interactions", params={"popup": "a\x00"}).status_code == 422


def test_caller_data_of_an_unknown_number_is_the_suggested_contact(client: TestClient) -> None:
    play(client, direct_inbound("c1"))
    suggestion = client.get(f"/api/v1/numbers/{NUMBER}/suggestion").json()
    assert suggestion["number_normalized"] == "+390452224600"
    assert suggestion["suggestion"] == {
        "name": "Mario",
        "surname": "Rossi",
        "company": "Rossi Srl",
        "numbers": [NUMBER],
        "source_call_id": "c1",
        "seen_at": "2020-11-20T10:00:00Z",
    }


def test_a_number_a_contact_has_gets_no_suggestion(client: TestClient) -> None:
    contact = client.post(
        "/api/v1/contacts", json={"name": "M.", "surname": "R.", "numbers": [NUMBER]}
    ).json()
    play(client, direct_inbound("c1"))
    suggestion = client.get("/api/v1/numbers/+39 045 2224600/suggestion").json()
    assert (suggestion["suggestion"], suggestion["contact_ids"]) == (None, [contact["id"]])
    assert client.get(f"/api/v1/contacts/{contact['id']}").json()["name"] == "M."
    assert client.get("/api/v1/numbers/abc/suggestion").status_code == 422
    assert client.get("/api/v1/numbers/1%00/suggestion").status_code == 422


def test_native_route_asks_for_the_webhook_credentials_when_set(db_url: str) -> None:
    settings = Settings(database_url=db_url, webhook_user="tvox", webhook_password="s3cret-for-tests")
    with TestClient(create_app(settings)) as anonymous:
        step = outbound("c1")[0]
        assert send(anonymous, step).status_code == 401
        anonymous.auth = ("tvox", "s3cret-for-tests")
        assert send(anonymous, step).status_code == 200
