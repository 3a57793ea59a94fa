"""`/metrics`: off unless configured, then Prometheus text with every request counted and timed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from tests.server_process import running_server
from tests.test_scale_out import sample_sum
from tests.web.pages_helpers import ring
from tests.web.test_mappings import app_settings

from tvox_journey.store.migrate import upgrade
from tvox_journey.web.app import create_app

TOKEN = "scrape-token-for-tests-0123456789"


@pytest.fixture
def metered(db_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(app_settings(db_url, metrics_token=TOKEN))) as client:
        client.auth = ("admin", "admin-password-for-tests")
        yield client


def scrape(client: TestClient) -> str:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, auth=None)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


def test_metrics_are_not_served_unless_configured(client: TestClient) -> None:
    assert client.get("/metrics").status_code == 404


def test_metrics_need_the_token_and_logging_in_is_not_enough(metered: TestClient) -> None:
    assert metered.get("/metrics").status_code == 403  # the admin's own credentials are no token
    assert metered.get("/metrics", headers={"Authorization": "Bearer wrong"}, auth=None).status_code == 403
    assert "tvox_journey_requests_total" in scrape(metered)


def test_requests_and_events_are_counted_by_route_and_status(metered: TestClient) -> None:
    route = 'route="/service/ring"'
    before = scrape(metered)
    ring(metered, "m.1@x", "2024-01-10T09:00:00.000Z")
    ring(metered, "m.1@x", "2024-01-10T09:00:00.000Z")  # the same event again: a duplicate
    assert metered.get("/service/ring", params={"callId": "x"}).status_code == 422
    after = scrape(metered)

    def grew(label: str, name: str = "tvox_journey_requests_total") -> float:
        return sample_sum(after, name, label) - sample_sum(before, name, label)

    assert grew(f'{route},status="200"') == 2
    assert grew(f'{route},status="422"') == 1
    assert grew('channel="webhook"', "tvox_journey_request_duration_seconds_count") == 3
    events = "tvox_journey_events_total"
    assert [grew(f'outcome="{o}"', events) for o in ("accepted", "duplicate", "rejected")] == [1, 1, 1]
    assert grew("", "tvox_journey_interactions_folded_total") == 1
    assert grew("", "tvox_journey_writer_batch_size_count") >= 3
    assert "tvox_journey_writer_queue_depth" in after and "tvox_journey_live_streams" in after


def test_an_allowed_network_reads_metrics_over_real_http(sqlite_url: str, tmp_path: Path) -> None:
    upgrade(sqlite_url)
    env = {"TVOX_JOURNEY_METRICS_NETWORKS": "127.0.0.0/8", "TVOX_JOURNEY_ADMIN_PASSWORD": "admin-password-x"}
    with running_server(sqlite_url, env=env, log_path=tmp_path / "server.log") as base:
        first = httpx.get(f"{base}/metrics").text
        assert httpx.get(f"{base}/healthz").status_code == 200
        second = httpx.get(f"{base}/metrics").text
    label = 'route="/healthz",status="200"'
    assert (
        sample_sum(second, "tvox_journey_requests_total", label)
        == sample_sum(first, "tvox_journey_requests_total", label) + 1
    )
