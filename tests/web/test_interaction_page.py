"""The interaction page and GET /api/v1/interactions/{call id}/events, on SQLite and PostgreSQL: the
requests that built a call in event-time and arrival order, what each changed, duplicates and replays
noted; reached from the card; an unknown call id is a 404."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from fastapi.testclient import TestClient
from tests.test_replay import set_mapping
from tests.web.log_helpers import FORM, NUMBER
from tests.web.pages_helpers import HTML, TAG, add_contact, add_names

ROW = re.compile(r'<tr class="log-[a-z]+ note-([a-z_]+)" data-seq="(\d+)">(.*?)</tr>', re.S)
CALL = "1605867847.783@d92061befe"


def send(client: TestClient, route: str, at: str, call_id: str = CALL, **extra: str) -> None:
    params = {"dateTime": at, "callId": call_id, "callerNumber": NUMBER, **extra}
    assert client.get(f"/{route}", params=params).status_code == 200


def out_of_order_call(client: TestClient, call_id: str = CALL) -> None:
    send(client, "service/hangup", "2020-11-20T10:25:43Z", call_id)
    send(client, "service/ring", "2020-11-20T10:24:08.674Z", call_id, agent="op1", service="customercare")
    send(client, "service/answer", "2020-11-20T10:24:14Z", call_id)
    send(client, "service/hangup", "2020-11-20T10:25:43Z", call_id)  # again: a duplicate delivery


def rows(page: str) -> list[tuple[str, int, str]]:
    return [
        (note, int(seq), " ".join(html.unescape(TAG.sub(" ", row)).split()))
        for note, seq, row in ROW.findall(page)
    ]


def test_the_page_shows_each_request_and_what_it_changed_in_the_folds_order(client: TestClient) -> None:
    out_of_order_call(client)
    add_names(client)
    by_arrival = client.get(f"/interactions/{CALL}?order=arrival", headers=HTML).text
    hang, rang, answered, again = arrival = [seq for _note, seq, _text in rows(by_arrival)]
    assert arrival == sorted(arrival)
    by_time = client.get(f"/interactions/{CALL}", headers=HTML)
    assert by_time.status_code == 200
    found = rows(by_time.text)
    assert [(note, seq) for note, seq, _text in found] == [
        ("folded", rang), ("folded", answered), ("folded", hang), ("duplicate", again)
    ]  # fmt: skip
    ring, answer, hangup, duplicate = (text for _note, _seq, text in found)
    assert "passo 1" in ring and "service ring" in ring and "Operatore Operatore 1" in ring
    assert "Esito Squilla ora → In conversazione ora" in answer and "Risposta 20-11-2020 11:24:14" in answer
    assert "Esito In conversazione ora → Risposta" in hangup and "Fine 20-11-2020 11:25:43" in hangup
    assert "Consegna duplicata" in duplicate
    assert "Chiamata di Servizio Inbound" in by_time.text and "Customer Care" in by_time.text
    english = client.get(f"/interactions/{CALL}?lang=en", headers=HTML).text
    assert "Outcome Ringing now → Talking now" in " ".join(html.unescape(TAG.sub(" ", english)).split())


def test_the_card_links_each_journey_row_to_its_page_whatever_its_call_id(client: TestClient) -> None:
    odd = "a/b ?#%&<x>"
    out_of_order_call(client, odd)
    contact_id = add_contact(client)
    card = client.get(f"/contacts/{contact_id}", headers=HTML).text
    link = re.search(r'class="details-link small" href="([^"]+)"', card)
    assert link is not None
    page = client.get(html.unescape(link.group(1)), headers=HTML)
    assert page.status_code == 200 and len(rows(page.text)) == 4
    assert "a/b ?#%&amp;&lt;x&gt;" in page.text and f'href="/contacts/{contact_id}"' in page.text


def test_the_api_lists_the_requests_in_both_orders_with_their_changes(client: TestClient) -> None:
    out_of_order_call(client)
    body = client.get(f"/api/v1/interactions/{CALL}/events").json()
    hang, rang, answered, again = arrival = [e["seq"] for e in body["events"]]
    assert arrival == sorted(arrival)
    assert body["event_time_order"] == [rang, answered, hang, again]
    assert body["interaction"] == client.get(f"/api/v1/interactions/{CALL}").json()
    answer = body["events"][2]
    assert answer["fold_position"] == 2 and answer["event"]["action"] == "answer"
    assert {"field": "outcome", "before": "ringing", "after": "talking"} in answer["changes"]
    assert {"field": "answered", "before": None, "after": "2020-11-20T10:24:14+00:00"} in answer["changes"]
    duplicate = body["events"][3]
    assert (duplicate["note"], duplicate["changes"], duplicate["fold_position"]) == ("duplicate", [], None)
    assert body["truncated"] is False


def test_an_unrecognized_event_replayed_as_known_is_noted_on_its_page(client: TestClient) -> None:
    body = (
        "eventtype=INBOUNDCALL&event=NOTIFY&esito=ANSWER&id=u1&dateISO=2026-11-24T09:00:05Z&clid=0452224600"
    )
    assert client.post("/tvox/events", content=body, headers=FORM).status_code == 200
    before = rows(client.get("/interactions/u1", headers=HTML).text)
    ((note, original, _text),) = before
    assert note == "folded"
    assert "Eventi non riconosciuti 1" in before[0][2]
    set_mapping(client, "tvox/events", "event", "popup1")
    set_mapping(client, "tvox/events", "esito", "event")
    preview = client.get("/log/replay?outcome=unrecognized", headers=HTML).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', preview)
    assert token is not None
    form = {"outcome": "unrecognized", "until": "2100-01-01", "csrf_token": html.unescape(token.group(1))}
    assert client.post("/log/replay", data=form, headers=HTML).status_code == 200
    after = rows(client.get("/interactions/u1", headers=HTML).text)
    replay_seq = max(seq for _note, seq, _text in after)
    assert [(note, seq) for note, seq, _text in after] == [("folded", replay_seq), ("replayed", original)]
    assert f"Riletto dalla voce #{replay_seq}" in after[1][2]
    assert f"riprova della voce #{original}" in after[0][2]


def test_an_unknown_call_is_a_404_and_viewers_see_no_sender_or_log_link(
    client: TestClient, make_user: Callable[..., str]
) -> None:
    out_of_order_call(client)
    missing = client.get("/interactions/no-such-call", headers=HTML)
    assert missing.status_code == 404 and "Interazione non trovata" in missing.text
    assert client.get("/api/v1/interactions/no-such-call/events").status_code == 404
    assert client.get("/interactions/" + "x" * 256, headers=HTML).status_code == 404
    admin_page = client.get(f"/interactions/{CALL}", headers=HTML).text
    assert "Nel registro eventi" in admin_page and "testclient" in admin_page
    password = make_user("vera", "viewer")
    viewer_page = client.get(f"/interactions/{CALL}", headers=HTML, auth=("vera", password))
    assert viewer_page.status_code == 200 and len(rows(viewer_page.text)) == 4
    assert "Nel registro eventi" not in viewer_page.text and "testclient" not in viewer_page.text
    api = client.get(f"/api/v1/interactions/{CALL}/events", auth=("vera", password))
    assert api.status_code == 200 and "remote_addr" not in api.json()["events"][0]
    anonymous = client.get(f"/interactions/{CALL}", headers=HTML, auth=None, follow_redirects=False)
    assert anonymous.status_code in (303, 401)
