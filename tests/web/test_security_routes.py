"""Every route a client can reach needs a login, except the few that are public on purpose."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from fastapi.testclient import TestClient

from tvox_journey.ingest.contract import TUTORIAL_ROUTES

WEBHOOKS = {f"/{route}{suffix}" for route in TUTORIAL_ROUTES for suffix in ("", ".php")}
PUBLIC = {"/healthz", "/login", "/api/openapi.json", "/api/docs", "/docs/oauth2-redirect"}
# Routes with an access rule of their own, tested with them: /metrics takes a bearer token or an
# allowed address, never a user's login, and is off (404) unless configured (tests/web/test_metrics.py).
OWN_ACCESS = {"/metrics"}


def is_public(path: str) -> bool:
    return path in PUBLIC or path in OWN_ACCESS or path in WEBHOOKS or path.startswith("/tvox/events")


def endpoints(routes: Iterable[Any]) -> Iterator[tuple[str, set[str]]]:
    """(path, methods) of every route, through included routers (FastAPI resolves those lazily)."""
    for route in routes:
        nested = getattr(route, "effective_candidates", None)
        if nested is not None:
            yield from endpoints(nested())
        elif getattr(route, "methods", None) and getattr(route, "endpoint", None):
            yield route.path, set(route.methods)


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def test_every_private_route_refuses_a_request_without_credentials(anonymous_client: TestClient) -> None:
    checked = []
    for path, methods in endpoints(anonymous_client.app.routes):  # type: ignore[attr-defined]
        if is_public(path):
            continue
        for method in sorted(methods - {"HEAD"}):
            response = anonymous_client.request(method, concrete(path), follow_redirects=False)
            assert response.status_code in (401, 403), (method, path, response.status_code)
            checked.append((method, path))
    assert ("GET", "/api/v1/contacts") in checked and ("POST", "/admin/users") in checked


def test_every_private_page_sends_a_browser_to_the_login_form(anonymous_client: TestClient) -> None:
    pages = [
        path
        for path, methods in endpoints(anonymous_client.app.routes)  # type: ignore[attr-defined]
        if "GET" in methods
        and not is_public(path)
        and not path.startswith("/api/")
        and not path.endswith(".json")
    ]
    assert "/contacts" in pages and "/admin/audit" in pages
    for path in pages:
        response = anonymous_client.get(
            concrete(path), headers={"Accept": "text/html"}, follow_redirects=False
        )
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/login"), path
