"""`tvox-config`: the OCC configuration it prints really produces the tutorial's journeys."""

from __future__ import annotations

import json
import random
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner, Result

from tvox_journey.cli import app
from tvox_journey.domain.events import CallType
from tvox_journey.domain.interaction import Interaction
from tvox_journey.ingest.contract import TUTORIAL_ROUTES, find_tutorial_route
from tvox_journey.ingest.mapping import Mappings
from tvox_journey.ingest.native import NATIVE_TYPES
from tvox_journey.settings import Settings
from tvox_journey.sim import TUTORIAL_START, Request, direct_inbound_call, tutorial_calls
from tvox_journey.store import interactions as interaction_store
from tvox_journey.store import mappings as mapping_store
from tvox_journey.store.engine import make_database
from tvox_journey.store.migrate import upgrade
from tvox_journey.store.schema import interactions
from tvox_journey.web.app import create_app

BASE = "http://testserver"
FORM = "application/x-www-form-urlencoded"
runner = CliRunner()
Json = dict[str, Any]


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    import tvox_journey.cli.db  # noqa: F401  (registers the commands, as main() does)
    import tvox_journey.cli.tvox_config  # noqa: F401

    return runner.invoke(app, ["tvox-config", *args], env=env)


def configuration(tmp_path: Path, *args: str) -> Json:
    result = run("--base-url", BASE, "--format", "json", "--database", f"sqlite:///{tmp_path}/none.db", *args)
    assert result.exit_code == 0, result.output
    config: Json = json.loads(result.output)
    return config


def app_settings(url: str) -> Settings:
    return Settings(database_url=url, admin_password="admin-password-for-tests", password_hash_memory_kib=64)


def all_interactions(client: TestClient) -> dict[str, Interaction]:
    db = client.app.state.resources.db  # type: ignore[attr-defined]
    with db.read.connect() as conn:
        ids = [row.call_id for row in conn.execute(select(interactions.c.call_id))]
        found = {call_id: interaction_store.get(conn, call_id) for call_id in ids}
    return {call_id: stored.interaction for call_id, stored in found.items() if stored is not None}


def send(client: TestClient, method: str, uri: str, params: list[tuple[str, str]]) -> None:
    parts = urlsplit(uri)
    if method == "GET":
        query = "&".join(q for q in (parts.query, urlencode(params)) if q)
        response = client.get(f"{parts.path}?{query}")
    else:
        target = f"{parts.path}?{parts.query}" if parts.query else parts.path
        response = client.post(target, content=urlencode(params), headers={"content-type": FORM})
    assert response.status_code == 200, (uri, params, response.text)


def as_occ_would_send(config: Json, request: Request) -> tuple[str, str, list[tuple[str, str]]]:
    """The request a TVox configured as `config` makes for the event a tutorial request stands for."""
    route = find_tutorial_route(request.path)
    assert route is not None
    wire_to_tvox = Mappings().for_route(route.path)
    values = {wire_to_tvox[wire]: value for wire, value in request.params}
    for service in config["web_services"]:
        for event in service["events"]:
            if (event["call_type"], event["action"]) != (route.call_type.value, route.action.value):
                continue
            params = []
            for variable in event["variables"]:
                tvox, name = variable["tvox"], variable["web_service"]
                if tvox in values:
                    params.append((name, values[tvox]))
                elif tvox in ("eventtype", "event"):
                    # TVox sends a value here; where none is documented, any value must do.
                    params.append((name, event[f"{tvox}_value"] or "UNDOCUMENTED"))
            return service["method"], service["uri"], params
    raise AssertionError(f"no OCC row for {route.call_type} {route.action}")


def tutorial_traffic() -> list[Request]:
    calls = [*tutorial_calls(TUTORIAL_START)]
    calls.append(
        direct_inbound_call(
            "1605869999.800@d92061befe",
            number="0452224600",
            answer=TUTORIAL_START + timedelta(hours=2),
            hangup=TUTORIAL_START + timedelta(hours=2, minutes=5),
        )
    )
    return [request for call in calls for request in call.requests]


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_native_configuration_gives_the_same_journeys_as_the_tutorial_uris(
    db_url: str, tmp_path: Path, method: str
) -> None:
    config = configuration(tmp_path, "--native", "--method", method)
    traffic = tutorial_traffic()
    with TestClient(create_app(app_settings(f"sqlite:///{tmp_path}/tutorial.db"))) as tutorial:
        for request in traffic:
            send(tutorial, request.method, f"/{request.path}", list(request.params))
        expected = all_interactions(tutorial)
    native_requests = [as_occ_would_send(config, request) for request in traffic]
    random.Random(7).shuffle(native_requests)  # and in another order
    with TestClient(create_app(app_settings(db_url))) as native:
        for native_request in native_requests:
            send(native, *native_request)
        assert all_interactions(native) == expected
    assert len(expected) == 6  # four tutorial calls, a consultation call, a direct call


def test_native_configuration_covers_every_type_and_event(tmp_path: Path) -> None:
    config = configuration(tmp_path)
    rows = {(e["call_type"], e["action"]) for s in config["web_services"] for e in s["events"]}
    assert rows == {(t.call_type.value, e.action.value) for t in NATIVE_TYPES for e in t.events}
    assert {t for t, _ in rows} == {t.value for t in CallType}
    channels = {e["channel"] for s in config["web_services"] for e in s["events"]}
    assert channels == {"Telefonico", "Chat - WEB", "Chat - WhatsApp"}


