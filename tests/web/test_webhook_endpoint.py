"""One path for TVox's requests: the webhooks' own endpoint answers every webhook URI, and FastAPI's
router (pages and the API) has no route of its own for any of them."""

from __future__ import annotations

from fastapi.testclient import TestClient
from starlette.routing import Match

from tvox_journey.ingest.contract import TUTORIAL_ROUTES
from tvox_journey.web.webhooks.endpoint import find_route


def webhook_uris() -> list[str]:
    tutorial = [f"/{route}{suffix}" for route in TUTORIAL_ROUTES for suffix in ("", ".php")]
    return [*tutorial, "/tvox/events", "/tvox/events/service", "/tvox/events/service/ring"]


def test_fastapis_router_has_no_route_for_a_webhook_uri(client: TestClient) -> None:
    for uri in webhook_uris():
        scope = {"type": "http", "path": uri, "method": "GET", "root_path": ""}
        matches = [route.matches(scope)[0] for route in client.app.router.routes]  # type: ignore[attr-defined]
        assert Match.FULL not in matches and Match.PARTIAL not in matches, uri
        assert find_route(uri) is not None, uri


def test_the_webhook_endpoint_serves_every_uri_with_its_route_template(client: TestClient) -> None:
    for uri in webhook_uris():
        assert client.get(uri).status_code in (200, 422), uri
    assert find_route("/tvox/events/a/b/c") is None and find_route("/tvox/events//ring") is None
    assert find_route("/service/ring")[0].path == "/service/ring"  # type: ignore[index]
    assert find_route("/tvox/events/chat/start")[0].path == "/tvox/events/{call_type}/{event}"  # type: ignore[index]
