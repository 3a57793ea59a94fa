"""Replay after a fix, on SQLite and PostgreSQL: refused and unrecognized requests read again with the
current mapping become events, exactly as the webhooks would read them now; the originals stay as they
were; a second replay changes nothing; excerpts are skipped and counted."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.web.log_helpers import FORM, all_rows, fill_log, refused_ring, ring_params, unknown_event
from tests.web.pages_helpers import csrf_token

from tvox_journey import replay
from tvox_journey.store import interactions
from tvox_journey.store.replays import Selection
from tvox_journey.store.schema import event_log


def set_mapping(client: TestClient, route: str, incoming: str, variable: str) -> None:
    data = {
        "route": route,
        "incoming": incoming,
        "variable": variable,
        "csrf_token": csrf_token(client, "/mappings"),
    }
    assert client.post("/mappings", data=data, follow_redirects=False).status_code == 303


def run(
    client: TestClient, outcome: str = "rejected", *, dry_run: bool = False, **chosen: Any
) -> replay.Summary:
    resources = client.app.state.resources  # type: ignore[attr-defined]
    with resources.db.read.connect() as conn:
        mappings = replay.current_mappings(conn, None)
    now = resources.now()
    setting = replay.Setting(mappings, resources.policy, ZoneInfo("Europe/Rome"), now, "tests")
    selection = Selection(outcome=outcome, until=now + timedelta(seconds=1), **chosen)
    begin = resources.db.read.connect if dry_run else resources.db.write.begin
    return replay.replay_all(begin, selection, setting, limit=1000, dry_run=dry_run)


def count_rows(client: TestClient) -> int:
    with client.app.state.resources.db.read.connect() as conn:  # type: ignore[attr-defined]
        return int(conn.execute(select(func.count()).select_from(event_log)).scalar_one())


def folded(client: TestClient, call_id: str) -> interactions.StoredInteraction | None:
    with client.app.state.resources.db.read.connect() as conn:  # type: ignore[attr-defined]
        return interactions.get(conn, call_id)


def test_a_refused_ring_replayed_after_the_mapping_is_fixed_becomes_its_call(client: TestClient) -> None:
    refused_ring(client, "r1")
    before = all_rows(client)
    unchanged = run(client)
    assert (unchanged.counts["rejected"], unchanged.top_reasons()) == (1, [("callerNumber: missing", 1)])
    assert count_rows(client) == len(before)  # still refused for the same reason: nothing to record

    set_mapping(client, "service/ring", "numeroChiamante", "cli")
    dry = run(client, dry_run=True)
    assert (dry.counts["accepted"], dry.appended) == (1, [])
    assert folded(client, "r1") is None
    done = run(client)
    assert done.counts["accepted"] == 1
    call = folded(client, "r1")
    assert call is not None and call.number_key == "+390452224600" and call.interaction.agent == "op1"
    rows = all_rows(client)
    original = next(r for r in rows if r["seq"] == before[0]["seq"])
    assert original == before[0]  # never changed
    new = rows[0]
    assert (new["outcome"], new["replay_of"], new["call_id"], new["actor"]) == (
        "accepted",
        original["seq"],
        "r1",
        "tests",
    )
    assert (new["params"], new["route"], new["number_key"]) == (
        original["params"],
        "service/ring",
        "+390452224600",
    )

    again = run(client)  # a settled row is no longer selected
    assert (again.read, again.appended) == (0, [])
    assert all_rows(client) == rows
    # The same request sent now is the same event: the webhook calls it a duplicate of the replay.
    params = ring_params("r1")
    params["numeroChiamante"] = params.pop("callerNumber")
    assert client.get("/service/ring", params=params).status_code == 200
    assert all_rows(client)[0]["outcome"] == "duplicate"


def test_two_copies_of_a_refused_request_replay_as_one_event_and_a_duplicate(client: TestClient) -> None:
    refused_ring(client, "r2")
    refused_ring(client, "r2")
    set_mapping(client, "service/ring", "numeroChiamante", "cli")
    done = run(client, route="service/ring")
    assert (done.counts["accepted"], done.counts["duplicate"]) == (1, 1)
    call = folded(client, "r2")
    assert call is not None and call.interaction.event_count == 1


def test_a_native_post_with_the_type_in_its_query_replays_as_the_webhook_reads_it(client: TestClient) -> None:
    body = "dateISO=2026-11-24T09:00:00Z&chiamata=n1&cli=0452224600&servizio=cc&event=RING"
    response = client.post("/tvox/events?type=service", content=body, headers=FORM)
    assert response.status_code == 422, response.text  # the call id comes as `chiamata`, unmapped
    set_mapping(client, "tvox/events", "chiamata", "idlastcall")
    done = run(client, route="tvox/events")
    assert done.counts["accepted"] == 1, done
    call = folded(client, "n1")
    assert call is not None and (call.interaction.kind.value, call.interaction.service) == ("service", "cc")
    # A body's `type` is a variable, not the URI's: the webhook refuses it, and so does its replay.
    refused = "dateISO=2026-11-24T09:00:00Z&idlastcall=n2&type=service&event=RING"
    assert client.post("/tvox/events", content=refused, headers=FORM).status_code == 422
    assert run(client, route="tvox/events").counts["rejected"] == 1
    assert folded(client, "n2") is None


def test_an_unrecognized_event_read_as_a_known_one_replaces_it_in_its_call(client: TestClient) -> None:
    # POSTed: in a GET's query the first `event` would be the URI's own, beyond any mapping.
    body = (
        "eventtype=INBOUNDCALL&event=NOTIFY&esito=ANSWER&id=u1&dateISO=2026-11-24T09:00:05Z&clid=0452224600"
    )
    assert client.post("/tvox/events", content=body, headers=FORM).status_code == 200
    call = folded(client, "u1")
    assert call is not None and (call.interaction.unknown_event_count, call.interaction.answered) == (1, None)
    assert run(client, "unrecognized").counts["unrecognized"] == 1  # still unknown: nothing recorded
    set_mapping(client, "tvox/events", "event", "popup1")
    set_mapping(client, "tvox/events", "esito", "event")
    done = run(client, "unrecognized")
    assert done.counts["accepted"] == 1
    call = folded(client, "u1")
    assert call is not None
    assert (call.interaction.unknown_event_count, call.interaction.event_count) == (0, 1)
    assert call.interaction.answered is not None and call.interaction.popups == (("event", "NOTIFY"),)
    assert run(client, "unrecognized").read == 0


def test_refusals_that_kept_an_excerpt_are_skipped_and_counted(client: TestClient) -> None:
    fill_log(client)
    unknown_event(client, "u2")
    rows_before = count_rows(client)
    done = run(client)
    excerpts = [r for r in all_rows(client) if r["outcome"] == "rejected" and r["status_code"] != 422]
    assert done.counts["excerpt"] == len(excerpts) >= 2
    assert done.counts["rejected"] == 1  # the refused ring of fill_log, its reason unchanged
    assert count_rows(client) == rows_before


def test_a_refusal_for_a_new_reason_is_recorded_once(client: TestClient) -> None:
    refused_ring(client, "r3")
    set_mapping(client, "service/ring", "callId", "popup1")  # a wrong fix: now the call id is missing
    first = run(client)
    assert first.counts["rejected"] == 1 and len(first.appended) == 1
    assert first.top_reasons() == [("idlastcall: missing", 1)]
    rows = all_rows(client)
    assert (rows[0]["outcome"], rows[0]["status_code"], rows[0]["reason"]) == (
        "rejected",
        422,
        "idlastcall: missing",
    )
    second = run(client)
    assert second.counts["rejected"] == 1 and second.appended == []
    assert all_rows(client) == rows
