"""Hypothesis throws arbitrary requests at the webhook paths: never a 500, and every one is in the log."""

from __future__ import annotations

import base64
import json
import string

import httpx
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from pydantic import SecretStr
from sqlalchemy import func, select

from tvox_journey.ingest.contract import TUTORIAL_ROUTES
from tvox_journey.settings import Settings
from tvox_journey.store.schema import event_log

TVOX = ("tvox", "Webhook-Secret-1")
EXCERPT = Settings.model_fields["refused_log_excerpt_bytes"].default
PATHS = [f"/{route}{suffix}" for route in TUTORIAL_ROUTES for suffix in ("", ".php")] + [
    "/tvox/events",
    "/tvox/events/service/ring",
    "/service/%ZZ",
    "/service/ring.php%00",
    "/service/%C3%28",
]
METHODS = [
    "GET",
    "POST",
    "PUT",
    "DELETE",
    "PATCH",
    "HEAD",
    "OPTIONS",
    "PROPFIND",
    "A-VERY-LONG-CUSTOM-METHOD",
]
CONTENT_TYPES = [
    None,
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=latin-1",
    "text/plain",
    "application/json",
    "multipart/form-data; boundary=x",
]
VARIABLES = ["dateTime", "callId", "callerNumber", "agent", "service", "calledNumber", "transfer", "event"]

# A request line may only carry printable ASCII: other bytes arrive percent-encoded.
_SAFE = "".join(c for c in string.printable if c not in "#% \t\n\r\x0b\x0c")
percent_bytes = st.binary(min_size=1, max_size=6).map(lambda b: "".join(f"%{x:02X}" for x in b))
broken_escapes = st.sampled_from(["%", "%Z", "%ZZ", "%C3%28", "%ED%A0%80", "%00", "%FF%FE", "%E2%82"])
pieces = st.one_of(
    st.sampled_from(["=", "&", "&&", "+", ";", "=="]),
    st.sampled_from(VARIABLES),
    st.text(_SAFE, max_size=12),
    percent_bytes,
    broken_escapes,
    st.sampled_from(["2020-11-20T10:24:08.674Z", "1605867847.783@d92061befe", "0452224600", "9" * 400]),
)
query_strings = st.lists(pieces, max_size=40).map("".join)
many_params = st.integers(150, 3000).map(lambda n: "&".join(f"p{i}=1" for i in range(n)))
repeated = st.integers(2, 400).map(lambda n: "&".join(["callId=a"] * n))
queries = st.one_of(query_strings, many_params, repeated)
bodies = st.one_of(
    st.none(),
    st.binary(max_size=2048),
    query_strings.map(str.encode),
    st.just(b"a=" + b"x" * 70_000),
)
authorizations = st.one_of(
    st.none(),
    st.just("basic"),
    st.just("wrong"),
    st.text(string.printable.strip(), max_size=60).map(lambda t: f"Basic {t}"),
    st.binary(max_size=40).map(lambda b: "Basic " + base64.b64encode(b).decode()),
)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"webhook_user": TVOX[0], "webhook_password": SecretStr(TVOX[1])})


def log_size(client: TestClient) -> int:
    """How many requests the log holds: a row, or a count on the row of a flood of refusals."""
    db = client.app.state.resources.db  # type: ignore[attr-defined]
    with db.read.connect() as conn:
        total = select(func.coalesce(func.sum(event_log.c.seen_count), 0))
        return int(conn.execute(total).scalar_one())


def largest_refusal_kept(client: TestClient) -> int:
    """The most bytes of a request any refused row keeps (params as stored, and body), but 422s."""
    db = client.app.state.resources.db  # type: ignore[attr-defined]
    refusals = select(event_log.c.params, event_log.c.body).where(
        event_log.c.outcome == "rejected", event_log.c.status_code != 422
    )
    with db.read.connect() as conn:
        kept = [len(json.dumps(params)) + len(body or b"") for params, body in conn.execute(refusals)]
    return max(kept, default=0)


def header_for(choice: str | None) -> dict[str, str]:
    if choice is None:
        return {}
    if choice == "basic":
        return {"Authorization": "Basic " + base64.b64encode(":".join(TVOX).encode()).decode()}
    if choice == "wrong":
        return {"Authorization": "Basic " + base64.b64encode(b"tvox:guess").decode()}
    return {"Authorization": choice}


@hypothesis_settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    path=st.sampled_from(PATHS),
    method=st.sampled_from(METHODS),
    query=queries,
    body=bodies,
    content_type=st.sampled_from(CONTENT_TYPES),
    authorization=authorizations,
)
def test_any_request_to_a_webhook_path_is_answered_below_500_and_logged(
    anonymous_client: TestClient,
    path: str,
    method: str,
    query: str,
    body: bytes | None,
    content_type: str | None,
    authorization: str | None,
) -> None:
    headers = header_for(authorization)
    if content_type is not None:
        headers["Content-Type"] = content_type
    url = httpx.URL(f"http://testserver{path}").copy_with(query=query.encode("ascii"))
    before = log_size(anonymous_client)
    response = anonymous_client.request(method, url, content=body, headers=headers)
    assert response.status_code < 500, response.text
    assert log_size(anonymous_client) == before + 1
    assert largest_refusal_kept(anonymous_client) <= EXCERPT
    if response.status_code == 200:
        assert authorization == "basic"
