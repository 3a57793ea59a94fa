"""Event times out of range are refused; whatever is already stored renders on every page, never a 5xx.

Issue 9, item 1: one accepted ring dated 9999-12-31T23:30:00Z made /unknown,
/live, the card and its journey answer 500 (converting to Europe/Rome
overflowed), for everyone, until the journey was cleared; the next request on
the same keep-alive connection was reset.
"""

from __future__ import annotations

import base64
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import insert, select
from tests.conftest import ADMIN_PASSWORD, ADMIN_USER, FAST_HASH_KIB
from tests.server_process import running_server
from tests.web.every_page import server_errors

from tvox_journey.domain.numbers import NumberPolicy
from tvox_journey.services.contacts import contact_numbers
from tvox_journey.settings import Settings
from tvox_journey.store import contacts as contact_store
from tvox_journey.store.engine import make_database
from tvox_journey.store.migrate import upgrade
from tvox_journey.store.schema import event_log, interactions
from tvox_journey.web.app import create_app

NUMBER = "0633333333"
KEY = "+390633333333"
UNKNOWN_KEY = "+390644444444"  # no contact has it: on /unknown
RING = {"callId": "y1", "agent": "op1", "service": "cc", "callerNumber": NUMBER}


def in_rome(db_url: str) -> str:
    """On PostgreSQL, a server whose time zone is east of UTC (psycopg reads times in the session's zone)."""
    if db_url.startswith("postgresql"):
        return db_url + "%20-ctimezone%3DEurope/Rome"
    return db_url


def _row(call_id: str, data: Any, sort_at: datetime, key: str) -> dict[str, Any]:
    return {
        "call_id": call_id, "kind": "service", "direction": "IN", "outcome": "ringing",
        "number_key": key, "is_internal": False, "agent": "op1", "service": "cc",
        "sort_at": sort_at, "ended_at": None, "data": data, "search_text": "", "last_seq": 1,
        "cleared": False,
    }  # fmt: skip


def _ring_json(call_id: str, at: str) -> dict[str, Any]:
    return {
        "call_id": call_id, "kind": "service", "direction": "IN", "number": NUMBER, "agent": "op1",
        "service": "cc", "started": [at, at], "answered": None, "ended": None, "legs": [],
        "popups": [], "agents_not_answering": [], "abandoned": False, "event_count": 1,
        "unknown_event_count": 0,
    }  # fmt: skip


# What an older release accepted, or what someone wrote into the database by hand.
STORED = [
    (
        "far-future",
        _ring_json("far-future", "9999-12-31T23:30:00+00:00"),
        datetime(9999, 12, 31, 23, 30, tzinfo=UTC),
    ),
    ("year-one", _ring_json("year-one", "0001-01-01T00:00:00+00:00"), datetime(1, 1, 1, 0, 30, tzinfo=UTC)),
    ("naive", _ring_json("naive", "2020-11-20T10:24:08"), datetime(2020, 11, 20, 10, 24, 8, tzinfo=UTC)),
    (
        "garbled",
        {
            "kind": "no-such-kind",
            "direction": 7,
            "started": ["not a time"],
            "answered": [12],
            "ended": "2020",
            "legs": [5, {"transferred": None}, {"transferred": ["2020-11-20T10:30:00Z"], "kind": "?"}],
            "popups": "popup",
            "agents_not_answering": [1, None, "op2"],
            "event_count": "many",
            "number": 3933,
            "abandoned": "yes",
        },  # fmt: skip
        datetime(2020, 11, 20, 11, 0, tzinfo=UTC),
    ),
    ("not-a-dict", ["a", "list"], datetime(2020, 11, 20, 12, 0, tzinfo=UTC)),
]


def store_old_values(db_url: str) -> int:
    """The rows above, straight into a migrated database, with a contact owning the number."""
    upgrade(db_url)
    database = make_database(db_url)
    try:
        with database.write.begin() as conn:
            for call_id, data, sort_at in STORED:
                conn.execute(insert(interactions), _row(call_id, data, sort_at, KEY))
                conn.execute(insert(interactions), _row(f"{call_id}-unknown", data, sort_at, UNKNOWN_KEY))
            conn.execute(
                insert(event_log),
                {
                    "received_at": datetime(2020, 11, 20, tzinfo=UTC),
                    "method": "GET",
                    "path": "/service/ring",
                    "route": "service/ring",
                    "params": [["dateTime", "9999-12-31T23:30:00Z"]],
                    "outcome": "accepted",
                    "status_code": 200,
                    "call_id": "far-future",
                    "event": {
                        "call_id": "far-future",
                        "call_type": "service",
                        "action": "ring",
                        "occurred": ["9999-12-31T23:30:00+00:00", "9999-12-31T23:30:00Z"],
                    },
                },  # fmt: skip
            )
            numbers = contact_numbers([NUMBER], NumberPolicy())
            return contact_store.create(
                conn, name="Mario", surname="Rossi", company=None, numbers=numbers,
                now=datetime(2020, 11, 20, tzinfo=UTC),
            )  # fmt: skip
    finally:
        database.dispose()


