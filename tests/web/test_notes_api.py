"""Notes through the JSON API (`/api/v1/interactions/{call_id}/notes`): create, list, update, delete,
roles (viewers read, agents change their own, admins any), limits, error shapes, the OpenAPI, and the
contacts search by a note's text."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.web.notes_helpers import CALL, OTHER_CALL, add_note, as_user, card_with_calls
from tests.web.pages_helpers import add_contact, ring

from tvox_journey.services import notes as note_services
from tvox_journey.store.schema import event_log


def test_an_agent_adds_a_note_with_an_outcome_and_everyone_lists_it(
    client: TestClient, make_user: Callable[..., str]
) -> None:
    card_with_calls(client)
    agent = as_user(client, make_user, "anna", "agent")
    viewer = as_user(client, make_user, "vera", "viewer")
    created = add_note(client, agent, text="  Cliente richiama domani\r\nper l'ordine  ", outcome="call_back")
    assert created.status_code == 201, created.text
    note = created.json()
    assert (note["author"], note["call_id"], note["text"]) == (
        "anna",
        CALL,
        "Cliente richiama domani\nper l'ordine",
    )
    assert note["outcome"] == {
        "code": "call_back",
        "label_it": "Da richiamare",
        "label_en": "Call back",
        "active": True,
    }
    assert note["created_at"] == note["updated_at"]
    listed = client.get(f"/api/v1/interactions/{CALL}/notes", auth=viewer)
    assert listed.status_code == 200 and listed.json() == [note]
    assert client.get(f"/api/v1/interactions/{OTHER_CALL}/notes").json() == []


def test_a_viewer_cannot_write_and_an_agent_changes_only_their_own_notes(
    client: TestClient, make_user: Callable[..., str]
) -> None:
    card_with_calls(client)
    anna = as_user(client, make_user, "anna", "agent")
    bruno = as_user(client, make_user, "bruno", "agent")
    viewer = as_user(client, make_user, "vera", "viewer")
    refused = add_note(client, viewer, text="no")
    assert refused.status_code == 403
    assert refused.json() == {"ok": False, "status": 403, "error": "requires the agent or admin role",
                              "request_id": refused.headers["x-request-id"]}  # fmt: skip
    note_id = add_note(client, anna, text="di Anna").json()["id"]
    path = f"/api/v1/interactions/{CALL}/notes/{note_id}"
    assert client.patch(path, json={"text": "di Bruno"}, auth=bruno).status_code == 403
    assert client.delete(path, auth=bruno).status_code == 403
    assert client.patch(path, json={"text": "x"}, auth=viewer).status_code == 403
    edited = client.patch(path, json={"outcome": "resolved"}, auth=anna)
    assert edited.status_code == 200
    assert (edited.json()["text"], edited.json()["outcome"]["code"]) == ("di Anna", "resolved")
    assert client.patch(path, json={"outcome": None}, auth=anna).json()["outcome"] is None
    by_admin = client.patch(path, json={"text": "corretta dall'admin"})  # the client is the admin
    assert by_admin.status_code == 200 and by_admin.json()["author"] == "anna"
    assert client.delete(path).status_code == 204
    assert client.get(f"/api/v1/interactions/{CALL}/notes").json() == []
    assert client.delete(path).status_code == 404


def test_refusals_have_the_api_error_shape_and_write_nothing(client: TestClient) -> None:
    card_with_calls(client)
    cases = [
        (add_note(client, call_id="no-such-call", text="x"), 404, "interaction not found"),
        (add_note(client, text=""), 422, "text: empty (give a text, an outcome, or both)"),
        (add_note(client, text="   ", outcome=""), 422, "text: empty (give a text, an outcome, or both)"),
        (add_note(client, text="x" * 4001), 422, "text: longer than 4000 characters"),
        (
            add_note(client, text="a\x00b"),
            422,
            "body.text: contains a control character (U+0000), which is not allowed",
        ),
        (add_note(client, text="x", outcome="nope"), 422, "outcome: unknown or no longer offered"),
    ]
    for response, status, error in cases:
        assert response.status_code == status, response.text
        assert response.json()["error"] == error and response.json()["status"] == status
    assert add_note(client, text="x" * 4000).status_code == 201  # the limit itself is fine
    assert client.get("/api/v1/interactions/no-such-call/notes").status_code == 404
    assert client.patch(f"/api/v1/interactions/{OTHER_CALL}/notes/1", json={"text": "y"}).status_code == 404
    assert client.post(f"/api/v1/interactions/{CALL}/notes", json={"text": 5}).status_code == 422


def test_a_call_takes_at_most_twenty_notes(client: TestClient) -> None:
    card_with_calls(client)
    for i in range(note_services.NOTES_PER_CALL):
        assert add_note(client, text=f"nota {i}").status_code == 201
    full = add_note(client, text="una di troppo")
    assert full.status_code == 409 and "20 notes" in full.json()["error"]
    assert add_note(client, call_id=OTHER_CALL, text="altra chiamata").status_code == 201


def test_markup_is_stored_and_given_back_as_text(client: TestClient) -> None:
    card_with_calls(client)
    text = '<script>alert("x")</script> & <b>grassetto</b>'
    assert add_note(client, text=text).json()["text"] == text


def test_every_change_is_an_audit_row_tied_to_the_call_without_the_text(
    client: TestClient, make_user: Callable[..., str]
) -> None:
    card_with_calls(client)
    anna = as_user(client, make_user, "anna", "agent")
    note_id = add_note(client, anna, text="Mario Rossi 0452224600", outcome="complaint").json()["id"]
    path = f"/api/v1/interactions/{CALL}/notes/{note_id}"
    client.patch(path, json={"text": "corretta"})
    client.delete(path, auth=anna)
    resources = client.app.state.resources  # type: ignore[attr-defined]
    query = select(event_log.c.route, event_log.c.actor, event_log.c.call_id, event_log.c.params).where(
        event_log.c.route.like("note/%")
    )
    with resources.db.read.connect() as conn:
        rows = [tuple(r) for r in conn.execute(query.order_by(event_log.c.seq))]
    assert [(r[0], r[1], r[2]) for r in rows] == [
        ("note/create", "anna", CALL),
        ("note/update", "admin", CALL),
        ("note/delete", "anna", CALL),
    ]
    assert rows[0][3] == [["note_id", str(note_id)], ["outcome", "complaint"], ["chars", "22"]]
    assert rows[1][3][-1] == ["author", "anna"]  # an admin's change names whose note it was
    assert not any("Rossi" in str(r[3]) or "0452224600" in str(r[3]) for r in rows)


def test_the_outcomes_are_listed_and_the_notes_routes_are_in_the_openapi(client: TestClient) -> None:
    outcomes = client.get("/api/v1/note-outcomes").json()
    assert [(o["code"], o["label_it"], o["label_en"]) for o in outcomes] == [
        ("resolved", "Risolto", "Resolved"),
        ("call_back", "Da richiamare", "Call back"),
        ("information", "Informazioni", "Information"),
        ("complaint", "Reclamo", "Complaint"),
    ]
    paths = client.get("/api/openapi.json").json()["paths"]
    assert set(paths["/api/v1/interactions/{call_id}/notes"]) == {"get", "post"}
    assert set(paths["/api/v1/interactions/{call_id}/notes/{note_id}"]) == {"patch", "delete"}


def test_the_contacts_search_finds_a_contact_by_the_text_of_a_note(client: TestClient) -> None:
    mario = card_with_calls(client)
    ring(client, "9.9@x", "2024-01-10T11:00:00.000Z", number="3331112222")
    verdi = add_contact(client, surname="Verdi", name="Luca", numbers=["3331112222"])
    add_note(client, text="Vuole la FATTURA, tutta% elettronica")
    add_note(client, call_id="9.9@x", text="Reclamo sul Ritardo_consegna")

    def found(q: str) -> list[int]:
        return [c["id"] for c in client.get("/api/v1/contacts", params={"q": q}).json()]

    assert found("fattura") == [mario]
    assert found("tutta% elettr") == [mario]
    assert found("tuttaX elettr") == []  # `%` is a character, not a wildcard
    assert found("ritardo_consegna") == [verdi]
    assert found("ritardoXconsegna") == []  # `_` is a character, not a wildcard
    assert found("fa") == []  # under three characters, notes are not read
    assert found("Verdi") == [verdi]  # names still match
