"""Variable mappings: the mapping file, the admin page, and the webhooks that follow them."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from pydantic import ValidationError
from sqlalchemy import select

from tvox_journey.settings import Settings
from tvox_journey.store import interactions as interaction_store
from tvox_journey.store import mappings as mapping_store
from tvox_journey.store.interactions import StoredInteraction
from tvox_journey.store.schema import event_log
from tvox_journey.web.app import create_app

NUMBER = "0452224600"
RING = {"dateTime": "2020-11-20T10:24:08.674Z", "callId": "c1", "agent": "op1", "service": "customercare"}
MAPPING = """\
# Our TVox was configured with Italian names.
[routes."service/ring"]
numero = "cli"

[routes."tvox/events"]
crmId = "popup1"
tipo = "eventtype"
"""


def app_settings(db_url: str, **values: object) -> Settings:
    return Settings(
        database_url=db_url,
        admin_password="admin-password-for-tests",
        password_hash_memory_kib=64,
        **values,  # type: ignore[arg-type]
    )


def stored(client: TestClient, call_id: str) -> StoredInteraction:
    db = client.app.state.resources.db  # type: ignore[attr-defined]
    with db.read.connect() as conn:
        found = interaction_store.get(conn, call_id)
    assert found is not None
    return found


def csrf_token(client: TestClient) -> str:
    page = client.get("/mappings")
    assert page.status_code == 200, page.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    return html.unescape(token.group(1))


def post_form(client: TestClient, path: str, **fields: str) -> Response:
    response: Response = client.post(
        path, data={**fields, "csrf_token": csrf_token(client)}, headers={"origin": "http://testserver"},
        follow_redirects=False,
    )  # fmt: skip
    return response


def test_mapping_file_renames_tutorial_and_native_variables(db_url: str, tmp_path: Path) -> None:
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(MAPPING, encoding="utf-8")
    with TestClient(create_app(app_settings(db_url, mapping_file=mapping))) as client:
        assert client.get("/service/ring", params={**RING, "numero": NUMBER}).status_code == 200
        assert stored(client, "c1").interaction.number == NUMBER
        native = {"tipo": "INBOUNDCALL", "event": "NEW", "id": "n1", "clid": NUMBER, "crmId": "42",
                  "dateISO": "2020-11-20T10:30:00.000Z"}  # fmt: skip
        assert client.get("/tvox/events", params=native).status_code == 200
        assert stored(client, "n1").interaction.popups == (("crmId", "42"),)
        # The default names still work beside the file's.
        assert (
            client.get("/service/ring", params={**RING, "callId": "c2", "callerNumber": NUMBER}).status_code
            == 200
        )


def test_invalid_mapping_file_is_refused_at_start_naming_the_line(db_url: str, tmp_path: Path) -> None:
    mapping = tmp_path / "mapping.toml"
    mapping.write_text('[routes."service/ring"]\ncallId = "idlastcall"\nnumero = "callerNumber"\n')
    with pytest.raises(ValidationError, match=r"mapping.toml, line 3: numero: unknown TVox variable"):
        app_settings(db_url, mapping_file=mapping)
    mapping.write_text('[routes."service/ring"]\n\n\ncallId = \n')
    with pytest.raises(ValidationError, match=r"line 4"):
        app_settings(db_url, mapping_file=mapping)


def test_admin_page_shows_every_route_with_the_source_of_each_name(client: TestClient) -> None:
    page = client.get("/mappings")
    assert page.status_code == 200
    for route in ("/service/ring", "/transfer/transfer", "/tvox/events"):
        assert f"<code>{route}</code>" in page.text
    assert "<code>callerNumber</code>" in page.text and "predefinito" in page.text


def test_mapping_saved_on_the_admin_page_applies_at_once_and_is_audited(client: TestClient) -> None:
    response = post_form(client, "/mappings", route="service/ring", incoming="numero", variable="cli")
    assert response.status_code == 303
    assert client.get("/service/ring", params={**RING, "numero": NUMBER}).status_code == 200
    assert stored(client, "c1").interaction.number == NUMBER
    db = client.app.state.resources.db  # type: ignore[attr-defined]
    with db.read.connect() as conn:
        assert mapping_store.all_rows(conn) == {"service/ring": {"numero": "cli"}}
        actions = [
            dict(r._mapping) for r in conn.execute(select(event_log).where(event_log.c.outcome == "action"))
        ]
    (action,) = [a for a in actions if a["route"] == "mappings/set"]
    assert action["actor"] == "admin"
    assert ["incoming", "numero"] in action["params"]
    assert "questa pagina" in client.get("/mappings").text


def test_removing_a_row_brings_back_the_default(client: TestClient) -> None:
    post_form(client, "/mappings", route="service/ring.php", incoming="callerNumber", variable="clid")
    assert client.app.state.resources.mappings.for_route("service/ring")["callerNumber"] == "clid"  # type: ignore[attr-defined]
    response = post_form(client, "/mappings/delete", route="service/ring", incoming="callerNumber")
    assert response.status_code == 303
    assert client.app.state.resources.mappings.for_route("service/ring")["callerNumber"] == "cli"  # type: ignore[attr-defined]


def test_rows_saved_earlier_are_used_after_a_restart(db_url: str) -> None:
    settings = app_settings(db_url)
    with TestClient(create_app(settings)) as first:
        db = first.app.state.resources.db  # type: ignore[attr-defined]
        with db.write.begin() as conn:
            mapping_store.set_row(conn, route="service/ring", incoming="numero", variable="cli")
    with TestClient(create_app(settings)) as second:
        assert second.get("/service/ring", params={**RING, "numero": NUMBER}).status_code == 200


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"route": "service/rang", "incoming": "x", "variable": "cli"}, "Route sconosciuta"),
        ({"route": "service/ring", "incoming": "<b>x</b>", "variable": "<script>"}, "&lt;script&gt;"),
        ({"route": "service/ring", "incoming": "", "variable": "cli"}, "empty"),
    ],
)
def test_invalid_rows_are_refused_with_the_reason(
    client: TestClient, fields: dict[str, str], message: str
) -> None:
    response = post_form(client, "/mappings", **fields)
    assert response.status_code == 422
    assert message in response.text
    assert "<script>" not in response.text


def test_removing_a_bad_name_is_refused(client: TestClient) -> None:
    assert post_form(client, "/mappings/delete", route="service/ring", incoming="a\x00").status_code == 422


def test_changes_need_a_csrf_token(client: TestClient) -> None:
    data = {"route": "service/ring", "incoming": "numero", "variable": "cli"}
    response = client.post("/mappings", data=data, headers={"origin": "http://testserver"})
    assert response.status_code == 403
    assert client.app.state.resources.mappings.for_route("service/ring").get("numero") is None  # type: ignore[attr-defined]


def test_only_admins_see_and_change_mappings(
    client: TestClient, make_user: Callable[..., str], login: Callable[[TestClient, str, str], None]
) -> None:
    password = make_user("viewer1", "viewer")
    login(client, "viewer1", password)
    assert client.get("/mappings").status_code == 403


def test_a_mapping_that_gives_a_variable_two_incoming_names_is_refused_when_saved(client: TestClient) -> None:
    response = post_form(client, "/mappings", route="service/ring", incoming="dateTime", variable="cli")
    assert response.status_code == 422
    assert "dateTime -&gt; cli clashes on service/ring with callerNumber (default)" in response.text
    db = client.app.state.resources.db  # type: ignore[attr-defined]
    with db.read.connect() as conn:
        assert mapping_store.all_rows(conn) == {}
    assert client.get("/service/ring", params={**RING, "callerNumber": NUMBER}).status_code == 200
    assert (
        post_form(client, "/mappings", route="service/ring", incoming="numero", variable="cli").status_code
        == 303
    )
    second = post_form(client, "/mappings", route="service/ring", incoming="chiamante", variable="cli")
    assert second.status_code == 422 and "numero (database)" in second.text
