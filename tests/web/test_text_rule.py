"""One rule for client text on every channel but the webhooks: no control characters, before the database.

The guard test walks every route the app has (a new one is covered without editing this file)
and sends control characters in its path, in every query parameter and form field any route
or template knows, and in JSON bodies: never a 5xx, and no NUL anywhere in the database.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.web.pages_helpers import HTML, add_contact, csrf_token
from tests.web.test_security_routes import concrete, endpoints

from tvox_journey.store import schema
from tvox_journey.web.guard import text_rule
from tvox_journey.web.guard.middleware import WEBHOOK, channel

TEMPLATES = Path(__file__).parents[2] / "src" / "tvox_journey" / "web" / "templates"
BAD = ("\x00", "\x1b[31m", "\n", "\x7f", "\x9b")


def known_names(app: Any) -> list[str]:
    """Every query parameter a route declares and every form field a template has."""
    names = {"q", "x", "next", "lang"}
    for route in _api_routes(app.routes):
        names.update(p.alias for p in route.dependant.query_params)
    for template in TEMPLATES.rglob("*.html"):
        names.update(re.findall(r'name="([a-z_]+)"', template.read_text(encoding="utf-8")))
    return sorted(names - {"csrf_token"})


def _api_routes(routes: Any) -> Iterator[Any]:
    for route in routes:
        nested = getattr(route, "effective_candidates", None)
        if nested is not None:
            for candidate in nested():
                yield from _api_routes([getattr(candidate, "original_route", candidate)])
        elif getattr(route, "dependant", None) is not None:
            yield route


def with_params(path: str, value: str) -> str:
    """`path` with `value` in each string parameter (and 1 in the int ones)."""
    return concrete(re.sub(r"\{([^}:]+)\}", lambda _m: value, path))


def stored_nul(client: TestClient) -> list[str]:
    """Where a NUL is stored: every text value of every table (JSON columns included)."""
    found = []

    def walk(value: object, where: str) -> None:
        if isinstance(value, str) and "\x00" in value:
            found.append(where)
        elif isinstance(value, dict):
            for inner in value.values():
                walk(inner, where)
        elif isinstance(value, list | tuple):
            for inner in value:
                walk(inner, where)

    db = client.app.state.resources.db  # type: ignore[attr-defined]
    with db.read.connect() as conn:
        for table in schema.metadata.sorted_tables:
            for row in conn.execute(select(table)):
                walk(list(row), table.name)
    return found


def test_no_route_answers_5xx_or_stores_a_nul_for_control_characters(client: TestClient) -> None:
    app = client.app
    add_contact(client)
    names = known_names(app)
    assert {"q", "number", "username", "code", "incoming"} <= set(names)
    token = csrf_token(client)
    checked = 0
    for path, methods in endpoints(app.routes):  # type: ignore[attr-defined]
        if channel(path) == WEBHOOK or path in ("/logout", "/events", "/api/v1/events"):
            continue  # webhooks are recorded as received; logging out would end the test's session
        for method in sorted(methods - {"HEAD"}):
            data = {"csrf_token": token} if method in ("POST", "PUT") else None
            # Each bad character in every path parameter, then in every query parameter and form field.
            requests: list[tuple[str, dict[str, str], dict[str, str] | None]] = [
                (with_params(path, f"1{quote(bad)}"), {}, data) for bad in BAD
            ]
            requests += [(concrete(path), dict.fromkeys(names, f"06{bad}11"), data) for bad in BAD]
            if data is not None:
                requests += [
                    (concrete(path), {}, {**data, **dict.fromkeys(names, f"06{bad}11")}) for bad in BAD
                ]
            for url, query, form in requests:
                response = client.request(
                    method, url, params=query, data=form, headers=HTML, follow_redirects=False
                )
                assert response.status_code < 500, (method, url, query, form, response.text)
                checked += 1
            if data is not None:
                for bad in BAD:
                    body = {"name": f"a{bad}", "numbers": [f"06{bad}11"], "surname": "x"}
                    response = client.request(method, concrete(path), json=body)
                    assert response.status_code < 500, (method, path, repr(bad), response.text)
    assert checked > 500
    assert stored_nul(client) == []


@pytest.mark.parametrize(
    ("method", "url", "data", "field"),
    [
        ("GET", "/contacts?q=%00", None, "query.q"),
        ("GET", "/lookup?number=06%0011", None, "query.number"),
        ("GET", "/api/v1/contacts?q=%00", None, "query.q"),
        ("GET", "/api/v1/interactions/%00", None, "path"),
        ("POST", "/contacts/new", {"name": "Mario", "number": "06\x0011"}, "body.number"),
        ("POST", "/names", {"kind": "agent", "code": "o\x00p", "name": "Op"}, "body.code"),
    ],
)
def test_control_characters_are_a_422_naming_the_field_on_both_databases(
    client: TestClient, method: str, url: str, data: dict[str, str] | None, field: str
) -> None:
    if data is not None:
        data = {**data, "csrf_token": csrf_token(client)}
    response = client.request(method, url, data=data)
    assert response.status_code == 422
    assert response.json()["error"].startswith(f"{field}: contains a control character (U+0000)")
    assert response.headers["cache-control"] == "no-store"
    assert stored_nul(client) == []


def test_a_page_refusal_is_an_error_page_saying_what_is_wrong(client: TestClient) -> None:
    data = {"name": "Mario", "number": "06\x0011", "csrf_token": csrf_token(client)}
    response = client.post("/contacts/new", data=data, headers=HTML)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert "carattere di controllo" in response.text and "body.number" in response.text
    with client.app.state.resources.db.read.connect() as conn:  # type: ignore[attr-defined]
        assert conn.execute(select(schema.contacts)).all() == []


def test_a_nul_in_the_login_user_name_is_refused_before_any_lookup(anonymous_client: TestClient) -> None:
    response = anonymous_client.post("/login", data={"username": "ad\x00min", "password": "x"})
    assert response.status_code == 422
    assert response.json()["error"].startswith("body.username: contains a control character")


@pytest.mark.parametrize("value", ["a\u0000", "\ud800", "tab\there", "esc\x1b", "c1\x85"])
def test_the_api_refuses_every_kind_of_control_character_in_json(client: TestClient, value: str) -> None:
    body = json.dumps({"name": value, "numbers": []})  # control characters and surrogates as \u escapes
    response = client.post("/api/v1/contacts", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422, response.text
    assert response.json()["error"].startswith("body.name: contains a control character")


def test_printable_text_of_any_script_passes(client: TestClient) -> None:
    body = {"name": "Zoë Łukasz 李 😀", "surname": "D'Angelo <b>", "numbers": ["+39 06 1234 5678"]}
    response = client.post("/api/v1/contacts", json=body)
    assert response.status_code == 201, response.text
    assert response.json()["name"] == "Zoë Łukasz 李 😀"


def test_webhooks_are_not_refused_for_control_characters_and_store_no_nul(client: TestClient) -> None:
    params = {
        "dateTime": "2024-01-01T10:00:00Z", "callId": "c1", "agent": "op1", "service": "cc",
        "callerNumber": "0612345678", "note": "a\x00b",
    }  # fmt: skip
    assert client.get("/service/ring", params=params).status_code == 200
    assert stored_nul(client) == []


def test_escaping_writes_every_control_character_visibly() -> None:
    assert text_rule.escape_controls("a\x00b\nc\x1b[0m\x9b\ud800") == "a\\x00b\\nc\\x1b[0m\\x9b\\ud800"
    assert text_rule.escape_controls("Zoë 😀") == "Zoë 😀"
