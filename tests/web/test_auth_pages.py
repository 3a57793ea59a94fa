"""Logging in and out of the pages: redirects, CSRF, cookies, throttling, roles."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tvox_journey.services import accounts
from tvox_journey.web.security.sessions import SESSION_COOKIE

MakeUser = Callable[..., str]
Login = Callable[[TestClient, str, str], None]
BROWSER = {"Accept": "text/html,application/xhtml+xml"}


def csrf_token(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None, page
    return html.unescape(found.group(1))


def login_form(client: TestClient, next_page: str | None = None) -> str:
    response = client.get("/login", params={"next": next_page} if next_page else None, headers=BROWSER)
    assert response.status_code == 200
    return csrf_token(response.text)


def post_login(client: TestClient, username: str, password: str, next_page: str = "/") -> httpx.Response:
    token = login_form(client)
    data = {"username": username, "password": password, "next": next_page, "csrf_token": token}
    response: httpx.Response = client.post("/login", data=data, headers=BROWSER, follow_redirects=False)
    return response


def test_a_browser_without_a_session_is_sent_to_the_login_page(anonymous_client: TestClient) -> None:
    response = anonymous_client.get("/contacts?q=rossi", headers=BROWSER, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fcontacts%3Fq%3Drossi"
    home = anonymous_client.get("/", headers=BROWSER, follow_redirects=False)
    assert home.headers["location"] == "/login"


def test_a_script_without_credentials_gets_401_json_from_pages_too(anonymous_client: TestClient) -> None:
    response = anonymous_client.get("/contacts", follow_redirects=False)
    assert response.status_code == 401
    assert response.json()["ok"] is False


def test_the_login_page_is_italian_by_default_and_english_on_request(anonymous_client: TestClient) -> None:
    page = anonymous_client.get("/login", headers=BROWSER).text
    assert "Nome utente" in page and 'name="csrf_token"' in page
    assert "User name" in anonymous_client.get("/login?lang=en", headers=BROWSER).text


def test_login_without_a_csrf_token_is_refused(anonymous_client: TestClient) -> None:
    login_form(anonymous_client)  # the browser has its CSRF cookie, but the form lacks the token
    data = {"username": "admin", "password": "admin-password-for-tests"}
    response = anonymous_client.post("/login", data=data, follow_redirects=False)
    assert response.status_code == 403
    assert SESSION_COOKIE not in response.cookies


def test_login_with_a_token_from_another_browser_is_refused(app: FastAPI) -> None:
    with TestClient(app) as first, TestClient(app) as second:
        token = login_form(first)
        login_form(second)
        data = {"username": "admin", "password": "admin-password-for-tests", "csrf_token": token}
        assert second.post("/login", data=data, follow_redirects=False).status_code == 403


def test_login_sets_an_httponly_samesite_session_cookie_and_goes_to_the_page_asked_for(
    anonymous_client: TestClient,
) -> None:
    response = post_login(anonymous_client, "Admin ", "admin-password-for-tests", "/contacts")
    assert response.status_code == 303
    assert response.headers["location"] == "/contacts"
    cookie = next(v for k, v in response.headers.multi_items() if k == "set-cookie" and SESSION_COOKIE in v)
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    assert anonymous_client.get("/contacts", headers=BROWSER).status_code == 200


def test_the_session_cookie_is_secure_over_https(app: FastAPI) -> None:
    with TestClient(app, base_url="https://testserver") as client:
        response = post_login(client, "admin", "admin-password-for-tests")
        cookie = next(
            v for k, v in response.headers.multi_items() if k == "set-cookie" and SESSION_COOKIE in v
        )
        assert "Secure" in cookie


@pytest.mark.parametrize(
    "target", ["//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:x"]
)
def test_login_never_sends_the_browser_to_another_site(anonymous_client: TestClient, target: str) -> None:
    response = post_login(anonymous_client, "admin", "admin-password-for-tests", target)
    assert response.headers["location"] == "/"


def test_a_wrong_password_shows_the_form_again_with_a_message(anonymous_client: TestClient) -> None:
    response = post_login(anonymous_client, "admin", "wrong-password")
    assert response.status_code == 401
    assert "Nome utente o password non corretti" in response.text
    assert SESSION_COOKIE not in anonymous_client.cookies


def test_too_many_wrong_passwords_are_throttled_with_a_clear_message(anonymous_client: TestClient) -> None:
    for _ in range(5):
        assert post_login(anonymous_client, "admin", "wrong-password").status_code == 401
    response = post_login(anonymous_client, "admin", "admin-password-for-tests")
    assert response.status_code == 429
    assert "Troppi tentativi falliti: riprova tra" in response.text
    assert SESSION_COOKIE not in anonymous_client.cookies


def test_logout_ends_the_session(anonymous_client: TestClient, login: Login) -> None:
    login(anonymous_client, "admin", "admin-password-for-tests")
    page = anonymous_client.get("/contacts", headers=BROWSER)
    assert page.status_code == 200 and "Esci" in page.text
    response = anonymous_client.post(
        "/logout", data={"csrf_token": csrf_token(page.text)}, follow_redirects=False
    )
    assert response.headers["location"] == "/login"
    assert anonymous_client.get("/contacts", headers=BROWSER, follow_redirects=False).status_code == 303


def test_logout_without_a_csrf_token_is_refused(anonymous_client: TestClient, login: Login) -> None:
    login(anonymous_client, "admin", "admin-password-for-tests")
    assert anonymous_client.post("/logout", follow_redirects=False).status_code == 403
    assert anonymous_client.get("/contacts", headers=BROWSER).status_code == 200


def test_a_new_password_ends_the_other_sessions(
    anonymous_client: TestClient, login: Login, make_user: MakeUser
) -> None:
    login(anonymous_client, "bob", make_user("bob", "agent"))
    assert anonymous_client.get("/contacts", headers=BROWSER).status_code == 200
    resources = anonymous_client.app.state.resources  # type: ignore[attr-defined]
    with resources.db.write.begin() as conn:
        new_hash = accounts.Passwords(64).hash("another-password")
        accounts.set_password(
            conn, username="bob", password_hash=new_hash, actor="admin", now=resources.now()
        )
    assert anonymous_client.get("/contacts", headers=BROWSER, follow_redirects=False).status_code == 303


def test_a_forged_session_cookie_is_ignored(anonymous_client: TestClient) -> None:
    anonymous_client.cookies.set(SESSION_COOKIE, "eyJ1IjoiYWRtaW4ifQ.forged.signature")
    assert anonymous_client.get("/contacts", headers=BROWSER, follow_redirects=False).status_code == 303


class TestRoles:
    @pytest.fixture
    def viewer(self, anonymous_client: TestClient, login: Login, make_user: MakeUser) -> Iterator[TestClient]:
        login(anonymous_client, "vera", make_user("vera", "viewer"))
        yield anonymous_client

    def contact_id(self, client: TestClient) -> int:
        body = {"name": "Mario", "surname": "Rossi", "numbers": ["0452224600"]}
        response = client.post("/api/v1/contacts", json=body, auth=("admin", "admin-password-for-tests"))
        assert response.status_code == 201
        return int(response.json()["id"])

    def test_a_viewer_reads_the_card_but_cannot_clear_the_journey(self, viewer: TestClient) -> None:
        contact_id = self.contact_id(viewer)
        card = viewer.get(f"/contacts/{contact_id}", headers=BROWSER)
        assert card.status_code == 200
        response = viewer.post(
            f"/contacts/{contact_id}/clear",
            data={"csrf_token": csrf_token(card.text)},
            follow_redirects=False,
        )
        assert response.status_code == 403

    def test_a_viewer_cannot_open_the_user_admin_pages(self, viewer: TestClient) -> None:
        for path in ("/admin/users", "/admin/audit"):
            assert viewer.get(path, headers=BROWSER).status_code == 403

    def test_an_agent_clears_a_journey_and_the_audit_trail_names_them(
        self, anonymous_client: TestClient, login: Login, make_user: MakeUser
    ) -> None:
        login(anonymous_client, "anna", make_user("anna", "agent"))
        contact_id = self.contact_id(anonymous_client)
        card = anonymous_client.get(f"/contacts/{contact_id}", headers=BROWSER)
        response = anonymous_client.post(
            f"/contacts/{contact_id}/clear",
            data={"csrf_token": csrf_token(card.text)},
            follow_redirects=False,
        )
        assert response.status_code == 303
        audit = anonymous_client.get(
            "/admin/audit", headers=BROWSER, auth=("admin", "admin-password-for-tests")
        )
        assert "Journey cancellata" in audit.text and "anna" in audit.text
