"""Missed calls to call back (`/callbacks`, `GET /api/v1/callbacks`): what is listed, what closes an
entry, marking handled (roles, CSRF, audit, across apps), the count, the click-to-call link."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.web.pages_helpers import HTML, add_contact, csrf_token

from tvox_journey.settings import Settings
from tvox_journey.sim import Call, outbound_call, service_call, wire_time
from tvox_journey.store.schema import event_log
from tvox_journey.web.app import create_app

NUMBER = "0452224600"
KEY = "+390452224600"
OTHER = "3331234567"
OTHER_KEY = "+393331234567"
MINUTE = timedelta(minutes=1)
ROW = re.compile(r'<tr data-number="([^"]+)" data-call-id="([^"]+)">')


def ago(minutes: float) -> datetime:
    return datetime.now(UTC) - timedelta(minutes=minutes)


def send(client: TestClient, call: Call) -> None:
    for request in call.requests:
        response = client.get(f"/{request.path}", params=list(request.params))
        assert response.status_code == 200, response.text


def missed(client: TestClient, call_id: str, minutes_ago: float, number: str = NUMBER) -> None:
    ring = ago(minutes_ago)
    send(client, service_call(call_id, number=number, agent="op1", service="customercare",
                              ring=ring, answer=None, hangup=ring + MINUTE))  # fmt: skip


def answered(client: TestClient, call_id: str, minutes_ago: float, number: str = NUMBER) -> None:
    ring = ago(minutes_ago)
    send(client, service_call(call_id, number=number, agent="op1", service="customercare",
                              ring=ring, answer=ring + MINUTE / 4, hangup=ring + MINUTE))  # fmt: skip


def called_back(client: TestClient, call_id: str, minutes_ago: float, *, answer: bool) -> None:
    new = ago(minutes_ago)
    send(client, outbound_call(call_id, number=NUMBER, agent="op2", new=new,
                               answer=new + MINUTE / 4 if answer else None, hangup=new + MINUTE))  # fmt: skip


def listed(client: TestClient) -> dict[str, Any]:
    response = client.get("/api/v1/callbacks")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def entries(client: TestClient) -> dict[str, int]:
    """number -> attempts, as the API lists them."""
    return {item["number_normalized"]: item["attempts"] for item in listed(client)["items"]}


def mark(client: TestClient, number: str = KEY, **body: Any) -> Any:
    return client.post(f"/api/v1/callbacks/{number}/handled", json=body or None)


def test_a_missed_call_is_listed_with_its_number_service_and_time(client: TestClient) -> None:
    missed(client, "1.1@h", 30)
    body = listed(client)
    assert body["count"] == 1 and body["window_days"] == 7
    [item] = body["items"]
    assert item["number_normalized"] == KEY and item["number"] == NUMBER
    assert item["service"] == "customercare" and item["attempts"] == 1
    assert item["last_call_id"] == "1.1@h" and item["abandoned"] is False
    assert 29 * 60 <= item["seconds_since_last_attempt"] <= 31 * 60
    assert item["tel_uri"] == "tel:+390452224600" and item["click_to_call_url"] is None


def test_several_attempts_of_a_number_are_one_entry_newest_first(client: TestClient) -> None:
    missed(client, "1.1@h", 50)
    missed(client, "1.2@h", 40, number=OTHER)
    missed(client, "1.3@h", 30)
    missed(client, "1.4@h", 20)
    body = listed(client)
    assert body["count"] == 2
    first, second = body["items"]
    assert (first["number_normalized"], first["attempts"], first["last_call_id"]) == (KEY, 3, "1.4@h")
    assert (second["number_normalized"], second["attempts"]) == (OTHER_KEY, 1)
    assert first["first_attempt_at"] < first["last_attempt_at"]


def test_a_later_answered_call_closes_it(client: TestClient) -> None:
    missed(client, "1.1@h", 30)
    missed(client, "1.2@h", 25, number=OTHER)
    answered(client, "1.3@h", 10)
    assert entries(client) == {OTHER_KEY: 1}


def test_an_answered_outbound_call_closes_it(client: TestClient) -> None:
    missed(client, "1.1@h", 30)
    called_back(client, "1.2@h", 10, answer=True)
    assert entries(client) == {}


def test_an_unanswered_call_back_leaves_it_open(client: TestClient) -> None:
    missed(client, "1.1@h", 30)
    called_back(client, "1.2@h", 10, answer=False)
    assert entries(client) == {KEY: 1}


def test_an_answered_call_before_the_missed_one_does_not_close_it(client: TestClient) -> None:
    answered(client, "1.1@h", 60)
    missed(client, "1.2@h", 30)
    missed(client, "1.3@h", 20)
    assert entries(client) == {KEY: 2}


def test_missed_calls_after_the_answered_one_are_counted_again(client: TestClient) -> None:
    missed(client, "1.1@h", 60)
    answered(client, "1.2@h", 50)
    missed(client, "1.3@h", 10)
    assert entries(client) == {KEY: 1}


def test_withheld_internal_and_old_calls_are_not_listed(client: TestClient) -> None:
    missed(client, "1.1@h", 30, number="anonymous")
    missed(client, "1.2@h", 30, number="201")  # an internal extension
    missed(client, "1.3@h", 8 * 24 * 60)  # older than the 7-day window
    assert entries(client) == {}


def test_marking_handled_then_a_new_missed_call_reopens_the_number(client: TestClient) -> None:
    missed(client, "1.1@h", 30)
    missed(client, "1.2@h", 20)
    response = mark(client, note="richiamato, segreteria")
    assert response.status_code == 200, response.text
    assert response.json()["attempts"] == 2 and response.json()["through_call_id"] == "1.2@h"
    assert entries(client) == {}
    missed(client, "1.3@h", 5)
    assert entries(client) == {KEY: 1}


def test_handled_applies_to_the_attempts_the_agent_saw(client: TestClient) -> None:
    missed(client, "1.1@h", 30)
    missed(client, "1.2@h", 20)  # arrived after the agent's page showed 1.1
    response = mark(client, through_call_id="1.1@h")
    assert response.status_code == 200 and response.json()["attempts"] == 1
    assert entries(client) == {KEY: 1}


def test_marking_what_is_not_open_is_404_or_409(client: TestClient) -> None:
    assert mark(client).status_code == 404
    assert mark(client, "not a number").status_code == 404
    missed(client, "1.1@h", 30)
    assert mark(client, through_call_id="1.9@h").status_code == 409
    assert mark(client, NUMBER).status_code == 200  # any format of the number
    assert mark(client).status_code == 404  # already handled


def test_a_viewer_cannot_mark_handled(client: TestClient, make_user: Callable[..., str]) -> None:
    missed(client, "1.1@h", 30)
    password = make_user("vera", "viewer")
    client.auth = ("vera", password)
    assert listed(client)["count"] == 1  # but may read
    assert mark(client).status_code == 403
    token = csrf_token(client, "/callbacks")
    page = client.post(f"/callbacks/{KEY}/handled", data={"csrf_token": token}, headers=HTML)
    assert page.status_code == 403
    assert "Segna come gestita" not in client.get("/callbacks", headers=HTML).text
    assert listed(client)["count"] == 1


def test_an_agent_marks_handled_from_the_page_with_csrf_and_it_is_audited(
    client: TestClient, make_user: Callable[..., str]
) -> None:
    missed(client, "1.1@h", 30)
    client.auth = ("anna", make_user("anna", "agent"))
    page = client.get("/callbacks", headers=HTML)
    assert ROW.findall(page.text) == [(KEY, "1.1@h")]
    form = {"through": "1.1@h", "note": "richiamata, tutto a posto"}
    refused = client.post(f"/callbacks/{KEY}/handled", data=form, headers=HTML)
    assert refused.status_code == 403 and listed(client)["count"] == 1  # no CSRF token
    form["csrf_token"] = csrf_token(client, "/callbacks")
    done = client.post(f"/callbacks/{KEY}/handled", data=form, headers=HTML, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/callbacks?handled=1"
    after = client.get(done.headers["location"], headers=HTML).text
    assert "Segnata come gestita (tentativi: 1)." in after and ROW.findall(after) == []
    with client.app.state.resources.db.read.connect() as conn:  # type: ignore[attr-defined]
        row = conn.execute(select(event_log).where(event_log.c.route == "callback/handled")).one()
    assert (row.outcome, row.actor, row.call_id) == ("action", "anna", "1.1@h")
    assert ["note", "richiamata, tutto a posto"] in row.params
    client.auth = ("admin", "admin-password-for-tests")
    audit = client.get("/admin/audit", headers=HTML).text
    assert "Richiamata gestita" in audit and "richiamata, tutto a posto" in audit


def test_the_note_form_page_marks_with_a_note_and_refuses_a_long_one(client: TestClient) -> None:
    missed(client, "1.1@h", 30)
    form_page = client.get(f"/callbacks/{KEY}/handled", headers=HTML)
    assert form_page.status_code == 200 and 'name="note"' in form_page.text
    token = csrf_token(client, f"/callbacks/{KEY}/handled")
    too_long = {"csrf_token": token, "through": "1.1@h", "note": "x" * 501}
    refused = client.post(f"/callbacks/{KEY}/handled", data=too_long, headers=HTML)
    assert refused.status_code == 422 and "troppo lunga" in refused.text
    ok = {"csrf_token": token, "through": "1.1@h", "note": "ok"}
    assert client.post(f"/callbacks/{KEY}/handled", data=ok, follow_redirects=False).status_code == 303
    gone = client.get(f"/callbacks/{KEY}/handled", headers=HTML, follow_redirects=False)
    assert gone.status_code == 303 and gone.headers["location"] == "/callbacks?gone=1"


def test_a_mark_is_stored_so_another_app_on_the_database_sees_it(settings: Settings) -> None:
    with TestClient(create_app(settings)) as one, TestClient(create_app(settings)) as two:
        for client in (one, two):
            client.auth = ("admin", "admin-password-for-tests")
        missed(one, "1.1@h", 30)
        assert entries(two) == {KEY: 1}
        assert mark(one).status_code == 200
        assert entries(two) == {}
        assert two.get("/callbacks/count").text == "0"


def test_the_count_is_on_the_home_page_and_in_the_navigation(client: TestClient) -> None:
    missed(client, "1.1@h", 30)
    missed(client, "1.2@h", 30, number=OTHER)
    home = client.get("/", headers=HTML).text
    assert re.search(
        r'data-live-count="/callbacks/count">2</span><span class="tile-name">Da richiamare', home
    )
    assert (
        '<a href="/callbacks">Da richiamare <span class="nav-count" data-live-count="/callbacks/count">'
        in home
    )
    assert client.get("/callbacks/count").text == "2"


def test_the_page_and_the_api_list_the_same_numbers_with_contacts(client: TestClient) -> None:
    contact_id = add_contact(client)
    missed(client, "1.1@h", 30)
    missed(client, "1.2@h", 20, number=OTHER)
    page = client.get("/callbacks", headers=HTML).text
    api = listed(client)["items"]
    assert [key for key, _ in ROW.findall(page)] == [item["number_normalized"] for item in api]
    assert f'<a href="/contacts/{contact_id}">Rossi Mario</a>' in page
    assert [c["id"] for c in api[1]["contacts"]] == [contact_id]
    english = client.get("/callbacks?lang=en", headers=HTML).text
    assert "To call back" in english and "Mark as handled" in english


def test_an_abandoned_call_is_listed_as_abandoned(client: TestClient) -> None:
    ring = ago(30)
    for event, at in (("ring", ring), ("abandon", ring + MINUTE)):
        params = {
            "dateISO": wire_time(at),
            "idlastcall": "1.1@h",
            "cli": NUMBER,
            "servizio": "cc",
            "pin": "op1",
        }
        response = client.get(f"/tvox/events/service/{event}", params=params)
        assert response.status_code == 200, response.text
    [item] = listed(client)["items"]
    assert item["abandoned"] is True
    assert "Abbandonata" in client.get("/callbacks", headers=HTML).text


@pytest.fixture
def click_to_call(db_url: str) -> Settings:
    return Settings(
        database_url=db_url,
        admin_password="admin-password-for-tests",
        password_hash_memory_kib=64,
        click_to_call_url="https://tvox.example/click2call?to={number}&x=1",
    )


def test_the_click_to_call_link_carries_the_number_encoded(click_to_call: Settings) -> None:
    with TestClient(create_app(click_to_call)) as client:
        client.auth = ("admin", "admin-password-for-tests")
        missed(client, "1.1@h", 30)
        [item] = listed(client)["items"]
        assert item["click_to_call_url"] == "https://tvox.example/click2call?to=%2B390452224600&x=1"
        page = client.get("/callbacks", headers=HTML).text
        assert 'href="https://tvox.example/click2call?to=%2B390452224600&amp;x=1"' in page
        assert 'href="tel:+390452224600"' in page


@pytest.mark.parametrize(
    "body",
    [
        '{"note": "\\u0000"}',
        '{"note": "' + "x" * 501 + '"}',
        '{"through_call_id": "\\ud800"}',
        '{"through_call_id": "' + "x" * 300 + '"}',
        '{"note": 5}',
        "[]",
        '"text"',
        "{",
    ],
)
def test_a_bad_body_is_a_client_error(client: TestClient, body: str) -> None:
    missed(client, "1.1@h", 30)
    headers = {"content-type": "application/json"}
    response = client.post(f"/api/v1/callbacks/{KEY}/handled", content=body, headers=headers)
    assert 400 <= response.status_code < 500, response.text
    assert listed(client)["count"] == 1


@pytest.mark.parametrize(
    "number", ["%00", "x" * 100, "%2F", "..", "+", "%F0%9F%98%80", "tel:+39045", "1" * 65, "sip:a%40b"]
)
def test_no_number_in_a_path_makes_a_server_error(client: TestClient, number: str) -> None:
    missed(client, "1.1@h", 30)
    token = csrf_token(client, "/callbacks")
    responses = [
        client.post(f"/api/v1/callbacks/{number}/handled"),
        client.get(f"/callbacks/{number}/handled", headers=HTML),
        client.post(f"/callbacks/{number}/handled", data={"csrf_token": token, "through": "\u2028" * 300}),
    ]
    assert [r.status_code for r in responses if r.status_code >= 500] == []


@pytest.mark.parametrize(
    "template",
    [
        "https://tvox.example/click2call",  # no {number}
        "ftp://tvox.example/{number}",
        "javascript:alert({number})",
        "https:///{number}",  # no host
        "https://tvox.example/c2c?n={number} x",
        'https://tvox.example/"{number}',
        "https://tvox.example/<{number}>",
    ],
)
def test_a_click_to_call_template_is_checked_at_start(template: str) -> None:
    with pytest.raises(ValueError, match="click-to-call"):
        Settings(click_to_call_url=template)


def test_a_click_to_call_template_may_be_unset_or_http() -> None:
    assert Settings(click_to_call_url="").click_to_call_url is None
    accepted = Settings(click_to_call_url=" HTTP://10.0.0.5:8080/call?n={number} ").click_to_call_url
    assert accepted == "HTTP://10.0.0.5:8080/call?n={number}"
    with pytest.raises(ValueError):
        Settings(callbacks_window_days=0)


def test_the_use_cases_import_neither_the_web_nor_the_live_layer() -> None:
    from tests.test_layers import PACKAGE, imports_of

    names = imports_of(PACKAGE / "callbacks.py")
    assert {n for n in names if n.startswith(("tvox_journey.web", "tvox_journey.live", "fastapi"))} == set()


def test_the_shared_list_is_computed_once_per_state_and_never_waited_on_for_long() -> None:
    import threading
    import time

    from tvox_journey.callbacks import Callbacks, SharedList

    shared = SharedList(wait_seconds=0.2)
    made: list[int] = []

    def compute(n: int, pause: float = 0.0) -> Callable[[], Callbacks]:
        def run() -> Callbacks:
            made.append(n)
            time.sleep(pause)
            return Callbacks([], n, datetime.now(UTC))

        return run

    assert shared.get(("a",), compute(1)).total == 1
    assert shared.get(("a",), compute(2)).total == 1  # same state: not computed again
    assert shared.get(("b",), compute(3)).total == 3
    stuck = threading.Thread(target=shared.get, args=(("c",), compute(4, pause=1.0)))
    stuck.start()
    time.sleep(0.05)
    began = time.monotonic()
    assert shared.get(("c",), compute(5)).total == 5  # did not wait for the stuck computation
    assert time.monotonic() - began < 0.9
    stuck.join()
    assert made == [1, 3, 4, 5]
