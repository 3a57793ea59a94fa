"""The contact card in-process: labels, local times, escaping, CSRF, pagination, lookup, errors."""

from __future__ import annotations

import html
import re

from fastapi.testclient import TestClient
from tests.web.pages_helpers import (
    HTML,
    add_contact,
    add_names,
    csrf_token,
    ring,
    rows,
    send_tutorial_calls,
)

from tvox_journey.store import names

CALL_ID = re.compile(r'<tr class="kind-[^"]*" data-call-id="([^"]+)"')
NEXT = re.compile(r'rel="next" href="([^"]+)"')


def test_card_shows_the_tutorials_calls_with_labels_names_and_local_times(client: TestClient) -> None:
    contact_id = add_contact(client)
    add_names(client)
    send_tutorial_calls(client)
    page = client.get(f"/contacts/{contact_id}", headers=HTML)
    assert page.status_code == 200
    assert "<h1>Rossi Mario</h1>" in page.text
    assert "Telefono:" in page.text
    for column in (
        "Tipo",
        "Servizio",
        "Operatore",
        "Data/Ora inizio",
        "Data/Ora risposta",
        "Data/Ora fine",
        "Altro",
    ):
        assert f">{column}</th>" in page.text
    consultative, blind, outbound, inbound = rows(page.text)
    # Each row links to its requests ("Richieste ricevute": the interaction page).
    assert inbound.startswith(
        "Chiamata di Servizio Inbound Risposta Richieste ricevute Customer Care Operatore 1 "
        "20-11-2020 11:24:08 20-11-2020 11:24:14 20-11-2020 11:25:43"
    )
    assert outbound.startswith(
        "Chiamata Outbound Risposta Richieste ricevute - Operatore 1 20-11-2020 11:29:31"
    )
    assert "Chiamata trasferita (diretta / blind)" in blind
    assert "Trasferita ad operatore: Operatore 2" in blind
    assert "Data/Ora trasferimento: 20-11-2020 11:45:57" in blind
    assert "Chiamata trasferita (con consultazione)" in consultative
    assert "Attesa 0:06 Conversazione 1:28" in inbound
    assert ">4</dd>" in page.text  # interactions in total


def test_card_shows_what_is_happening_now_and_missed_calls(client: TestClient) -> None:
    contact_id = add_contact(client)
    ring(client, "1.1@x", "2024-01-10T09:00:00.000Z")
    hangup = {"dateTime": "2024-01-10T09:00:20.000Z", "callId": "1.1@x", "callerNumber": "0452224600"}
    assert client.get("/service/hangup", params=hangup).status_code == 200
    ring(client, "1.2@x", "2024-01-10T10:00:00.000Z")
    missed_now, missed = rows(client.get(f"/contacts/{contact_id}", headers=HTML).text)
    assert "Squilla ora" in missed_now and "- -" in missed_now  # no answer, no end yet
    assert "Persa" in missed
    assert 'class="stat-missed"' in client.get(f"/contacts/{contact_id}", headers=HTML).text


def test_every_value_from_outside_is_escaped(client: TestClient) -> None:
    contact_id = add_contact(client, surname="<script>alert(1)</script>", name="<b>Eve</b>")
    add_names(client, (names.AGENT, "op1", '<img src=x onerror="alert(2)">'))
    params = {
        "dateISO": "2024-03-05T08:00:00.000Z", "idlastcall": "9.9@x", "cli": "0452224600", "pin": "op1",
        "servizio": "<i>svc</i>", "popup1": "<script>alert(3)</script>", "popup2": '"><svg onload=alert(4)>',
    }  # fmt: skip
    assert client.get("/tvox/events/service/ring", params=params).status_code == 200
    page = client.get(f"/contacts/{contact_id}", headers=HTML).text
    assert (
        "<script>alert" not in page
        and "<img src=x" not in page
        and "<svg" not in page
        and "<i>svc" not in page
    )
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &lt;b&gt;Eve&lt;/b&gt;" in page
    assert "&lt;img src=x onerror=&#34;alert(2)&#34;&gt;" in page
    assert "&lt;script&gt;alert(3)&lt;/script&gt;" in page
    for path in ("/contacts", "/live", "/unknown", "/log", f"/contacts/{contact_id}/edit"):
        assert "<script>alert" not in client.get(path, headers=HTML).text, path


def test_clear_journey_needs_a_valid_csrf_token(client: TestClient) -> None:
    contact_id = add_contact(client)
    send_tutorial_calls(client)
    target = f"/contacts/{contact_id}/clear"
    assert client.post(target, data={}, headers=HTML).status_code == 403
    assert client.post(target, data={"csrf_token": "forged"}, headers=HTML).status_code == 403
    token = csrf_token(client, target)
    assert "Il modulo è scaduto" in client.post(target, data={"csrf_token": "x" + token}, headers=HTML).text
    client.cookies.clear()  # a valid token is tied to its own browser's cookie
    assert client.post(target, data={"csrf_token": token}, headers=HTML).status_code == 403
    assert len(rows(client.get(f"/contacts/{contact_id}", headers=HTML).text)) == 4
    token = csrf_token(client, target)
    done = client.post(target, data={"csrf_token": token}, headers=HTML)
    assert done.status_code == 200
    assert "Customer Journey cancellata (4 interazioni)." in done.text
    assert rows(done.text) == []
    assert client.get(f"/api/v1/contacts/{contact_id}/journey").json()["items"] == []


def test_clear_journey_keeps_the_events_and_records_who_did_it(client: TestClient) -> None:
    contact_id = add_contact(client)
    send_tutorial_calls(client)
    token = csrf_token(client, f"/contacts/{contact_id}/clear")
    client.post(f"/contacts/{contact_id}/clear", data={"csrf_token": token})
    log = client.get("/log", headers=HTML).text
    assert "ACTION journey/clear" in log and "admin" in log
    assert "/service/ring" in client.get("/log?outcome=accepted", headers=HTML).text


