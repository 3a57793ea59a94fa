"""Request limits answer in each channel's own shape, and the trailing-slash redirect names no host."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.web.pages_helpers import HTML, csrf_token

from tvox_journey.store import schema
from tvox_journey.web.guard.log_safety import escape_record_args

LIMIT = 262144  # TVOX_JOURNEY_MAX_API_BODY_BYTES, default


def chunks(total: int, size: int = 16384) -> Iterator[bytes]:
    """A body sent chunked (no Content-Length)."""
    for _ in range(total // size + 1):
        yield b"x" * size


def rejected_rows(client: TestClient) -> list[tuple[str, int, str]]:
    with client.app.state.resources.db.read.connect() as conn:  # type: ignore[attr-defined]
        query = select(schema.event_log.c.route, schema.event_log.c.status_code, schema.event_log.c.reason)
        return [tuple(row) for row in conn.execute(query.where(schema.event_log.c.outcome == "rejected"))]


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_an_oversized_api_body_is_the_json_413_either_way(client: TestClient, chunked: bool) -> None:
    content = chunks(LIMIT) if chunked else b"x" * (LIMIT + 1)
    response = client.post("/api/v1/contacts", content=content, headers={"content-type": "application/json"})
    assert response.status_code == 413
    body = response.json()
    assert body.pop("request_id") == response.headers["x-request-id"]
    assert body == {"ok": False, "status": 413, "error": f"body larger than {LIMIT} bytes"}
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
@pytest.mark.parametrize("path", ["/login", "/contacts/new", "/names"])
def test_an_oversized_form_is_the_html_413_page_either_way(
    client: TestClient, path: str, chunked: bool
) -> None:
    content = chunks(LIMIT) if chunked else b"a=" + b"x" * LIMIT
    headers = {**HTML, "content-type": "application/x-www-form-urlencoded"}
    response = client.post(path, content=content, headers=headers)
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("text/html")
    assert "Richiesta troppo grande" in response.text


def test_an_oversized_webhook_body_keeps_the_logged_webhook_shape(client: TestClient) -> None:
    response = client.post("/service/ring", content=b"a=" + b"x" * 70000)
    assert response.status_code == 413
    assert response.json()["ok"] is False
    assert [r[:2] for r in rejected_rows(client)] == [("service/ring", 413)]


def test_a_long_query_is_a_414_in_each_channel_shape_and_logged_for_webhooks(client: TestClient) -> None:
    long = "a" * 40000
    api = client.get(f"/api/v1/contacts?q={long}")
    assert api.status_code == 414
    assert api.json()["error"] == "query string longer than 32768 bytes"
    page = client.get(f"/contacts?q={long}", headers=HTML)
    assert page.status_code == 414 and "Indirizzo troppo lungo" in page.text
    webhook = client.get(f"/service/ring?callId={long}")
    assert webhook.status_code == 414 and webhook.json()["error"] == "query string longer than 32768 bytes"
    assert rejected_rows(client) == [("service/ring", 414, "query string longer than 32768 bytes")]


def test_oversized_headers_are_a_431(client: TestClient) -> None:
    response = client.get("/api/v1/contacts", headers={"x-big": "y" * 70000})
    assert response.status_code == 431
    assert response.json()["error"] == "headers larger than 65536 bytes"


@pytest.mark.parametrize("path", ["/contacts/", "/api/v1/contacts/", "/admin/users/"])
def test_the_trailing_slash_redirect_is_relative_whatever_the_host(client: TestClient, path: str) -> None:
    response = client.get(f"{path}?q=x", headers={"host": "evil.example"}, follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == f"{path.rstrip('/')}?q=x"


def test_a_path_no_route_serves_with_or_without_slash_is_a_logged_404(client: TestClient) -> None:
    response = client.get("/nothing-here/", headers={"host": "evil.example"}, follow_redirects=False)
    assert response.status_code == 404
    assert "location" not in response.headers


def test_every_api_response_is_no_store(client: TestClient) -> None:
    for response in (
        client.get("/api/v1/contacts"),
        client.get("/api/v1/contacts/999"),
        client.get("/api/v1/contacts?limit=0"),
        client.get("/api/openapi.json"),
        client.get("/export/db.json"),
    ):
        assert response.headers["cache-control"] == "no-store", response.request.url


def test_a_form_within_the_limit_still_works(client: TestClient) -> None:
    data = {"kind": "agent", "code": "op1", "name": "Operatore", "csrf_token": csrf_token(client, "/names")}
    assert client.post("/names", data=data, follow_redirects=False).status_code == 303


def test_log_records_escape_control_characters_in_their_arguments(client: TestClient) -> None:
    record = logging.getLogger("uvicorn.access").makeRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:1", "GET", "/x\x00\n\x1b[2J", "1.1", 404), None,
    )  # fmt: skip
    assert record.getMessage() == '127.0.0.1:1 - "GET /x\\x00\\n\\x1b[2J HTTP/1.1" 404'
    plain = escape_record_args(logging.makeLogRecord({"msg": "user\nforged line", "args": ()}))
    assert plain.getMessage() == "user\\nforged line"


def test_a_webhook_path_with_a_trailing_slash_is_redirected_relatively(client: TestClient) -> None:
    response = client.get("/service/ring/?callId=1", headers={"host": "evil.example"}, follow_redirects=False)
    assert response.status_code == 307 and response.headers["location"] == "/service/ring?callId=1"
