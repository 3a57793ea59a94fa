"""The user admin page and the audit trail: every change recorded with who and when, no secrets kept."""

from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tvox_journey.services import recording
from tvox_journey.store.schema import event_log

BROWSER = {"Accept": "text/html"}


def csrf_token(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None, page
    return html.unescape(found.group(1))


def submit(client: TestClient, path: str, **fields: str) -> tuple[int, str]:
    token = csrf_token(client.get("/admin/users", headers=BROWSER).text)
    response = client.post(path, data={**fields, "csrf_token": token}, headers=BROWSER)
    return response.status_code, response.text


def everything_logged(client: TestClient) -> str:
    db = client.app.state.resources.db  # type: ignore[attr-defined]
    with db.read.connect() as conn:
        return repr([dict(r._mapping) for r in conn.execute(select(event_log))])


def test_admin_adds_a_user_who_can_then_use_the_api(client: TestClient) -> None:
    status, page = submit(client, "/admin/users", username="Luca", role="agent", password="luca-password-1")
    assert status == 200
    assert "Utente luca aggiunto." in page
    assert "luca" in page
    response = client.get("/api/v1/contacts", auth=("luca", "luca-password-1"))
    assert response.status_code == 200
    assert "luca-password-1" not in everything_logged(client)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"username": "<b>x</b>", "role": "agent", "password": "long-enough-1"},
            "Il nome utente ha da 1 a 64",
        ),
        ({"username": "mia", "role": "root", "password": "long-enough-1"}, "Il ruolo deve essere"),
        ({"username": "mia", "role": "agent", "password": "short"}, "almeno 8 caratteri"),
        ({"username": "admin", "role": "agent", "password": "long-enough-1"}, "esiste già"),
    ],
)
def test_an_invalid_new_user_is_refused_with_a_message(
    client: TestClient, fields: dict[str, str], message: str
) -> None:
    status, page = submit(client, "/admin/users", **fields)
    assert status == 422
    assert message in page
    assert "<b>x</b>" not in page


def test_the_last_admin_cannot_be_demoted_or_removed(client: TestClient) -> None:
    status, page = submit(client, "/admin/users/admin/role", role="viewer")
    assert status == 422 and "L&#39;ultimo amministratore" in page
    status, page = submit(client, "/admin/users/admin/delete")
    assert status == 422


def test_role_password_token_and_removal_are_audited_with_the_admin_as_actor(client: TestClient) -> None:
    submit(client, "/admin/users", username="luca", role="viewer", password="luca-password-1")
    assert submit(client, "/admin/users/luca/role", role="agent")[0] == 200
    assert submit(client, "/admin/users/luca/password", password="new-password-22")[0] == 200
    status, page = submit(client, "/admin/users/luca/token")
    assert status == 200
    token = re.search(r'<code class="token">([^<]+)</code>', page)
    assert token is not None
    assert (
        client.get("/api/v1/contacts", headers={"Authorization": f"Bearer {token.group(1)}"}).status_code
        == 200
    )
    assert token.group(1) not in client.get("/admin/users", headers=BROWSER).text  # shown once
    assert submit(client, "/admin/users/luca/token/revoke")[0] == 200
    confirm = client.get("/admin/users/luca/delete", headers=BROWSER)
    assert "Eliminare l&#39;utente luca?" in confirm.text
    assert submit(client, "/admin/users/luca/delete")[0] == 200
    audit = client.get("/admin/audit", headers=BROWSER).text
    for label in ("Utente aggiunto", "Ruolo cambiato", "Password cambiata", "Token API emesso",
                  "Token API revocato", "Utente eliminato"):  # fmt: skip
        assert label in audit
    logged = everything_logged(client)
    assert token.group(1) not in logged and "new-password-22" not in logged


def test_admin_forms_without_a_csrf_token_are_refused(client: TestClient) -> None:
    client.get("/admin/users", headers=BROWSER)
    data = {"username": "eve", "role": "admin", "password": "eve-password-1"}
    assert client.post("/admin/users", data=data).status_code == 403
    assert client.post("/admin/users/admin/token").status_code == 403
    assert "<strong>eve</strong>" not in client.get("/admin/users", headers=BROWSER).text


def test_unknown_users_are_404(client: TestClient) -> None:
    assert client.get("/admin/users/nobody/delete", headers=BROWSER).status_code == 404
    assert submit(client, "/admin/users/nobody/role", role="agent")[0] == 404
    assert submit(client, "/admin/users/%3Cscript%3E/token")[0] == 404


def test_the_audit_trail_shows_html_as_text(client: TestClient) -> None:
    resources = client.app.state.resources  # type: ignore[attr-defined]
    with resources.db.write.begin() as conn:
        recording.record_action(
            conn, actor="<i>eve</i>", action="<script>x()</script>",
            details=[("<b>k</b>", "<img src=x onerror=alert(1)>")], now=resources.now(),
        )  # fmt: skip
    page = client.get("/admin/audit", headers=BROWSER).text
    assert "<script>x()" not in page and "<img src=x" not in page and "<i>eve" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_the_audit_trail_pages_back_in_time(client: TestClient) -> None:
    resources = client.app.state.resources  # type: ignore[attr-defined]
    with resources.db.write.begin() as conn:
        for n in range(105):
            recording.record_action(
                conn, actor="admin", action="names/set", details=[("n", str(n))], now=resources.now()
            )
    first = client.get("/admin/audit", headers=BROWSER).text
    older = re.search(r'href="(/admin/audit\?before=\d+)"', first)
    assert older is not None
    second = client.get(html.unescape(older.group(1)), headers=BROWSER).text
    assert "<dd>0</dd>" in second and "<dd>0</dd>" not in first
