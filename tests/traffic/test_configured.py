"""The printed configuration as requests: every event row, and the one call of the test call."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl

from fastapi.testclient import TestClient
from sqlalchemy import select

from tvox_journey.domain.events import Action, CallType
from tvox_journey.ingest.mapping import Mappings, route_of
from tvox_journey.ingest.occ import occ_configuration
from tvox_journey.store.schema import event_log
from tvox_journey.traffic.configured import CallValues, every_event, trial_plan

START = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def test_every_event_row_of_the_native_configuration_is_accepted_as_what_it_says(client: TestClient) -> None:
    config = occ_configuration(Mappings(), base_url="http://crm.example.com", method="POST")
    requests = every_event([config], START, number="0452224600")
    rows = [(s.name, e) for s in config.web_services for e in s.events]
    assert [(r.service, r.event) for r in requests] == rows
    for request in requests:
        wire = request.wire
        assert wire.method == "POST" and wire.body is not None
        target = wire.path + (f"?{wire.query}" if wire.query else "")
        response = client.post(
            target, content=wire.body, headers={"content-type": "application/x-www-form-urlencoded"}
        )
        assert response.status_code == 200, (target, response.text)
    db = client.app.state.resources.db  # type: ignore[attr-defined]
    with db.read.connect() as conn:
        stored = conn.execute(select(event_log.c.outcome, event_log.c.event).order_by(event_log.c.seq)).all()
    assert {row.outcome for row in stored} == {"accepted"}
    assert [(row.event["call_type"], row.event["action"]) for row in stored] == [
        (r.event.call_type, r.event.action) for r in requests
    ]


def test_the_tutorial_layout_sends_the_tutorials_names_in_the_query() -> None:
    config = occ_configuration(Mappings(), base_url="", layout="tutorial")
    ring = every_event([config], START, number="0452224600")[0]
    assert (ring.wire.method, ring.wire.path) == ("GET", "/service/ring")
    assert dict(parse_qsl(ring.wire.query)) == {
        "dateTime": "2026-11-20T10:00:00.000Z", "callId": ring.call_id, "agent": "op1",
        "service": "customercare", "callerNumber": "0452224600",
    }  # fmt: skip


def test_the_test_call_is_a_transferred_service_call_through_the_configured_routes() -> None:
    call = CallValues("1.1@tvox-journey-test", "+0000000000")
    tutorial = ["service/ring", "service/answer", "service/hangup", "transfer/transfer", "transfer/answer",
                "transfer/hangup"]  # fmt: skip
    native = [f"tvox/events/{p}" for p in tutorial[:4]] + ["tvox/events", "tvox/events"]
    for layout, paths in (("tutorial", tutorial), ("native", native)):
        config = occ_configuration(Mappings(), base_url="", layout=layout)
        plan = trial_plan([config], call, START, gap=timedelta(seconds=1))
        assert [route_of(r.wire.path) for r in plan.requests] == paths
        assert [r.at for r in plan.requests] == [START + timedelta(seconds=n) for n in range(6)]
        assert plan.skipped == ()
    inbound_answer = dict(parse_qsl(plan.requests[4].wire.query))
    assert (inbound_answer["event"], inbound_answer["userdnis"]) == ("ANSWER", "op2")  # the target answers


def test_the_test_call_skips_what_is_not_configured_and_falls_back_to_another_shape() -> None:
    call = CallValues("1.1@tvox-journey-test", "+0000000000")
    service_only = occ_configuration(Mappings(), base_url="", types=frozenset({"service"}))
    plan = trial_plan([service_only], call, START, gap=timedelta(seconds=1))
    assert len(plan.requests) == 3
    assert plan.skipped == ((CallType.TRANSFER, Action.TRANSFER), (CallType.INBOUND, Action.ANSWER),
                            (CallType.INBOUND, Action.HANGUP))  # fmt: skip
    outbound = occ_configuration(Mappings(), base_url="", types=frozenset({"outbound", "chat"}))
    plan = trial_plan([outbound], call, START, gap=timedelta(seconds=1))
    assert [r.event.action for r in plan.requests] == ["new", "answer", "hangup"]
    chats = occ_configuration(Mappings(), base_url="", types=frozenset({"chat"}))
    assert trial_plan([chats], call, START, gap=timedelta(seconds=1)).requests == ()
