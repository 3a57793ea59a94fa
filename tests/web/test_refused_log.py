"""Refused requests are logged bounded: an excerpt with the full size, a flood as one counted row,
and rejected rows pruned by the server after the retention (both databases)."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select

from tvox_journey.settings import Settings
from tvox_journey.store import event_log as log_store
from tvox_journey.store.engine import make_database
from tvox_journey.store.event_log import LogEntry, LogOutcome
from tvox_journey.store.migrate import upgrade
from tvox_journey.store.schema import event_log
from tvox_journey.web.app import create_app
from tvox_journey.web.tasks.retention import keep_pruning

TVOX = ("tvox", "Webhook-Secret-1")
RING = "dateTime=2020-11-20T10:24:08.674Z&callId=c1&agent=op1&service=cc&callerNumber=0452224600"
BIG = 60 * 1024
LONG_QUERY = 30 * 1024  # under TVOX_JOURNEY_MAX_QUERY_BYTES (32 KiB); a longer query is a 414
EXCERPT = 4096


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # A day-long window: a test's requests cannot straddle two windows but at midnight UTC.
    return settings.model_copy(
        update={
            "webhook_user": TVOX[0],
            "webhook_password": SecretStr(TVOX[1]),
            "refused_log_window_seconds": 86400,
        }
    )


def client_from(app: FastAPI, address: str) -> TestClient:
    """A client at `address`, sharing the app (and its lifespan) another client started."""
    return TestClient(app, client=(address, 40000))


@pytest.fixture
def stranger(app: FastAPI, anonymous_client: TestClient) -> TestClient:
    return client_from(app, "203.0.113.7")


def rows(app: FastAPI) -> list[dict[str, object]]:
    with app.state.resources.db.read.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(event_log).order_by(event_log.c.seq))]


def stored_bytes(row: dict[str, object]) -> int:
    """What a row keeps of the request: its params as the JSON column holds them, and its body."""
    body = row["body"]
    return len(json.dumps(row["params"])) + (len(body) if isinstance(body, bytes) else 0)


def test_an_unauthenticated_request_with_a_30_kb_query_keeps_an_excerpt_and_its_full_size(
    app: FastAPI, stranger: TestClient
) -> None:
    query = f"{RING}&junk={'x' * LONG_QUERY}"
    response = stranger.get(f"/service/ring?{query}")
    assert response.status_code == 401
    (row,) = rows(app)
    assert (row["outcome"], row["status_code"], row["route"]) == ("rejected", 401, "service/ring")
    assert row["request_bytes"] == len(query)
    assert stored_bytes(row) <= EXCERPT
    assert ["callId", "c1"] in row["params"]  # type: ignore[operator]
    junk = dict(row["params"])["junk"]  # type: ignore[call-overload]
    assert 3000 < len(junk) < EXCERPT and set(junk) == {"x"}


def test_an_unauthenticated_post_with_a_60_kb_body_keeps_an_excerpt_of_the_body_and_its_full_size(
    app: FastAPI, stranger: TestClient
) -> None:
    body = f"{RING}&junk={'y' * BIG}".encode()
    response = stranger.post("/service/ring?from=query", content=body, headers={"Content-Type": "text/plain"})
    assert response.status_code == 401
    (row,) = rows(app)
    assert row["params"] == [["from", "query"]]
    assert isinstance(row["body"], bytes) and body.startswith(row["body"])
    assert stored_bytes(row) <= EXCERPT
    assert row["request_bytes"] == len("from=query") + len(body)


def test_a_flood_of_refusals_from_one_address_is_one_row_counting_them_all(
    app: FastAPI, stranger: TestClient
) -> None:
    for i in range(100):
        assert stranger.get(f"/service/ring?n={i}&junk={'x' * LONG_QUERY}").status_code == 401
    (row,) = rows(app)
    assert row["seen_count"] == 100
    assert row["params"][0] == ["n", "0"]  # type: ignore[index]  # the first request's excerpt
    assert row["last_seen_at"] is not None and row["last_seen_at"] >= row["received_at"]  # type: ignore[operator]


def test_refusals_are_counted_apart_by_address_route_and_status(app: FastAPI, stranger: TestClient) -> None:
    other = client_from(app, "198.51.100.9")
    for _ in range(3):
        stranger.get("/service/ring")  # 401
        stranger.get("/service/answer")  # 401, another route
        stranger.get("/service/ring", auth=("tvox", "wrong-guess"))  # 401 again: same row
        other.get("/service/ring")  # another address
        stranger.get("/nowhere")  # 404
    counted = {(r["remote_addr"], r["route"], r["status_code"]): r["seen_count"] for r in rows(app)}
    assert counted == {
        ("203.0.113.7", "service/ring", 401): 6,
        ("203.0.113.7", "service/answer", 401): 3,
        ("198.51.100.9", "service/ring", 401): 3,
        ("203.0.113.7", "unknown", 404): 3,
    }


def test_addresses_of_one_ipv6_64_count_as_one(app: FastAPI, anonymous_client: TestClient) -> None:
    for host in ("2001:db8:1:2::1", "2001:db8:1:2::ffff", "2001:db8:1:3::1"):
        client_from(app, host).get("/service/ring")
    assert sorted(int(r["seen_count"]) for r in rows(app)) == [1, 2]  # type: ignore[call-overload]


def test_unknown_paths_and_wrong_methods_keep_an_excerpt_and_are_counted(
    app: FastAPI, stranger: TestClient
) -> None:
    long_path = "/no/such/" + "p" * 3000
    for i in range(5):
        assert stranger.get(f"{long_path}{i}?{RING}&junk={'x' * LONG_QUERY}").status_code == 404
        assert stranger.put(f"/service/ring?junk={'x' * LONG_QUERY}", content=b"z" * BIG).status_code == 405
    unknown, wrong_method = rows(app)
    assert (unknown["status_code"], unknown["seen_count"], unknown["route"]) == (404, 5, "unknown")
    assert ["callId", "c1"] in unknown["params"]  # type: ignore[operator]
    assert len(str(unknown["path"])) <= 2048
    assert (wrong_method["status_code"], wrong_method["seen_count"]) == (405, 5)
    assert wrong_method["request_bytes"] == len("junk=") + LONG_QUERY + BIG  # the body is announced, not read
    for row in (unknown, wrong_method):
        assert stored_bytes(row) <= EXCERPT


def test_requests_over_a_limit_keep_an_excerpt_and_are_counted(
    app: FastAPI, anonymous_client: TestClient
) -> None:
    anonymous_client.auth = TVOX
    for _ in range(3):
        big = anonymous_client.post("/service/ring", content=b"a=" + b"x" * 70_000)
        assert big.status_code == 413
    (row,) = [r for r in rows(app) if r["status_code"] == 413]
    assert row["seen_count"] == 3
    assert row["request_bytes"] == 70_002
    assert stored_bytes(row) <= EXCERPT


def test_an_authenticated_request_refused_with_422_is_kept_whole_and_alone(
    app: FastAPI, client: TestClient
) -> None:
    query = f"callId=c1&agent=op1&popup1={'v' * 20_000}"  # no dateTime
    client.auth = TVOX
    for _ in range(2):
        assert client.get(f"/service/ring?{query}").status_code == 422
    first, second = rows(app)
    for row in (first, second):
        assert (row["status_code"], row["seen_count"], row["request_bytes"]) == (422, 1, None)
        assert dict(row["params"])["popup1"] == "v" * 20_000  # type: ignore[call-overload]


def test_the_log_page_shows_the_count_and_the_size_of_a_counted_refusal(
    app: FastAPI, client: TestClient
) -> None:
    stranger = client_from(app, "203.0.113.7")
    for _ in range(4):
        stranger.get(f"/service/ring?junk={'x' * 9000}")
    page = client.get("/log", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "4 richieste come questa" in page.text
    assert "la richiesta era di 9005 byte" in page.text


def _old_rows(db_url: str, days_ago: int) -> dict[str, int]:
    """One row of every outcome received `days_ago` days ago; returns outcome -> seq."""
    upgrade(db_url)
    db = make_database(db_url)
    when = datetime.now(UTC) - timedelta(days=days_ago)
    seqs: dict[str, int] = {}
    try:
        with db.write.begin() as conn:
            for outcome in (
                LogOutcome.ACCEPTED,
                LogOutcome.DUPLICATE,
                LogOutcome.UNRECOGNIZED,
                LogOutcome.ACTION,
            ):
                entry = LogEntry(when, "GET", "/x", "x", [("outcome", outcome)], outcome, 200)
                seqs[outcome] = log_store.append(conn, entry)
            for status in (401, 404, 422):
                entry = LogEntry(when, "GET", "/x", "x", [], LogOutcome.REJECTED, status)
                seqs[f"rejected {status}"] = log_store.append(conn, entry)
    finally:
        db.dispose()
    return seqs


def test_the_server_prunes_rejected_rows_older_than_the_retention_at_start(
    settings: Settings, db_url: str
) -> None:
    old = _old_rows(db_url, days_ago=31)
    recent = _old_rows(db_url, days_ago=29)
    app = create_app(settings)
    with TestClient(app):
        deadline = time.monotonic() + 10
        while any(r["outcome"] == LogOutcome.REJECTED and r["seq"] in old.values() for r in rows(app)):
            assert time.monotonic() < deadline, "the server did not prune"
            time.sleep(0.05)
        kept = {int(r["seq"]) for r in rows(app)}  # type: ignore[call-overload]
    assert kept == {seq for key, seq in old.items() if not key.startswith("rejected")} | set(recent.values())


def test_a_retention_of_zero_keeps_rejected_rows_forever(settings: Settings, db_url: str) -> None:
    old = _old_rows(db_url, days_ago=3650)
    app = create_app(settings.model_copy(update={"refused_log_retention_days": 0}))
    with TestClient(app):
        time.sleep(0.3)
        assert {int(r["seq"]) for r in rows(app)} == set(old.values())  # type: ignore[call-overload]


def test_the_pruning_task_ends_when_told_to_stop_even_when_its_cancellation_is_lost(
    settings: Settings,
) -> None:
    """On Python 3.11 asyncio.wait_for (the writer's bounded wait) can swallow a cancellation that
    arrives as its write commits; the app's shutdown then hung for good. The stop event ends it."""
    app = create_app(settings)
    with TestClient(app) as client:

        async def run_then_stop_without_cancelling() -> None:
            stop = asyncio.Event()
            task = asyncio.create_task(
                keep_pruning(
                    app.state.resources.writer,
                    app.state.resources.settings.refused_log_retention_days,
                    stop,
                    every=3600,
                )
            )
            await asyncio.sleep(0.2)  # its first round is done: it waits an hour for the next
            stop.set()
            await asyncio.wait_for(task, 5)

        assert client.portal is not None
        client.portal.call(run_then_stop_without_cancelling)
