"""Who sees the reports: supervisors and admins. A supervisor reads everything a viewer reads, the
reports too, and changes nothing: every route that needs the admin or the agent role refuses them,
found by walking the app's routes (a route added later is covered without editing this test)."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.testclient import TestClient

from tvox_journey.services import accounts

PASSWORD = "password-for-tests"
REPORT_PATHS = (
    "/reports",
    "/reports.csv?report=agents",
    "/api/v1/reports/daily",
    "/api/v1/reports/services",
    "/api/v1/reports/agents",
    "/api/v1/reports/heatmap",
)


def _roles(dependant: Dependant) -> Iterator[str]:
    for dependency in dependant.dependencies:
        role = getattr(dependency.call, "required_role", None)
        if role is not None:
            yield role
        yield from _roles(dependency)


def _routes(routes: Iterable[Any]) -> Iterator[Any]:
    """Every route with its dependencies, through included routers (FastAPI resolves those lazily)."""
    for route in routes:
        nested = getattr(route, "effective_candidates", None)
        if nested is not None:
            yield from _routes(nested())
        elif getattr(route, "dependant", None) is not None and getattr(route, "methods", None):
            yield route


def routes_needing(app: FastAPI, *roles: str) -> list[tuple[str, str]]:
    """(method, path with its parameters filled) of every route whose dependencies require a role."""
    found = []
    for route in _routes(app.routes):
        if set(_roles(route.dependant)) & set(roles):
            path = re.sub(r"\{[^}]+\}", "1", route.path)
            found += [(method, path) for method in sorted(route.methods or ())]
    return found


def logged_in(client: TestClient, username: str) -> str:
    """Log in through the form; returns a CSRF token valid for the client's cookie."""
    client.auth = None
    form = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None
    csrf = html.unescape(token.group(1))
    data = {"username": username, "password": PASSWORD, "csrf_token": csrf}
    assert client.post("/login", data=data, follow_redirects=False).status_code == 303
    return csrf


def test_the_roles_are_not_a_ladder() -> None:
    allowed = {(r, n) for r in accounts.ROLES for n in accounts.ROLES if accounts.is_role_at_least(r, n)}
    assert allowed == {
        ("viewer", "viewer"),
        ("agent", "viewer"),
        ("agent", "agent"),
        ("supervisor", "viewer"),
        ("supervisor", "supervisor"),
        *(("admin", n) for n in accounts.ROLES),
    }


def test_a_supervisor_is_refused_on_every_route_that_administers_or_writes(
    app: FastAPI, client: TestClient, make_user: Callable[..., str]
) -> None:
    make_user("boss", "supervisor", PASSWORD)
    csrf = logged_in(client, "boss")
    refused = routes_needing(app, "admin", "agent")
    paths = {path for _, path in refused}
    assert {"/admin/users", "/names", "/log", "/mappings", "/api/v1/log", "/contacts/new"} <= paths, paths
    assert any(method == "POST" for method, _ in refused)
    for method, path in refused:
        response = client.request(method, path, headers={"X-CSRF-Token": csrf, "Accept": "application/json"})
        assert response.status_code == 403, (method, path, response.status_code, response.text[:200])
        assert "requires the" in response.text, (method, path, response.text[:300])


def test_a_supervisor_sees_the_reports_the_cards_and_the_lists(
    client: TestClient, make_user: Callable[..., str]
) -> None:
    contact = client.post(
        "/api/v1/contacts", json={"name": "Mario", "surname": "Rossi", "numbers": ["0452224600"]}
    )
    assert contact.status_code in (200, 201), contact.text
    contact_id = contact.json()["id"]
    make_user("boss", "supervisor", PASSWORD)
    logged_in(client, "boss")
    for path in (
        *REPORT_PATHS,
        "/",
        "/contacts",
        f"/contacts/{contact_id}",
        "/live",
        "/callbacks",
        "/unknown",
    ):
        response = client.get(path)
        assert response.status_code == 200, (path, response.text[:300])
    home = client.get("/reports").text
    assert 'href="/reports"' in home and 'href="/admin/users"' not in home and 'href="/log"' not in home
    assert "/contacts/new" not in client.get("/contacts").text  # no writing link either


@pytest.mark.parametrize("role", ["viewer", "agent"])
def test_viewers_and_agents_see_no_report(
    role: str, app: FastAPI, client: TestClient, make_user: Callable[..., str]
) -> None:
    assert {path for _, path in routes_needing(app, "supervisor")} >= {p.split("?")[0] for p in REPORT_PATHS}
    make_user("someone", role, PASSWORD)
    logged_in(client, "someone")
    for path in REPORT_PATHS:
        response = client.get(path)
        assert response.status_code == 403, (path, response.status_code)
    assert 'href="/reports"' not in client.get("/contacts").text


def test_an_admin_sees_the_reports(client: TestClient) -> None:
    for path in REPORT_PATHS:
        response: Any = client.get(path)
        assert response.status_code == 200, (path, response.text[:300])
