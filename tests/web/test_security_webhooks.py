"""Webhook authentication: HTTP Basic and source networks; refusals are logged, never stored as calls."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import func, select
from typer.testing import CliRunner

from tvox_journey.cli import app as cli_app
from tvox_journey.settings import Settings
from tvox_journey.store.schema import event_log, interactions
from tvox_journey.web.webhooks.access import is_allowed_address, is_loopback, open_webhooks_problem

CALL = "1605867847.783@d92061befe"
RING = {
    "dateTime": "2020-11-20T10:24:08.674Z",
    "callId": CALL,
    "agent": "op1",
    "service": "customercare",
    "callerNumber": "0452224600",
}
TVOX = ("tvox", "Webhook-Secret-1")
CHALLENGE = 'Basic realm="tvox-journey"'


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"webhook_user": TVOX[0], "webhook_password": SecretStr(TVOX[1])})


def rows(client: TestClient) -> list[dict[str, object]]:
    db = client.app.state.resources.db  # type: ignore[attr-defined]
    with db.read.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(event_log).order_by(event_log.c.seq))]


def interaction_count(client: TestClient) -> int:
    db = client.app.state.resources.db  # type: ignore[attr-defined]
    with db.read.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(interactions)).scalar_one())


def test_webhook_without_credentials_is_401_logged_as_rejected_and_stores_no_interaction(
    anonymous_client: TestClient,
) -> None:
    response = anonymous_client.get("/service/ring", params=RING)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == CHALLENGE
    (row,) = rows(anonymous_client)
    assert (row["outcome"], row["status_code"], row["route"]) == ("rejected", 401, "service/ring")
    assert "missing" in str(row["reason"])
    assert ["callId", CALL] in row["params"]  # type: ignore[operator]
    assert row["call_id"] is None
    assert interaction_count(anonymous_client) == 0


def test_webhook_with_a_wrong_password_is_401_and_the_log_names_the_user_not_the_password(
    anonymous_client: TestClient,
) -> None:
    response = anonymous_client.post("/service/ring.php", data=RING, auth=("tvox", "guess-Pa55word"))
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == CHALLENGE
    (row,) = rows(anonymous_client)
    assert row["status_code"] == 401
    assert "'tvox'" in str(row["reason"])
    assert "guess-Pa55word" not in repr(row)
    assert interaction_count(anonymous_client) == 0


@pytest.mark.parametrize(
    "authorization",
    ["Basic", "Basic !!!notbase64", "Basic dHZveA==", "Bearer tvj_abc", "Basic " + "A" * 5000, "Basic /w=="],
)
def test_malformed_authorization_headers_are_401_not_500(
    anonymous_client: TestClient, authorization: str
) -> None:
    response = anonymous_client.get("/service/ring", params=RING, headers={"Authorization": authorization})
    assert response.status_code == 401
    assert [r["status_code"] for r in rows(anonymous_client)] == [401]


def test_webhook_with_the_right_credentials_is_accepted(anonymous_client: TestClient) -> None:
    assert anonymous_client.get("/service/ring", params=RING, auth=TVOX).status_code == 200
    assert [r["outcome"] for r in rows(anonymous_client)] == ["accepted"]
    assert interaction_count(anonymous_client) == 1


def test_a_user_of_the_pages_is_not_a_webhook_caller(client: TestClient) -> None:
    """The `client` fixture sends the admin's credentials: the webhooks want TVox's."""
    assert client.get("/service/ring", params=RING).status_code == 401
    assert interaction_count(client) == 0


def test_native_endpoint_wants_the_same_credentials(anonymous_client: TestClient) -> None:
    params = {"eventtype": "service", "event": "ring", "dateISO": RING["dateTime"], "idlastcall": CALL}
    assert anonymous_client.get("/tvox/events", params=params).status_code == 401
    (row,) = rows(anonymous_client)
    assert (row["outcome"], row["status_code"]) == ("rejected", 401)
    assert interaction_count(anonymous_client) == 0


class TestAllowedNetworks:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.model_copy(update={"webhook_allow_networks": ["10.0.0.0/8", "2001:db8::/32"]})

    @pytest.fixture
    def outsider(self, app: FastAPI) -> Iterator[TestClient]:
        with TestClient(app, client=("192.168.1.9", 50000)) as test_client:
            yield test_client

    @pytest.fixture
    def insider(self, app: FastAPI) -> Iterator[TestClient]:
        with TestClient(app, client=("10.1.2.3", 50000)) as test_client:
            yield test_client

    def test_an_address_outside_the_networks_is_403_even_with_credentials(self, outsider: TestClient) -> None:
        response = outsider.get("/service/ring", params=RING, auth=TVOX)
        assert response.status_code == 403
        (row,) = rows(outsider)
        assert (row["outcome"], row["status_code"]) == ("rejected", 403)
        assert "192.168.1.9" in str(row["reason"])
        assert interaction_count(outsider) == 0

    def test_an_address_inside_the_networks_still_needs_credentials(self, insider: TestClient) -> None:
        assert insider.get("/service/ring", params=RING).status_code == 401
        assert insider.get("/service/ring", params=RING, auth=TVOX).status_code == 200


def test_allowed_addresses_match_networks_of_both_families() -> None:
    networks = ["10.0.0.0/8", "2001:db8::/32"]
    assert is_allowed_address("10.200.0.1", networks)
    assert is_allowed_address("::ffff:10.0.0.7", networks)
    assert is_allowed_address("2001:db8::5", networks)
    assert not is_allowed_address("11.0.0.1", networks)
    assert not is_allowed_address("testclient", networks)
    assert not is_allowed_address(None, networks)
    assert is_allowed_address("anything", [])


def test_allow_networks_setting_reads_commas_or_json() -> None:
    assert Settings(webhook_allow_networks="10.0.0.0/8, 192.168.1.5").webhook_allow_networks == [
        "10.0.0.0/8",
        "192.168.1.5/32",
    ]
    assert Settings(webhook_allow_networks='["::1"]').webhook_allow_networks == ["::1/128"]
    with pytest.raises(ValueError):
        Settings(webhook_allow_networks="10.0.0.0/33")


def test_webhook_user_and_password_come_in_pairs() -> None:
    with pytest.raises(ValueError):
        Settings(webhook_user="tvox")


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.1", "::1", "[::1]", "localhost"])
def test_loopback_addresses_need_no_webhook_credentials(host: str) -> None:
    assert is_loopback(host)
    assert open_webhooks_problem(Settings(host=host)) is None


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.10", "crm.example.com"])
def test_network_addresses_without_webhook_credentials_are_a_problem(host: str) -> None:
    assert not is_loopback(host)
    assert open_webhooks_problem(Settings(host=host)) is not None
    assert open_webhooks_problem(Settings(host=host, webhook_user="u", webhook_password="p")) is None


def test_serve_refuses_a_network_address_with_open_webhooks_unless_allowed(
    monkeypatch: pytest.MonkeyPatch, sqlite_url: str
) -> None:
    from tvox_journey.cli import db, serve, users  # noqa: F401  (registers the commands, as main() does)

    started: list[dict[str, object]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: started.append(options))
    command = ["serve", "--host", "0.0.0.0", "--port", "8999", "--database", sqlite_url]
    refused = CliRunner().invoke(cli_app, command)
    assert refused.exit_code == 2
    assert "--allow-open-webhooks" in refused.output
    assert started == []
    allowed = CliRunner().invoke(cli_app, [*command, "--allow-open-webhooks"])
    assert allowed.exit_code == 0, allowed.output
    assert [options["host"] for options in started] == ["0.0.0.0"]
