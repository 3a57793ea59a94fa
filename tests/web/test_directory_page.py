"""The directory on /names, on SQLite and PostgreSQL: an unknown code attached in one click, every code
of an entry shown by its name on every page, changes re-labelling history with no refold, the forms'
refusals, roles and CSRF, the audit trail, and hostile names and codes rendered as text."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from markupsafe import escape
from sqlalchemy import select
from tests.web.pages_helpers import HTML, add_contact, csrf_token, rows

from tvox_journey.sim import Call, service_call
from tvox_journey.store import directory, names
from tvox_journey.store.schema import event_log, interactions

NUMBER = "0452224600"
MINUTE = timedelta(minutes=1)
UNKNOWN_ROW = re.compile(r"<tr>\s*<td data-label=\"[^\"]+\"><code>([^<]*)</code></td>\s*<td[^>]*>(\d+)</td>")


def send(client: TestClient, call: Call) -> None:
    for request in call.requests:
        response = client.get(f"/{request.path}", params=list(request.params))
        assert response.status_code == 200, response.text


def call(
    client: TestClient,
    call_id: str,
    minutes_ago: float,
    *,
    agent: str,
    service: str = "cc",
    answered: bool = True,
    number: str = NUMBER,
) -> None:
    ring = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    answer = ring + MINUTE / 4 if answered else None
    send(client, service_call(call_id, number=number, agent=agent, service=service, ring=ring, answer=answer,
                              hangup=ring + MINUTE))  # fmt: skip


def post(client: TestClient, path: str, **data: str) -> Any:
    data["csrf_token"] = csrf_token(client, "/names")
    return client.post(path, data=data, headers=HTML, follow_redirects=False)


def entry_id(client: TestClient, kind: str, code: str) -> int:
    with client.app.state.resources.db.read.connect() as conn:  # type: ignore[attr-defined]
        found = directory.entry_of(conn, kind, code)
    assert found is not None
    return found


def unknown(page: str) -> list[tuple[str, int]]:
    return [(html.unescape(code), int(calls)) for code, calls in UNKNOWN_ROW.findall(page)]


def actions(client: TestClient) -> list[tuple[str, dict[str, str], str | None]]:
    query = select(event_log.c.route, event_log.c.params, event_log.c.actor).where(
        event_log.c.outcome == "action"
    )
    with client.app.state.resources.db.read.connect() as conn:  # type: ignore[attr-defined]
        return [(r.route, dict(r.params), r.actor) for r in conn.execute(query.order_by(event_log.c.seq))]


def test_an_unknown_code_attached_in_one_click_shows_its_agents_name_for_every_code(
    client: TestClient,
) -> None:
    contact_id = add_contact(client)
    call(client, "d1", 30, agent="op1")
    call(client, "d2", 20, agent="1001")
    call(client, "d3", 10, agent="1001")
    page = client.get("/names", headers=HTML).text
    assert unknown(page) == [("1001", 2), ("op1", 1), ("cc", 3)]  # agents, newest first; then services
    assert (
        post(client, "/names/entries", kind="agent", name="Mario Rossi", code="op1", label="").status_code
        == 303
    )
    page = client.get("/names", headers=HTML).text
    assert unknown(page)[0] == ("1001", 2)
    mario = entry_id(client, "agent", "op1")
    assert f'<option value="{mario}">Mario Rossi</option>' in page  # the attach form's choice
    attached = post(client, "/names/codes", entry=str(mario), code="1001", label="")
    assert attached.status_code == 303 and attached.headers["location"] == "/names"
    card = rows(client.get(f"/contacts/{contact_id}", headers=HTML).text)
    assert len(card) == 3 and all("Mario Rossi" in row for row in card)
    assert not any("1001" in row or "op1" in row for row in card)
    assert [code for code, _ in unknown(client.get("/names", headers=HTML).text)] == ["cc"]
    assert actions(client)[-1] == (
        "directory/attach",
        {"kind": "agent", "entry": str(mario), "name": "Mario Rossi", "code": "1001", "label": ""},
        "admin",
    )
    audit = client.get("/admin/audit", headers=HTML).text
    assert "Codice associato" in audit and "Voce di rubrica aggiunta" in audit


def test_a_new_agent_from_an_unknown_code_and_a_rename_relabel_history_without_a_refold(
    client: TestClient,
) -> None:
    contact_id = add_contact(client)
    call(client, "r1", 50, agent="op7", service="sales", answered=False, number="3331234567")  # on /callbacks
    call(client, "r2", 0.1, agent="7007")
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    ring = {"dateTime": now, "callId": "r3", "callerNumber": NUMBER, "agent": "7007", "service": "cc"}
    in_progress = client.get("/service/ring", params=ring)
    assert in_progress.status_code == 200, in_progress.text
    with client.app.state.resources.db.read.connect() as conn:  # type: ignore[attr-defined]
        stored = conn.execute(select(interactions).order_by(interactions.c.call_id)).all()
        last_action = len(actions(client))
    assert (
        post(client, "/names/entries", kind="agent", name="Giulia", code="op7", label="username").status_code
        == 303
    )
    assert post(client, "/names/codes", entry=str(entry_id(client, "agent", "op7")), code="7007",
                label="pin").status_code == 303  # fmt: skip
    assert (
        post(client, "/names/entries", kind="service", name="Vendite", code="sales", label="").status_code
        == 303
    )
    assert post(client, f"/names/entries/{entry_id(client, 'agent', '7007')}/rename", name="Giulia Bianchi")
    pages = {
        "card": client.get(f"/contacts/{contact_id}", headers=HTML).text,
        "board": client.get("/live", headers=HTML).text,
        "interaction": client.get("/interactions/r1", headers=HTML).text,
        "callbacks": client.get("/callbacks", headers=HTML).text,
    }
    assert all(row.count("Giulia Bianchi") >= 1 for row in rows(pages["card"]))
    assert "Giulia Bianchi" in pages["board"] and "7007" not in pages["board"].split("<main", 1)[1]
    assert "Giulia Bianchi" in pages["interaction"] and "Vendite" in pages["interaction"]
    assert "Vendite" in pages["callbacks"]
    with client.app.state.resources.db.read.connect() as conn:  # type: ignore[attr-defined]
        assert (
            conn.execute(select(interactions).order_by(interactions.c.call_id)).all() == stored
        )  # no refold
    assert [route for route, _, _ in actions(client)[last_action:]] == [
        "directory/add", "directory/attach", "directory/add", "directory/rename",
    ]  # fmt: skip


def test_merge_delete_and_detach_through_the_page(client: TestClient) -> None:
    contact_id = add_contact(client)
    call(client, "m1", 10, agent="op1")
    call(client, "m2", 5, agent="1001")
    names_ = [("op1", "Mario"), ("1001", "PIN di Mario")]
    for code, name in names_:
        assert post(client, "/names/entries", kind="agent", name=name, code=code, label="").status_code == 303
    mario, pin = entry_id(client, "agent", "op1"), entry_id(client, "agent", "1001")
    assert post(client, "/names/merge", into=str(mario), **{"from": str(pin)}).status_code == 303
    assert all(
        "Mario" in row and "PIN di" not in row for row in rows(client.get(f"/contacts/{contact_id}").text)
    )
    assert post(client, "/names/codes/delete", kind="agent", code="1001").status_code == 303
    assert "1001" in rows(client.get(f"/contacts/{contact_id}", headers=HTML).text)[0]
    assert post(client, f"/names/entries/{mario}/delete").status_code == 303
    assert "op1" in rows(client.get(f"/contacts/{contact_id}", headers=HTML).text)[1]
    assert [code for code, _ in unknown(client.get("/names", headers=HTML).text)][:2] == ["1001", "op1"]
    assert [route for route, _, _ in actions(client)][-3:] == [
        "directory/merge", "directory/detach", "directory/delete",
    ]  # fmt: skip


def test_refused_forms_say_why_and_change_nothing(client: TestClient, make_user: Callable[..., str]) -> None:
    assert post(client, "/names/entries", kind="agent", name="Mario", code="op1", label="").status_code == 303
    mario = entry_id(client, "agent", "op1")
    before = actions(client)
    refusals = [
        ("/names/entries", {"kind": "agent", "name": "Altro", "code": "op1", "label": ""}, "è già di Mario"),
        ("/names/entries", {"kind": "robot", "name": "X", "code": "x", "label": ""}, "Tipo non valido"),
        ("/names/entries", {"kind": "agent", "name": "X", "code": "x", "label": "capo"}, "codice non valido"),
        ("/names/entries", {"kind": "agent", "name": "X" * 256, "code": "x", "label": ""}, "troppo lungo"),
        ("/names/codes", {"entry": "abc", "code": "x", "label": ""}, "non esiste"),
        ("/names/codes", {"entry": str(2**40), "code": "x", "label": ""}, "non esiste"),
        ("/names/codes", {"entry": "999", "code": "x", "label": ""}, "non esiste"),
        ("/names/merge", {"into": str(mario), "from": str(mario)}, "a sé stessa"),
        ("/names/codes/delete", {"kind": "agent", "code": "nope"}, "non è in rubrica"),
        (f"/names/entries/{mario}/rename", {"name": "  "}, "Inserisci il nome"),
        ("/names/entries/999/delete", {}, "non esiste"),
        ("/names/entries/abc/rename", {"name": "X"}, "non esiste"),
    ]  # fmt: skip
    for path, data, message in refusals:
        refused = post(client, path, **data)
        assert refused.status_code == 422 and message in refused.text, (path, data)
    assert actions(client) == before
    assert client.post("/names/entries", data={"kind": "agent", "name": "X", "code": "x"}).status_code == 403
    password = make_user("vera", "agent")
    client.auth = ("vera", password)
    assert client.get("/names", headers=HTML).status_code == 403
    assert post(client, "/names/codes", entry=str(mario), code="x", label="").status_code == 403


HOSTILE_NAME = '<script>window.pwned=1</script>\x1b[31m"&\u2028' + "N" * 200
HOSTILE_CODE = "<b>op</b>\u0085'\"" + "c" * 100


def test_hostile_names_and_codes_render_as_text_on_every_page(client: TestClient) -> None:
    contact_id = add_contact(client)
    call(client, "h1", 30, agent="op1", service="sv", answered=False)
    with client.app.state.resources.db.write.begin() as conn:  # type: ignore[attr-defined]
        names.set_name(conn, names.AGENT, "op1", HOSTILE_NAME)
        names.set_name(conn, names.SERVICE, "sv", HOSTILE_NAME)
        conn.execute(
            interactions.update().where(interactions.c.call_id == "h1").values(agent=HOSTILE_CODE)
        )  # a code stored by an older release, say: the page must still show it
    assert post(client, "/names/entries", kind="agent", name="<i>Eve</i>" + "E" * 240, code="<i>e</i>",
                label="other").status_code == 303  # fmt: skip
    escaped = str(escape(HOSTILE_NAME))
    for path in (f"/contacts/{contact_id}", "/live", "/interactions/h1", "/callbacks", "/names", "/unknown"):
        page = client.get(path, headers=HTML)
        assert page.status_code == 200, path
        assert (
            "<script>window.pwned" not in page.text
            and "<b>op</b>" not in page.text
            and "<i>" not in page.text
        )
    names_page = client.get("/names", headers=HTML).text
    assert escaped in names_page and str(escape(HOSTILE_CODE)) in names_page
    assert "&lt;i&gt;Eve&lt;/i&gt;" in names_page and "&lt;i&gt;e&lt;/i&gt;" in names_page
    assert escaped in client.get("/interactions/h1", headers=HTML).text
    assert escaped in client.get("/callbacks", headers=HTML).text
    for path in ("/admin/audit", "/log?outcome=action"):
        trail = client.get(path, headers=HTML)
        assert trail.status_code == 200 and "&lt;i&gt;Eve&lt;/i&gt;" in trail.text and "<i>" not in trail.text
    # The stored code carries a C1 control the forms refuse: attaching it is a refusal, never a 5xx.
    attach = post(client, "/names/codes", entry=str(entry_id(client, "agent", "<i>e</i>")), code=HOSTILE_CODE)
    assert attach.status_code == 422


def test_the_api_gives_the_directory_and_the_unknown_codes(
    client: TestClient, anonymous_client: TestClient, make_user: Callable[..., str]
) -> None:
    call(client, "a1", 20, agent="op1")
    call(client, "a2", 10, agent="1001", service="sales")
    assert (
        post(client, "/names/entries", kind="agent", name="Mario", code="op1", label="username").status_code
        == 303
    )
    assert post(client, "/names/codes", entry=str(entry_id(client, "agent", "op1")), code="201",
                label="extension").status_code == 303  # fmt: skip
    password = make_user("vera", "viewer")
    body = client.get("/api/v1/directory", auth=("vera", password)).json()
    mario = entry_id(client, "agent", "op1")
    assert body["agents"] == [
        {"id": mario, "name": "Mario", "codes": [{"code": "201", "label": "extension"},
                                                  {"code": "op1", "label": "username"}]},
    ]  # fmt: skip
    assert body["services"] == []
    assert [(u["code"], u["calls"]) for u in body["unknown_agents"]] == [("1001", 1)]
    assert [(u["code"], u["calls"]) for u in body["unknown_services"]] == [("sales", 1), ("cc", 1)]
    assert anonymous_client.get("/api/v1/directory").status_code == 401
