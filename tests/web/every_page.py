"""Request every page and API endpoint of the app as the admin, with ids that exist: which answer 5xx?

The routes are enumerated from the app itself, so a page added later is checked
too. Path parameters are filled with every contact id, call id and number in the
database; journeys are followed page after page through their cursors. Webhook
routes (they record events) and the live stream (it never ends) are left out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import quote

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import select

from tvox_journey.ingest.contract import TUTORIAL_ROUTES
from tvox_journey.store.schema import contact_numbers, contacts, interactions

WEBHOOKS = {f"/{route}{suffix}" for route in TUTORIAL_ROUTES for suffix in ("", ".php")}
SKIPPED = {"/events"}  # the live stream: tests/web/test_pages_stream.py
# Query strings worth trying on routes that take them (every route is also requested without).
QUERIES: dict[str, list[dict[str, str]]] = {
    "/api/v1/interactions": [{"state": "live"}, {"state": "unknown"}],
    "/api/v1/search/interactions": [{"popup": "a"}, {"popup": "%"}],
    "/api/v1/contacts": [{"q": "0"}, {"q": "a"}],
    "/contacts": [{"q": "0"}, {"q": "a"}],
    "/log": [
        {"outcome": "accepted"}, {"outcome": "rejected"}, {"number": "0452224600"}, {"text": "a"},
        {"since": "2000-01-01", "until": "2100-01-01"}, {"route": "service/ring", "outcome": "duplicate"},
        {"call_id": "c1", "text": "%"}, {"since": "0001-01-01"}, {"until": "9999-12-31"}, {"cursor": "x"},
    ],
    "/api/v1/log": [
        {"outcome": "unrecognized"}, {"number": "+39 045 222 4600", "limit": "1"}, {"text": "é"},
        {"since": "2000-01-01T00:00Z", "route": "tvox/events"}, {"call_id": "c1"}, {"until": "bad"},
    ],
    "/log/replay": [{"outcome": "rejected"}, {"outcome": "unrecognized", "route": "tvox/events"}],
    "/interactions/{call_id:path}": [{"order": "arrival"}, {"order": "time"}],
}  # fmt: skip
VALUES_EACH = 8  # existing values tried per path parameter
PAGES_FOLLOWED = 20  # journey pages followed through their cursors, at most
NEXT_CURSOR = re.compile(r'href="(/contacts/\d+(?:/journey)?\?after=[^"]+)"')
NEXT_LOG_PAGE = re.compile(r'rel="next" href="(/log\?[^"]+)"')
PARAMETER = re.compile(r"\{([^}:]+)(?::[^}]+)?\}")


def endpoints(routes: Iterable[Any]) -> Iterator[tuple[str, set[str]]]:
    """(path, methods) of every route, through included routers (FastAPI resolves those lazily)."""
    for route in routes:
        nested = getattr(route, "effective_candidates", None)
        if nested is not None:
            yield from endpoints(nested())
        elif getattr(route, "methods", None) and getattr(route, "endpoint", None):
            yield route.path, set(route.methods)


def readable_paths(client: TestClient) -> list[str]:
    """Every GET route but the webhooks and the stream, as declared (`{contact_id}` and all)."""
    paths = {
        path
        for path, methods in endpoints(client.app.routes)  # type: ignore[attr-defined]
        if "GET" in methods and path not in WEBHOOKS and path not in SKIPPED and not path.startswith("/tvox/")
    }
    return sorted(paths)


def _values(client: TestClient) -> dict[str, list[str]]:
    """Values that exist, for each kind of path parameter."""
    db = client.app.state.resources.db  # type: ignore[attr-defined]
    with db.read.connect() as conn:
        contact_ids = [str(i) for i in conn.execute(select(contacts.c.id)).scalars()]
        call_ids = list(conn.execute(select(interactions.c.call_id)).scalars())
        numbers = list(conn.execute(select(contact_numbers.c.raw)).scalars())
        numbers += [n for n in conn.execute(select(interactions.c.number_key)).scalars() if n]
    # The latest few of each: the checks stay quick however much a test has stored.
    return {
        "contact_id": contact_ids[-VALUES_EACH:] or ["1"],
        "call_id": call_ids[-VALUES_EACH:] or ["none"],
        "number": numbers[-VALUES_EACH:] or ["0452224600"],
        "username": ["admin"],
    }


def concrete_paths(path: str, values: dict[str, list[str]]) -> list[str]:
    """`path` with each of its parameters filled by every existing value (percent-encoded)."""
    names = PARAMETER.findall(path)
    if not names:
        return [path]
    filled = [path]
    for name in names:
        choices = values.get(name, ["1"])
        pattern = re.compile(r"\{" + re.escape(name) + r"(?::[^}]+)?\}")
        filled = [
            pattern.sub(quote(v, safe="").replace("\\", "\\\\"), p, count=1) for p in filled for v in choices
        ]
    return filled


def _get(client: TestClient, url: str, params: dict[str, str] | None = None) -> httpx.Response:
    api = url.startswith("/api/") or url.endswith(".json")
    headers = {"Accept": "application/json" if api else "text/html"}
    return client.get(url, params=params, headers=headers, follow_redirects=False)


def server_errors(client: TestClient) -> list[str]:
    """`METHOD url -> status` of every request that answered 5xx; empty when none did."""
    failures: list[str] = []

    def check(response: httpx.Response) -> httpx.Response:
        if response.status_code >= 500:
            failures.append(f"GET {response.request.url} -> {response.status_code}: {response.text[:300]}")
        return response

    values = _values(client)
    for declared in readable_paths(client):
        for url in concrete_paths(declared, values):
            check(_get(client, url))
            for params in QUERIES.get(declared, []):
                check(_get(client, url, params))
            if declared == "/api/v1/contacts/{contact_id}/journey":
                for limit in ("1", "7"):
                    _follow_api(client, url, limit, check)
            if declared in ("/contacts/{contact_id}", "/contacts/{contact_id:int}"):
                _follow_card(client, url, check)
            if declared == "/api/v1/log":
                _follow_api(client, url, "3", check)
            if declared == "/log":
                _follow_log(client, check)
    return failures


def _follow_api(client: TestClient, url: str, limit: str, check: Any) -> None:
    params = {"limit": limit}
    for _ in range(PAGES_FOLLOWED):
        response = check(_get(client, url, params))
        cursor = response.json().get("next_cursor") if response.status_code == 200 else None
        if not cursor:
            return
        params = {"limit": limit, "cursor": cursor}


def _follow_card(client: TestClient, url: str, check: Any) -> None:
    for _ in range(PAGES_FOLLOWED):
        response = check(_get(client, url))
        found = NEXT_CURSOR.search(response.text) if response.status_code == 200 else None
        if found is None:
            return
        url = found.group(1).replace("&amp;", "&")


def _follow_log(client: TestClient, check: Any) -> None:
    url = "/log"
    for _ in range(PAGES_FOLLOWED):
        response = check(_get(client, url))
        found = NEXT_LOG_PAGE.search(response.text) if response.status_code == 200 else None
        if found is None:
            return
        url = found.group(1).replace("&amp;", "&")