@pytest.fixture
def old_app(db_url: str) -> FastAPI:
    url = in_rome(db_url)
    store_old_values(url)
    return create_app(
        Settings(database_url=url, admin_password=ADMIN_PASSWORD, password_hash_memory_kib=FAST_HASH_KIB)
    )


@pytest.fixture
def old_client(old_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(old_app) as client:
        client.auth = (ADMIN_USER, ADMIN_PASSWORD)
        yield client


@pytest.mark.parametrize(
    ("path", "variable"),
    [("/service/ring", "dateTime"), ("/tvox/events/service/ring", "dateISO")],
)
@pytest.mark.parametrize("when", ["9999-12-31T23:30:00Z", "0001-01-01T00:00:00Z", "1970-01-01T00:00:00Z"])
def test_an_event_time_out_of_the_accepted_range_is_422_naming_the_variable_and_logged(
    client: TestClient, path: str, variable: str, when: str
) -> None:
    params = {**RING, "dateTime": when} if variable == "dateTime" else {
        "dateISO": when, "idlastcall": "y1", "pin": "op1", "cli": NUMBER,
    }  # fmt: skip
    response = client.get(path, params=params)
    assert response.status_code == 422
    body = response.json()
    assert body["variable"] == variable
    assert "out of the accepted range" in body["error"]
    db = client.app.state.resources.db  # type: ignore[attr-defined]
    with db.read.connect() as conn:
        (row,) = conn.execute(select(event_log.c.outcome, event_log.c.status_code, event_log.c.reason)).all()
    assert (row.outcome, row.status_code) == ("rejected", 422)
    assert variable in row.reason


def test_values_stored_by_an_older_release_render_on_every_page_and_endpoint(old_client: TestClient) -> None:
    assert server_errors(old_client) == []
    contact_id = old_client.get("/api/v1/contacts").json()[0]["id"]
    card = old_client.get(f"/contacts/{contact_id}", headers={"Accept": "text/html"}).text
    assert "31-12-9999 23:30:00 UTC" in card  # Europe/Rome cannot hold it: shown in UTC, marked so
    assert "20-11-2020 11:24:08" in card  # a naive stored time is UTC, shown in Rome
    journey = old_client.get(f"/api/v1/contacts/{contact_id}/journey", params={"limit": 2}).json()
    assert [i["call_id"] for i in journey["items"]] == ["far-future", "not-a-dict"]


def _raw_get(sock: socket.socket, path: str, auth: str) -> bytes:
    request = f"GET {path} HTTP/1.1\r\nHost: test\r\nAuthorization: Basic {auth}\r\nAccept: text/html\r\n\r\n"
    sock.sendall(request.encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"connection closed after {head[:80]!r}")
        head += chunk
    header, _, body = head.partition(b"\r\n\r\n")
    length = int(
        next(
            line.split(b":")[1]
            for line in header.split(b"\r\n")
            if line.lower().startswith(b"content-length")
        )
    )
    while len(body) < length:
        body += sock.recv(65536)
    return header.split(b"\r\n")[0]


def test_pages_with_such_values_answer_on_one_keep_alive_connection_of_a_real_server(
    db_url: str, tmp_path: Path
) -> None:
    url = in_rome(db_url)
    contact = store_old_values(url)
    auth = base64.b64encode(f"{ADMIN_USER}:{ADMIN_PASSWORD}".encode()).decode()
    env = {
        "TVOX_JOURNEY_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "TVOX_JOURNEY_PASSWORD_HASH_MEMORY_KIB": str(FAST_HASH_KIB),
    }
    with running_server(url, env=env, log_path=tmp_path / "server.log") as base:
        host, port = base.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            pages = [
                "/unknown",
                "/live",
                "/unknown/list",
                f"/contacts/{contact}",
                f"/contacts/{contact}/journey",
            ]
            statuses = [_raw_get(sock, path, auth) for path in [*pages, "/healthz"]]
    assert statuses == [b"HTTP/1.1 200 OK"] * 6
