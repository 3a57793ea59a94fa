"""schemathesis drives the JSON API from its own OpenAPI schema (/api/openapi.json), as the admin.

One test per operation and database; valid and invalid inputs (schemathesis's
positive and negative generation), a bounded number of examples each. The
checks: never a server error, and documented responses match their schema.
(schemathesis's pytest plugin, `from_fixture`, does not run under pytest 9, so
the operations' Hypothesis strategies are driven here through the test client.)
"""

from __future__ import annotations

import base64
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tvox_journey.settings import Settings
from tvox_journey.web.app import create_app

EXAMPLES = 40


def operation_labels() -> list[str]:
    """`METHOD /path` of every operation in the schema (building the schema needs no database)."""
    spec = create_app(Settings(database_url="sqlite:///never-opened.db")).openapi()
    return [f"{method.upper()} {path}" for path, item in spec["paths"].items() for method in item]


def admin_header(settings: Settings) -> dict[str, str]:
    assert settings.admin_password is not None
    credentials = f"admin:{settings.admin_password.get_secret_value()}".encode()
    return {"Authorization": "Basic " + base64.b64encode(credentials).decode()}


def send(client: TestClient, case: schemathesis.Case[Any], admin: dict[str, str]) -> Any:
    kwargs = case.as_transport_kwargs(base_url=str(client.base_url), headers=admin)
    body = kwargs.pop("data", None)
    if isinstance(body, str):
        body = body.encode("utf-8")
    headers = dict(kwargs.get("headers") or {})
    if kwargs.get("cookies"):  # the API declares none; sent as a header if schemathesis makes some
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in kwargs["cookies"].items())
    return client.request(
        kwargs["method"],
        kwargs["url"],
        params=kwargs.get("params"),
        headers=headers,
        json=kwargs.get("json"),
        content=body,
    )


@pytest.mark.parametrize("label", operation_labels())
def test_api_operation_answers_any_input_without_a_server_error(
    anonymous_client: TestClient, settings: Settings, label: str
) -> None:
    admin = admin_header(settings)
    schema = schemathesis.openapi.from_dict(anonymous_client.get("/api/openapi.json").json())
    operation = schema.find_operation_by_label(label)
    assert operation is not None
    cases = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE)
    )

    @given(case=cases)
    @hypothesis_settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case: schemathesis.Case[Any]) -> None:
        response = send(anonymous_client, case, admin)
        case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])

    check()