def test_only_documented_values_are_read_from_the_variables(tmp_path: Path) -> None:
    for service in configuration(tmp_path)["web_services"]:
        path = urlsplit(service["uri"]).path
        for event in service["events"]:
            if path == "/tvox/events":
                assert event["eventtype_value"] and event["event_value"]
            else:
                assert path == f"/tvox/events/{event['call_type']}/{event['action']}"


def test_chat_web_services_fix_their_channel_in_the_uri(tmp_path: Path) -> None:
    uris = [s["uri"] for s in configuration(tmp_path)["web_services"] if "/chat/" in s["uri"]]
    assert f"{BASE}/tvox/events/chat/ring?channel=web" in uris
    assert f"{BASE}/tvox/events/chat/ring?channel=whatsapp" in uris


def test_tutorial_configuration_is_the_tutorial_contract(tmp_path: Path) -> None:
    services = configuration(tmp_path, "--tutorial")["web_services"]
    assert [urlsplit(s["uri"]).path.strip("/") for s in services] == list(TUTORIAL_ROUTES)
    for service in services:
        route = TUTORIAL_ROUTES[urlsplit(service["uri"]).path.strip("/")]
        for event in service["events"]:
            assert {v["web_service"]: v["tvox"] for v in event["variables"]} == dict(route.mapping)
    hangup = services[list(TUTORIAL_ROUTES).index("service/hangup")]
    assert [e["event"] for e in hangup["events"]] == ["Chiamata di servizio, abbattuta", "Chiamata abbattuta"]


def test_text_uses_the_occ_italian_labels(tmp_path: Path) -> None:
    result = run("--base-url", "https://crm.example.com/", "--database", f"sqlite:///{tmp_path}/none.db")
    assert result.exit_code == 0, result.output
    for label in ("Nome:", "Tipo: GET", "Uri: https://crm.example.com/tvox/events", "Timeout connessione: 2",
                  "Timeout risposta: 5", "Canale: Chat - WhatsApp", "Evento: Chiamata in ring",
                  "Variabile evento di notifica -> Variabile web service", "Variabili popup:"):  # fmt: skip
        assert label in result.output, label
    english = run("--base-url", BASE, "--lang", "en", "--database", f"sqlite:///{tmp_path}/none.db")
    assert "webhook authentication is off" in english.output


def test_credentials_are_named_but_the_password_is_never_printed(tmp_path: Path) -> None:
    env = {"TVOX_JOURNEY_WEBHOOK_USER": "tvox", "TVOX_JOURNEY_WEBHOOK_PASSWORD": "hunter2-not-for-print"}
    for output_format in ("text", "json"):
        result = run("--base-url", BASE, "--format", output_format, "--tutorial", env=env)
        assert result.exit_code == 0, result.output
        assert "hunter2" not in result.output
        assert "TVOX_JOURNEY_WEBHOOK_PASSWORD" in result.output
    assert "Username: tvox" in run("--base-url", BASE, env=env).output


def test_names_follow_the_mapping_file_and_the_admin_page(tmp_path: Path) -> None:
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(
        '[routes."service/ring"]\nnumero = "cli"\n\n[routes."tvox/events"]\ncrmId = "popup1"\n'
    )
    url = f"sqlite:///{tmp_path}/stored.db"
    upgrade(url)
    db = make_database(url)
    with db.write.begin() as conn:
        mapping_store.set_row(conn, route="service/ring", incoming="operatore", variable="pin")
    db.dispose()
    result = run("--base-url", BASE, "--tutorial", "--mapping-file", str(mapping), "--database", url)
    assert "cli -> numero" in result.output and "pin -> operatore" in result.output
    native = run("--base-url", BASE, "--mapping-file", str(mapping), "--database", url)
    assert "popup1 -> crmId" in native.output


def test_invalid_mapping_file_is_refused_naming_the_line(tmp_path: Path) -> None:
    mapping = tmp_path / "mapping.toml"
    mapping.write_text('[routes."service/ring"]\ncallId = "idlastcall"\nnumero = "numero"\n')
    result = run("--base-url", BASE, "--mapping-file", str(mapping))
    assert result.exit_code == 2
    assert "line 3" in result.output and "unknown TVox variable 'numero'" in result.output


@pytest.mark.parametrize(
    "args",
    [
        ("--base-url", "crm.example.com"),
        ("--base-url", "https://crm.example.com/?x=1"),
        ("--base-url", BASE, "--format", "xml"),
        ("--base-url", BASE, "--method", "PUT"),
    ],
)
def test_bad_options_are_refused(args: tuple[str, ...]) -> None:
    assert run(*args).exit_code == 2


def test_types_limit_the_native_configuration_to_those_in_use(tmp_path: Path) -> None:
    config = configuration(tmp_path, "--types", "inbound,service")
    assert {e["call_type"] for s in config["web_services"] for e in s["events"]} == {"inbound", "service"}
    assert run("--base-url", BASE, "--types", "fax").exit_code == 2
