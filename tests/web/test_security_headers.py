"""Security headers: the policy allows no inline script, and framing follows TVOX_JOURNEY_FRAME_ANCESTORS."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tvox_journey.settings import Settings
from tvox_journey.web.security.headers import content_security_policy

TVOX_CLIENT = "'self' https://tvox.example.com"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"frame_ancestors": TVOX_CLIENT})


def test_pages_may_be_framed_by_the_configured_tvox_client(client: TestClient) -> None:
    for path in ("/login", "/contacts", "/api/v1/contacts", "/service/ring"):
        policy = client.get(path, headers={"Accept": "text/html"}).headers["content-security-policy"]
        assert policy.endswith(f"frame-ancestors {TVOX_CLIENT}"), path


def test_the_policy_allows_only_this_sites_scripts_and_styles() -> None:
    directives = dict(d.strip().split(" ", 1) for d in content_security_policy("'none'").split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["default-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"


@pytest.mark.parametrize(
    "value", ["'self'; script-src *", "https://a.example,https://b.example", "", "'unsafe-inline'"]
)
def test_frame_ancestors_that_could_change_the_policy_are_refused(value: str) -> None:
    with pytest.raises(ValueError):
        Settings(frame_ancestors=value)