def test_long_journeys_come_a_page_at_a_time(client: TestClient) -> None:
    contact_id = add_contact(client)
    for i in range(120):
        ring(client, f"{i}.7@x", f"2024-01-01T{i // 60:02d}:{i % 60:02d}:00.000Z")
    seen: list[str] = []
    path = f"/contacts/{contact_id}"
    pages = 0
    while path:
        page = client.get(path, headers=HTML).text
        seen += CALL_ID.findall(page)
        pages += 1
        older = NEXT.search(page)
        path = html.unescape(older.group(1)) if older else ""
    assert pages == 3
    assert seen == [f"{i}.7@x" for i in reversed(range(120))]
    first = client.get(f"/contacts/{contact_id}", headers=HTML).text
    assert "01-01-2024 02:59:00" in rows(first)[0]  # newest first, in Rome time (UTC+1)
    assert client.get(f"/contacts/{contact_id}?after=not-a-cursor", headers=HTML).status_code == 422


def test_lookup_opens_the_card_the_choice_or_the_new_contact_form(client: TestClient) -> None:
    mario = add_contact(client)
    found = client.get("/lookup", params={"number": "+39 045 222 4600"}, follow_redirects=False)
    assert (found.status_code, found.headers["location"]) == (303, f"/contacts/{mario}")
    nobody = client.get("/lookup", params={"number": "333 1234567"}, headers=HTML)
    assert "Nuovo contatto" in nobody.text and 'value="333 1234567"' in nobody.text
    luigi = add_contact(client, surname="Verdi", name="Luigi")
    several = client.get("/lookup", params={"number": "0452224600"}, headers=HTML)
    assert several.status_code == 200
    assert f'href="/contacts/{mario}"' in several.text and f'href="/contacts/{luigi}"' in several.text
    assert "Più contatti hanno il numero" in several.text
    assert client.get("/lookup", headers=HTML).status_code == 200  # no number: an empty new contact


def test_a_number_shared_by_two_contacts_is_flagged_on_both_cards(client: TestClient) -> None:
    mario = add_contact(client)
    luigi = add_contact(client, surname="Verdi", name="Luigi", numbers=["+390452224600", "3331112222"])
    ring(client, "5.5@x", "2024-01-10T09:00:00.000Z")
    for contact_id, other in ((mario, "Verdi Luigi"), (luigi, "Rossi Mario")):
        page = client.get(f"/contacts/{contact_id}", headers=HTML).text
        assert "numero condiviso" in page and other in page
        assert len(rows(page)) == 1


def test_missing_contacts_get_the_tutorials_not_found_page(client: TestClient) -> None:
    for path in ("/contacts/999", "/contacts/0", "/contacts/99999999999999999999", "/contacts/999/edit"):
        page = client.get(path, headers=HTML)
        assert page.status_code == 404, path
        assert "Il contatto non è stato trovato" in page.text
    assert client.get("/contacts/abc", headers=HTML).status_code == 404


def test_english_is_selectable_and_remembered(client: TestClient) -> None:
    contact_id = add_contact(client)
    send_tutorial_calls(client)
    english = client.get(f"/contacts/{contact_id}?lang=en", headers=HTML).text
    assert "Inbound service call" in english and "Transferred call (direct / blind)" in english
    assert '<html lang="en">' in client.get("/contacts", headers=HTML).text  # the cookie keeps it
    assert "Chiamata Outbound" in client.get(f"/contacts/{contact_id}?lang=it", headers=HTML).text


def test_browsers_get_html_error_pages_and_clients_json(client: TestClient) -> None:
    page = client.get("/no/such/page", headers=HTML)
    assert page.status_code == 404 and "Pagina non trovata" in page.text
    assert client.get("/no/such/page").json()["status"] == 404
    assert client.get("/api/v1/contacts/999", headers=HTML).json()["status"] == 404


def test_static_files_and_the_home_page_are_served(client: TestClient) -> None:
    assert "EventSource" in client.get("/static/live.js").text
    assert client.get("/static/app.css").headers["content-type"].startswith("text/css")
    home = client.get("/", headers=HTML)
    assert "tvox-journey simulate --url http://testserver/" in home.text  # nothing received yet
    assert "<script>" not in home.text.replace('<script src="/static/live.js" defer></script>', "")


def test_clearing_a_shared_number_warns_which_contacts_lose_its_calls_too(client: TestClient) -> None:
    mario = add_contact(client, "Rossi", "Mario", numbers=("0452224600", "0612345678"))
    anna = add_contact(client, "Bianchi", "Anna", numbers=("0452224600",))
    ring(client, "c1", "2024-01-01T10:00:00.000Z", number="0452224600")
    ring(client, "c2", "2024-01-01T11:00:00.000Z", number="0612345678")
    page = client.get(f"/contacts/{mario}/clear", headers=HTML).text
    warnings = re.findall(r'<p class="notice notice-warn">(.*?)</p>', page, re.S)
    assert len(warnings) == 1
    assert "0452224600" in warnings[0] and "Bianchi Anna" in warnings[0] and "1 interazioni" in warnings[0]
    assert "anche di Rossi Mario" in client.get(f"/contacts/{anna}/clear", headers=HTML).text
    token = csrf_token(client, f"/contacts/{mario}/clear")
    client.post(f"/contacts/{mario}/clear", data={"csrf_token": token})
    assert rows(client.get(f"/contacts/{anna}", headers=HTML).text) == []  # as the warning said
