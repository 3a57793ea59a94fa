"""Pages that change things: contact forms, display names, unknown numbers, roles; and the lists."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from fastapi.testclient import TestClient
from tests.web.pages_helpers import HTML, add_contact, csrf_token, ring, rows


def create(client: TestClient, **fields: str | list[str]) -> httpx.Response:
    data = {"csrf_token": csrf_token(client), **fields}
    return client.post("/contacts/new", data=data, headers=HTML, follow_redirects=False)


def test_new_contact_with_several_numbers_gets_their_past_calls_at_once(client: TestClient) -> None:
    ring(client, "1.1@x", "2024-01-10T09:00:00.000Z", number="+39 333 1112222")
    ring(client, "1.2@x", "2024-01-11T09:00:00.000Z", number="0452224600")
    created = create(
        client, surname="Bianchi", name="Anna", company="ACME", number=["3331112222", "045 222 4600", ""]
    )
    assert created.status_code == 303
    card = client.get(created.headers["location"], headers=HTML).text
    assert "<h1>Bianchi Anna</h1>" in card and "ACME" in card
    assert "3331112222" in card and "045 222 4600" in card
    assert len(rows(card)) == 2


def test_contact_form_problems_are_shown_and_nothing_is_saved(client: TestClient) -> None:
    no_name = create(client, number="0452224600")
    assert no_name.status_code == 422
    assert "Inserisci almeno il nome, il cognome o l&#39;azienda." in no_name.text
    bad_number = create(client, surname="Rossi", number="not a number")
    assert bad_number.status_code == 422 and "non contiene cifre" in bad_number.text
    assert 'value="Rossi"' in bad_number.text  # what was typed stays
    too_long = create(client, surname="x" * 256)
    assert too_long.status_code == 422
    assert client.get("/api/v1/contacts").json() == []


def test_edit_and_delete_a_contact(client: TestClient) -> None:
    contact_id = add_contact(client)
    form = client.get(f"/contacts/{contact_id}/edit", headers=HTML).text
    assert 'value="Rossi"' in form and 'value="0452224600"' in form
    token = csrf_token(client, f"/contacts/{contact_id}/edit")
    data = {"csrf_token": token, "surname": "Rossi", "name": "Maria", "number": ["0452224600", "3339998888"]}
    assert client.post(f"/contacts/{contact_id}/edit", data=data).status_code == 200
    assert [n["raw"] for n in client.get(f"/api/v1/contacts/{contact_id}").json()["numbers"]] == [
        "0452224600", "3339998888",
    ]  # fmt: skip
    assert (
        "Eliminare il contatto Rossi Maria?"
        in client.get(f"/contacts/{contact_id}/delete", headers=HTML).text
    )
    token = csrf_token(client, f"/contacts/{contact_id}/delete")
    deleted = client.post(f"/contacts/{contact_id}/delete", data={"csrf_token": token}, headers=HTML)
    assert "Contatto eliminato." in deleted.text
    assert client.get(f"/contacts/{contact_id}", headers=HTML).status_code == 404
    actions = client.get("/log?outcome=action", headers=HTML).text
    assert "contact/update" in actions and "contact/delete" in actions


def test_contacts_are_found_by_name_or_by_number_in_any_format(client: TestClient) -> None:
    mario = add_contact(client)
    add_contact(client, surname="Verdi", name="Luigi", numbers=["3331112222"])
    for query in ("rossi", "Mario Rossi", "0452224600", "+39 045 222 4600", "0039 045-2224600"):
        found = client.get("/contacts", params={"q": query}, headers=HTML).text
        assert f'href="/contacts/{mario}"' in found and "Verdi" not in found, query
    nobody = client.get("/contacts", params={"q": "0212345678"}, headers=HTML).text
    assert "Nessun contatto corrisponde" in nobody and "/contacts/new?number=0212345678" in nobody
    assert "Nessun contatto ancora" not in nobody


def test_unknown_numbers_offer_a_contact_with_tvox_suggested_name(client: TestClient) -> None:
    params = {
        "dateISO": "2024-03-05T08:00:00.000Z", "idlastcall": "7.7@x", "cli": "0212345678", "pin": "op1",
        "servizio": "customercare", "clidname": "Anna", "clidsurname": "Bianchi", "clidcompany": "ACME",
    }  # fmt: skip
    assert client.get("/tvox/events/service/ring", params=params).status_code == 200
    unknown = client.get("/unknown", headers=HTML).text
    assert "02 1234 5678" in unknown and "Bianchi Anna (ACME)" in unknown
    assert "/contacts/new?number=0212345678&amp;from_call=7.7%40x" in unknown
    form = client.get(
        "/contacts/new", params={"number": "0212345678", "from_call": "7.7@x"}, headers=HTML
    ).text
    assert 'value="Bianchi"' in form and 'value="Anna"' in form and 'value="ACME"' in form
    assert "Nome suggerito" in form
    typed = client.get("/contacts/new", params={"from_call": "7.7@x", "name": "Annalisa"}, headers=HTML).text
    assert 'value="Annalisa"' in typed and 'value="Anna"' not in typed and 'value="Bianchi"' in typed
    assert 'value="0212345678"' in typed
    created = create(client, surname="Bianchi", name="Annalisa", number="0212345678")
    assert len(rows(client.get(created.headers["location"], headers=HTML).text)) == 1
    assert "Nessun numero sconosciuto" in client.get("/unknown", headers=HTML).text


def test_display_names_are_edited_on_their_page_and_shown_in_journeys(client: TestClient) -> None:
    contact_id = add_contact(client)
    ring(client, "3.3@x", "2024-01-10T09:00:00.000Z", agent="op7")
    assert "op7" in rows(client.get(f"/contacts/{contact_id}", headers=HTML).text)[0]
    token = csrf_token(client, "/names")
    data = {"csrf_token": token, "kind": "agent", "code": "op7", "name": "Giulia <Supervisor>"}
    assert client.post("/names", data=data).status_code == 200
    assert "Giulia <Supervisor>" in rows(client.get(f"/contacts/{contact_id}", headers=HTML).text)[0]
    bad = client.post("/names", data={**data, "kind": "robot"}, headers=HTML)
    assert bad.status_code == 422 and "Tipo non valido" in bad.text
    removed = {"csrf_token": token, "kind": "agent", "code": "op7"}
    assert client.post("/names/delete", data=removed).status_code == 200
    assert "Giulia" not in client.get(f"/contacts/{contact_id}", headers=HTML).text
    assert client.post("/names", data={"kind": "agent", "code": "x", "name": "y"}).status_code == 403


def test_live_board_lists_calls_in_progress(client: TestClient) -> None:
    mario = add_contact(client)
    now = client.app.state.resources.now()  # type: ignore[attr-defined]
    ring(client, "4.4@x", now.strftime("%Y-%m-%dT%H:%M:%S.000Z"))
    board = client.get("/live", headers=HTML).text
    assert "Squilla ora" in board and f'href="/contacts/{mario}"' in board
    assert 'data-live-stream="/events?scope=all&amp;since=' in board
    assert "Squilla ora" in client.get("/live/board", headers=HTML).text


def test_event_log_shows_rejected_requests_with_their_reason(client: TestClient) -> None:
    client.get("/service/ring", params={"dateTime": "<b>soon</b>", "callId": "1@x", "callerNumber": "1"})
    log = client.get("/log", headers=HTML).text
    assert "badge-log-rejected" in log and "dateTime" in log
    assert "&lt;b&gt;soon&lt;/b&gt;" in log and "<b>soon" not in log
    assert "badge-log-rejected" in client.get("/log?outcome=rejected", headers=HTML).text
    accepted = client.get("/log?outcome=accepted", headers=HTML).text
    assert "badge-log-rejected" not in accepted and "Nessuna voce con questi filtri" in accepted


def test_roles_decide_who_may_change_what(client: TestClient, make_user: Callable[..., str]) -> None:
    contact_id = add_contact(client)
    token = csrf_token(client, f"/contacts/{contact_id}/clear")
    password = make_user("vera", "viewer")
    client.auth = ("vera", password)
    assert client.get(f"/contacts/{contact_id}", headers=HTML).status_code == 200
    assert "Cancella Journey" not in client.get(f"/contacts/{contact_id}", headers=HTML).text
    assert client.post(f"/contacts/{contact_id}/clear", data={"csrf_token": token}).status_code == 403
    assert client.get("/names", headers=HTML).status_code == 403
    assert client.get("/contacts/new", headers=HTML).status_code == 403
    password = make_user("ada", "agent")
    client.auth = ("ada", password)
    assert client.get("/contacts/new", headers=HTML).status_code == 200
    assert client.get("/log", headers=HTML).status_code == 403
