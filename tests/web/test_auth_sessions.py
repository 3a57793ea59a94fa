"""Sessions end on the server: logout, a new password, a new role and removal refuse the old cookie,
in every app sharing the database, and a second app accepts a session the first one opened."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tvox_journey.settings import Settings
from tvox_journey.store.schema import sessions
from tvox_journey.web.app import create_app
from tvox_journey.web.security.sessions import SESSION_COOKIE

MakeUser = Callable[..., str]
Login = Callable[[TestClient, str, str], None]
BROWSER = {"Accept": "text/html,application/xhtml+xml"}
ADMIN = ("admin", "admin-password-for-tests")


def csrf_token(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None, page
    return html.unescape(found.group(1))


def status_with_cookie(app: FastAPI, cookie: str) -> int:
    """What a browser holding only this session cookie gets for /contacts (200, or 303 to /login)."""
    other = TestClient(app)  # no lifespan of its own: it shares the running app's resources
    other.cookies.set(SESSION_COOKIE, cookie)
    return other.get("/contacts", headers=BROWSER, follow_redirects=False).status_code


def logged_in_cookie(client: TestClient, login: Login, username: str, password: str) -> str:
    login(client, username, password)
    cookie = client.cookies.get(SESSION_COOKIE)
    assert cookie
    return cookie


def admin_post(client: TestClient, path: str, **fields: str) -> int:
    token = csrf_token(client.get("/admin/users", headers=BROWSER, auth=ADMIN).text)
    response = client.post(path, data={**fields, "csrf_token": token}, headers=BROWSER, auth=ADMIN)
    return response.status_code


def open_sessions(app: FastAPI) -> int:
    with app.state.resources.db.read.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(sessions)).scalar_one())


def test_a_cookie_copied_before_logout_is_refused_after_it(
    anonymous_client: TestClient, app: FastAPI, login: Login
) -> None:
    cookie = logged_in_cookie(anonymous_client, login, *ADMIN)
    assert status_with_cookie(app, cookie) == 200
    page = anonymous_client.get("/contacts", headers=BROWSER)
    logout = anonymous_client.post(
        "/logout", data={"csrf_token": csrf_token(page.text)}, follow_redirects=False
    )
    assert logout.status_code == 303
    assert status_with_cookie(app, cookie) == 303
    assert open_sessions(app) == 0


def test_logout_ends_only_that_session(app: FastAPI, login: Login) -> None:
    with TestClient(app) as first:
        kept = logged_in_cookie(TestClient(app), login, *ADMIN)
        logged_in_cookie(first, login, *ADMIN)
        page = first.get("/contacts", headers=BROWSER)
        first.post("/logout", data={"csrf_token": csrf_token(page.text)})
        assert status_with_cookie(app, kept) == 200


def test_a_new_password_set_by_an_admin_ends_the_users_sessions(
    client: TestClient, app: FastAPI, login: Login, make_user: MakeUser
) -> None:
    cookie = logged_in_cookie(TestClient(app), login, "bob", make_user("bob", "agent"))
    assert admin_post(client, "/admin/users/bob/password", password="a-new-password-1") == 200
    assert status_with_cookie(app, cookie) == 303


def test_a_role_change_ends_the_users_sessions(
    client: TestClient, app: FastAPI, login: Login, make_user: MakeUser
) -> None:
    cookie = logged_in_cookie(TestClient(app), login, "bob", make_user("bob", "agent"))
    assert admin_post(client, "/admin/users/bob/role", role="viewer") == 200
    assert status_with_cookie(app, cookie) == 303


def test_removing_a_user_ends_their_sessions(
    client: TestClient, app: FastAPI, login: Login, make_user: MakeUser
) -> None:
    cookie = logged_in_cookie(TestClient(app), login, "bob", make_user("bob", "agent"))
    assert admin_post(client, "/admin/users/bob/delete") == 200
    assert status_with_cookie(app, cookie) == 303
    assert open_sessions(app) == 0


def test_a_session_of_one_app_works_on_another_and_a_logout_on_one_is_refused_by_the_other(
    settings: Settings, login: Login
) -> None:
    assert settings.secret_key is None  # the two apps share the key kept in the database
    first, second = create_app(settings), create_app(settings)
    with TestClient(first) as one, TestClient(second) as two:
        cookie = logged_in_cookie(one, login, *ADMIN)
        two.cookies.set(SESSION_COOKIE, cookie)
        page = two.get("/contacts", headers=BROWSER, follow_redirects=False)
        assert page.status_code == 200
        # The CSRF token made by the second app is good on the first one too (same key).
        token = csrf_token(page.text)
        one.cookies.set("tvox_journey_csrf", two.cookies.get("tvox_journey_csrf") or "")
        assert one.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 303
        assert two.get("/contacts", headers=BROWSER, follow_redirects=False).status_code == 303


def test_a_password_change_in_one_app_refuses_a_remembered_basic_credential_in_another(
    settings: Settings, make_user: MakeUser
) -> None:
    first, second = create_app(settings), create_app(settings)
    with TestClient(first) as one, TestClient(second) as two:
        password = make_user_in(one, "carla")
        assert two.get("/api/v1/contacts", auth=("carla", password)).status_code == 200
        assert admin_post(one, "/admin/users/carla/password", password="a-new-password-1") == 200
        assert two.get("/api/v1/contacts", auth=("carla", password)).status_code == 401
        assert two.get("/api/v1/contacts", auth=("carla", "a-new-password-1")).status_code == 200


def make_user_in(client: TestClient, username: str) -> str:
    password = "password-for-tests"
    fields = {"username": username, "role": "agent", "password": password}
    assert admin_post(client, "/admin/users", **fields) == 200
    return password


def test_expired_sessions_are_refused(settings: Settings, login: Login) -> None:
    app = create_app(settings.model_copy(update={"session_max_age_hours": 1}))
    with TestClient(app) as client:
        cookie = logged_in_cookie(client, login, *ADMIN)
        with app.state.resources.db.write.begin() as conn:
            conn.execute(sessions.update().values(expires_at=app.state.resources.now()))
        assert status_with_cookie(app, cookie) == 303
