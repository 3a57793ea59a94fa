"""ingest/requests.py: the one reading of a webhook request. A stored request read again gives what the
webhook recorded when it arrived (any tutorial or native request, GET or POST, on both databases), and
the path decides which webhook reads it."""

from __future__ import annotations

from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import select
from tests.web.test_never_5xx_stateful import native_requests, tutorial_requests

from tvox_journey.ingest.mapping import Mappings
from tvox_journey.ingest.requests import native_segments, read_request
from tvox_journey.store.codec import event_to_json
from tvox_journey.store.schema import event_log

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def test_a_stored_request_read_again_gives_what_the_webhook_recorded(client: TestClient) -> None:
    resources = client.app.state.resources  # type: ignore[attr-defined]
    zone = ZoneInfo(resources.settings.tvox_timezone)

    @hypothesis_settings(
        max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(request=st.one_of(tutorial_requests(), native_requests()), post=st.booleans())
    def check(request: tuple[str, list[tuple[str, str]]], post: bool) -> None:
        path, params = request
        if post:
            response = client.post(path, content=urlencode(params), headers=FORM)
        else:
            response = client.get(path, params=params)
        assert response.status_code in (200, 422), response.text
        with resources.db.read.connect() as conn:
            row = conn.execute(select(event_log).order_by(event_log.c.seq.desc()).limit(1)).one()._mapping
        stored = [(str(name), str(value)) for name, value in row["params"]]
        reading = read_request(
            row["path"],
            stored,
            query_pairs=row["query_pairs"],
            mappings=resources.mappings,
            tvox_timezone=zone,
        )
        assert reading is not None
        assert reading.route == row["route"]
        assert reading.reason == row["reason"] or row["outcome"] == "duplicate"
        assert (reading.invalid is not None) == (row["outcome"] == "rejected")
        if reading.event is not None:
            assert event_to_json(reading.event) == row["event"]
        assert row["query_pairs"] == (0 if post else len(params))

    check()


def test_the_path_decides_which_webhook_reads_a_request() -> None:
    assert native_segments("/tvox/events") == (None, None)
    assert native_segments("/tvox/events/service") == ("service", None)
    assert native_segments("/crm/tvox/events/service/ring/") == ("service", "ring")
    for other in ("/tvox/events/a/b/c", "/tvox/eventsx", "/service/ring", "/tvox//events", "/tvox/events//x"):
        assert native_segments(other) is None, other
    ring = [("dateTime", "2026-11-24T09:00:00Z"), ("callId", "c1"), ("callerNumber", "0452224600")]
    for path in ("/service/ring", "/service/ring.php", "service/ring"):
        reading = read_request(path, ring, query_pairs=3, mappings=Mappings())
        assert reading is not None and reading.route == "service/ring" and reading.event is not None
    assert read_request("/no/such/path", ring, query_pairs=3, mappings=Mappings()) is None


def test_in_a_query_the_first_type_and_event_are_the_uris_and_in_a_body_they_are_variables() -> None:
    variables = [("dateISO", "2026-11-24T09:00:00Z"), ("idlastcall", "c1"), ("cli", "0452224600")]
    fixed = [("type", "service"), ("event", "ring"), *variables]
    as_query = read_request("/tvox/events", fixed, query_pairs=len(fixed), mappings=Mappings())
    assert as_query is not None and as_query.event is not None and as_query.route == "tvox/events"
    as_body = read_request("/tvox/events", fixed, query_pairs=0, mappings=Mappings())
    assert as_body is not None and as_body.invalid is not None and as_body.invalid.variable == "eventtype"
    only_type = read_request("/tvox/events", fixed, query_pairs=1, mappings=Mappings())  # event= in the body
    assert only_type is not None and only_type.event is not None and only_type.event.action.value == "ring"
