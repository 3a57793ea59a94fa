"""Notes on the card and the interaction page: shown on each journey row (author, time, outcome in the
page's language, text as text), written with plain forms (CSRF, redirect back), roles, the live stream
of the cards of the call's number, the admins' outcomes page, and the legacy export left unchanged."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from fastapi.testclient import TestClient
from httpx import Response
from tests.conftest import log_in
from tests.web.notes_helpers import CALL, OTHER_CALL, PASSWORD, add_note, as_user, card_with_calls
from tests.web.pages_helpers import HTML, TOKEN, add_contact, csrf_token, ring
from tests.web.test_pages_stream import frames, next_event

from tvox_journey.settings import Settings
from tvox_journey.web.app import create_app

NOTE = re.compile(r'<article class="note" data-note-id="(\d+)">(.*?)</article>', re.S)


def notes_on(page: str) -> dict[str, str]:
    """note id -> the article's HTML."""
    return dict(NOTE.findall(page))


def post_form(client: TestClient, path: str, back: str, **fields: str) -> Response:
    token = csrf_token(client, back if back.startswith("/") else "/contacts")
    data = {"csrf_token": token, "back": back} | fields
    return client.post(path, data=data, headers=HTML, follow_redirects=False)


def test_an_agent_adds_a_note_from_the_card_and_is_sent_back_to_it(
    client: TestClient, make_user: Callable[..., str]
) -> None:
    mario = card_with_calls(client)
    make_user("anna", "agent", PASSWORD)
    log_in(client, "anna", PASSWORD)
    card = client.get(f"/contacts/{mario}", headers=HTML).text
    assert card.count('action="/notes"') == 2  # a form on each row
    sent = post_form(
        client, "/notes", f"/contacts/{mario}", call_id=CALL, text="Prima riga\r\nseconda", outcome="resolved"
    )
    assert sent.status_code == 303 and sent.headers["location"] == f"/contacts/{mario}"
    card = client.get(f"/contacts/{mario}", headers=HTML).text
    [(note_id, article)] = notes_on(card).items()
    assert "anna" in article and "Risolto" in article and "Prima riga\nseconda" in article
    assert f'action="/notes/{note_id}/edit"' in article and f'action="/notes/{note_id}/delete"' in article
    english = client.get(f"/contacts/{mario}?lang=en", headers=HTML).text
    assert "Resolved" in notes_on(english)[note_id]


def test_markup_in_a_note_shows_as_text(client: TestClient) -> None:
    mario = card_with_calls(client)
    add_note(client, text='<img src=x onerror=alert(1)> & "quoted" </td></tr>')
    card = client.get(f"/contacts/{mario}", headers=HTML).text
    assert "<img src=x" not in card and "</td></tr>\n" not in card.split('class="note-text"')[1][:80]
    assert "&lt;img src=x onerror=alert(1)&gt; &amp; &#34;quoted&#34; &lt;/td&gt;&lt;/tr&gt;" in card
    page = client.get(f"/interactions/{CALL}", headers=HTML).text
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and "<img src=x" not in page


def test_viewers_see_notes_without_forms_and_are_refused_a_write(
    client: TestClient, make_user: Callable[..., str]
) -> None:
    mario = card_with_calls(client)
    add_note(client, text="scritta dall'admin")
    make_user("vera", "viewer", PASSWORD)
    log_in(client, "vera", PASSWORD)
    card = client.get(f"/contacts/{mario}", headers=HTML).text
    [article] = notes_on(card).values()
    assert "scritta dall&#39;admin" in article and "/edit" not in article
    assert 'action="/notes"' not in card
    refused = post_form(client, "/notes", f"/contacts/{mario}", call_id=CALL, text="no")
    assert refused.status_code == 403
    assert len(client.get(f"/api/v1/interactions/{CALL}/notes").json()) == 1


def test_an_agent_changes_only_their_own_notes_and_an_admin_any(
    client: TestClient, make_user: Callable[..., str]
) -> None:
    mario = card_with_calls(client)
    anna, bruno = as_user(client, make_user, "anna", "agent"), as_user(client, make_user, "bruno", "agent")
    annas = add_note(client, anna, text="di Anna").json()["id"]
    brunos = add_note(client, bruno, text="di Bruno").json()["id"]
    back = f"/contacts/{mario}"
    log_in(client, "anna", PASSWORD)
    shown = notes_on(client.get(back, headers=HTML).text)
    assert "/edit" in shown[str(annas)] and "/edit" not in shown[str(brunos)]
    refused = post_form(client, f"/notes/{brunos}/edit", back, text="presa")
    assert refused.status_code == 403 and "Solo l&#39;autore" in refused.text
    assert post_form(client, f"/notes/{brunos}/delete", back).status_code == 403
    assert post_form(client, f"/notes/{annas}/edit", back, text="di Anna, corretta").status_code == 303
    admin = TestClient(client.app)
    log_in(admin, "admin", "admin-password-for-tests")
    shown = notes_on(admin.get(back, headers=HTML).text)
    assert all("/edit" in article for article in shown.values())
    assert post_form(admin, f"/notes/{brunos}/delete", back).status_code == 303
    texts = [n["text"] for n in client.get(f"/api/v1/interactions/{CALL}/notes").json()]
    assert texts == ["di Anna, corretta"]


