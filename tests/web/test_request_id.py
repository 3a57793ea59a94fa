"""Every answer carries its request's id; error bodies too; `log_format = json` writes it in the log."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from fastapi.testclient import TestClient
from tests.server_process import running_server

from tvox_journey.store.migrate import upgrade


def test_a_sane_request_id_sent_is_kept_and_any_other_is_replaced(client: TestClient) -> None:
    kept = client.get("/healthz", headers={"X-Request-ID": "tvox-0123456789"})
    assert kept.headers["x-request-id"] == "tvox-0123456789"
    replaced = client.get("/healthz", headers={"X-Request-ID": "bad id\twith spaces"})
    assert replaced.headers["x-request-id"] != "bad id\twith spaces"
    assert len(replaced.headers["x-request-id"]) == 16
    assert client.get("/healthz").headers["x-request-id"] != replaced.headers["x-request-id"]


def test_error_replies_of_every_channel_name_the_request_id(client: TestClient) -> None:
    for path in ("/api/v1/contacts/999999", "/service/ring?callId=x", "/no/such/path"):
        response = client.get(path, headers={"X-Request-ID": "report-this-id-1"})
        assert response.status_code >= 400
        assert response.json()["request_id"] == "report-this-id-1", path


def test_json_log_lines_carry_the_request_id(sqlite_url: str, tmp_path: Path) -> None:
    upgrade(sqlite_url)
    log = tmp_path / "server.log"
    env = {"TVOX_JOURNEY_LOG_FORMAT": "json", "TVOX_JOURNEY_ACCESS_LOG": "true"}
    with running_server(sqlite_url, env=env, log_path=log) as base:
        httpx.get(f"{base}/no/such/path", headers={"X-Request-ID": "find-me-in-the-log"})
    lines = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert lines and all({"time", "level", "logger", "message"} <= set(entry) for entry in lines)
    mine = [entry for entry in lines if entry.get("request_id") == "find-me-in-the-log"]
    assert any(entry["logger"] == "uvicorn.access" and "404" in entry["message"] for entry in mine), mine
