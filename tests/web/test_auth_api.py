"""The JSON API's users and roles: Basic or token, viewer reads, agent writes, throttled guessing."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tvox_journey.services import accounts
from tvox_journey.store.schema import event_log

CONTACT = {"name": "Mario", "surname": "Rossi", "numbers": ["0452224600"]}
MakeUser = Callable[..., str]


def issue_token(client: TestClient, username: str) -> str:
    resources = client.app.state.resources  # type: ignore[attr-defined]
    with resources.db.write.begin() as conn:
        return accounts.issue_token(conn, username=username, actor="tests", now=resources.now())


def actions(client: TestClient) -> list[tuple[str, str | None]]:
    db = client.app.state.resources.db  # type: ignore[attr-defined]
    query = select(event_log.c.route, event_log.c.actor).where(event_log.c.outcome == "action")
    with db.read.connect() as conn:
        return [(r.route, r.actor) for r in conn.execute(query.order_by(event_log.c.seq))]


def test_api_without_credentials_is_401_json(anonymous_client: TestClient) -> None:
    response = anonymous_client.get("/api/v1/contacts", headers={"Accept": "text/html"})
    assert response.status_code == 401
    assert response.json()["ok"] is False
    assert response.headers["www-authenticate"].startswith("Basic")


def test_api_with_a_wrong_password_is_401(anonymous_client: TestClient) -> None:
    response = anonymous_client.get("/api/v1/contacts", auth=("admin", "not-the-password"))
    assert response.status_code == 401
    assert response.json()["error"] == "wrong user name or password"


def test_viewer_reads_but_cannot_write(anonymous_client: TestClient, make_user: MakeUser) -> None:
    auth = ("vera", make_user("vera", "viewer"))
    assert anonymous_client.get("/api/v1/contacts", auth=auth).status_code == 200
    response = anonymous_client.post("/api/v1/contacts", json=CONTACT, auth=auth)
    assert response.status_code == 403
    assert response.json()["error"] == "requires the agent role"


def test_agent_writes_and_the_audit_trail_names_them(
    anonymous_client: TestClient, make_user: MakeUser
) -> None:
    auth = ("anna", make_user("anna", "agent"))
    created = anonymous_client.post("/api/v1/contacts", json=CONTACT, auth=auth)
    assert created.status_code == 201
    url = f"/api/v1/contacts/{created.json()['id']}"
    assert anonymous_client.put(url, json={**CONTACT, "company": "ACME"}, auth=auth).status_code == 200
    assert anonymous_client.delete(url, auth=auth).status_code == 204
    assert actions(anonymous_client)[-3:] == [
        ("contact/create", "anna"),
        ("contact/update", "anna"),
        ("contact/delete", "anna"),
    ]


def test_api_token_authenticates_and_a_wrong_one_is_401(
    anonymous_client: TestClient, make_user: MakeUser
) -> None:
    make_user("robot", "agent")
    token = issue_token(anonymous_client, "robot")
    headers = {"Authorization": f"Bearer {token}"}
    assert anonymous_client.post("/api/v1/contacts", json=CONTACT, headers=headers).status_code == 201
    assert actions(anonymous_client)[-1] == ("contact/create", "robot")
    wrong = {"Authorization": f"Bearer {token[:-2]}xx"}
    assert anonymous_client.get("/api/v1/contacts", headers=wrong).status_code == 401


def test_a_new_token_replaces_the_old_one(anonymous_client: TestClient, make_user: MakeUser) -> None:
    make_user("robot", "viewer")
    old = issue_token(anonymous_client, "robot")
    new = issue_token(anonymous_client, "robot")
    assert (
        anonymous_client.get("/api/v1/contacts", headers={"Authorization": f"Bearer {new}"}).status_code
        == 200
    )
    assert (
        anonymous_client.get("/api/v1/contacts", headers={"Authorization": f"Bearer {old}"}).status_code
        == 401
    )


def test_repeated_wrong_passwords_are_throttled_even_when_the_next_one_is_right(
    anonymous_client: TestClient, make_user: MakeUser
) -> None:
    password = make_user("bob", "viewer")
    for _ in range(5):
        assert anonymous_client.get("/api/v1/contacts", auth=("bob", "wrong-password")).status_code == 401
    throttled = anonymous_client.get("/api/v1/contacts", auth=("bob", password))
    assert throttled.status_code == 429
    assert int(throttled.headers["retry-after"]) > 0
    assert "try again" in throttled.json()["error"]
    # Another user from the same address is not affected.
    assert (
        anonymous_client.get("/api/v1/contacts", auth=("admin", "admin-password-for-tests")).status_code
        == 200
    )


def test_a_browser_write_from_another_site_is_refused(client: TestClient) -> None:
    cross_site = client.post("/api/v1/contacts", json=CONTACT, headers={"Sec-Fetch-Site": "cross-site"})
    assert cross_site.status_code == 403
    other_origin = client.post("/api/v1/contacts", json=CONTACT, headers={"Origin": "https://evil.example"})
    assert other_origin.status_code == 403
    same_origin = client.post("/api/v1/contacts", json=CONTACT, headers={"Sec-Fetch-Site": "same-origin"})
    assert same_origin.status_code == 201


def test_a_token_client_is_not_a_browser_and_may_send_any_origin(
    anonymous_client: TestClient, make_user: MakeUser
) -> None:
    make_user("robot", "agent")
    headers = {
        "Authorization": f"Bearer {issue_token(anonymous_client, 'robot')}",
        "Origin": "https://app.example",
    }
    assert anonymous_client.post("/api/v1/contacts", json=CONTACT, headers=headers).status_code == 201


def test_api_body_over_the_limit_is_413(client: TestClient) -> None:
    body = b'{"name": "' + b"x" * 300_000 + b'"}'
    response = client.post("/api/v1/contacts", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 413


@pytest.mark.parametrize("path", ["/healthz", "/api/openapi.json"])
def test_health_and_the_api_schema_need_no_login(anonymous_client: TestClient, path: str) -> None:
    assert anonymous_client.get(path).status_code == 200


def test_every_response_carries_the_security_headers(anonymous_client: TestClient) -> None:
    for response in (anonymous_client.get("/healthz"), anonymous_client.get("/api/v1/contacts")):
        policy = response.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "frame-ancestors 'self'" in policy
        assert "unsafe-inline" not in policy
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "same-origin"