def test_a_refused_form_says_why_keeps_the_text_and_leads_back(client: TestClient) -> None:
    mario = card_with_calls(client)
    back = f"/contacts/{mario}"
    empty = post_form(client, "/notes", back, call_id=CALL, text="  ")
    assert empty.status_code == 422 and "Scrivi un testo o scegli un esito" in empty.text
    too_long = post_form(client, "/notes", back, call_id=CALL, text="<b>" + "x" * 4000)
    assert too_long.status_code == 422 and "&lt;b&gt;xxx" in too_long.text
    assert f'href="{back}"' in too_long.text
    gone = post_form(client, "/notes", back, call_id="no-such-call", text="x")
    assert gone.status_code == 404
    elsewhere = post_form(client, "/notes", "https://evil.example/", call_id=CALL, text="x")
    assert elsewhere.headers["location"] == "/"
    no_token = client.post(
        "/notes", data={"call_id": CALL, "text": "x"}, headers=HTML, follow_redirects=False
    )
    assert no_token.status_code == 403


def test_the_interaction_page_shows_and_takes_notes(client: TestClient) -> None:
    card_with_calls(client)
    add_note(client, text="sulla pagina dell'interazione", outcome="information")
    page = client.get(f"/interactions/{CALL}", headers=HTML).text
    [article] = notes_on(page).values()
    assert "Informazioni" in article
    assert f'name="back" value="/interactions/{CALL.replace("@", "%40")}"' in page


def test_a_note_reaches_the_open_cards_of_its_number_only(client: TestClient) -> None:
    mario = card_with_calls(client)
    verdi = add_contact(client, surname="Verdi", numbers=["3331112222"])
    ring(client, "9.9@x", "2024-01-10T11:00:00.000Z", number="3331112222")
    with (
        client.stream("GET", f"/events?contact={verdi}") as other,
        client.stream("GET", f"/events?contact={mario}") as response,
    ):
        stream: Iterator[dict[str, str]] = frames(response.iter_lines())
        others = frames(other.iter_lines())
        assert next_event(stream)["event"] == "ready" and next_event(others)["event"] == "ready"
        add_note(client, text="in diretta")
        change = next_event(stream)
        add_note(client, call_id="9.9@x", text="per Verdi")
        verdis = next_event(others)
    assert '"kind": "note"' in change["data"] and f'"call_id": "{CALL}"' in change["data"]
    assert '"call_id": "9.9@x"' in verdis["data"]  # Verdi's stream skipped Mario's note
    fragment = client.get(f"/contacts/{mario}/journey", headers=HTML).text
    assert "in diretta" in fragment and "per Verdi" not in fragment


def test_a_note_written_by_another_process_reaches_open_cards(client: TestClient, settings: Settings) -> None:
    mario = card_with_calls(client)
    with TestClient(create_app(settings)) as other:
        other.auth = ("admin", "admin-password-for-tests")
        with client.stream("GET", f"/events?contact={mario}") as response:
            stream = frames(response.iter_lines())
            assert next_event(stream)["event"] == "ready"
            assert add_note(other, text="dall'altro processo").status_code == 201
            change = next_event(stream)
    assert '"kind": "note"' in change["data"]


def test_admins_keep_the_outcomes_and_deactivated_ones_stay_on_old_notes(
    client: TestClient, make_user: Callable[..., str]
) -> None:
    mario = card_with_calls(client)
    add_note(client, text="reclamo vecchio", outcome="complaint")
    page = client.get("/admin/outcomes", headers=HTML).text
    assert [m for m in re.findall(r'data-outcome="([a-z_]+)"', page)] == [
        "resolved",
        "call_back",
        "information",
        "complaint",
    ]
    token = TOKEN.search(page)
    assert token is not None
    t = token.group(1)
    sale = {"csrf_token": t, "code": "sale", "label_it": "Vendita", "label_en": "Sale"}
    assert client.post("/admin/outcomes", data=sale, follow_redirects=False).status_code == 303
    taken = client.post(
        "/admin/outcomes", data={"csrf_token": t, "code": "sale", "label_it": "V", "label_en": "S"}
    )
    assert taken.status_code == 422 and "Esiste già" in taken.text
    renamed = {
        "csrf_token": t,
        "label_it": "Reclamo formale",
        "label_en": "Formal complaint",
    }  # no `active`: off
    assert client.post("/admin/outcomes/complaint", data=renamed, follow_redirects=False).status_code == 303
    moved = client.post(
        "/admin/outcomes/sale/move", data={"csrf_token": t, "direction": "up"}, follow_redirects=False
    )
    assert moved.status_code == 303
    codes = [o["code"] for o in client.get("/api/v1/note-outcomes").json()]
    assert codes == ["resolved", "call_back", "information", "sale", "complaint"]
    card = client.get(f"/contacts/{mario}", headers=HTML).text
    [article] = notes_on(card).values()
    assert "Reclamo formale" in article  # the old note keeps its (renamed, deactivated) outcome
    assert '<option value="complaint">' not in card  # no longer offered for new notes
    assert add_note(client, text="x", outcome="complaint").status_code == 422
    agent = as_user(client, make_user, "anna", "agent")
    assert client.get("/admin/outcomes", auth=agent, headers=HTML).status_code == 403
    audit = client.get("/admin/audit", headers=HTML).text
    assert "Esito delle note aggiunto" in audit and "Esiti delle note riordinati" in audit


def test_the_legacy_export_has_no_room_for_notes_and_stays_the_tutorials(client: TestClient) -> None:
    card_with_calls(client)
    before = client.get("/export/db.json").json()
    add_note(client, text="non esportata", outcome="resolved")
    assert client.get("/export/db.json").json() == before
    assert OTHER_CALL in str(before)
